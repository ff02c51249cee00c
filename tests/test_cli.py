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


# --- filmstudio script export -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def script_project(tmp_path_factory):
    from tests.script import EVERY_ELEMENT

    folder = tmp_path_factory.mktemp("script")
    (folder / "pilot.fountain").write_text(EVERY_ELEMENT.read_text(encoding="utf-8"), encoding="utf-8")
    project = Project(frame_range=(1001, 1100))
    project.add_node("ScriptFile", "Pilot", file="pilot.fountain")
    project.add_node("Constant")
    return project.save(folder / "pilot.fsproj")


def test_script_export_evaluates_the_node_and_writes_the_file(script_project, tmp_path):
    from filmstudio.script import parse, write

    done = filmstudio("script", "export", str(script_project), "Pilot", "-o", "pilot.fountain", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "wrote" in done.stdout and "fountain: 3 scenes, 0 shots" in done.stdout
    original = (script_project.parent / "pilot.fountain").read_text(encoding="utf-8")
    assert (tmp_path / "pilot.fountain").read_text(encoding="utf-8") == write(parse(original))


def test_script_export_pdf_and_fdx(script_project, tmp_path, capsys):
    assert main(["script", "export", str(script_project), "Pilot", "-o", str(tmp_path / "a.pdf")]) == 0
    assert (tmp_path / "a.pdf").read_bytes().startswith(b"%PDF-")
    out = str(tmp_path / "a.xml")
    assert main(["script", "export", str(script_project), "Pilot", "--format", "fdx", "-o", out]) == 0
    assert b"<FinalDraft" in (tmp_path / "a.xml").read_bytes()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["Constant1", "-o", "{out}/a.pdf"], "has no Script output"),
        (["Nobody", "-o", "{out}/a.pdf"], "no node 'Nobody'"),
        (["Pilot", "-o", "{out}/a.docx"], "cannot tell the export format"),
        (["Pilot", "-o", "{out}/shots.csv"], "no shot list to export as csv"),
        (["Pilot", "-o", "{out}/shots.otio"], "no shot list to export as otio"),
    ],
)
def test_script_export_errors_are_one_line_and_write_nothing(script_project, tmp_path, capsys, args, message):
    args = [a.format(out=tmp_path) for a in args]
    assert main(["script", "export", str(script_project), *args]) == 1
    error = capsys.readouterr().err
    assert message in error and "Traceback" not in error
    assert list(tmp_path.iterdir()) == []
