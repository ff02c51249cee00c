"""Graph editor: adding nodes (Tab search, API), connecting by dragging between ports, refused
links explained, replacing and pulling off links, and undo/redo restoring the project exactly."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QAction

from filmstudio.ui.graph.ports import COMPATIBLE, REFUSED
from tests.ui.test_graph_helpers import connect_by_drag, drag, make_view, port


@pytest.fixture
def view(session, qtbot):
    return make_view(session, qtbot)


Key = Qt.Key


def test_tab_search_adds_the_typed_node_at_the_cursor(session, view, qtbot):
    qtbot.keyClick(view, Key.Key_Tab)
    popup = view.search
    assert popup.isVisible() and popup.results.count() > 10
    qtbot.keyClicks(popup.line_edit, "grad")
    assert popup.results.currentItem().text() == "Grade"
    steps = session.undo_stack.count()
    qtbot.keyClick(popup.line_edit, Key.Key_Return)
    assert not popup.isVisible()
    (grade,) = session.graph.nodes.values()
    assert grade.type.id == "Grade" and grade.name == "Grade1"
    assert session.selected == (grade.uuid,)
    assert session.undo_stack.count() == steps + 1
    assert grade.uuid in view.graph_scene.nodes


def test_tab_search_with_a_node_selected_connects_it_downstream(session, view, qtbot):
    ramp = view.add_node("Ramp", at=(0, 0))
    write = view.add_node("Write", at=(0, 80))  # the selected Ramp feeds it
    assert session.graph.input_link(write.uuid, "source").source == ramp.uuid
    session.select([ramp.uuid])
    qtbot.keyClick(view, Key.Key_Tab)
    qtbot.keyClicks(view.search.line_edit, "blr")  # fuzzy: letters in order
    qtbot.keyClick(view.search.line_edit, Key.Key_Down)
    qtbot.keyClick(view.search.line_edit, Key.Key_Up)
    qtbot.keyClick(view.search.line_edit, Key.Key_Enter)
    blur = session.graph.node("Blur1")
    assert session.graph.input_link(blur.uuid, "source").source == ramp.uuid
    assert session.graph.input_link(write.uuid, "source").source == blur.uuid  # inserted, as in Nuke
    assert blur.position[1] > ramp.position[1]
    session.undo_stack.undo()
    assert session.graph.input_link(write.uuid, "source").source == ramp.uuid  # one step


def test_a_menu_action_opens_the_search_too(session, view, qtbot):
    menu_action = QAction("Add Node…", view)
    menu_action.triggered.connect(view.open_node_search)  # passes checked=False
    menu_action.trigger()
    assert view.search.isVisible()
    qtbot.keyClicks(view.search.line_edit, "const")
    qtbot.keyClick(view.search.line_edit, Key.Key_Return)
    assert [n.type.id for n in session.graph.nodes.values()] == ["Constant"]
    view.shutdown()


def test_escape_closes_the_search_without_adding(session, view, qtbot):
    qtbot.keyClick(view, Key.Key_Tab)
    qtbot.keyClicks(view.search.line_edit, "grade")
    qtbot.keyClick(view.search.line_edit, Key.Key_Escape)
    assert not view.search.isVisible() and not session.graph.nodes


def test_add_node_through_the_api_and_unknown_types_are_reported(session, view, qtbot):
    constant = view.add_node("Constant", at=QPointF(100, 50))
    assert constant.position == (100.0, 50.0)
    assert view.graph_scene.nodes[constant.uuid].pos() == QPointF(100, 50)
    with qtbot.waitSignal(session.message) as reported:
        assert view.add_node("NoSuchNode") is None
    assert reported.args[0] == "error" and "NoSuchNode" in reported.args[1]


def test_dragging_from_an_output_to_an_input_connects(session, view):
    ramp, grade = view.add_node("Ramp", at=(0, -100)), view.add_node("Grade", at=(0, 0), connect=False)
    connect_by_drag(view, ramp, grade, "source")
    link = session.graph.input_link(grade.uuid, "source")
    assert link is not None and link.source == ramp.uuid
    assert (grade.uuid, "source") in view.graph_scene.links
    session.undo_stack.undo()
    assert session.graph.input_link(grade.uuid, "source") is None
    assert (grade.uuid, "source") not in view.graph_scene.links


def test_dragging_backwards_from_a_free_input_connects_too(session, view):
    ramp, grade = view.add_node("Ramp", at=(0, -100)), view.add_node("Grade", at=(0, 0), connect=False)
    drag(view, port(view, grade, "source", True).anchor(), port(view, ramp, "image", False).anchor())
    assert session.graph.input_link(grade.uuid, "source").source == ramp.uuid


def test_compatible_ports_light_up_while_dragging(session, view, qtbot):
    constant = view.add_node("Constant", at=(0, -100))
    grade = view.add_node("Grade", at=(-150, 0), connect=False)
    track = view.add_node("test.TrackReader", at=(150, 0), connect=False)
    viewport = view.viewport()
    start = view.mapFromScene(port(view, constant, "image", False).anchor())
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(viewport, start + start / 10)
    assert port(view, grade, "source", True).highlight == COMPATIBLE
    assert port(view, grade, "mask", True).highlight == COMPATIBLE  # Image -> Mask converts
    assert port(view, track, "track", True).highlight == REFUSED
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=start + start / 10)
    assert port(view, grade, "source", True).highlight == ""
    assert not session.graph.links


def test_a_mismatched_link_is_refused_with_the_graph_reason(session, view, qtbot):
    constant = view.add_node("Constant", at=(0, -100))
    track = view.add_node("test.TrackReader", at=(0, 0), connect=False)
    steps = session.undo_stack.count()
    expected = session.graph.link_problem(constant.uuid, "image", track.uuid, "track")
    assert "carries Image" in expected
    with qtbot.waitSignal(session.message) as reported:
        connect_by_drag(view, constant, track, "track")
    assert reported.args[0] == "warning" and expected in reported.args[1]
    assert view.graph_scene.hint.isVisible() and view.graph_scene.hint.text == expected
    assert not session.graph.links and session.undo_stack.count() == steps
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.viewport().rect().topLeft())
    assert not view.graph_scene.hint.isVisible()  # the next click clears it


def test_a_link_that_would_loop_is_refused(session, view, qtbot):
    first = view.add_node("Grade", at=(0, 0), connect=False)
    second = view.add_node("Blur", at=(0, 100), connect=False)
    session.graph.connect(first, second)
    with qtbot.waitSignal(session.message) as reported:
        drag(view, port(view, second, "image", False).anchor(), port(view, first, "mask", True).anchor())
    assert "loop" in reported.args[1]
    assert len(session.graph.links) == 1


def test_dropping_on_an_occupied_input_replaces_its_link_undoably(session, view):
    ramp = view.add_node("Ramp", at=(-100, -100))
    constant = view.add_node("Constant", at=(100, -100))
    grade = view.add_node("Grade", at=(0, 0), connect=False)
    session.graph.connect(ramp, grade)
    before = session.project.to_json()
    connect_by_drag(view, constant, grade, "source")
    assert session.graph.input_link(grade.uuid, "source").source == constant.uuid
    assert len(session.graph.links) == 1
    session.undo_stack.undo()
    assert session.project.to_json() == before
    assert view.graph_scene.links[(grade.uuid, "source")].link.source == ramp.uuid


def test_pulling_a_link_off_its_input_disconnects_it(session, view):
    ramp, grade = view.add_node("Ramp", at=(0, -100)), view.add_node("Grade", at=(0, 0), connect=False)
    session.graph.connect(ramp, grade)
    source = port(view, grade, "source", True).anchor()
    drag(view, source, source + QPointF(150, 60))
    assert not session.graph.links and not view.graph_scene.links
    session.undo_stack.undo()
    assert session.graph.input_link(grade.uuid, "source") is not None


def test_moving_a_picked_up_link_to_another_input_is_one_step(session, view):
    ramp = view.add_node("Ramp", at=(0, -100))
    grade = view.add_node("Grade", at=(-100, 0), connect=False)
    blur = view.add_node("Blur", at=(100, 0), connect=False)
    session.graph.connect(ramp, grade)
    steps = session.undo_stack.count()
    drag(view, port(view, grade, "source", True).anchor(), port(view, blur, "source", True).anchor())
    assert session.graph.input_link(grade.uuid, "source") is None
    assert session.graph.input_link(blur.uuid, "source").source == ramp.uuid
    assert session.undo_stack.count() == steps + 1


def test_dropping_on_a_node_body_uses_its_first_free_input(session, view):
    ramp, grade = view.add_node("Ramp", at=(0, -100)), view.add_node("Grade", at=(0, 0), connect=False)
    drag(view, port(view, ramp, "image", False).anchor(), QPointF(-30, 5))
    assert session.graph.input_link(grade.uuid, "source").source == ramp.uuid


def test_undo_and_redo_restore_the_project_exactly(session, view, qtbot):
    empty = session.project.to_json()
    ramp = view.add_node("Ramp", at=(0, -100))
    qtbot.keyClick(view, Key.Key_Tab)
    qtbot.keyClicks(view.search.line_edit, "Grade")
    qtbot.keyClick(view.search.line_edit, Key.Key_Return)
    grade = session.graph.node("Grade1")
    qtbot.keyClick(view, Key.Key_D)
    assert grade.disabled
    states = [session.project.to_json()]
    view.delete_selection()
    states.append(session.project.to_json())
    for state in reversed(states[:-1]):
        session.undo_stack.undo()
        assert session.project.to_json() == state
    while session.undo_stack.canUndo():
        session.undo_stack.undo()
    assert session.project.to_json() == empty and not view.graph_scene.nodes
    while session.undo_stack.canRedo():
        session.undo_stack.redo()
    assert session.project.to_json() == states[-1]
    assert set(view.graph_scene.nodes) == {ramp.uuid}
