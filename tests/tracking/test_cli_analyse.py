"""``filmstudio analyse`` and the tracks in ``filmstudio info``: real subprocesses, real files."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from filmstudio.core.project import Project
from tests.tracking.synthetic import Motion, frames, write_clip

PATH = Motion()


def filmstudio(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "filmstudio.cli", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


def tracked_shot(folder: Path, count: int) -> Path:
    write_clip(folder / "plate.mp4", frames(PATH, count, (192, 128)))
    project = Project(frame_range=(1, count), width=192, height=128)
    tracker = project.connect(project.add_node("Read", file="plate.mp4"), project.add_node("Tracker"))
    tracker.add_track("A", *PATH.centre(0))
    project.add_node("Grade")
    return project.save(folder / "shot.fsproj")


@pytest.fixture
def shot(tmp_path) -> Path:
    return tracked_shot(tmp_path, 24)


def test_analyse_tracks_saves_and_info_lists_the_track(shot):
    done = filmstudio("analyse", str(shot), "Tracker1", "--range", "1-20")
    assert done.returncode == 0, done.stderr
    assert "analysed Tracker1 over frames 1-20" in done.stdout
    assert "20/20 frames" in done.stderr  # progress, on stderr
    positions = Project.load(shot)["Tracker1"].positions("A")
    assert sorted(positions) == list(range(1, 21))
    info = filmstudio("info", str(shot)).stdout
    assert "track A: frames 1-20 (1 keyed, 0 weak)" in info


@pytest.mark.slow
def test_analyse_backward_and_by_track(shot):
    project = Project.load(shot)
    project["Tracker1"].add_track("B", *PATH.centre(23), frame=24)
    project.save()
    done = filmstudio("analyse", str(shot), "Tracker1", "--backward", "--tracks", "B", "--quiet")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    tracks = Project.load(shot)["Tracker1"].tracks()
    assert tracks.frames("B") == tuple(range(1, 25))
    assert tracks.frames("A") == (1,)  # not asked for


def test_a_node_without_an_analysis_pass_is_a_clear_error(shot):
    before = shot.read_bytes()
    done = filmstudio("analyse", str(shot), "Grade1")
    assert done.returncode == 1
    assert "Grade1 (Grade) has no analysis pass; nodes that have one: Tracker1" in done.stderr
    assert "Traceback" not in done.stderr
    assert shot.read_bytes() == before


def test_a_bad_range_is_a_usage_error(shot):
    done = filmstudio("analyse", str(shot), "Tracker1", "--range", "twelve")
    assert done.returncode == 2 and "--range" in done.stderr


@pytest.mark.slow
def test_ctrl_c_cancels_without_saving(tmp_path):
    shot = tracked_shot(tmp_path, 400)
    before = shot.read_bytes()
    command = [sys.executable, "-m", "filmstudio.cli", "analyse", str(shot), "Tracker1"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    first = process.stderr.readline()  # the pass has begun once it reports its first frame
    assert first.startswith("1/400 frames"), first
    process.send_signal(signal.SIGINT)
    _out, err = process.communicate(timeout=120)
    if process.returncode == 0:
        pytest.skip("the pass finished before the signal arrived")
    assert process.returncode == 130, err
    assert "interrupted by SIGINT; no output was written" in err and "Traceback" not in err
    assert shot.read_bytes() == before
