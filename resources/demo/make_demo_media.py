"""Make the demo clip resources/demo/media/launch.mp4 from the two photographs in source/.

Two shots of slow camera moves over still photographs (a rocket launch, then a coffee cup), 5 s at
24 fps, 640x360 H.264 with a stereo AAC ambience track, so the demo shows grading, titles,
trimming and audio passthrough on footage that looks like footage. Run it again to rebuild the clip:

    .venv/bin/python resources/demo/make_demo_media.py

Sources (both from scikit-image's sample data, shipped in its wheel):
  source/rocket.jpg  DSCOVR launch on Falcon 9, by SpaceX, released into the public domain.
  source/coffee.png  Coffee cup, courtesy of Pikolo Espresso Bar; CC0 by the photographer (Rachel Michetti).
"""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image

HERE = Path(__file__).resolve().parent
WIDTH, HEIGHT, FPS = 640, 360, 24
SHOT_FRAMES = 60
SAMPLE_RATE = 48_000


def camera_move(
    photo: Image.Image, frames: int, zoom: tuple[float, float], drift: tuple[float, float], seed: int
):
    """Frames of a slow push-in with a gentle drift and a little handheld float."""
    rng = np.random.default_rng(seed)
    wobble = rng.normal(size=(4,)) * 2 * math.pi
    cover = max(WIDTH / photo.width, HEIGHT / photo.height)
    for index in range(frames):
        t = index / (frames - 1)
        ease = t * t * (3 - 2 * t)
        scale = cover * (zoom[0] + (zoom[1] - zoom[0]) * ease)
        crop_w, crop_h = WIDTH / scale, HEIGHT / scale
        float_x = 1.5 * math.sin(2 * math.pi * 0.31 * index / FPS + wobble[0])
        float_y = 1.0 * math.sin(2 * math.pi * 0.23 * index / FPS + wobble[1])
        centre_x = photo.width / 2 + drift[0] * ease * (photo.width - crop_w) / 2 + float_x
        centre_y = photo.height / 2 + drift[1] * ease * (photo.height - crop_h) / 2 + float_y
        left = min(max(centre_x - crop_w / 2, 0), photo.width - crop_w)
        top = min(max(centre_y - crop_h / 2, 0), photo.height - crop_h)
        box = (left, top, left + crop_w, top + crop_h)
        yield np.asarray(photo.resize((WIDTH, HEIGHT), Image.Resampling.LANCZOS, box=box))


def ambience(seconds: float) -> np.ndarray:
    """A soft evolving pad (stereo float32), faded in and out."""
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    notes = (110.0, 164.81, 220.0, 277.18)
    left = sum(
        np.sin(2 * np.pi * f * t + i) * (0.5 + 0.5 * np.sin(2 * np.pi * 0.2 * t + i))
        for i, f in enumerate(notes)
    )
    right = sum(
        np.sin(2 * np.pi * f * 1.003 * t + i) * (0.5 + 0.5 * np.cos(2 * np.pi * 0.17 * t + i))
        for i, f in enumerate(notes)
    )
    fade = np.clip(np.minimum(t / 0.5, (seconds - t) / 0.5), 0, 1)
    return (np.stack([left, right]) * fade * 0.08).astype(np.float32)


def main() -> None:
    output = HERE / "media" / "launch.mp4"
    output.parent.mkdir(exist_ok=True)
    rocket = Image.open(HERE / "source" / "rocket.jpg").convert("RGB")
    coffee = Image.open(HERE / "source" / "coffee.png").convert("RGB")
    shots = [
        camera_move(rocket, SHOT_FRAMES, (1.0, 1.18), (0.0, -0.6), seed=1),
        camera_move(coffee, SHOT_FRAMES, (1.05, 1.2), (0.5, 0.2), seed=2),
    ]
    with av.open(str(output), "w") as container:
        video = container.add_stream("libx264", rate=FPS)
        video.width, video.height, video.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        video.options = {"crf": "20", "preset": "slow", "g": "48", "bf": "2"}
        video.color_primaries = video.color_trc = video.colorspace = 1  # BT.709 tags
        audio = container.add_stream("aac", rate=SAMPLE_RATE, layout="stereo")
        index = 0
        for shot in shots:
            for pixels in shot:
                frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
                frame.pts = index
                frame.time_base = Fraction(1, FPS)
                container.mux(video.encode(frame.reformat(format="yuv420p")))
                index += 1
        container.mux(video.encode())
        samples = ambience(index / FPS)
        for start in range(0, samples.shape[1], 1024):
            block = np.ascontiguousarray(samples[:, start : start + 1024])
            chunk = av.AudioFrame.from_ndarray(block, format="fltp", layout="stereo")
            chunk.sample_rate, chunk.pts = SAMPLE_RATE, start
            container.mux(audio.encode(chunk))
        container.mux(audio.encode())
    print(f"wrote {output} ({output.stat().st_size / 1e6:.2f} MB, {index} frames)")


if __name__ == "__main__":
    main()
