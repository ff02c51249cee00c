"""Headless renders end to end: real encodes, probed back; cancels and failures leave nothing."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from filmstudio.core.context import CancelToken
from filmstudio.core.errors import Cancelled, FilmStudioError, MediaError
from filmstudio.core.project import Project
from filmstudio.core.timebase import FrameRange
from filmstudio.media import VideoReader, probe
from filmstudio.render.export import render
from tests.media.clips import write_clip


@pytest.fixture(scope="module")
def source_clip(tmp_path_factory):
    """3 s of 24 fps 192x108 H.264 with a stereo AAC track."""
    path = tmp_path_factory.mktemp("source") / "source.mp4"
    return write_clip(path, codec="libx264", frames=72, width=192, height=108, pix_fmt="yuv420p", audio=True)


def graded_project(registry, clip, folder):
    project = Project(fps=24, frame_range=(1, 72), width=192, height=108, registry=registry)
    read = project.add_node("Read", file=str(clip))
    grade = project.connect(read, project.add_node("Grade", gain=(1.2, 1.0, 0.8, 1.0)))
    project.connect(grade, project.add_node("Write", file="graded.mp4", speed="ultrafast"))
    project.save(folder / "graded.fsproj")
    return project


def test_render_probes_right_and_is_reproducible(registry, source_clip, tmp_path):
    project = graded_project(registry, source_clip, tmp_path)
    result = render(project, frames=FrameRange(13, 60))
    info = probe(result.path)
    assert result.path == tmp_path / "graded.mp4" and result.frames == 48
    assert (info.frame_count, info.fps, info.width, info.height) == (48, 24, 192, 108)
    assert len(info.audio) == 1 and info.audio[0].duration_s == pytest.approx(2.0, abs=0.05)
    second = render(project, output=tmp_path / "again.mp4", frames=FrameRange(13, 60))
    assert second.path.read_bytes() == result.path.read_bytes()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp files left


def test_step_range_and_proxy_scale(registry, source_clip, tmp_path):
    project = graded_project(registry, source_clip, tmp_path)
    result = render(project, frames=FrameRange.parse("1-72x2"), scale=0.5)
    info = probe(result.path)
    assert (info.frame_count, info.width, info.height, info.fps) == (36, 96, 54, 12)


def test_cancelling_halfway_leaves_no_output(registry, source_clip, tmp_path):
    project = graded_project(registry, source_clip, tmp_path)
    target = tmp_path / "graded.mp4"
    target.write_bytes(b"the previous render")
    token = CancelToken()

    def progress(done, total):
        if done == total // 2:
            token.cancel()

    with pytest.raises(Cancelled):
        render(project, progress=progress, cancel=token)
    assert target.read_bytes() == b"the previous render"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graded.fsproj", "graded.mp4"]


def test_a_failing_frame_aborts_cleanly(registry, source_clip, tmp_path):
    project = graded_project(registry, source_clip, tmp_path)
    project["Read1"].set(outside="error")
    with pytest.raises(FilmStudioError, match="outside the clip"):
        render(project, frames=FrameRange(60, 80))
    assert not (tmp_path / "graded.mp4").exists()


def test_unwritable_output_and_missing_write_nodes(registry, source_clip, tmp_path):
    project = graded_project(registry, source_clip, tmp_path)
    with pytest.raises(MediaError, match="output folder does not exist"):
        render(project, output=tmp_path / "nowhere" / "out.mp4")
    project.add_node("Write")
    with pytest.raises(FilmStudioError, match="several Write nodes"):
        render(project)
    with pytest.raises(FilmStudioError, match="no enabled Write node"):
        render(Project(registry=registry))


def test_render_memory_stays_bounded_by_the_look_ahead(registry, source_clip, tmp_path):
    """The encoder never waits on more than the look-ahead window of frames (evaluated node by
    node: with Grade1 viewed, the run is not fused and Grade.evaluate runs for every frame)."""
    project = graded_project(registry, source_clip, tmp_path)
    in_flight: list[int] = []
    lock = threading.Lock()
    original = type(project["Grade1"].type.shared()).evaluate
    active = [0]

    def counting(self, ctx):
        with lock:
            active[0] += 1
            in_flight.append(active[0])
        try:
            return original(self, ctx)
        finally:
            with lock:
                active[0] -= 1

    from unittest import mock

    with mock.patch.object(type(project["Grade1"].type.shared()), "evaluate", counting):
        result = render(project, look_ahead=4, viewed=["Grade1"])
    assert result.fusion.startswith("not fused") and len(in_flight) == 72
    assert max(in_flight) <= 4
    with VideoReader(tmp_path / "graded.mp4") as reader:
        assert len(reader) == 72


def test_impossible_outputs_are_refused_before_the_first_frame(registry, source_clip, tmp_path):
    project = graded_project(registry, source_clip, tmp_path)
    project.connect("Grade1", project.add_node("Write", "Still", file="still.png", preset="png"))
    rendered: list[int] = []
    (tmp_path / "renders").mkdir()
    with pytest.raises(MediaError, match=r"renders: this is a folder, not a file name: choose a file inside"):
        render(project, "Write1", output=tmp_path / "renders", progress=lambda done, _: rendered.append(done))
    with pytest.raises(MediaError, match=r"still\.png: .*holds one image, not 72: put #### or %04d"):
        render(project, "Still", progress=lambda done, _: rendered.append(done))
    assert rendered == [] and sorted(p.name for p in tmp_path.iterdir()) == ["graded.fsproj", "renders"]


def test_a_plain_image_name_takes_a_single_frame(registry, source_clip, tmp_path):
    """As in Nuke, a Write to `still.png` (no #### or %04d) writes that file for a one-frame render."""
    from filmstudio.media import read_image

    project = graded_project(registry, source_clip, tmp_path)
    project.connect("Grade1", project.add_node("Write", "Still", file="still.png", preset="png"))
    project.connect("Grade1", project.add_node("Write", "Frames", file="seq.####.png", preset="png"))
    result = render(project, "Still", frames=FrameRange(30, 30))
    assert result.path == tmp_path / "still.png" and result.frames == 1
    render(project, "Frames", frames=FrameRange(30, 30))
    still = read_image(result.path)
    assert still.shape == (108, 192, 3) and np.array_equal(still, read_image(tmp_path / "seq.0030.png"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graded.fsproj", "seq.0030.png", "still.png"]
