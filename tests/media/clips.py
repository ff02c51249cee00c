"""Test clips written with PyAV: every frame carries its own number in its pixels, so mix-ups show.

Frame ``k`` has a top band of 10 black/white blocks holding ``k`` in binary (big enough to survive lossy
codecs and chroma subsampling), and below it a moving texture and a moving square so encoders see
motion and real B-frames. :func:`frame_number` reads the number back from a decoded, upright array.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

BITS = 10


@dataclass(frozen=True)
class ClipSpec:
    """What a generated clip is, so tests can check probe and reader against it."""

    name: str
    path: Path
    frame_count: int
    fps: Fraction | None  # None for variable frame rate
    width: int  # upright size, as readers return frames
    height: int
    rotation: int = 0  # clockwise degrees to stand upright
    vfr: bool = False
    bit_depth: int = 8
    has_alpha: bool = False
    audio_channels: int = 0
    codec: str = "h264"
    colour_space: str | None = None


def frame_pixels(k: int, width: int, height: int, *, alpha: bool = False, depth: int = 8) -> np.ndarray:
    """RGB(A) pixels of frame ``k``: uint8 for ``depth`` 8, else uint16 using the full 16-bit range."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    texture = 128 + 60 * np.sin((x + 3 * k) / 7.0) * np.cos((y - 2 * k) / 5.0)
    red = texture
    green = np.roll(texture, 11, axis=1)
    blue = 255 - texture
    rgb = np.stack([red, green, blue], axis=-1)
    side = max(8, min(width, height) // 8)
    left = (5 * k) % max(1, width - side)
    top = height // 2
    rgb[top : top + side, left : left + side] = (250, 240, 20)
    band = band_height(height)
    block = width // BITS
    for bit in range(BITS):
        rgb[:band, bit * block : (bit + 1) * block] = 235 if (k >> bit) & 1 else 16
    channels = [rgb]
    if alpha:
        ramp = np.broadcast_to(np.linspace(0, 255, width, dtype=np.float32), (height, width)).copy()
        ramp[:band] = 255
        channels.append(ramp[..., None])
    pixels = np.concatenate(channels, axis=-1)
    if depth == 8:
        return np.clip(np.rint(pixels), 0, 255).astype(np.uint8)
    return np.clip(np.rint(pixels * 257), 0, 65535).astype(np.uint16)


def band_height(height: int) -> int:
    return max(8, min(32, height // 5))


def frame_number(array: np.ndarray, rotation: int = 0) -> int:
    """Read back the number :func:`frame_pixels` wrote, from an upright ``HxWxC`` array."""
    stored = np.rot90(array, k=(rotation // 90) % 4) if rotation else array
    values = stored[..., :3].astype(np.float64)
    if array.dtype == np.uint16:
        values /= 257.0
    elif array.dtype.kind == "f":
        values *= 255.0
    height, width = stored.shape[:2]
    band, block = band_height(height), width // BITS
    number = 0
    for bit in range(BITS):
        cell = values[2 : band - 2, bit * block + 2 : (bit + 1) * block - 2]
        if cell.mean() > 128:
            number |= 1 << bit
    return number


def write_clip(
    path: Path,
    *,
    codec: str,
    frames: int,
    width: int,
    height: int,
    pix_fmt: str,
    fps: Fraction | int = 24,
    options: dict[str, str] | None = None,
    profile: str | None = None,
    alpha: bool = False,
    depth: int = 8,
    matrix: str = "ITU709",
    tags: tuple[int, int, int] | None = (1, 1, 1),
    rotation_ccw: float | None = None,
    pts_ms: list[int] | None = None,
    audio: bool = False,
) -> Path:
    """Encode ``frames`` numbered frames (and optionally a stereo AAC sine track of the same length)."""
    with av.open(str(path), mode="w") as container:
        if pts_ms is None:
            stream = container.add_stream(codec, rate=Fraction(fps), options=options or {})
        else:
            stream = container.add_stream(codec, options=options or {})
            stream.codec_context.time_base = Fraction(1, 1000)
        stream.width, stream.height, stream.pix_fmt = width, height, pix_fmt
        if profile:
            stream.codec_context.profile = profile
        if tags:
            context = stream.codec_context
            context.color_primaries, context.color_trc, context.colorspace = tags
            context.color_range = 1
        if rotation_ccw is not None:
            stream.set_display_rotation(rotation_ccw)
        audio_stream = container.add_stream("aac", rate=48000, layout="stereo") if audio else None
        source_format = ("rgba" if alpha else "rgb24") if depth == 8 else ("rgba64le" if alpha else "rgb48le")
        for k in range(frames):
            pixels = frame_pixels(k, width, height, alpha=alpha, depth=depth)
            frame = av.VideoFrame.from_ndarray(pixels, format=source_format)
            frame = frame.reformat(format=pix_fmt, dst_colorspace=matrix, dst_color_range="MPEG")
            if pts_ms is None:
                frame.pts = k
            else:
                frame.pts, frame.time_base = pts_ms[k], Fraction(1, 1000)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
        if audio_stream is not None:
            seconds = frames / float(fps) if pts_ms is None else pts_ms[-1] / 1000.0
            _write_sine(container, audio_stream, seconds)
    return path


def _write_sine(container: av.container.OutputContainer, stream: av.AudioStream, seconds: float) -> None:
    rate, chunk = 48000, 1024
    total = round(seconds * rate)
    for start in range(0, total, chunk):
        count = min(chunk, total - start)
        t = (np.arange(start, start + count) / rate).astype(np.float32)
        samples = np.stack([np.sin(2 * np.pi * 440 * t), 0.5 * np.sin(2 * np.pi * 660 * t)]).astype(
            np.float32
        )
        frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout="stereo")
        frame.sample_rate, frame.pts = rate, start
        for packet in stream.encode(frame):
            container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)


def vfr_timestamps(count: int, seed: int = 7) -> list[int]:
    rng = np.random.default_rng(seed)
    steps = rng.choice([20, 33, 41, 50, 67, 100], size=count - 1)
    return [0, *np.cumsum(steps).astype(int).tolist()]


def make_clips(folder: Path) -> dict[str, ClipSpec]:
    """Write every test clip into ``folder`` (about 2 s on one core) and describe each."""
    x264 = "keyint=60:min-keyint=60:scenecut=0:bframes=3:b-adapt=0"
    specs = [
        ClipSpec("h264_long_gop", folder / "h264_long_gop.mp4", 150, Fraction(25), 320, 180,
                 colour_space="Rec.709"),
        ClipSpec("h264_audio", folder / "h264_audio.mp4", 72, Fraction(24), 320, 180, audio_channels=2),
        ClipSpec("h265_10bit", folder / "h265_10bit.mkv", 64, Fraction(30), 192, 108, bit_depth=10,
                 codec="hevc", colour_space="Rec.2020"),
        ClipSpec("prores_4444_alpha", folder / "prores_4444_alpha.mov", 40, Fraction(24), 160, 90,
                 bit_depth=12, has_alpha=True, codec="prores"),
        ClipSpec("vfr", folder / "vfr.mp4", 90, None, 320, 180, vfr=True),
        ClipSpec("odd_853x481", folder / "odd_853x481.mp4", 20, Fraction(24), 853, 481),
        ClipSpec("rotated", folder / "rotated.mp4", 48, Fraction(24), 180, 320, rotation=90),
    ]  # fmt: skip
    clips = {spec.name: spec for spec in specs}
    write_clip(
        clips["h264_long_gop"].path,
        codec="libx264",
        frames=150,
        fps=25,
        width=320,
        height=180,
        pix_fmt="yuv420p",
        options={"x264-params": x264},
    )
    write_clip(
        clips["h264_audio"].path,
        codec="libx264",
        frames=72,
        width=320,
        height=180,
        pix_fmt="yuv420p",
        options={"x264-params": "keyint=24:bframes=2"},
        tags=None,
        audio=True,
    )
    write_clip(
        clips["h265_10bit"].path,
        codec="libx265",
        frames=64,
        fps=30,
        width=192,
        height=108,
        pix_fmt="yuv420p10le",
        depth=16,
        matrix="BT2020",
        tags=(9, 14, 9),
        options={"x265-params": "keyint=24:min-keyint=24:bframes=3:open-gop=1:log-level=error"},
    )
    write_clip(
        clips["prores_4444_alpha"].path,
        codec="prores_ks",
        frames=40,
        width=160,
        height=90,
        pix_fmt="yuva444p10le",
        options={"profile": "4444"},
        alpha=True,
        depth=16,
    )
    write_clip(
        clips["vfr"].path,
        codec="libx264",
        frames=90,
        width=320,
        height=180,
        pix_fmt="yuv420p",
        options={"x264-params": "keyint=30:bframes=2"},
        pts_ms=vfr_timestamps(90),
    )
    write_clip(
        clips["odd_853x481"].path,
        codec="libx264",
        frames=20,
        width=853,
        height=481,
        pix_fmt="yuv444p",
        options={"x264-params": "keyint=10:bframes=2"},
    )
    write_clip(
        clips["rotated"].path,
        codec="libx264",
        frames=48,
        width=320,
        height=180,
        pix_fmt="yuv420p",
        options={"x264-params": "keyint=16:bframes=2"},
        rotation_ccw=-90,
    )
    return clips


def write_paced_clip(
    path: Path,
    durations: list[int],
    time_base: Fraction,
    *,
    width: int = 160,
    height: int = 96,
    beeps: tuple[int, ...] = (),
) -> list[Fraction]:
    """A variable-rate clip, as phones record: numbered frame ``k`` stays on screen ``durations[k]``
    ticks of ``time_base``. With ``beeps``, a mono AAC track, silent but for a 1 kHz beep of 40 ms
    starting the moment each of those frames appears. Returns each frame's start in seconds."""
    starts = [Fraction(0)]
    for ticks in durations[:-1]:
        starts.append(starts[-1] + ticks * time_base)
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("libx264", options={"x264-params": "keyint=12:bframes=2", "qp": "0"})
        stream.codec_context.time_base = time_base
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv444p"
        sound = container.add_stream("aac", rate=48000, layout="mono") if beeps else None
        for k, start in enumerate(starts):
            frame = av.VideoFrame.from_ndarray(frame_pixels(k, width, height), format="rgb24")
            frame.pts, frame.time_base = int(start / time_base), time_base
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
        if sound is not None:
            seconds = starts[-1] + durations[-1] * time_base
            _write_beeps(container, sound, [starts[k] for k in beeps], seconds)
    return starts


def _write_beeps(
    container: av.container.OutputContainer, stream: av.AudioStream, at: list[Fraction], seconds: Fraction
) -> None:
    rate, chunk = 48000, 1024
    samples = np.zeros(int(seconds * rate), np.float32)
    beep = 0.8 * np.sin(2 * np.pi * 1000 * np.arange(int(0.04 * rate)) / rate).astype(np.float32)
    for moment in at:
        first = int(moment * rate)
        samples[first : first + len(beep)] = beep[: len(samples) - first]
    for start in range(0, len(samples), chunk):
        frame = av.AudioFrame.from_ndarray(samples[None, start : start + chunk], format="fltp", layout="mono")
        frame.sample_rate, frame.pts = rate, start
        for packet in stream.encode(frame):
            container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)
