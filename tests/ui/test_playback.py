"""Playback: advances in real time within in/out, shows only delivered frames, holds (and says so)
where frames are not ready instead of skipping them or stopping, loops or stops at the out point,
keeps the sound with the picture, and leaves no timer running."""

from __future__ import annotations

from fractions import Fraction
from itertools import pairwise

from filmstudio.audio import PROJECT_RATE, frame_sample
from filmstudio.core.project import Project
from filmstudio.ui.session import EditorSession
from tests.audio.sound_clips import noise, write_movie_with_sound
from tests.ui.test_viewer import (
    shown,
    viewer_panel,  # noqa: F401  (the `viewer` fixture)
)
from tests.ui.test_viewer_sound import FakeSink


def test_playback_over_a_slow_node_shows_every_frame_and_counts_held_ones(session, viewer, qtbot):
    source = session.graph.create("test.FrameNumber")
    slow = session.graph.create("test.Slow", seconds=0.12)  # two at a time: ~16 fps against 24
    session.graph.connect(source, slow)
    shown(viewer, 1, qtbot)
    shown_frames = []
    session.frameChanged.connect(shown_frames.append)
    playback = viewer.playback
    viewer.actions_by_name["play"].trigger()
    assert playback.playing and playback.timer.interval() == 41
    qtbot.waitUntil(lambda: session.current_frame >= 8 and playback.held_now > 0, timeout=10_000)
    status = viewer.timeline.playback_label.text()
    viewer.actions_by_name["play"].trigger()
    assert not playback.playing and not playback.timer.isActive()
    assert shown_frames == list(range(2, shown_frames[-1] + 1))  # every frame, in order, none skipped
    assert viewer.requester.last_result.frame == session.current_frame
    assert "slower than real time" in status and "held" in status
    assert playback.dropped == 0
    registry = session.graph.registry
    session.replace_project(Project(frame_range=(1, 10), width=32, height=18, registry=registry))
    assert viewer.timeline.playback_label.text() == "" and playback.held == 0  # not carried over


def test_cached_playback_loops_inside_in_out(session, viewer, qtbot):
    session.graph.create("test.FrameNumber")
    session.set_in_out(5, 9)
    for frame in range(5, 10):
        session.engine.evaluate(session.viewed_node, frame)
    session.set_frame(8)
    visited = []
    session.frameChanged.connect(visited.append)
    viewer.playback.play()
    qtbot.waitUntil(lambda: visited.count(5) >= 2, timeout=3000)  # looped twice
    viewer.playback.stop()
    assert set(visited) <= set(range(5, 10)) and 9 in visited
    # Forward, and every wrap lands on the in point (a late tick on a busy machine may skip a
    # frame, as real-time playback does, so the exact sequence is not asserted).
    wraps = [after for before, after in pairwise(visited) if after <= before]
    assert wraps and set(wraps) == {5}


def test_without_loop_playback_stops_at_the_out_point(session, viewer, qtbot):
    session.graph.create("test.CountingSource")  # the same frame everywhere: always ready
    session.set_in_out(1, 6)
    viewer.actions_by_name["loop"].trigger()
    assert not viewer.playback.loop
    viewer.playback.play()
    qtbot.waitUntil(lambda: not viewer.playback.playing, timeout=3000)
    assert session.current_frame == 6


def test_playback_stops_when_the_project_is_replaced_or_the_viewer_hides(session, viewer, registry, qtbot):
    session.graph.create("test.CountingSource")
    viewer.playback.play()
    viewer.hide()
    assert not viewer.playback.playing
    viewer.show()
    viewer.playback.play()
    session.replace_project(Project(fps=25, frame_range=(1, 10), width=32, height=18, registry=registry))
    assert not viewer.playback.playing
    viewer.playback.play()
    assert viewer.playback.timer.interval() == 40  # the new project's rate
    viewer.shutdown()
    assert not viewer.playback.playing


def test_an_error_during_playback_stops_on_the_failing_frame(registry, qtbot):
    project = Project(fps=24, frame_range=(1, 20), width=16, height=16, registry=registry)
    source = project.add_node("test.FrameNumber")
    failing = project.add_node("test.Failing")
    project.connect(source, failing)
    failing.set_disabled(True)
    session = EditorSession(project, engine_options={"cpu_workers": 1})
    from filmstudio.ui.viewer import ViewerPanel

    panel = ViewerPanel(session)
    qtbot.addWidget(panel)
    try:
        shown(panel, 1, qtbot)
        failing.set_disabled(False)
        qtbot.waitUntil(lambda: bool(panel.requester.last_result.error))
        panel.playback.play()
        qtbot.waitUntil(lambda: not panel.playback.playing, timeout=3000)
        qtbot.waitUntil(lambda: f"failed at frame {session.current_frame}:" in panel.canvas.error)
        assert session.current_frame > 1
    finally:
        panel.shutdown()
        session.close()


def test_the_sound_waits_with_the_held_picture_and_goes_on_from_the_frame_shown(
    session, viewer, tmp_path, qtbot
):
    movie = write_movie_with_sound(tmp_path / "sound.mov", noise(2, PROJECT_RATE * 5, level=0.5), frames=100)
    read = session.graph.create("Read", file=str(movie))
    slow = session.graph.create("test.Slow", seconds=0.3)  # never in real time: playback holds
    write = session.graph.create("Write", file=str(tmp_path / "out.mov"))
    session.graph.connect(read, slow)
    session.graph.connect(slow, write)
    session.graph.connect(read, write, "audio", "audio")  # the sound the viewer plays with Slow1
    session.select([slow.uuid])
    shown(viewer, 1, qtbot)
    qtbot.waitUntil(lambda: viewer.sound.player.audio is not None, timeout=10_000)
    player = viewer.sound.player
    player.sink, player.feed.submit = FakeSink(), None  # no sound card here; render as asked
    changes = []
    viewer.playback.holdingChanged.connect(
        lambda holding: changes.append((holding, player.sink.feed, player.feed.plan, session.current_frame))
    )
    viewer.playback.play()
    qtbot.waitUntil(lambda: any(not holding for holding, *_rest in changes), timeout=10_000)
    viewer.playback.stop()
    holding, feed, _plan, _frame = changes[0]
    assert holding and feed is None  # silent while the picture waits
    resumed = next(change for change in changes if not change[0])
    _holding, feed, plan, frame = resumed
    assert feed is player.feed and frame > 1
    assert plan.start == frame_sample(frame, Fraction(24), PROJECT_RATE)  # from the frame shown
