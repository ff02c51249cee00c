"""Playback: advances in real time within in/out, shows only delivered frames, counts dropped ones,
loops or stops, and leaves no timer running."""

from __future__ import annotations

from filmstudio.core.project import Project
from filmstudio.ui.session import EditorSession
from tests.ui.test_viewer import (
    shown,
    viewer_panel,  # noqa: F401  (the `viewer` fixture)
)


def test_playback_with_a_slow_node_advances_and_counts_dropped_frames(session, viewer, qtbot):
    source = session.graph.create("test.FrameNumber")
    slow = session.graph.create("test.Slow", seconds=0.12)  # two at a time: ~16 fps against 24
    session.graph.connect(source, slow)
    shown(viewer, 1, qtbot)
    shown_frames = []
    session.frameChanged.connect(shown_frames.append)
    playback = viewer.playback
    viewer.actions_by_name["play"].trigger()
    assert playback.playing and playback.timer.interval() == 41
    qtbot.waitUntil(lambda: session.current_frame >= 8 and playback.dropped > 0, timeout=5000)
    viewer.actions_by_name["play"].trigger()
    assert not playback.playing and not playback.timer.isActive()
    assert shown_frames == sorted(shown_frames)  # only forwards, each frame once it was delivered
    assert viewer.requester.last_result.frame == session.current_frame
    assert viewer.timeline.dropped_label.text() == f"dropped {playback.dropped}"
    assert playback.dropped + playback.shown >= shown_frames[-1] - 1  # every frame shown or dropped


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
    assert visited[:2] == [9, 5]


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
