"""Export speed against the FFmpeg command line doing the same job.

A generated noisy 1080p clip (120 frames, H.264) is graded and encoded both ways:

* ours: :func:`filmstudio.render.export.render` of Read -> Grade -> Write (H.264, x264 ultrafast,
  crf 18), which fuses the run into one colour operation (see filmstudio.engine.fusion);
* ffmpeg: ``ffmpeg -vf lutrgb=...`` with the same per-channel gain and offset on linear light,
  the same encoder settings.

Interleaved, best of three each (the machine's noise only ever adds time), after a short warm-up
render. Also checks the fused colour against the nodes evaluated one by one on every tenth frame
of the clip (max difference, in 8-bit codes, before rounding). Needs the ``ffmpeg`` program
(Debian: ``apt-get install ffmpeg``); without it the benchmark says so and stops.

Target: ffmpeg_ratio >= 0.8 (the goal beyond it is >= 1.0).
Last line: RESULT ffmpeg_ratio=<ffmpeg seconds / our seconds>
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import av
import numpy as np

FPS = 24
FRAMES = int(os.environ.get("EXPORT_FRAMES", "120"))
WIDTH, HEIGHT = 1920, 1080
GAIN = (1.15, 1.0, 0.85)  # in linear light (the working space)
OFFSET = (0.01, 0.0, -0.005)


def make_noisy_clip(path: Path, frames: int = FRAMES) -> Path:
    """A moving gradient with film-grain-like noise (sigma 12 codes), H.264 crf 18, Rec.709."""
    rng = np.random.default_rng(19)
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    base = np.stack([x / WIDTH, y / HEIGHT, 0.5 + 0.5 * np.sin(x / 37.0) * np.cos(y / 23.0)], axis=-1) * 255
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=FPS, options={"preset": "ultrafast", "crf": "18"})
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        for index in range(frames):
            noise = rng.normal(0.0, 12.0, (HEIGHT, WIDTH, 1)).astype(np.float32)
            pixels = np.clip(np.roll(base, 4 * index, axis=1) + noise, 0, 255).astype(np.uint8)
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24").reformat(
                format="yuv420p", dst_colorspace="ITU709", dst_color_range="MPEG"
            )
            frame.pts = index
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return path


def project_for(source: Path, frames: int):
    from filmstudio.core.project import Project

    project = Project(fps=FPS, frame_range=(1, frames), width=WIDTH, height=HEIGHT)
    read = project.add_node("Read", file=str(source))
    grade = project.connect(read, project.add_node("Grade", gain=(*GAIN, 1.0), offset=(*OFFSET, 0.0)))
    project.connect(grade, project.add_node("Write", preset="h264", speed="ultrafast", crf=18))
    return project


def render_ours(source: Path, output: Path, frames: int = FRAMES) -> tuple[float, object]:
    from filmstudio.render.export import render

    project = project_for(source, frames)
    started = time.perf_counter()
    result = render(project, output=output)
    assert result.frames == frames, result
    return time.perf_counter() - started, result


def ffmpeg_grade() -> str:
    """The Grade as lutrgb expressions: Rec.709 codes to light, gain and offset, back to codes."""
    channels = []
    for name, gain, offset in zip("rgb", GAIN, OFFSET, strict=True):
        light = f"max(pow(val/255,2.4)*{gain}+{offset},0)"
        channels.append(f"{name}='clip(pow({light},1/2.4)*255,0,255)'")
    return "lutrgb=" + ":".join(channels)


def render_ffmpeg(source: Path, output: Path) -> float:
    command = [
        "ffmpeg", "-v", "error", "-y", "-i", str(source), "-vf", ffmpeg_grade(),
        "-c:v", "libx264", "-preset", "ultrafast", "-crf", "18", "-pix_fmt", "yuv420p", str(output),
    ]  # fmt: skip
    started = time.perf_counter()
    subprocess.run(command, check=True)
    return time.perf_counter() - started


def fused_against_nodes(source: Path, every: int = 10) -> tuple[float, float, int]:
    """(max difference before rounding in 8-bit codes, share of written codes that differ, frames
    checked): the fused colour against Read, Grade and Write evaluated one by one."""
    import torch

    from filmstudio.engine.engine import Engine
    from filmstudio.engine.fusion import plan_fusion
    from filmstudio.media.reader import VideoReader
    from filmstudio.media.settings import plan_encode
    from filmstudio.render.fused import FusedSource
    from filmstudio.render.settings import encode_settings, output_image

    project = project_for(source, FRAMES)
    write = project.graph.node("Write1")
    frames = project.settings.frame_range
    run = plan_fusion(project, write, frames)
    fused = FusedSource.open(project, run, plan_encode(encode_settings(project, write, frames)), 1).fused
    worst, differing, checked = 0.0, 0, 0
    with Engine(project) as engine, VideoReader(source) as reader:
        for frame in range(1, FRAMES + 1, every):
            image = engine.evaluate("Write1", frame, cache_frames=False)
            exact = output_image(image, write, write.values_at(frame), Path("x.mp4"))[:3]
            exact = exact.clamp(0, 1).permute(1, 2, 0).numpy()
            codes = reader.read(frame - 1)
            ours = np.clip(fused.evaluate(codes), 0.0, 1.0)
            worst = max(worst, float(np.abs(ours - exact).max()) * 255)
            written = fused.apply_packed(codes).astype(np.int16)
            reference = torch.from_numpy(exact).mul(255).round().numpy().astype(np.int16)
            differing += int((written != reference).sum())
            checked += 1
    return worst, differing / (checked * WIDTH * HEIGHT * 3), checked


def main() -> int:
    if shutil.which("ffmpeg") is None:
        print("SKIP: no ffmpeg program to compare with (Debian: apt-get install ffmpeg)")
        return 0
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        started = time.perf_counter()
        source = make_noisy_clip(work / "noisy.mp4")
        print(f"made a {FRAMES}-frame noisy 1080p clip in {time.perf_counter() - started:.1f} s")
        render_ours(source, work / "warmup.mp4", 6)  # first-use costs: compiled kernels, OCIO
        print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
        ours = theirs = float("inf")
        best = None
        for _ in range(3):
            seconds, result = render_ours(source, work / "ours.mp4")
            if seconds < ours:
                ours, best = seconds, result
            theirs = min(theirs, render_ffmpeg(source, work / "ffmpeg.mp4"))
        print(f"load average after: {os.getloadavg()[0]:.2f}")
        print(f"ours   {ours:6.2f} s ({FRAMES / ours:5.1f} fps)  {best.fusion}")
        print("        busy per stage: " + ", ".join(f"{name} {busy:.2f} s" for name, busy in best.stages))
        print(f"ffmpeg {theirs:6.2f} s ({FRAMES / theirs:5.1f} fps)  -vf {ffmpeg_grade()}")
        worst, share, checked = fused_against_nodes(source)
        print(
            f"fused vs nodes one by one on {checked} frames: max {worst:.3f}/255 before rounding, "
            f"{share:.2e} of the written codes differ (by one)"
        )
    print(f"RESULT ffmpeg_ratio={theirs / ours:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
