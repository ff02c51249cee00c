"""`filmstudio render --workers N` from a shell: the farm's options, a LocalCluster of worker
processes, and SIGTERM stopping every chunk with nothing left behind."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

import filmstudio as fs
from filmstudio.cli import main
from filmstudio.media import probe


def _shot(folder: Path, frames: int, size: tuple[int, int] = (64, 36)) -> Path:
    project = fs.Project(fps=24, frame_range=f"1-{frames}", width=size[0], height=size[1])
    ramp = project.add_node("Ramp")
    grade = project.connect(ramp, project.add_node("Grade"))
    grade.set_keyframe("gain", 1, 0.25)
    grade.set_keyframe("gain", frames, 1.5)
    blur = project.connect(grade, project.add_node("Blur", size=9.0))
    project.connect(blur, project.add_node("Write", file="out.mp4", speed="ultrafast"))
    return project.save(folder / "shot.fsproj")


def test_farm_options_need_a_farm(tmp_path, capsys):
    shot = _shot(tmp_path, 4)
    assert main(["render", str(shot), "--chunk", "12"]) == 2
    assert (
        "--chunk, --chunk-seconds and --map need --cluster ADDRESS or --workers N" in capsys.readouterr().err
    )
    assert main(["render", str(shot), "--workers", "2", "--cluster", "tcp://127.0.0.1:1"]) == 2
    assert main(["render", str(shot), "--workers", "2", "--map", "nothing"]) == 1
    assert "write SRC=DST" in capsys.readouterr().err
    assert main(["render", str(shot), "--workers", "2", "--chunk-seconds", "600"]) == 2
    assert main(["render", str(shot), "--workers", "2", "--chunk-seconds", "60-5"]) == 1
    assert "chunk time limits need 0 <= minimum < maximum seconds" in capsys.readouterr().err
    assert not (tmp_path / "out.mp4").exists()


@pytest.mark.slow
def test_render_with_local_workers(tmp_path):
    shot = _shot(tmp_path, 48)
    command = [sys.executable, "-m", "filmstudio.cli", "render", str(shot), "--workers", "2", "--chunk", "12"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "48 frames in 4 chunks" in done.stdout
    assert probe(tmp_path / "out.mp4").frame_count == 48
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.mp4", "shot.fsproj"]


@pytest.mark.slow
def test_sigterm_stops_every_chunk_and_leaves_no_output(tmp_path):
    shot = _shot(tmp_path, 2400, (320, 180))
    command = [
        sys.executable,
        "-m",
        "filmstudio.cli",
        "render",
        str(shot),
        "--workers",
        "2",
        "--chunk",
        "200",
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 240
    # wait until workers are writing chunks into the farm's folder beside the output
    while not list(tmp_path.glob(".out.*.farm/chunk*/*")) and time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        time.sleep(0.1)
    workers = psutil.Process(process.pid).children(recursive=True)
    process.send_signal(signal.SIGTERM)
    _out, err = process.communicate(timeout=120)
    assert process.returncode == 143, err
    assert "interrupted by SIGTERM; no output was written" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["shot.fsproj"]  # no output, no segments
    _gone, alive = psutil.wait_procs(workers, timeout=30)
    assert not alive, "worker processes outlived the render"
