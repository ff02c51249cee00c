"""Farm scaling: the demo project (its Upscaler running a random-weight Real-ESRGAN Compact x2, a
model node doing a model's work per frame) over 96 frames, rendered by
:func:`filmstudio.render.farm.render_on_farm` on a LocalCluster of 1 worker
and on one of 2 single-threaded workers on this machine.

Both clusters are started and warmed first (worker processes import torch and open the media
once), then the two renders alternate (1, 2, 1, 2, ...) so a load change on a shared machine hits
both alike; each keeps its fastest run. Same chunk size for both (12 frames: 8 chunks), so the
chunks' own costs (opening media, starting the encoder) are the same work in both.

Target: farm_efficiency = t1 / (2 * t2) >= 0.8 (2 workers doing the work of 1 in half the time).

Last line: RESULT farm_efficiency=<x>
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "resources" / "demo" / "demo.fsproj"
FRAMES = "1-96"
CHUNK = 12
ROUNDS = int(os.environ.get("FARM_ROUNDS", "2"))


def write_model(folder: Path) -> Path:
    """Real-ESRGAN's Compact architecture (32 features, 8 convolutions, x2) with random weights in
    the benchmark's own folder: a model node doing a model's work per frame, as the farm is for,
    whatever a user installed."""
    import torch
    from safetensors.torch import save_file
    from spandrel.architectures.Compact import Compact

    torch.manual_seed(0)
    net = Compact(num_in_ch=3, num_out_ch=3, num_feat=32, num_conv=8, upscale=2)
    path = folder / "farm-compact-x2.safetensors"
    save_file({k: v.contiguous() for k, v in net.state_dict().items()}, str(path))
    return path


def load_demo(model: Path):
    from filmstudio.core.project import Project

    project = Project.load(DEMO)
    for node in project.graph.nodes.values():
        if node.type.id == "Upscaler":
            node.set(method="model", model=str(model))  # an absolute path: the workers find it too
    return project


def timed(project, address: str, output: Path, frames) -> float:
    from filmstudio.render.farm import FarmSettings, render_on_farm

    started = time.perf_counter()
    render_on_farm(project, FarmSettings(cluster=address, chunk=CHUNK), output=output, frames=frames)
    return time.perf_counter() - started


def main() -> None:
    from distributed import LocalCluster

    from filmstudio.core.timebase import FrameRange

    scratch = tempfile.TemporaryDirectory()
    project = load_demo(write_model(Path(scratch.name)))
    frames = FrameRange.parse(FRAMES)
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} CPUs)")
    options = {"threads_per_worker": 1, "processes": True, "host": "127.0.0.1", "dashboard_address": ":0"}
    with (
        tempfile.TemporaryDirectory() as folder,
        LocalCluster(n_workers=1, **options) as one,
        LocalCluster(n_workers=2, **options) as two,
    ):
        out = Path(folder) / "farm.mp4"
        warm = FrameRange(1, 2 * CHUNK)
        for cluster in (one, two):  # imports, media, OCIO: not what is measured
            timed(project, cluster.scheduler_address, out, warm)
        t1, t2 = [], []
        for round_number in range(ROUNDS):
            t1.append(timed(project, one.scheduler_address, out, frames))
            t2.append(timed(project, two.scheduler_address, out, frames))
            print(f"round {round_number + 1}: 1 worker {t1[-1]:.1f} s, 2 workers {t2[-1]:.1f} s", flush=True)
    best1, best2 = min(t1), min(t2)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(
        f"{len(frames)} frames: 1 worker {best1:.1f} s ({len(frames) / best1:.2f} fps), "
        f"2 workers {best2:.1f} s"
    )
    print(f"RESULT farm_efficiency={best1 / (2 * best2):.2f}")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
