"""The editor session: undo through QUndoStack, selection and the viewed node, playhead."""

from __future__ import annotations

import pytest

from filmstudio.core.errors import TypeMismatchError


def test_graph_edits_are_qundostack_steps_and_undo_restores_exactly(session):
    graph = session.graph
    ramp = graph.create("Ramp")
    grade = graph.create("Grade")
    graph.connect(ramp, grade)
    before = session.project.to_json()
    assert session.undo_stack.count() == 3
    assert session.modified

    grade.set(gain=(2.0, 2.0, 2.0, 1.0), merge=True)
    grade.set(gain=(3.0, 3.0, 3.0, 1.0), merge=True)  # a slider drag: one step
    assert session.undo_stack.count() == 4
    session.undo_stack.undo()
    assert session.project.to_json() == before
    session.undo_stack.redo()
    assert grade["gain"] == (3.0, 3.0, 3.0, 1.0)

    while session.undo_stack.canUndo():
        session.undo_stack.undo()
    assert not graph.nodes and not session.modified


def test_a_refused_edit_records_nothing_and_is_reported(session, qtbot):
    graph = session.graph
    constant = graph.create("Constant")
    track = graph.create("test.TrackReader")  # takes a Track, not an Image
    steps = session.undo_stack.count()
    with qtbot.waitSignal(session.message) as reported, session.edit("Connect"):
        graph.connect(constant, track, target_port="track")
    assert reported.args[0] == "error"
    assert session.undo_stack.count() == steps
    with pytest.raises(TypeMismatchError):
        graph.connect(constant, track, target_port="track")


def test_viewed_node_follows_selection_and_pin(session, qtbot):
    graph = session.graph
    ramp = graph.create("Ramp")
    with qtbot.waitSignal(session.viewedNodeChanged):  # the new last node becomes the default
        grade = graph.create("Grade")
    assert session.viewed_node == grade.uuid  # nothing selected: the last viewable node
    session.select([ramp.uuid])
    assert session.viewed_node == ramp.uuid
    session.pin(ramp.uuid)
    session.select([grade.uuid])
    assert session.viewed_node == ramp.uuid
    graph.delete([ramp])
    assert session.viewed_node == grade.uuid and session.pinned is None


def test_playhead_is_clamped_to_the_range(session, qtbot):
    with qtbot.waitSignal(session.frameChanged) as moved:
        session.set_frame(500)
    assert moved.args == [100] and session.current_frame == 100
    session.set_in_out(20, 10)
    assert (session.in_point, session.out_point) == (20, 20)
