"""The inspector: generated rows, edits through the graph API, undo, the header."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QLabel

from filmstudio.core.project import Project
from filmstudio.ui.inspector.base import ValueSlider
from filmstudio.ui.inspector.color import ColorEditor
from filmstudio.ui.inspector.numeric import FloatEditor, IntEditor
from filmstudio.ui.inspector.panel import EMPTY_TEXT


def type_into(qtbot, spin, text: str) -> None:
    """Type ``text`` into a spin box as an artist would, then press Enter."""
    spin.setFocus()
    spin.lineEdit().selectAll()
    qtbot.keyClicks(spin.lineEdit(), text)
    qtbot.keyClick(spin.lineEdit(), Qt.Key.Key_Return)


def drag(qtbot, slider: ValueSlider, fractions: list[float]) -> None:
    """Press at the first fraction of the slider's width, move through the others, release."""
    y = slider.height() // 2
    points = [QPoint(int(slider.width() * f), y) for f in fractions]
    qtbot.mousePress(slider, Qt.MouseButton.LeftButton, pos=points[0])
    for point in points[1:]:
        qtbot.mouseMove(slider, point)
    qtbot.mouseRelease(slider, Qt.MouseButton.LeftButton, pos=points[-1])


def test_empty_state_then_the_last_selected_node_with_a_row_per_parameter(session, inspector):
    assert inspector.node is None and inspector.header is None
    assert EMPTY_TEXT in [label.text() for label in inspector.scroll.widget().findChildren(QLabel)]

    blur, grade = session.graph.create("Blur"), session.graph.create("Grade")
    session.select([blur.uuid, grade.uuid])
    assert inspector.node is grade
    assert list(inspector.rows) == ["gain", "offset", "gamma", "mix"]
    assert inspector.header.name_edit.text() == grade.name
    assert inspector.header.type_label.text().split() == ["Grade", "v1"]
    assert isinstance(inspector.row("gain").editor, ColorEditor)
    assert isinstance(inspector.row("gamma").editor, FloatEditor)
    assert inspector.row("gamma").label.text() == "Gamma"
    assert inspector.row("gamma").editor.spin.value() == 1.0
    assert all(row.key_button is not None for row in inspector.rows.values())  # all animatable

    session.select([grade.uuid, blur.uuid])
    assert inspector.node is blur and list(inspector.rows) == ["size", "filter", "mix"]
    session.select([])
    assert inspector.node is None and inspector.header is None


def test_typing_in_a_spin_box_sets_the_parameter_and_undo_updates_the_widget(session, inspector, qtbot):
    blur = session.graph.create("Blur")
    session.select([blur.uuid])
    steps = session.undo_stack.count()
    editor = inspector.row("size").editor
    type_into(qtbot, editor.spin, "25.5")
    assert blur["size"] == 25.5
    assert session.undo_stack.count() == steps + 1
    assert editor.slider.value() == pytest.approx(255, abs=1)  # 25.5 of 0..100 on 1000 steps

    session.undo_stack.undo()
    assert blur["size"] == 10.0
    assert editor.spin.value() == 10.0 and editor.slider.value() == 100
    session.undo_stack.redo()
    assert editor.spin.value() == 25.5
    assert session.undo_stack.count() == steps + 1  # refreshing widgets made no edits


def test_a_slider_drag_of_many_steps_is_one_undo_step(session, inspector, qtbot):
    grade = session.graph.create("Grade")
    session.select([grade.uuid])
    steps = session.undo_stack.count()
    edits = []
    session.graphChanged.connect(lambda event: edits.append(event.detail))
    slider = inspector.row("gamma").editor.slider
    drag(qtbot, slider, [0.1, 0.2, 0.3, 0.45, 0.6, 0.5])
    assert len(edits) >= 5  # the image followed the drag live
    assert session.undo_stack.count() == steps + 1
    assert grade["gamma"] == pytest.approx(2.0, abs=0.05)  # half of the soft range 0.01..4
    assert inspector.row("gamma").editor.spin.value() == pytest.approx(grade["gamma"])
    session.undo_stack.undo()
    assert grade["gamma"] == 1.0
    assert inspector.row("gamma").editor.slider.slider_value() == pytest.approx(1.0, abs=0.01)


def test_integer_parameters_get_a_slider_only_with_a_range(session, inspector, qtbot):
    write, noise = session.graph.create("Write"), session.graph.create("Noise")
    session.select([write.uuid])
    crf = inspector.row("crf").editor
    assert isinstance(crf, IntEditor) and crf.slider is not None
    drag(qtbot, crf.slider, [0.2, 1.0])
    assert write["crf"] == 51
    session.select([noise.uuid])
    assert inspector.row("seed").editor.slider is None  # minimum only: a field
    assert inspector.row("seed").key_button is None  # declared not animatable
    type_into(qtbot, inspector.row("seed").editor.spin, "42")
    assert noise["seed"] == 42


