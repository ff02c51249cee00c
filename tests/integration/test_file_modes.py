"""Files FilmStudio writes get the permissions a colleague expects: a save keeps the mode of the
project it replaces, new files (projects and renders alike) follow the umask."""

from __future__ import annotations

import os
import stat

import pytest

from filmstudio.core.project import Project
from filmstudio.core.timebase import FrameRange
from filmstudio.render.export import render


def mode_of(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def umask():
    """Set the process umask for one test (the value before is restored)."""
    before = os.umask(0o022)
    os.umask(before)
    yield os.umask
    os.umask(before)


@pytest.mark.parametrize("existing", [0o644, 0o640, 0o600, 0o664])
def test_a_save_keeps_the_mode_of_the_file_it_replaces(tmp_path, umask, existing):
    path = Project(frame_range=(1, 10)).save(tmp_path / "shot.fsproj")
    os.chmod(path, existing)
    umask(0o077)  # the umask is for new files only
    project = Project.load(path)
    project.add_node("Grade")
    project.save(path)
    assert mode_of(path) == existing
    assert Project.load(path).graph.node("Grade1") is not None


@pytest.mark.parametrize(("mask", "expected"), [(0o022, 0o644), (0o027, 0o640), (0o002, 0o664)])
def test_a_new_project_file_follows_the_umask(tmp_path, umask, mask, expected):
    umask(mask)
    assert mode_of(Project(frame_range=(1, 10)).save(tmp_path / "new.fsproj")) == expected


def test_renders_follow_the_umask(registry, tmp_path, umask):
    umask(0o027)
    project = Project(frame_range=(1, 3), width=32, height=18, registry=registry)
    ramp = project.add_node("Ramp")
    project.connect(ramp, project.add_node("Write", "Movie", file="out.mp4", speed="ultrafast"))
    project.connect(ramp, project.add_node("Write", "Frames", file="out.####.png", preset="png"))
    project.connect(ramp, project.add_node("Write", "Still", file="still.png", preset="png"))
    project.save(tmp_path / "shot.fsproj")
    render(project, "Movie")
    render(project, "Frames")
    render(project, "Still", frames=FrameRange(2, 2))
    written = ["out.mp4", "out.0001.png", "out.0003.png", "still.png", "shot.fsproj"]
    assert {name: mode_of(tmp_path / name) for name in written} == dict.fromkeys(written, 0o640)
