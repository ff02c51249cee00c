"""Model throughput: the Upscaler node inside `filmstudio render` against a bare loop around the
same spandrel model, on the same frames, with the same dtype and batch size, in one run.

* CPU: Real-ESRGAN's Compact architecture (32 features, 8 convolutions, x2, random weights) on a
  480p clip; the whole script takes well under a minute on two cores.
* CUDA: DAT-light x2 when installed (`filmstudio models install dat-light-x2`), else an ESRGAN of
  Real-ESRGAN's size (23 RRDB blocks, 64 features, random weights), 960x540 -> 1920x1080. The
  host<->device copies of frame data are counted (torch profiler) across
  Read -> Upscaler -> Color Corrector -> Merge (A: the upscaled frame shrunk by a Transform) ->
  Write: the target is one upload and one download per frame.

Both sides decode the same H.264 source, convert it to the working space and to the model's sRGB
and back with the same colour functions, run the model and encode H.264 (ultrafast): the render
adds FilmStudio's engine (scheduling, look-ahead, caching decisions) and the node around the model.
Interleaved three times, best of each (other work on the machine only ever adds time).
Target ratio (bare / render) >= 0.9.

Last line: RESULT model_ratio=<x> copies_per_frame=<n>
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as `import filmstudio` does, before torch loads
import torch
from common import timed_render

FPS = 24


def make_source(path: Path, width: int, height: int, frames: int) -> Path:
    """A moving, detailed clip (ultrafast)."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    base = np.stack([x / width, y / height, 0.5 + 0.5 * np.sin(x / 7.0) * np.cos(y / 5.0)], axis=-1)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=FPS, options={"preset": "ultrafast", "crf": "16"})
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for index in range(frames):
            pixels = (np.roll(base, 3 * index, axis=1) * 255).astype(np.uint8)
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            frame.pts = index
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return path


def make_model(folder: Path, cuda: bool) -> tuple[Path, str]:
    """(weights file, what it is): DAT-light if installed (CUDA), else random weights of a real
    architecture saved as safetensors."""
    from safetensors.torch import save_file

    torch.manual_seed(0)
    if cuda:
        from filmstudio.models.errors import ModelError
        from filmstudio.models.store import ModelStore

        try:
            return ModelStore().find("dat-light-x2").path, "DAT-light x2"
        except ModelError:
            from spandrel.architectures.ESRGAN import ESRGAN

            net, what = ESRGAN(in_nc=3, out_nc=3, num_filters=64, num_blocks=23, scale=2), "ESRGAN 23x64 x2"
    else:
        from spandrel.architectures.Compact import Compact

        net = Compact(num_in_ch=3, num_out_ch=3, num_feat=32, num_conv=8, upscale=2)
        what = "Compact 32x8 x2"
    path = folder / "model.safetensors"
    save_file({k: v.contiguous() for k, v in net.state_dict().items()}, str(path))
    return path, what


def build_project(source: Path, model: Path, frames: int, width: int, height: int, chain: bool):
    from filmstudio.core.project import Project

    project = Project(fps=FPS, frame_range=(1, frames), width=2 * width, height=2 * height)
    read = project.add_node("Read", file=str(source), colorspace="sRGB")
    up = project.connect(read, project.add_node("Upscaler", method="model", model=str(model), tile_size=0))
    last = up
    if chain:  # the CUDA copy count: everything after the Upscaler stays on the GPU
        graded = project.connect(up, project.add_node("ColorCorrector", saturation=1.1, gain=1.05))
        inset = project.connect(up, project.add_node("Transform", scale=(0.4, 0.4), center=(0.5, 0.5)))
        last = project.add_node("Merge")
        project.connect(graded, last, target_port="B")
        project.connect(inset, last, target_port="A")
    write = project.add_node("Write", preset="h264", speed="ultrafast", crf=18, colorspace="sRGB")
    project.connect(last, write)
    return project