def test_out_of_range_values_are_clamped_or_refused_with_a_message(session, inspector, qtbot):
    grade, write = session.graph.create("Grade"), session.graph.create("Write")
    session.select([grade.uuid])
    messages = []
    session.message.connect(lambda level, text: messages.append((level, text)))
    type_into(qtbot, inspector.row("mix").editor.spin, "0.25")
    assert grade["mix"] == 0.25 and not messages
    type_into(qtbot, inspector.row("mix").editor.spin, "7")
    assert grade["mix"] == 1.0  # clamped to the hard maximum, and said so
    assert messages[-1] == ("warning", "Grade1: Mix: 7 is above the maximum 1; set to 1")
    type_into(qtbot, inspector.row("gamma").editor.spin, "2*0.75")  # arithmetic, as in Nuke
    assert grade["gamma"] == 1.5
    type_into(qtbot, inspector.row("gamma").editor.spin, "-1")
    assert grade["gamma"] == 0.01 and "below the minimum 0.01" in messages[-1][1]
    type_into(qtbot, inspector.row("gain").editor.spins[0], "12.5")  # no hard limit: taken as typed
    assert grade["gain"][0] == 12.5

    steps = session.undo_stack.count()
    inspector.row("mix").editor.valueEdited.emit(-3.0, False)  # a value the field would not allow
    assert grade["mix"] == 1.0 and session.undo_stack.count() == steps
    assert messages[-1][0] == "error" and "below the minimum" in messages[-1][1]
    assert inspector.row("mix").editor.spin.value() == 1.0

    session.select([write.uuid])
    type_into(qtbot, inspector.row("crf").editor.spin, "99")
    assert write["crf"] == 51 and "above the maximum 51" in messages[-1][1]


def test_rename_through_the_header_is_undoable_and_a_taken_name_is_reported(session, inspector, qtbot):
    grade, _blur = session.graph.create("Grade"), session.graph.create("Blur")
    session.select([grade.uuid])
    name_edit = inspector.header.name_edit
    name_edit.setFocus()
    name_edit.selectAll()
    qtbot.keyClicks(name_edit, "Look")
    qtbot.keyClick(name_edit, Qt.Key.Key_Return)
    assert grade.name == "Look"
    session.undo_stack.undo()
    assert grade.name == "Grade1" and name_edit.text() == "Grade1"

    with qtbot.waitSignal(session.message) as reported:
        name_edit.setText("Blur1")
        name_edit.editingFinished.emit()
    assert reported.args[0] == "error" and "Blur1" in reported.args[1]
    assert grade.name == "Grade1" and name_edit.text() == "Grade1"


def test_disable_checkbox_toggles_the_node_and_follows_undo(session, inspector, qtbot):
    grade = session.graph.create("Grade")
    session.select([grade.uuid])
    check = inspector.header.disable_check
    qtbot.mouseClick(check, Qt.MouseButton.LeftButton, pos=QPoint(6, check.height() // 2))
    assert grade.disabled and check.isChecked()
    session.undo_stack.undo()
    assert not grade.disabled and not check.isChecked()
    grade.set_disabled(True)  # from elsewhere (D in the graph)
    assert check.isChecked()


def test_removing_the_shown_node_empties_the_panel(session, inspector):
    grade = session.graph.create("Grade")
    session.select([grade.uuid])
    session.undo_stack.undo()  # undo the creation
    assert inspector.node is None and inspector.rows == {}
    session.undo_stack.redo()
    assert inspector.node is None  # not selected any more


def test_a_new_project_resets_the_panel(session, inspector, project):
    grade = session.graph.create("Grade")
    session.select([grade.uuid])
    session.replace_project(Project(registry=session.graph.registry))
    assert inspector.node is None


def test_two_drags_in_a_row_are_two_undo_steps(session, inspector, qtbot):
    grade = session.graph.create("Grade")
    session.select([grade.uuid])
    steps = session.undo_stack.count()
    slider = inspector.row("gamma").editor.slider
    drag(qtbot, slider, [0.1, 0.2, 0.3])
    first = grade["gamma"]
    drag(qtbot, slider, [0.5, 0.6, 0.7])
    assert session.undo_stack.count() == steps + 2
    session.undo_stack.undo()
    assert grade["gamma"] == first
