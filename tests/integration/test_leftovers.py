"""What a process killed with SIGKILL leaves (it cannot clean up) is removed by the next render or
save into the same folder, once its owner is gone; nothing else in the folder is touched."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from filmstudio.core.leftovers import owned_temporary
from filmstudio.core.project import Project
from filmstudio.core.timebase import FrameRange
from filmstudio.render.export import render
from tests.media.clips import write_clip

# Each child dies by SIGKILL at the worst moment: mid-render (temporary output half written) and
# mid-save (temporary project file written, not yet renamed into place).
RENDER_AND_DIE = """
    import os, signal, sys
    from filmstudio.core.project import Project
    from filmstudio.render.export import render

    def progress(done, total):
        if done == 3:
            os.kill(os.getpid(), signal.SIGKILL)

    render(Project.load(sys.argv[1]), write=sys.argv[2], output=sys.argv[3], progress=progress)
"""
SAVE_AND_DIE = """
    import os, signal, sys
    from filmstudio.core.project import Project

    project = Project.load(sys.argv[1])
    os.replace = lambda *paths: os.kill(os.getpid(), signal.SIGKILL)
    project.save(sys.argv[1])
"""


def killed(script: str, *args: Path | str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == -signal.SIGKILL, done.stderr


def hidden(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir() if p.name.startswith(".")}


@pytest.fixture
def shot(tmp_path):
    write_clip(tmp_path / "plate.mp4", codec="libx264", frames=24, width=64, height=36, pix_fmt="yuv420p")
    project = Project(frame_range=(1, 24), width=64, height=36)
    read = project.add_node("Read", file="plate.mp4")
    project.connect(read, project.add_node("Write", "Movie", file="out.mp4", speed="ultrafast"))
    project.connect(read, project.add_node("Write", "Frames", file="out.####.png", preset="png"))
    return project.save(tmp_path / "shot.fsproj")


@pytest.mark.slow
def test_leftovers_of_killed_renders_and_saves_are_removed_by_the_next_ones(shot):
    folder = shot.parent
    original = shot.read_bytes()
    killed(RENDER_AND_DIE, shot, "Movie", folder / "out.mp4")
    (movie,) = hidden(folder)
    assert movie.startswith(".out.") and movie.endswith(".partial.mp4")
    killed(RENDER_AND_DIE, shot, "Frames", folder / "out.####.png")
    (frames,) = hidden(folder)  # the second render already removed the first one's file
    assert frames.endswith(".partial") and len(os.listdir(folder / frames)) == 3
    killed(SAVE_AND_DIE, shot)
    (save,) = hidden(folder) - {frames}
    assert save.startswith(".shot.fsproj.") and save.endswith(".tmp")
    assert shot.read_bytes() == original  # the killed save never touched the project itself

    live = owned_temporary(folder, "live", "partial", ".mp4")  # this test process: alive
    others = {
        live.name,
        ".notes.txt",
        ".out.a1b2c3.partial.mp4",  # an older name without an owner: nobody can tell it is stale
        ".out.1@elsewhere.a1b2c3.partial.mp4",  # another host's: its PID means nothing here
        "keep.partial.mp4",
    }
    for name in others:
        (folder / name).write_bytes(b"not ours to delete")

    project = Project.load(shot)
    result = render(project, "Movie", frames=FrameRange(1, 4))
    assert result.path == folder / "out.mp4"
    assert hidden(folder) == {n for n in others if n.startswith(".")} | {save}, (
        "the render removes dead renders' partial outputs only"
    )
    project.save(shot)
    assert hidden(folder) == {n for n in others if n.startswith(".")}
    assert all((folder / name).read_bytes() == b"not ours to delete" for name in others)
    assert Project.load(shot).graph.node("Movie") is not None


def test_a_leftover_whose_owner_is_alive_is_kept(tmp_path):
    """Two renders into one folder at once: neither removes the other's temporary output."""
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        ours = owned_temporary(tmp_path, "other.fsproj", "tmp").name
        busy = tmp_path / ours.replace(f".{os.getpid()}@", f".{sleeper.pid}@")
        busy.write_bytes(b"being written")
        Project(frame_range=(1, 2)).save(tmp_path / "other.fsproj")
        assert busy.exists()
    finally:
        sleeper.kill()
        sleeper.wait()
    Project(frame_range=(1, 2)).save(tmp_path / "other.fsproj")
    assert not busy.exists() and os.listdir(tmp_path) == ["other.fsproj"]
