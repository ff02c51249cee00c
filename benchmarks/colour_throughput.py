"""Colour throughput: ColorCorrector -> LUT -> Merge on a 1080p frame, through the engine, against
the same operations written directly in torch (and OCIO's CPU processor for the LUT).

Each round changes the grade's exposure a little, so the three nodes run again while the plates
come from the cache, and runs the direct version on the same plates. Rounds are interleaved (the
side that goes first alternates) so both sides see the same machine; the first ones warm up and are
not counted. The ratio is the median over rounds of each round's direct/engine time ratio, which a
shared, noisy machine disturbs least; the medians of both times are printed too. Both sides call
OCIO's CPU processor once per frame for the LUT. On CUDA the same comparison runs with the frames
on the GPU, where the LUT is interpolated in torch on both sides.

Target: colour_ratio = direct time / engine time >= 0.9.
Last line: RESULT colour_ratio=<x> (plus cuda_colour_ratio=<y> when a GPU is present)
"""

from __future__ import annotations

import math
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import PyOpenColorIO as ocio

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as `import filmstudio` does, before torch loads
import torch

from filmstudio.core.node import Node, Output
from filmstudio.core.params import ChoiceParam
from filmstudio.core.project import Project
from filmstudio.core.registry import NodeRegistry
from filmstudio.core.types import PortType
from filmstudio.engine.engine import Engine
from filmstudio.engine.memory import tune_allocator
from filmstudio_nodes import NODES

WIDTH, HEIGHT = 1920, 1080
ROUNDS = 15
WARMUP = 6  # enough for the engine's cache to fill up to its budget: the steady state is measured
LUT_SIZE = 33
GRADE = {
    "lift": 0.02,
    "gamma": 1.1,
    "gain_rgb": (1.1, 1.0, 0.9),
    "offset": 0.005,
    "contrast": 1.15,
    "pivot": 0.18,
    "saturation": 1.2,
}
LUMA = (0.2126, 0.7152, 0.0722)
PLATES: dict[str, torch.Tensor] = {}


class Plate(Node):
    """A fixed benchmark image (foreground or background) on the device the benchmark chose."""

    id = "bench.Plate"
    outputs = (Output("image", PortType.IMAGE),)
    params = (ChoiceParam("which", ("foreground", "background")),)

    def evaluate(self, ctx: Any) -> Any:
        return PLATES[ctx.params.which]


def make_plates(device: str) -> None:
    generator = torch.Generator().manual_seed(1)
    colour = torch.rand(3, HEIGHT, WIDTH, generator=generator)
    alpha = (torch.rand(1, HEIGHT, WIDTH, generator=generator) * 1.5).clamp(0.0, 1.0)  # a third opaque
    PLATES["foreground"] = torch.cat([colour * alpha, alpha]).to(device)
    background = torch.rand(3, HEIGHT, WIDTH, generator=generator)
    PLATES["background"] = torch.cat([background, torch.ones(1, HEIGHT, WIDTH)]).to(device)


