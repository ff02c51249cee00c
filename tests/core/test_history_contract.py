"""One undo contract, two histories: the same promises hold for the core's UndoStack (scripts,
renders) and the editor's QtHistory on a QUndoStack (see :mod:`filmstudio.core.history`)."""

from __future__ import annotations

import pytest

from filmstudio.core.errors import CycleError
from filmstudio.core.history import History, UndoStack


@pytest.fixture(params=["core", "qt"])
def history(request, project) -> History:
    """The project's graph history: the core UndoStack, or QtHistory on a fresh QUndoStack."""
    if request.param == "core":
        assert isinstance(project.graph.history, UndoStack)
        return project.graph.history
    request.getfixturevalue("qapp")
    from PySide6.QtGui import QUndoStack

    from filmstudio.ui.undo import QtHistory

    stack = QUndoStack()
    project.graph.history = QtHistory(project.graph, stack)
    request.addfinalizer(stack.deleteLater)
    return project.graph.history


def undo_all(history: History) -> int:
    steps = 0
    while history.undo():
        steps += 1
    return steps


def test_both_histories_keep_the_protocol(history):
    assert isinstance(history, History)
    assert not history.can_undo and not history.can_redo and history.is_clean


def test_a_step_is_one_undo_step(project, history):
    empty = project.to_json()
    with history.step("Build"):
        ramp = project.add_node("Ramp")
        project.connect(ramp, project.add_node("Grade"))
    built = project.to_json()
    assert undo_all(history) == 1 and project.to_json() == empty
    assert history.redo() and project.to_json() == built and not history.can_redo


def test_nested_steps_join_the_outer_one(project, history):
    with history.step("Outer"):
        ramp = project.add_node("Ramp")
        with history.step("Inner"):
            project.connect(ramp, project.add_node("Grade"))
        assert not history.can_undo  # nothing is recorded until the outermost step ends
        project.add_node("Blur")
    assert len(project.nodes) == 3
    assert undo_all(history) == 1 and not project.nodes


def test_a_step_without_edits_records_nothing(history):
    with history.step("Nothing"):
        pass
    assert not history.can_undo


def test_a_slider_drag_is_one_step(project, history):
    grade = project.add_node("Grade")
    for gain in (1.1, 1.2, 1.3, 1.4):
        grade.set(gamma=gain, merge=True)
    grade.set(gamma=2.0)  # a typed value is a step of its own
    assert grade["gamma"] == 2.0
    assert history.undo() and grade["gamma"] == 1.4
    assert history.undo() and grade["gamma"] == 1.0  # the whole drag at once
    assert undo_all(history) == 1 and not project.nodes


def test_drags_do_not_merge_across_the_clean_state(project, history):
    grade = project.add_node("Grade")
    grade.set(gamma=1.5, merge=True)
    history.set_clean()
    grade.set(gamma=1.7, merge=True)
    assert not history.is_clean
    assert history.undo() and grade["gamma"] == 1.5 and history.is_clean


def test_undo_and_redo_restore_exactly(project, history):
    snapshots = [project.to_json()]
    ramp = project.add_node("Ramp")
    snapshots.append(project.to_json())
    grade = project.add_node("Grade")
    snapshots.append(project.to_json())
    project.connect(ramp, grade)
    snapshots.append(project.to_json())
    with history.step("Animate"):
        grade.set_keyframe("gamma", 1, 1.0)
        grade.set_keyframe("gamma", 10, 2.0)
    snapshots.append(project.to_json())
    graph = project.graph
    graph.delete([ramp])
    snapshots.append(project.to_json())
    for expected in reversed(snapshots[:-1]):
        assert history.undo() and project.to_json() == expected
    assert not history.can_undo
    for expected in snapshots[1:]:
        assert history.redo() and project.to_json() == expected
    assert not history.can_redo


def test_the_clean_state_follows_undo_and_redo(project, history):
    grade = project.add_node("Grade")
    history.set_clean()
    assert history.is_clean
    grade.set(gamma=1.5)
    assert not history.is_clean
    history.undo()
    assert history.is_clean
    history.redo()
    assert not history.is_clean
    history.undo()
    history.undo()  # before the save
    assert not history.is_clean
    project.add_node("Blur")  # the saved state can no longer be reached
    assert not history.is_clean and not history.can_redo
    history.undo()
    assert not history.is_clean


def test_an_exception_in_a_step_undoes_its_edits_and_records_nothing(project, history):
    project.add_node("Ramp", "Before")
    before = project.to_json()
    with pytest.raises(RuntimeError, match="bug"), history.step("Broken"):
        ramp = project.add_node("Ramp")
        project.connect(ramp, project.add_node("Grade"))
        raise RuntimeError("a bug half-way")
    assert project.to_json() == before and not history.can_redo
    assert undo_all(history) == 1 and not project.nodes  # only the edit before the step


def test_a_refused_edit_in_a_step_undoes_the_step(project, history):
    grade = project.connect(project.add_node("Ramp"), project.add_node("Grade"))
    after = project.add_node("Grade")
    before = project.to_json()
    with pytest.raises(CycleError), history.step("Loop"):
        grade.set(gamma=3.0)
        project.connect(grade, after)
        project.connect(after, grade, target_port="mask")  # refused: a cycle
    assert project.to_json() == before and grade["gamma"] == 1.0 and not project.graph.input_links(after.uuid)


def test_an_inner_step_that_fails_leaves_the_outer_step_going(project, history):
    with history.step("Outer"):
        project.add_node("Ramp", "Kept")
        with pytest.raises(RuntimeError), history.step("Inner"):
            project.add_node("Blur", "Dropped")
            raise RuntimeError("inner")
        project.add_node("Grade", "Also kept")
    assert [n.name for n in project.nodes] == ["Kept", "Also kept"]
    assert undo_all(history) == 1 and not project.nodes
    assert history.redo() and [n.name for n in project.nodes] == ["Kept", "Also kept"]
