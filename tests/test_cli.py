"""The `filmstudio` command as a script sees it: exit codes, messages, files."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from filmstudio.cli import main
from filmstudio.core.project import Project
from tests.media.clips import write_clip

REPO = Path(__file__).resolve().parents[1]


def filmstudio(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "filmstudio.cli", *args], capture_output=True, text=True, cwd=cwd, timeout=120
    )


@pytest.fixture(scope="module")
def shot(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    write_clip(
        folder / "plate.mp4", codec="libx264", frames=48, width=128, height=72, pix_fmt="yuv420p", audio=True
    )
    project = Project(frame_range=(1, 48), width=128, height=72)
    read = project.add_node("Read", file="plate.mp4")
    project.connect(read, project.add_node("Write", file="out/shot.mp4", speed="ultrafast"))
    (folder / "out").mkdir()
    return project.save(folder / "shot.fsproj")


def test_version_help_and_nodes():
    assert filmstudio("--version").stdout.startswith("filmstudio ")
    assert "render" in filmstudio("--help").stdout
    listing = filmstudio("nodes").stdout
    assert "Read" in listing and "Grade" in listing and "Write" in listing


def test_render_writes_the_write_nodes_file(shot):
    done = filmstudio("render", str(shot), "--range", "1-24")
    assert done.returncode == 0, done.stderr
    assert "wrote" in done.stdout and (shot.parent / "out" / "shot.mp4").exists()
    info = filmstudio("info", str(shot.parent / "out" / "shot.mp4"))
    assert "24 frames at 24.000 fps" in info.stdout and "audio #1: aac" in info.stdout


def test_output_override_and_scale(shot, tmp_path):
    done = filmstudio(
        "render", str(shot), "-o", "half.mp4", "--scale", "0.5", "--range", "1-10", cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert "64x36" in filmstudio("info", str(tmp_path / "half.mp4")).stdout


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["render", "missing.fsproj"], 1, "does not exist"),
        (["render", "{shot}", "--range", "ten"], 2, "not a frame range"),
        (["render", "{shot}", "--scale", "0"], 2, "--scale must be positive"),
        (["render", "{shot}", "-o", "/nonexistent/folder/out.mp4"], 1, "output folder does not exist"),
        (["render", "{shot}", "-o", "{folder}/out"], 1, "out: this is a folder, not a file name"),
        (["render", "{shot}", "--write", "Read1"], 1, "is a Read node, which does not write files"),
        (["info", "{folder}/plate.txt"], 1, "plate.txt"),
    ],
)
def test_errors_are_one_line_with_a_reliable_exit_code(shot, args, code, message):
    (shot.parent / "plate.txt").write_text("not a movie")
    args = [a.format(shot=shot, folder=shot.parent) for a in args]
    done = filmstudio(*args)
    assert done.returncode == code, done.stderr
    assert message in done.stderr and "Traceback" not in done.stderr


@pytest.fixture(scope="module")
def long_shot(tmp_path_factory):
    """A 240-frame project with a movie Write and a PNG-sequence Write: long enough to stop midway."""
    folder = tmp_path_factory.mktemp("long")
    write_clip(folder / "plate.mp4", codec="libx264", frames=240, width=160, height=90, pix_fmt="yuv420p")
    project = Project(frame_range=(1, 240), width=160, height=90)
    blur = project.connect(project.add_node("Read", file="plate.mp4"), project.add_node("Blur", size=8.0))
    project.connect(blur, project.add_node("Write", "Movie", file="long.mp4", speed="ultrafast"))
    project.connect(blur, project.add_node("Write", "Frames", file="long.####.png", preset="png"))
    return project.save(folder / "long.fsproj")


STOPS = [
    pytest.param(signal.SIGINT, 130, "Movie", "long.mp4", id="SIGINT-movie"),
    pytest.param(signal.SIGTERM, 143, "Movie", "long.mp4", id="SIGTERM-movie"),
    pytest.param(signal.SIGHUP, 129, "Movie", "long.mp4", id="SIGHUP-movie"),
    pytest.param(signal.SIGTERM, 143, "Frames", "long.####.png", id="SIGTERM-sequence"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("stop", "code", "write", "output"), STOPS)
def test_every_stop_signal_is_a_clean_cancel(long_shot, tmp_path, stop, code, write, output):
    """Ctrl+C, `kill`/`timeout`/a farm (SIGTERM) and a closed terminal (SIGHUP) all cancel the
    render: the temporary file or folder is removed and the exit code is 128 + the signal."""
    command = [sys.executable, "-m", "filmstudio.cli", "render", str(long_shot), "--write", write]
    process = subprocess.Popen(
        [*command, "-o", str(tmp_path / output)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 60
    while not any(tmp_path.iterdir()) and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.01)  # wait until the render has started writing its temporary output
    process.send_signal(stop)
    _out, err = process.communicate(timeout=60)
    if process.returncode == 0:
        pytest.skip("the render finished before the signal arrived")
    assert process.returncode == code, err
    assert f"interrupted by {stop.name}; no output was written" in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_project_info(shot):
    out = filmstudio("info", str(shot)).stdout
    assert "2 nodes" in out and "Read1" in out and os.path.basename(str(shot)) in out


def test_the_editor_without_a_display_explains_itself(monkeypatch, capsys):

    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("sys.platform", "linux")
    assert main([]) == 1
    error = capsys.readouterr().err
    assert "no display" in error and "filmstudio render" in error