def write_lut(path: Path) -> Path:
    grid = np.linspace(0.0, 1.0, LUT_SIZE)
    r, g, b = np.meshgrid(grid, grid, grid, indexing="ij")
    table = np.stack([r**0.9 * 0.95 + 0.03 * g, g**1.1, 0.9 * b + 0.05 * np.sin(4 * r)], axis=-1).clip(0, 1)
    lines = [f"LUT_3D_SIZE {LUT_SIZE}"]
    lines += [
        "{:.6f} {:.6f} {:.6f}".format(*table[ri, gi, bi]) for bi, gi, ri in np.ndindex(*table.shape[:3])
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def build(lut: Path) -> tuple[Project, Any, Any]:
    project = Project(width=WIDTH, height=HEIGHT, frame_range=(1, 10), registry=NodeRegistry([*NODES, Plate]))
    plate = project.add_node("bench.Plate", which="foreground")
    background = project.add_node("bench.Plate", which="background")
    grade = project.connect(plate, project.add_node("ColorCorrector", **GRADE))
    look = project.connect(grade, project.add_node("LUT", file=str(lut), interpolation="tetrahedral"))
    merge = project.connect(look, project.add_node("Merge", operation="over"), target_port="A")
    project.connect(background, merge, target_port="B")
    return project, grade, merge


# --- the same operations, written directly --------------------------------------------------------


class Direct:
    """ColorCorrector + LUT + Merge over, by hand: torch maths, OCIO's CPU processor (or, for CUDA
    frames, a torch tetrahedral lookup) for the LUT."""

    def __init__(self, lut: Path) -> None:
        config = ocio.Config.CreateRaw()
        flags = ocio.OptimizationFlags(
            int(ocio.OPTIMIZATION_DEFAULT) & ~int(ocio.OPTIMIZATION_FAST_LOG_EXP_POW)
        )
        processor = config.getProcessor(ocio.FileTransform(str(lut), interpolation=ocio.INTERP_TETRAHEDRAL))
        self.cpu = processor.getOptimizedCPUProcessor(ocio.BIT_DEPTH_F32, ocio.BIT_DEPTH_F32, flags)
        table = next(iter(processor.createGroupTransform())).getData()
        self.table = torch.from_numpy(np.asarray(table, dtype=np.float32).reshape(-1, 3))

    def run(self, foreground: torch.Tensor, background: torch.Tensor, exposure: float) -> torch.Tensor:
        alpha = foreground[3:4]
        divisor = torch.where(alpha > 0, alpha, 1.0)
        rgb = foreground[:3] / divisor
        rgb = self.grade(rgb, exposure)
        rgb = self.lut(rgb)
        graded = torch.cat([rgb * divisor, alpha])
        return torch.addcmul(graded, background, 1.0 - alpha)

    @staticmethod
    def grade(rgb: torch.Tensor, exposure: float) -> torch.Tensor:
        lift, gain = GRADE["lift"], [g for g in GRADE["gain_rgb"]]
        slope = torch.tensor([2.0**exposure * (g - lift) for g in gain], device=rgb.device).view(3, 1, 1)
        offset = torch.full((3, 1, 1), lift + GRADE["offset"], device=rgb.device)
        out = torch.addcmul(offset, rgb, slope)
        # the power (1 / gamma) and the contrast around the pivot, folded into one power as the
        # node does: pivot * (x**p / pivot)**c == x**(p*c) * pivot**(1-c) for x > 0
        pivot, contrast = GRADE["pivot"], GRADE["contrast"]
        power = contrast / GRADE["gamma"]
        out = torch.where(out > 0, out.clamp_min(0).pow(power) * pivot ** (1 - contrast), out)
        luma = (out * torch.tensor(LUMA, device=rgb.device).view(3, 1, 1)).sum(0, keepdim=True)
        return torch.lerp(luma.expand_as(out), out, GRADE["saturation"])

    def lut(self, rgb: torch.Tensor) -> torch.Tensor:
        if rgb.is_cuda:
            return self.lut_torch(rgb)
        planes = rgb.contiguous().numpy()  # a new tensor already: safe to write in place
        height, width = planes.shape[1:]
        self.cpu.apply(ocio.PlanarImageDesc(planes[0], planes[1], planes[2], width, height))
        return torch.from_numpy(planes)

    def lut_torch(self, rgb: torch.Tensor) -> torch.Tensor:
        size = LUT_SIZE
        table = self.table.to(rgb.device)
        position = rgb.clamp(0, 1).reshape(3, -1) * (size - 1)
        base = position.floor().clamp(max=size - 2).long()
        fraction = position - base
        ordered, axes = fraction.sort(dim=0, descending=True)
        strides = torch.tensor((size * size, size, 1), device=rgb.device)
        corner = (base * strides.view(3, 1)).sum(0)
        steps = strides[axes]
        first, second = corner + steps[0], corner + steps[0] + steps[1]
        last = second + steps[2]
        f0, f1, f2 = ordered[0:1].t(), ordered[1:2].t(), ordered[2:3].t()
        out = (
            table[corner] * (1 - f0) + table[first] * (f0 - f1) + table[second] * (f1 - f2) + table[last] * f2
        )
        return out.t().reshape(rgb.shape)


def measure(device: str, lut: Path) -> tuple[float, float, float, float]:
    """(median ratio, engine seconds, direct seconds, max difference) for frames on ``device``."""
    make_plates(device)
    project, grade, merge = build(lut)
    direct = Direct(lut)
    engine_times, direct_times, ratios = [], [], []
    difference = 0.0

    def timed(run: Any) -> tuple[float, torch.Tensor]:
        if device != "cpu":
            torch.cuda.synchronize()
        started = time.perf_counter()
        result = run()
        if device != "cpu":
            torch.cuda.synchronize()
        return time.perf_counter() - started, result

    with Engine(project, cache_bytes=256 << 20, cpu_workers=2) as engine:
        for index in range(-WARMUP, ROUNDS):
            exposure = 0.25 + 0.001 * (index + WARMUP)  # a new grade: the three nodes run again
            grade.set(exposure=exposure)

            def by_engine() -> torch.Tensor:
                return engine.evaluate(merge, 1)

            def by_hand(exposure: float = exposure) -> torch.Tensor:
                return direct.run(PLATES["foreground"], PLATES["background"], exposure)

            if index % 2:
                direct_s, hand = timed(by_hand)
                engine_s, ours = timed(by_engine)
            else:
                engine_s, ours = timed(by_engine)
                direct_s, hand = timed(by_hand)
            difference = max(difference, (ours - hand).abs().max().item())
            del ours, hand
            if index >= 0:
                engine_times.append(engine_s)
                direct_times.append(direct_s)
                ratios.append(direct_s / engine_s)
    median = statistics.median
    return median(ratios), median(engine_times), median(direct_times), difference


def main() -> int:
    tune_allocator()  # what Engine does; applied first so both sides run with it
    with tempfile.TemporaryDirectory() as folder:
        lut = write_lut(Path(folder) / "look.cube")
        results = {"cpu": measure("cpu", lut)}
        if torch.cuda.is_available():
            results["cuda"] = measure("cuda", lut)
    print(f"ColorCorrector -> LUT ({LUT_SIZE}^3, tetrahedral) -> Merge over, {WIDTH}x{HEIGHT} RGBA float32")
    ratios = {}
    for device, (ratio, engine_s, direct_s, difference) in results.items():
        ratios[device] = ratio
        print(
            f"{device:>4}: engine {engine_s * 1e3:7.1f} ms  direct {direct_s * 1e3:7.1f} ms  "
            f"median ratio {ratio:.3f}  (max difference {difference:.2g})"
        )
        if not math.isfinite(difference) or difference > 1e-4:
            print(f"the engine and the direct version disagree on {device}", file=sys.stderr)
            return 1
    extra = f" cuda_colour_ratio={ratios['cuda']:.3f}" if "cuda" in ratios else ""
    print(f"RESULT colour_ratio={ratios['cpu']:.3f}{extra}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
