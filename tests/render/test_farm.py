"""The render farm on a real Dask LocalCluster (2 worker processes on 127.0.0.1): a farm render
writes what one machine writes, survives a killed worker, cancels cleanly and joins the sound
without a seam. Clips are tiny (160x90, 48 frames) so each render takes seconds."""

from __future__ import annotations

import math
import os
import re
import signal
from pathlib import Path

import av
import numpy as np
import pytest

from filmstudio.audio import PROJECT_RATE, frames_samples
from filmstudio.core.context import CancelToken
from filmstudio.core.errors import Cancelled
from filmstudio.core.project import Project
from filmstudio.core.registry import NodeRegistry
from filmstudio.core.timebase import FrameRange
from filmstudio.render.export import render
from filmstudio.render.farm import FarmError, FarmSettings, render_on_farm
from tests.audio.test_export import decoded_sound
from tests.media.clips import frame_number, write_clip
from tests.render.conftest import worker_pids

pytestmark = pytest.mark.slow  # each test renders on worker processes (seconds)

FRAMES = 48


def _plate(folder: Path, audio: bool = False) -> Path:
    return write_clip(
        folder / "plate.mp4",
        codec="libx264",
        frames=FRAMES,
        width=160,
        height=90,
        pix_fmt="yuv420p",
        options={"preset": "ultrafast", "crf": "12"},
        audio=audio,
    )


def _project(
    folder: Path, registry: NodeRegistry, output: str, slow: float = 0.0, **write: object
) -> Project:
    """Read (the plate) -> Grade -> [test.Slow] -> Write, saved in ``folder``."""
    project = Project(fps=24, frame_range=f"1-{FRAMES}", width=160, height=90, registry=registry)
    read = project.add_node("Read", "plate", file="plate.mp4")
    node = project.connect(read, project.add_node("Grade", "look", gain=(1.1, 1.0, 0.9, 1.0)))
    if slow:
        node = project.connect(node, project.add_node("test.Slow", "slow", seconds=slow))
    project.connect(node, project.add_node("Write", "out", file=output, **write))
    project.save(folder / "shot.fsproj")
    return project


def _pictures(path: Path) -> np.ndarray:
    with av.open(str(path)) as container:
        return np.stack([f.to_ndarray(format="rgb24") for f in container.decode(video=0)]).astype(np.float64)


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if ".farm" in p.name or ".partial" in p.name)


def test_joined_h264_matches_a_single_machine_render(tmp_path, registry, cluster):
    """Each chunk starts with a key frame where one machine's encode goes on predicting, so the
    two encodes differ by about the encoder's own error: measured on this textured plate, 0.74/255
    and 46 dB at crf 8, 1.57/255 and 40 dB at the default crf 18 (frames 1-12, the first chunk,
    are identical with ultrafast)."""
    _plate(tmp_path)
    project = _project(tmp_path, registry, "single.mp4", speed="ultrafast", crf=8)
    render(project)
    result = render_on_farm(project, FarmSettings(cluster=cluster[0], chunk=12), output=tmp_path / "farm.mp4")
    assert (result.chunks, result.frames, result.lost_runs) == (4, FRAMES, 0)
    single, farm = _pictures(tmp_path / "single.mp4"), _pictures(tmp_path / "farm.mp4")
    assert farm.shape == single.shape == (FRAMES, 90, 160, 3)
    assert [frame_number(f.astype(np.uint8)) for f in farm] == list(range(FRAMES))  # order kept
    assert np.abs(farm - single).mean() <= 1.0  # within 1/255 on average
    psnr = 10 * math.log10(255**2 / np.mean((farm - single) ** 2))
    assert psnr >= 45.0
    with av.open(str(tmp_path / "farm.mp4")) as container:  # one frame after another, no gap at joins
        stream = container.streams.video[0]
        times = sorted(f.pts * stream.time_base for f in container.decode(stream))
    assert [t * 24 for t in times] == list(range(FRAMES))
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("frames", ["1-48", "1-47x2"])
def test_a_png_sequence_is_byte_identical_to_a_single_machine_render(tmp_path, registry, cluster, frames):
    _plate(tmp_path)
    project = _project(tmp_path, registry, "one/frame.####.png", preset="png")
    for folder in ("one", "farm"):
        (tmp_path / folder).mkdir()
    render(project, frames=FrameRange.parse(frames))
    farm = FarmSettings(cluster=cluster[0], chunk=7)
    render_on_farm(project, farm, output=tmp_path / "farm/frame.####.png", frames=FrameRange.parse(frames))
    one = sorted(p.name for p in (tmp_path / "one").iterdir())
    assert sorted(p.name for p in (tmp_path / "farm").iterdir()) == one
    assert len(one) == len(FrameRange.parse(frames))
    for name in one:
        assert (tmp_path / "farm" / name).read_bytes() == (tmp_path / "one" / name).read_bytes(), name
    assert _leftovers(tmp_path) == []


