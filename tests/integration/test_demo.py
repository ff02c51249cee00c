"""The bundled demo renders headless, matches its source clip, and renders the same twice."""

from __future__ import annotations

from pathlib import Path

import pytest

from filmstudio.cli import main
from filmstudio.core.project import Project
from filmstudio.media import VideoReader, probe

DEMO = Path(__file__).resolve().parents[2] / "resources" / "demo" / "demo.fsproj"


def test_demo_project_loads_with_every_node_known():
    project = Project.load(DEMO)
    assert not project.load_warnings
    assert {n.type.id for n in project.nodes} >= {"Read", "Grade", "Title", "Write"}


def test_demo_renders_right_and_reproducibly(tmp_path):
    first, second = tmp_path / "demo.mp4", tmp_path / "again.mp4"
    assert main(["render", str(DEMO), "-o", str(first), "--quiet"]) == 0
    assert main(["render", str(DEMO), "-o", str(second), "--quiet"]) == 0
    source, info = probe(DEMO.parent / "media" / "launch.mp4"), probe(first)
    assert (info.frame_count, info.fps, info.width, info.height) == (120, 24, 640, 360)
    assert info.audio and info.audio[0].duration_s == pytest.approx(source.audio[0].duration_s, abs=0.03)
    assert first.read_bytes() == second.read_bytes()
    with VideoReader(first) as rendered, VideoReader(DEMO.parent / "media" / "launch.mp4") as plate:
        caption = (slice(290, 330), slice(40, 200))

        def change(frame: int) -> float:  # how far the render departs from the plate under the caption
            return abs(rendered.read(frame)[caption].astype(float) - plate.read(frame)[caption]).mean()

        assert change(30) > 3 * change(100)  # the caption is up at frame 30 and faded out by 100
