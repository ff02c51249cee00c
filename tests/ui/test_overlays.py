"""Viewer overlays: a node's declared handles are drawn over the image and dragging one edits the
node in one undo step (a key at the current frame where the parameter is animated)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt

from filmstudio.core.commands import EditNode
from filmstudio.ui.viewer import ViewerPanel
from tests.ui.test_viewer import pixels, shown


@pytest.fixture(name="viewer")
def viewer_panel(session, qtbot):
    panel = ViewerPanel(session)
    qtbot.addWidget(panel)
    panel.resize(900, 600)
    panel.show()
    yield panel
    panel.shutdown()
    panel.close()


def widget_point(viewer, x: float, y: float) -> QPoint:
    return viewer.canvas.to_widget(QPointF(x, y)).toPoint()


def drag(qtbot, canvas, start: QPoint, path: list[QPoint]) -> None:
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=start)
    for point in path:
        qtbot.mouseMove(canvas, point)
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=path[-1])


def test_dragging_a_title_handle_moves_it_in_one_undo_step(session, viewer, qtbot):
    title = session.graph.create("Title", text="Hello", position=(0.5, 0.5))
    session.select([title.uuid])
    shown(viewer, session.current_frame, qtbot)
    overlays = viewer.canvas.overlays
    assert overlays.node() is title
    (handle,) = overlays.shapes()
    assert (handle.x, handle.y) == (32.0, 18.0)  # the 64x36 test format, in image pixels

    before = pixels(viewer.canvas.grab().toImage())
    steps = session.undo_stack.count()
    start = widget_point(viewer, 32, 18)
    drag(qtbot, viewer.canvas, start, [widget_point(viewer, 24, 14), widget_point(viewer, 16, 9)])
    assert title["position"] == pytest.approx((0.25, 0.25), abs=0.02)
    assert session.undo_stack.count() == steps + 1  # the whole drag is one step
    session.undo_stack.undo()
    assert title["position"] == (0.5, 0.5)
    session.undo_stack.redo()
    assert title["position"] == pytest.approx((0.25, 0.25), abs=0.02)
    # The handle is painted: the canvas changed where it was drawn.
    after = pixels(viewer.canvas.grab().toImage())
    assert (before != after).any()


def test_dragging_an_animated_parameter_keys_the_current_frame(session, viewer, qtbot):
    title = session.graph.create("Title", text="Hi")
    title.set_keyframe("position", 1, (0.5, 0.5))
    title.set_keyframe("position", 20, (0.5, 0.5))
    session.select([title.uuid])
    session.set_frame(10)
    shown(viewer, 10, qtbot)
    drag(
        qtbot,
        viewer.canvas,
        widget_point(viewer, 32, 18),
        [widget_point(viewer, 40, 18), widget_point(viewer, 48, 18)],
    )
    curve = title.animation("position")
    assert curve.frames == (1.0, 10.0, 20.0)
    assert curve.key_at(10.0).value == pytest.approx((0.75, 0.5), abs=0.02)
    assert title.value_at("position", 1) == (0.5, 0.5)


def test_a_press_away_from_handles_does_not_edit(session, viewer, qtbot):
    title = session.graph.create("Title", text="Hi", position=(0.5, 0.5))
    session.select([title.uuid])
    shown(viewer, session.current_frame, qtbot)
    steps = session.undo_stack.count()
    drag(qtbot, viewer.canvas, widget_point(viewer, 2, 2), [widget_point(viewer, 8, 8)])
    assert session.undo_stack.count() == steps and title["position"] == (0.5, 0.5)


def test_edit_node_commands_of_one_drag_merge_and_undo_to_the_start(project):
    title = project.add_node("Title", position=(0.5, 0.5))
    graph = project.graph
    graph.perform(EditNode(title.uuid, {"position": (0.1, 0.1)}, merge_key=("overlay", 1)))
    graph.perform(EditNode(title.uuid, {"position": (0.2, 0.2)}, {"note": 1}, merge_key=("overlay", 1)))
    graph.perform(EditNode(title.uuid, {"size": 50.0}, merge_key=("overlay", 1)))
    assert (title["position"], title["size"], dict(title.state)) == ((0.2, 0.2), 50.0, {"note": 1})
    graph.history.undo()
    assert title["position"] == (0.5, 0.5) and title["size"] != 50.0 and dict(title.state) == {}
    graph.history.undo()  # the step before the drag: adding the node
    assert title.uuid not in graph.nodes


def test_dragging_a_handle_on_a_bezier_key_keeps_its_handles(session, viewer, qtbot):
    from filmstudio.core.commands import SetParam
    from filmstudio.core.params import AnimCurve, Interp, Keyframe

    title = session.graph.create("Title", text="Hi", position=(0.5, 0.5))
    shaped = Keyframe(10.0, (0.5, 0.5), Interp.BEZIER, in_handle=(-2.0, 0.1), out_handle=(3.0, -0.1))
    curve = AnimCurve((Keyframe(1.0, (0.5, 0.5)), shaped, Keyframe(20.0, (0.5, 0.5))))
    session.graph.perform(SetParam(title.uuid, "position", curve))
    session.select([title.uuid])
    session.set_frame(10)
    shown(viewer, 10, qtbot)
    drag(qtbot, viewer.canvas, widget_point(viewer, 32, 18), [widget_point(viewer, 40, 18)])
    key = title.animation("position").key_at(10.0)
    assert key.value == pytest.approx((0.625, 0.5), abs=0.02)
    assert (key.interp, key.in_handle, key.out_handle) == (Interp.BEZIER, shaped.in_handle, shaped.out_handle)