def test_a_killed_worker_loses_its_chunk_and_the_render_still_matches(tmp_path, registry, cluster):
    address, client = cluster
    _plate(tmp_path)
    project = _project(tmp_path, registry, "frames/f.####.png", slow=0.03, preset="png")
    (tmp_path / "frames").mkdir()
    (tmp_path / "undisturbed").mkdir()
    farm = FarmSettings(cluster=address, chunk=8)
    render_on_farm(project, farm, output=tmp_path / "undisturbed/f.####.png")
    killed: list[int] = []

    def kill_a_busy_worker(done: int, total: int) -> None:
        if killed:
            return
        busy = [a for a, keys in client.processing().items() if any("filmstudio-farm" in k for k in keys)]
        if busy:
            killed.append(worker_pids(client)[busy[0]])
            os.kill(killed[0], signal.SIGKILL)

    log: list[str] = []
    result = render_on_farm(project, farm, progress=kill_a_busy_worker, log=log.append)
    assert killed and result.lost_runs == 1  # only the chunk it was running: one failure, not banned
    assert any(
        re.search(rf"pid {killed[0]}\) lost chunk \d+/6 \(frames \d+-\d+\): killed", line) for line in log
    ), log
    names = sorted(p.name for p in (tmp_path / "undisturbed").iterdir())
    assert sorted(p.name for p in (tmp_path / "frames").iterdir()) == names
    for name in names:
        assert (tmp_path / "frames" / name).read_bytes() == (tmp_path / "undisturbed" / name).read_bytes()
    assert _leftovers(tmp_path) == []


def test_cancel_stops_every_chunk_and_leaves_nothing(tmp_path, registry, cluster):
    _plate(tmp_path)
    project = _project(tmp_path, registry, "cancelled.mp4", slow=0.05)
    cancel = CancelToken()

    def stop_soon(done: int, total: int) -> None:
        if done >= 2:
            cancel.cancel("the test cancelled")

    with pytest.raises(Cancelled):
        render_on_farm(project, FarmSettings(cluster=cluster[0], chunk=8), progress=stop_soon, cancel=cancel)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plate.mp4", "shot.fsproj"]
    assert not any(cluster[1].processing().values())  # no chunk still running on a worker


def test_the_sound_is_encoded_once_with_the_exact_samples_and_no_seam(tmp_path, registry, cluster):
    _plate(tmp_path, audio=True)
    project = _project(tmp_path, registry, "single.mp4", speed="ultrafast")
    project.connect(project["plate"], project["out"], "audio", "audio")  # a linked sound: AAC, exact span
    render(project)
    result = render_on_farm(project, FarmSettings(cluster=cluster[0], chunk=12), output=tmp_path / "farm.mp4")
    assert result.chunks == 4
    farm, single = decoded_sound(tmp_path / "farm.mp4"), decoded_sound(tmp_path / "single.mp4")
    start, stop = frames_samples(1, FRAMES, 24, PROJECT_RATE)
    assert farm.shape == (2, stop - start)
    assert np.array_equal(farm, single)  # the same encode as one machine's: nothing per chunk
    steps = np.abs(np.diff(farm[0]))
    joins = [(first - 1) * PROJECT_RATE // 24 for first in (13, 25, 37)]
    near = np.zeros(steps.shape, bool)
    for join in joins:
        near[join - 64 : join + 64] = True
    # a 440 Hz sine moves at most ~0.058 a sample; a seam (gap, click, restart) would jump
    assert steps[near].max() <= steps[~near][PROJECT_RATE // 10 : -PROJECT_RATE // 10].max() + 1e-3


def test_paths_map_to_where_the_workers_see_them(tmp_path, registry, cluster):
    (tmp_path / "mount").mkdir()
    _plate(tmp_path / "mount")
    project = _project(tmp_path, registry, "out.mp4", speed="ultrafast")
    project["plate"].set(file="/studio-farm-test/plate.mp4")  # not on this machine: only mapped
    farm = FarmSettings(
        cluster=cluster[0], chunk=24, path_map=(("/studio-farm-test", str(tmp_path / "mount")),)
    )
    result = render_on_farm(project, farm)
    assert _pictures(result.path).shape[0] == FRAMES


def test_a_worker_missing_a_file_fails_with_the_nodes_message(tmp_path, registry, cluster):
    project = _project(tmp_path, registry, "out.mp4", speed="ultrafast")  # no plate.mp4 written
    with pytest.raises(FarmError, match=r"plate\.mp4"):
        render_on_farm(project, FarmSettings(cluster=cluster[0], chunk=24))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["shot.fsproj"]


def test_chunks_outside_their_time_limits_are_run_again_then_fail_the_render(tmp_path, registry, cluster):
    _plate(tmp_path)
    project = _project(tmp_path, registry, "out.mp4", slow=0.05, speed="ultrafast")
    log: list[str] = []
    too_slow = FarmSettings(cluster=cluster[0], chunk=24, max_chunk_seconds=0.6)
    with pytest.raises(FarmError, match=r"ran longer than the limit of 0\.6 s"):
        render_on_farm(project, too_slow, log=log.append)
    assert any("lost chunk 1/2 (frames 1-24): ran longer than the limit of 0.6 s" in line for line in log), (
        log
    )
    assert not any(cluster[1].processing().values())  # the late chunks were stopped, not abandoned
    too_fast = FarmSettings(cluster=cluster[0], chunk=24, min_chunk_seconds=60, max_attempts=2)
    project["slow"].set(seconds=0.0)
    with pytest.raises(FarmError, match=r"finished in [0-9.]+ s, under the minimum of 60 s"):
        render_on_farm(project, too_fast)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plate.mp4", "shot.fsproj"]