def render_bare(source: Path, model_path: Path, output: Path, device: str, batch: int) -> float:
    """The same work without the engine and the node: decode, the same colour conversions (file
    -> working space -> the model's sRGB -> working space -> file), the spandrel model (loaded
    with spandrel itself), encode."""
    import spandrel

    from filmstudio.colour import from_working, to_working
    from filmstudio.models.device import choose_dtype

    descriptor = spandrel.ModelLoader().load_from_file(str(model_path)).eval()
    dtype = choose_dtype(device, descriptor.supports_half, descriptor.supports_bfloat16)
    descriptor.to(device=torch.device(device), dtype=dtype)
    started = time.perf_counter()
    with av.open(str(source)) as container, av.open(str(output), "w") as out:
        decoder = container.streams.video[0]
        stream = out.add_stream("libx264", rate=FPS, options={"preset": "ultrafast", "crf": "18"})
        stream.width, stream.height, stream.pix_fmt = 2 * decoder.width, 2 * decoder.height, "yuv420p"
        pending: list[torch.Tensor] = []
        index = 0

        def flush() -> None:
            nonlocal index
            images = torch.stack(pending).to(device=device, dtype=dtype)
            with torch.inference_mode():
                upscaled = descriptor(images).float()
            for rgb in upscaled:
                image = to_working(torch.cat([rgb, torch.ones_like(rgb[:1])]), "sRGB")
                encoded = from_working(image, "sRGB")[:3]
                pixels = (encoded.clamp(0, 1) * 255).round().byte().permute(1, 2, 0).cpu().numpy()
                video = av.VideoFrame.from_ndarray(np.ascontiguousarray(pixels), format="rgb24")
                video.pts, video.time_base = index, Fraction(1, FPS)
                out.mux(stream.encode(video.reformat(format="yuv420p")))
                index += 1
            pending.clear()

        for frame in container.decode(decoder):
            rgb = torch.from_numpy(frame.to_ndarray(format="rgb24")).permute(2, 0, 1).float() / 255
            working = to_working(torch.cat([rgb, torch.ones_like(rgb[:1])]), "sRGB")
            pending.append(from_working(working, "sRGB")[:3].clamp(0, 1))
            if len(pending) == batch:
                flush()
        if pending:
            flush()
        out.mux(stream.encode())
    return time.perf_counter() - started


def count_copies(project, output: Path, frames: int, frame_bytes: int) -> tuple[float, float, int]:
    """(uploads per frame, downloads per frame, small copies) of frame-sized data during a render,
    from the CUDA profiler's memcpy events (a copy of at least a quarter of an input frame's
    float32 pixels counts as frame data; the rest are parameters and flags)."""
    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]) as profiler:
        timed_render(project, output)
    trace = output.with_suffix(".json")
    profiler.export_chrome_trace(str(trace))
    events = [e for e in json.loads(trace.read_text())["traceEvents"] if e.get("cat") == "gpu_memcpy"]
    big = [e for e in events if e.get("args", {}).get("bytes", frame_bytes) >= frame_bytes // 4]
    uploads = sum("HtoD" in e.get("name", "") for e in big)
    downloads = sum("DtoH" in e.get("name", "") for e in big)
    return uploads / frames, downloads / frames, len(events) - len(big)


def main() -> int:
    from filmstudio.engine.executors import detect_compute_device
    from filmstudio_nodes.upscale import Upscaler

    device = detect_compute_device()
    cuda = device.startswith("cuda")
    width, height, frames = (960, 540, 48) if cuda else (854, 480, 12)
    batch = Upscaler.batch_size if cuda else 1  # the runtime runs CPU batches frame by frame
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        source = make_source(work / "source.mp4", width, height, frames)
        model, what = make_model(work, cuda)
        project = build_project(source, model, frames, width, height, chain=False)
        # First use (model load, kernels) on both sides, then interleaved, best of two each.
        timed_render(build_project(source, model, 2, width, height, False), work / "warm.mp4")
        render_bare(
            make_source(work / "warm_source.mp4", width, height, batch), model, work / "w.mp4", device, batch
        )
        ours = bare = float("inf")
        for _ in range(3):
            ours = min(ours, timed_render(project, work / "ours.mp4"))
            bare = min(bare, render_bare(source, model, work / "bare.mp4", device, batch))
        size = f"{width}x{height} -> {2 * width}x{2 * height}"
        print(f"{what} on {device}, {size}, {frames} frames, batch {batch}")
        print(f"  Upscaler in a render {ours:.2f} s ({frames / ours:.2f} fps), bare loop {bare:.2f} s")
        copies = 0.0
        if cuda:
            chain = build_project(source, model, frames, width, height, chain=True)
            up, down, small = count_copies(chain, work / "chain.mp4", frames, width * height * 3 * 4)
            copies = up + down
            print(
                f"  Read -> Upscaler -> Color Corrector -> Merge: {up:.2f} uploads and {down:.2f} "
                f"downloads of frame data per frame ({small} small copies of parameters/flags in all)"
            )
        else:
            print("  no CUDA device: no host<->device copies to count")
    print(f"whole benchmark {time.perf_counter() - started:.1f} s")
    print(f"RESULT model_ratio={bare / ours:.3f} copies_per_frame={copies:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
