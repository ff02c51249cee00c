"""Graph editor: keys (Del, D, F, .), moving nodes as one undo step, selection mirrored with the
session, zoom and pan, badges (error message on hover, cached), and the demo project drawn."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication

from filmstudio.core.errors import EvaluationError
from filmstudio.core.project import Project
from filmstudio.ui.graph import GraphView
from filmstudio.ui.graph.node_items import DotItem, NodeItem
from tests.ui.test_graph_helpers import drag, make_view


@pytest.fixture
def view(session, qtbot):
    return make_view(session, qtbot)


Key = Qt.Key


def test_delete_and_backspace_remove_the_selection_undoably(session, view, qtbot):
    ramp = view.add_node("Ramp", at=(0, 0))
    grade = view.add_node("Grade")
    before = session.project.to_json()
    session.select([grade.uuid])
    qtbot.keyClick(view, Key.Key_Delete)
    assert list(session.graph.nodes) == [ramp.uuid] and grade.uuid not in view.graph_scene.nodes
    assert not view.graph_scene.links
    session.undo_stack.undo()
    assert session.project.to_json() == before and grade.uuid in view.graph_scene.nodes
    session.select([ramp.uuid, grade.uuid])
    qtbot.keyClick(view, Key.Key_Backspace)
    assert not session.graph.nodes and not view.graph_scene.nodes


def test_d_toggles_disable_on_the_selection(session, view, qtbot):
    ramp, grade = view.add_node("Ramp", at=(0, 0)), view.add_node("Grade")
    session.select([ramp.uuid, grade.uuid])
    qtbot.keyClick(view, Key.Key_D)
    assert ramp.disabled and grade.disabled
    qtbot.keyClick(view, Key.Key_D)
    assert not ramp.disabled and not grade.disabled
    session.undo_stack.undo()
    assert ramp.disabled and grade.disabled
    assert session.undo_stack.undoText() == "Disable"


def test_dragging_nodes_moves_them_all_as_one_undo_step(session, view, qtbot):
    ramp = view.add_node("Ramp", at=(0, 0))
    grade = view.add_node("Grade", at=(0, 80))
    session.select([ramp.uuid, grade.uuid])
    steps = session.undo_stack.count()
    drag(view, QPointF(-30, 80), QPointF(70, 140))
    assert ramp.position == (100.0, 60.0) and grade.position == (100.0, 140.0)
    assert session.undo_stack.count() == steps + 1 and session.undo_stack.undoText() == "Move"
    link = view.graph_scene.links[(grade.uuid, "source")]
    assert link.boundingRect().contains(link.mapFromScene(QPointF(100, 100)))  # the link followed
    session.undo_stack.undo()
    assert ramp.position == (0.0, 0.0) and grade.position == (0.0, 80.0)
    assert view.graph_scene.nodes[grade.uuid].pos() == QPointF(0, 80)


def test_selection_is_mirrored_both_ways(session, view, qtbot):
    ramp = view.add_node("Ramp", at=(0, 0))
    grade = view.add_node("Grade", at=(300, 0), connect=False)
    items = view.graph_scene.nodes
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.mapFromScene(QPointF(300, 5)))
    assert session.selected == (grade.uuid,)
    session.select([ramp.uuid])
    assert items[ramp.uuid].isSelected() and not items[grade.uuid].isSelected()
    drag(view, QPointF(-200, -100), QPointF(400, 100))  # rubber band over both
    assert set(session.selected) == {ramp.uuid, grade.uuid}
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.mapFromScene(QPointF(0, 300)))
    assert session.selected == ()


def test_double_click_selects_only_that_node(session, view, qtbot):
    ramp = view.add_node("Ramp", at=(0, 0))
    grade = view.add_node("Grade", at=(0, 100))
    session.select([ramp.uuid, grade.uuid])
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.mapFromScene(QPointF(0, 100)))
    assert session.selected == (grade.uuid,) and session.pinned is None


def test_f_frames_every_node_and_wheel_zooms_around_the_cursor(session, view, qtbot):
    view.add_node("Ramp", at=(-1500, -900))
    view.add_node("Grade", at=(1500, 900), connect=False)
    qtbot.keyClick(view, Key.Key_F)
    visible = view.mapToScene(view.viewport().rect()).boundingRect()
    assert visible.contains(QPointF(-1500, -900)) and visible.contains(QPointF(1500, 900))
    assert view.zoom() < 0.5
    anchor = QPoint(200, 150)
    under = view.mapToScene(anchor)
    zoom = view.zoom()
    wheel = QWheelEvent(
        QPointF(anchor), QPointF(view.viewport().mapToGlobal(anchor)), QPoint(), QPoint(0, 240),
        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False,
    )  # fmt: skip
    QApplication.sendEvent(view.viewport(), wheel)
    assert view.zoom() == pytest.approx(zoom * 1.18**2)
    after = view.mapToScene(anchor)
    assert abs(after.x() - under.x()) < 2 / view.zoom() and abs(after.y() - under.y()) < 2 / view.zoom()


def test_middle_and_alt_drag_pan_without_editing(session, view):
    ramp = view.add_node("Ramp", at=(0, 0))
    steps = session.undo_stack.count()
    centre = view.mapToScene(view.viewport().rect().center())
    drag(view, QPointF(0, 0), QPointF(-100, 0), button=Qt.MouseButton.MiddleButton)
    moved = view.mapToScene(view.viewport().rect().center())
    assert moved.x() == pytest.approx(centre.x() + 100, abs=2)
    drag(view, QPointF(0, 0), QPointF(0, -50), modifiers=Qt.KeyboardModifier.AltModifier)
    assert view.mapToScene(view.viewport().rect().center()).y() == pytest.approx(moved.y() + 50, abs=2)
    assert ramp.position == (0.0, 0.0) and session.undo_stack.count() == steps


def test_period_inserts_a_dot_after_the_selected_node(session, view, qtbot):
    ramp = view.add_node("Ramp", at=(0, 0))
    grade = view.add_node("Grade")
    session.select([ramp.uuid])
    qtbot.keyClick(view, Key.Key_Period)
    dot = session.graph.node("Dot1")
    assert isinstance(view.graph_scene.nodes[dot.uuid], DotItem)
    assert session.graph.input_link(dot.uuid, "input").source == ramp.uuid
    assert session.graph.input_link(grade.uuid, "source").source == dot.uuid
    assert session.graph.output_type(dot.uuid, "output").value == "Image"
    x, y = dot.position
    drag(view, QPointF(x, y), QPointF(x + 60, y))  # the circle moves the Dot; its ports link
    assert dot.position == (x + 60, y) and len(session.graph.links) == 2


def test_error_badge_shows_the_message_after_a_failing_evaluation(session, view, qtbot):
    failing = view.add_node("test.Failing", at=(0, 0))
    item = view.graph_scene.nodes[failing.uuid]
    assert isinstance(item, NodeItem) and "Error" not in item.toolTip()
    with pytest.raises(EvaluationError):
        session.engine.evaluate(failing, 1)
    qtbot.waitUntil(lambda: session.node_status(failing.uuid)[0] == "error")
    assert "always fails" in item.toolTip() and "Error" in item.toolTip()
    view.grab()  # paints the badge without errors
    failing.set_disabled(True)  # an edit clears the error until the next evaluation
    assert "always fails" not in item.toolTip()


def test_computing_badge_while_a_node_runs(session, view, qtbot):
    slow = view.add_node("test.Slow", at=(0, 0))
    slow.set(seconds=5.0)
    item = view.graph_scene.nodes[slow.uuid]
    request = session.engine.submit(slow, 1)
    qtbot.waitUntil(lambda: "computing" in item.toolTip())
    view.grab()  # paints the amber badge
    request.cancel()
    qtbot.waitUntil(lambda: session.node_status(slow.uuid)[0] == "")
    assert "computing" not in item.toolTip()


def test_cached_badge_follows_the_cache_and_the_frame(session, view, qtbot):
    source = view.add_node("test.FrameNumber", at=(0, 0))
    item = view.graph_scene.nodes[source.uuid]
    badges = view.graph_scene.badges
    qtbot.waitUntil(lambda: item.cached_epoch == badges.epoch)
    assert not item._cached
    session.engine.evaluate(source, 1)
    qtbot.waitUntil(lambda: item._cached)  # the "done" status asks again
    session.set_frame(2)
    qtbot.waitUntil(lambda: item.cached_epoch == badges.epoch)
    assert not item._cached
    view.grab()


def test_the_demo_project_is_drawn_with_every_node(session, qtbot, tmp_path):
    from pathlib import Path

    demo = Project.load(Path(__file__).parents[2] / "resources" / "demo" / "demo.fsproj", session.registry)
    session.replace_project(demo)
    graph_view = GraphView(session)
    qtbot.addWidget(graph_view)
    graph_view.resize(900, 560)
    graph_view.show()
    qtbot.waitExposed(graph_view)
    assert set(graph_view.graph_scene.nodes) == set(demo.graph.nodes)
    assert len(graph_view.graph_scene.links) == len(demo.graph.links)
    visible = graph_view.mapToScene(graph_view.viewport().rect()).boundingRect()
    assert all(visible.contains(QPointF(*node.position)) for node in demo.graph.nodes.values())
    graph_view.action("legend").trigger()
    assert graph_view.legend.isVisible() and graph_view.legend.geometry().bottom() < graph_view.height()
    image = graph_view.grab().toImage()
    assert image.pixelColor(5, 5).lightness() < 70  # the dark canvas
    assert graph_view.grab().save(str(tmp_path / "graph.png"))


def test_a_200_node_graph_builds_and_updates_one_item_per_event(session, qtbot):
    graph = session.graph
    previous = None
    for index in range(200):
        node = graph.create("Grade" if index else "Ramp")
        graph.move(node.uuid, (float(index % 20) * 160, float(index // 20) * 80))
        if previous is not None:
            graph.connect(previous, node)
        previous = node
    graph_view = GraphView(session)
    qtbot.addWidget(graph_view)
    graph_view.resize(900, 560)
    graph_view.show()
    assert len(graph_view.graph_scene.nodes) == 200 and len(graph_view.graph_scene.links) == 199
    items = dict(graph_view.graph_scene.nodes)
    previous.rename("Last")
    assert graph_view.graph_scene.nodes == items  # no rebuild
    graph_view.frame_all()
    graph_view.grab()
