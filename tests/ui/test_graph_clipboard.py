"""Copy, cut and paste of nodes as JSON text through the system clipboard."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest

from filmstudio.core.project import Project
from tests.ui.test_graph_helpers import make_view


@pytest.fixture
def view(session, qtbot):
    return make_view(session, qtbot)


Key, Ctrl = Qt.Key, Qt.KeyboardModifier.ControlModifier


def _chain(session, view):
    ramp = view.add_node("Ramp", at=(0, 0))
    grade = view.add_node("Grade")
    grade.set(gamma=1.5)
    grade.set_keyframe("mix", 1, 0.0)
    grade.set_keyframe("mix", 10, 1.0)
    blur = view.add_node("Blur")
    return ramp, grade, blur


def test_copy_paste_duplicates_with_new_ids_names_and_the_links_between_them(session, view, qtbot):
    ramp, grade, blur = _chain(session, view)
    session.select([ramp.uuid, grade.uuid])
    qtbot.keyClick(view, Key.Key_C, Ctrl)
    text = QGuiApplication.clipboard().text()
    document = json.loads(text)
    assert {n["name"] for n in document["nodes"]} == {"Ramp1", "Grade1"}
    assert len(document["links"]) == 1  # Grade1 -> Blur1 left out: Blur1 was not copied

    steps = session.undo_stack.count()
    qtbot.keyClick(view, Key.Key_V, Ctrl)
    assert session.undo_stack.count() == steps + 1 and session.undo_stack.undoText() == "Paste"
    graph = session.graph
    assert len(graph.nodes) == 5
    new_ramp, new_grade = graph.node("Ramp2"), graph.node("Grade2")
    assert {new_ramp.uuid, new_grade.uuid}.isdisjoint({ramp.uuid, grade.uuid})
    assert graph.input_link(new_grade.uuid, "source").source == new_ramp.uuid
    assert new_grade["gamma"] == 1.5 and new_grade.animation("mix") == grade.animation("mix")
    assert new_ramp.position != ramp.position
    assert set(session.selected) == {new_ramp.uuid, new_grade.uuid}
    assert new_grade.uuid in view.graph_scene.nodes and (new_grade.uuid, "source") in view.graph_scene.links
    assert graph.input_link(blur.uuid, "source").source == grade.uuid  # the originals are untouched

    session.undo_stack.undo()
    assert set(graph.nodes) == {ramp.uuid, grade.uuid, blur.uuid}


def test_paste_lands_at_the_cursor_and_keeps_the_layout(session, view, qtbot):
    ramp, grade, _blur = _chain(session, view)
    session.select([])
    assert view.copy_selection() == 0  # nothing selected: nothing copied
    session.select([ramp.uuid, grade.uuid])
    assert view.copy_selection() == 2
    QTest.mouseMove(view.viewport(), view.mapFromScene(QPointF(200, 150)))
    pasted = view.paste()
    assert len(pasted) == 2
    (x1, y1), (x2, y2) = (n.position for n in pasted)
    assert (x2 - x1, y2 - y1) == (grade.position[0] - ramp.position[0], grade.position[1] - ramp.position[1])
    assert abs((x1 + x2) / 2 - 200) <= 2 and abs((y1 + y2) / 2 - 150) <= 2


def test_cut_removes_and_paste_brings_back_in_another_project(session, view, qtbot, registry):
    ramp, grade, blur = _chain(session, view)
    session.select([grade.uuid, blur.uuid])
    qtbot.keyClick(view, Key.Key_X, Ctrl)
    assert list(session.graph.nodes) == [ramp.uuid]
    session.replace_project(Project(registry=registry))
    pasted = view.paste()
    assert [n.name for n in pasted] == ["Grade1", "Blur1"]  # free names are kept
    assert session.graph.input_link(pasted[1].uuid, "source").source == pasted[0].uuid


def test_pasting_other_text_is_reported_not_raised(session, view, qtbot):
    for text in ("hello, world", '{"nodes": []}', "[1, 2", ""):
        QGuiApplication.clipboard().setText(text)
        with qtbot.waitSignal(session.message) as reported:
            assert view.paste() == []
        assert reported.args[0] == "warning" and "no FilmStudio nodes" in reported.args[1]
    QGuiApplication.clipboard().setText(
        json.dumps({"filmstudio": {"schema": 1}, "settings": {}, "nodes": [], "links": []})
    )
    with qtbot.waitSignal(session.message) as reported:
        assert view.paste() == []
    assert reported.args[0] == "error" and "Cannot paste" in reported.args[1]
    assert not session.graph.nodes and session.undo_stack.count() == 0
