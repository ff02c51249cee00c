"""The timeline under the viewer: cache bar, frame counter and timecode, in/out, transport keys."""

from __future__ import annotations

import time

from PySide6.QtCore import QPoint, Qt

from filmstudio.core.project import Project
from filmstudio.ui.session import EditorSession
from filmstudio.ui.viewer import ViewerPanel
from tests.ui.test_viewer import (
    shown,
    viewer_panel,  # noqa: F401  (the `viewer` fixture)
)


def refresh_until_complete(timeline) -> None:
    for _ in range(200):
        if timeline.refresh_cache_bar():
            return
    raise AssertionError("the cache bar never finished planning keys")


def test_the_cache_bar_marks_cached_frames_after_evaluation(session, viewer, qtbot):
    source = session.graph.create("test.FrameNumber")
    grade = session.graph.create("Grade")
    session.graph.connect(source, grade)
    shown(viewer, 1, qtbot)
    for frame in (3, 4, 5, 40):
        session.engine.evaluate(grade, frame)
    timeline = viewer.timeline
    refresh_until_complete(timeline)
    cached = [frame for frame in session.frame_range if timeline.cached.cached(frame)]
    assert cached == [1, 3, 4, 5, 40]  # frame 1: the viewer showed it

    grade.set(gain=(2.0, 2.0, 2.0, 1.0))  # new keys: nothing of the new grade is cached yet
    refresh_until_complete(timeline)
    assert not any(timeline.cached.cached(frame) for frame in (3, 4, 5, 40))
    session.undo_stack.undo()  # undo brings the old results straight back
    refresh_until_complete(timeline)
    assert all(timeline.cached.cached(frame) for frame in (3, 4, 5, 40))


def test_a_delivered_frame_schedules_a_throttled_cache_bar_refresh(session, viewer, qtbot):
    session.graph.create("test.FrameNumber")
    session.set_frame(7)
    shown(viewer, 7, qtbot)
    timer = viewer.timeline._cache_timer
    assert timer.isActive() and timer.interval() == 250
    qtbot.waitUntil(lambda: viewer.timeline.cached.cached(7), timeout=3000)


def test_cache_bar_refresh_of_a_long_range_is_sliced(registry, qtbot):
    project = Project(fps=24, frame_range=(1, 5000), width=16, height=16, registry=registry)
    source = project.add_node("test.FrameNumber")
    project.connect(source, project.add_node("Grade"))
    session = EditorSession(project, engine_options={"cpu_workers": 1})
    panel = ViewerPanel(session)
    qtbot.addWidget(panel)
    try:
        started = time.perf_counter()
        panel.timeline.refresh_cache_bar()
        assert time.perf_counter() - started < 0.05  # a slice of key planning, not 5000 plans
        assert panel.timeline._cache_timer.isActive()  # the rest comes in later slices
    finally:
        panel.shutdown()
        session.close()


def test_frame_counter_timecode_and_typing_a_frame(session, viewer, qtbot):
    timeline = viewer.timeline
    session.set_frame(49)
    assert timeline.frame_box.value() == 49
    assert timeline.timecode_label.text() == "00:00:02:01"  # 24 fps
    timeline.frame_box.setValue(12)  # what typing 12 + Enter does
    assert session.current_frame == 12
    assert timeline.fps_label.text() == "24 fps"


def test_enter_in_the_frame_counter_hands_the_keys_back(session, viewer, qtbot):
    """After typing a frame and Enter, Space and the arrows drive the playhead again (the box
    used to keep the focus and swallow them)."""
    box = viewer.timeline.frame_box
    box.setFocus()
    box.lineEdit().selectAll()
    qtbot.keyClicks(box.lineEdit(), "20")
    qtbot.keyClick(box.lineEdit(), Qt.Key.Key_Return)
    assert session.current_frame == 20
    assert not box.hasFocus()


def test_in_out_keys_and_home_end_stay_inside_them(session, viewer, qtbot):
    viewer.canvas.setFocus()
    session.set_frame(10)
    qtbot.keyClick(viewer.canvas, Qt.Key.Key_I)
    session.set_frame(20)
    qtbot.keyClick(viewer.canvas, Qt.Key.Key_O)
    assert (session.in_point, session.out_point) == (10, 20)
    assert viewer.timeline.in_out_label.text() == "In 10   Out 20"
    qtbot.keyClick(viewer.canvas, Qt.Key.Key_Home)
    assert session.current_frame == 10
    qtbot.keyClick(viewer.canvas, Qt.Key.Key_End)
    assert session.current_frame == 20
    qtbot.keyClick(viewer.canvas, Qt.Key.Key_Left)
    assert session.current_frame == 19
    qtbot.keyClick(viewer.canvas, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    assert session.current_frame == 29  # steps go by the project's range, not in/out
    viewer.actions_by_name["clear_in_out"].trigger()
    assert (session.in_point, session.out_point) == (1, 100)


def test_key_ticks_follow_the_viewed_node(session, viewer, qtbot):
    node = session.graph.create("test.CountingSource")
    node.set_keyframe("value", 5, 0.0)
    node.set_keyframe("value", 30, 1.0)
    qtbot.waitUntil(lambda: viewer.timeline.ruler.keys == [5, 30])
    viewer.canvas.setFocus()
    session.set_frame(1)
    qtbot.keyClick(viewer.canvas, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    assert session.current_frame == 5
    node.remove_keyframe("value", 5)
    assert viewer.timeline.ruler.keys == [30]


def test_clicking_the_ruler_moves_the_playhead(session, viewer, qtbot):
    ruler = viewer.timeline.ruler
    x = round(ruler.x_of(63))
    qtbot.mouseClick(ruler, Qt.MouseButton.LeftButton, pos=QPoint(x, 10))
    assert session.current_frame == 63
    assert not viewer.state.scrubbing  # released: full resolution again
