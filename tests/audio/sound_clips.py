"""Movies with known sound for the audio tests: a tiny picture and lossless PCM, so what a Read
decodes can be compared with the samples written, exactly."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np


def write_movie_with_sound(
    path: Path,
    samples: np.ndarray,
    rate: int = 48_000,
    fps: Fraction = Fraction(24),
    frames: int = 24,
    size: int = 16,
    codec: str = "pcm_f32le",
) -> Path:
    """A .mov (or .mkv) of ``frames`` grey frames and ``samples`` (``[channels, n]`` float32) as
    PCM at ``rate``."""
    channels = samples.shape[0]
    with av.open(str(path), "w") as container:
        video = container.add_stream("libx264", rate=fps, options={"preset": "ultrafast"})
        video.width = video.height = size
        video.pix_fmt = "yuv420p"
        audio = container.add_stream(codec, rate=rate, layout="mono" if channels == 1 else "stereo")
        chunk = 1024
        planar = np.ascontiguousarray(samples, dtype=np.float32)
        for start in range(0, planar.shape[1], chunk):
            part = planar[:, start : start + chunk]
            frame = av.AudioFrame.from_ndarray(part, format="fltp", layout=audio.layout)
            frame.sample_rate, frame.pts, frame.time_base = rate, start, Fraction(1, rate)
            for packet in audio.encode(frame):
                container.mux(packet)
        for packet in audio.encode(None):
            container.mux(packet)
        grey = np.full((size, size, 3), 128, np.uint8)
        for number in range(frames):
            frame = av.VideoFrame.from_ndarray(grey, format="rgb24")
            frame.pts = number
            for packet in video.encode(frame):
                container.mux(packet)
        for packet in video.encode(None):
            container.mux(packet)
    return path


def noise(channels: int, count: int, seed: int = 0, level: float = 0.5) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-level, level, (channels, count)).astype(np.float32)
