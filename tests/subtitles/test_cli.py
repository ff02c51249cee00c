"""`filmstudio subtitles export` writes a node's cues as a sidecar; `filmstudio info` lints them."""

from __future__ import annotations

import subprocess
import sys
from fractions import Fraction

import pytest

import filmstudio as fs
from filmstudio.subtitles import read_subtitles
from tests.subtitles.test_lint import CRAFTED

NTSC = Fraction(24000, 1001)


def filmstudio(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "filmstudio.cli", *args], capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def project(tmp_path):
    (tmp_path / "crafted.srt").write_text(CRAFTED)
    (tmp_path / "play.fountain").write_text(
        "INT. KITCHEN - NIGHT\n\nMARIE\nThe oven is still on.\n\nPAUL\nWhat?\n"
    )
    project = fs.Project(fps=NTSC, frame_range="1001-1200", width=64, height=36)
    project.add_node("SubtitleFile", "Crafted", file="crafted.srt", start_frame=1001)
    script = project.add_node("ScriptFile", file="play.fountain")
    project.connect(script, project.add_node("ScriptSubtitles", "Dialogue", script_start=1001))
    project.add_node("SubtitleFile", "Broken", file="missing.srt")
    return project.save(tmp_path / "show.fsproj")


def test_export_writes_the_nodes_cues_timed_from_the_first_frame(project, tmp_path):
    done = filmstudio("subtitles", "export", str(project), "Dialogue", "-o", str(tmp_path / "out.vtt"))
    assert done.returncode == 0, done.stderr
    assert "wrote" in done.stdout and "(vtt: 2 cues)" in done.stdout
    back = read_subtitles(tmp_path / "out.vtt", NTSC, origin=1001)
    with fs.Engine(fs.Project.load(project)) as engine:
        made = engine.evaluate("Dialogue", 1001)
    assert [(c.start, c.end, c.lines, c.speaker) for c in back] == [
        (c.start, c.end, c.lines, c.speaker) for c in made
    ]
    assert [c.speaker for c in back] == ["MARIE", "PAUL"]


def test_export_errors_are_one_line_and_exit_1(project, tmp_path):
    done = filmstudio("subtitles", "export", str(project), "Broken", "-o", str(tmp_path / "x.srt"))
    assert done.returncode == 1 and "missing.srt" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "x.srt").exists()
    done = filmstudio("subtitles", "export", str(project), "Dialogue", "-o", str(tmp_path / "x.doc"))
    assert done.returncode == 1 and "use .srt, .vtt, .ass" in done.stderr
    assert filmstudio("subtitles", "export", str(project), "Dialogue").returncode == 2  # no -o


def test_info_lints_each_subtitle_node_by_its_rules(project):
    done = filmstudio("info", str(project))
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert (
        "subtitles: 8 cues; 6 lint problems: 1 speed, 1 line length, 1 lines, 1 too short, 1 too long, 1 gap"
        in out
    )
    assert "cue 2 (frames 1121-1144): 33.0 characters a second (at most 17)" in out
    assert "subtitles: 2 cues;" in out
    assert "subtitles: cannot lint:" in out and "missing.srt" in out
