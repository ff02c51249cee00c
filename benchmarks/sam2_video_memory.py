"""SAM 2 video propagation memory: resident memory of the Segmenter's ``sam2_video`` analysis pass
after 20 and after 100 frames, with the session's bounded window and without it (every frame's
memory kept, as a plain transformers streaming session does), against a Deflicker pass over the
same Read (what the engine and the decoder add per frame with no model at all).

Each mode runs in a fresh process: Read (a generated 640x360 H.264 clip) ->
Segmenter ``sam2_video`` with a random-weight SAM 2 video model of the test's toy widths at a
256-pixel input and the published models' 16-frame reach, analysed through the engine like the
editor's Analyse does. The engine's frame cache is held to 64 MB so that decoded frames it keeps
(bounded by its own budget) do not hide the pass's growth, and the processes run with glibc's
default allocator settings (see ``filmstudio.engine.memory``: the tuned one keeps up to 320 MiB of
freed memory, which would read as growth). CPU only; about a minute on two cores.

What the pass holds is measured as the bytes of live torch tensors (exact); RSS is shown too, but
glibc's arenas make it drift by tens of MB either way with three threads at work, for Deflicker as
much as for the model.

Last line: RESULT sam2_video_tensor_growth_mb=<live tensors, frame 100 less frame 20>
unbounded_tensor_growth_mb=<...> rss_growth_mb=<...> deflicker_rss_growth_mb=<...>
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WIDTH, HEIGHT, FRAMES = 640, 360, 100


def make_clip(path: Path) -> Path:
    import av
    import numpy as np

    y, x = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=24, options={"preset": "ultrafast"})
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        for index in range(FRAMES):
            pixels = np.stack([x / WIDTH * 200, y / HEIGHT * 200, 100 + 0 * x], -1)
            left = 100 + 3 * index
            pixels[120:240, left : left + 120] = (235, 60, 40)
            frame = av.VideoFrame.from_ndarray(pixels.astype(np.uint8), format="rgb24")
            frame.pts, frame.time_base = index, Fraction(1, 24)
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return path


MODES = ("bounded", "unbounded", "deflicker")


def resident_mb() -> float:
    """The process's resident memory now (VmRSS), MB."""
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


def tensor_mb() -> float:
    """Bytes of the storages of every live torch tensor, MB: what the process really holds."""
    import gc

    import torch

    gc.collect()
    storages = {}
    for value in gc.get_objects():
        if isinstance(value, torch.Tensor):
            storage = value.untyped_storage()
            storages[storage.data_ptr()] = storage.nbytes()
    return sum(storages.values()) / (1 << 20)


def child(mode: str, model: str, clip: str) -> None:
    """One measured pass (runs in its own process); prints its result as JSON."""
    from filmstudio.core.project import Project
    from filmstudio.core.registry import NodeRegistry
    from filmstudio.engine.engine import Engine
    from filmstudio_nodes import NODES
    from filmstudio_nodes.segment_video import Propagation

    if mode == "unbounded":
        Propagation._forget_unreachable = lambda self, config: None  # type: ignore[method-assign]
    project = Project(
        fps=24, frame_range=(1, FRAMES), width=WIDTH, height=HEIGHT, registry=NodeRegistry(NODES)
    )
    read = project.add_node("Read", file=clip, colorspace="sRGB")
    if mode == "deflicker":  # the same pass over the same Read, without a model: the baseline
        node = project.connect(read, project.add_node("Deflicker"))
    else:
        node = project.connect(read, project.add_node("Segmenter", backend="sam2_video", model=model))
    seen: dict[str, float] = {}

    def progress(done: int, _total: int) -> None:
        if done in (20, FRAMES):
            seen[f"rss_{done}"], seen[f"tensors_{done}"] = resident_mb(), tensor_mb()

    with Engine(project, cpu_workers=2, cache_bytes=64 << 20) as engine:
        engine.analyze(node, range(1, FRAMES + 1), progress=progress)
    seen["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    seen["state_bytes"] = len(json.dumps(dict(node.state)))
    print(json.dumps(seen))


def measure(mode: str, model: Path, clip: Path) -> dict:
    command = [sys.executable, __file__, "--child", mode, str(model), str(clip)]
    # glibc as it comes: the engine's tuning keeps up to 320 MiB of freed memory for reuse, which
    # fills over a couple of hundred frames and would read as growth here.
    env = {**os.environ, "FILMSTUDIO_DEFAULT_MALLOC": "1"}
    done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT, env=env)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from tests.nodes.test_segmenter_video import save_sam2_video

    with tempfile.TemporaryDirectory() as folder:
        model = save_sam2_video(Path(folder) / "sam2-video", size=256, reach=16)
        clip = make_clip(Path(folder) / "clip.mp4")
        runs = {mode: measure(mode, model, clip) for mode in MODES}
    for mode, run in runs.items():
        print(
            f"{mode:9}: after 20 / {FRAMES} frames: tensors {run['tensors_20']:6.1f} / "
            f"{run['tensors_100']:6.1f} MB, RSS {run['rss_20']:7.1f} / {run['rss_100']:7.1f} MB; "
            f"peak RSS {run['peak_mb']:7.1f} MB; state {run['state_bytes']} B"
        )
    tensors = {mode: run["tensors_100"] - run["tensors_20"] for mode, run in runs.items()}
    rss = {mode: run["rss_100"] - run["rss_20"] for mode, run in runs.items()}
    print(
        f"RESULT sam2_video_tensor_growth_mb={tensors['bounded']:.1f} "
        f"unbounded_tensor_growth_mb={tensors['unbounded']:.1f} rss_growth_mb={rss['bounded']:.1f} "
        f"deflicker_rss_growth_mb={rss['deflicker']:.1f}"
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        main()
