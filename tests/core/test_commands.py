"""Undo/redo restores the graph exactly; slider drags merge into one step."""

from __future__ import annotations

import pytest

from filmstudio.core.errors import CycleError, ParameterError
from filmstudio.core.graph import GraphEventKind


def build(project):
    ramp = project.add_node("Ramp")
    grade = project.connect(ramp, project.add_node("Grade", gamma=1.2))
    blur = project.connect(grade, project.add_node("Blur"))
    return ramp, grade, blur


def test_every_edit_undoes_and_redoes_exactly(project):
    snapshots = [project.to_json()]
    _ramp, grade, _blur = build(project)
    snapshots.append(project.to_json())
    grade.set(gain=(2, 2, 2, 1))
    grade.set_keyframe("gamma", 1, 0.8)
    grade.set_keyframe("gamma", 50, 1.4, "smooth")
    grade.set_disabled(True)
    grade.rename("Warm")
    project.graph.delete([grade])  # removes its two links as well
    final = project.to_json()
    assert "Warm" not in final
    while project.undo():
        pass
    assert project.to_json() == snapshots[0]
    while project.redo():
        pass
    assert project.to_json() == final
    for _ in range(6):
        project.undo()
    assert project.to_json() == snapshots[1]


def test_delete_restores_node_order_and_links(project):
    ramp, grade, blur = build(project)
    before = project.to_json()
    project.graph.delete([ramp, blur])
    assert list(project.graph.nodes) == [grade.uuid] and not project.graph.links
    project.undo()
    assert project.to_json() == before


def test_slider_drag_is_one_undo_step_and_failed_edits_leave_no_step(project):
    grade = project.add_node("Grade")
    for value in (1.1, 1.2, 1.3, 1.4):
        grade.set("gamma", value, merge=True)
    assert grade["gamma"] == 1.4
    project.undo()
    assert grade["gamma"] == 1.0
    assert project.undo() and not project.graph.nodes  # the next step back is the node's creation
    project.redo()
    grade = project["Grade1"]
    with pytest.raises(ParameterError, match="below the minimum"):
        grade.set(gamma=-1)
    a = project.connect(grade, project.add_node("Grade"))
    with pytest.raises(CycleError):
        project.connect(a, grade)
    project.undo()  # undoes the connect, not a failed edit
    assert not project.graph.links


def test_removing_the_last_keyframe_leaves_its_value(project):
    grade = project.add_node("Grade")
    grade.set_keyframe("gamma", 10, 1.5)
    grade.remove_keyframe("gamma", 10)
    assert grade["gamma"] == 1.5
    with pytest.raises(ParameterError, match="no keyframe at frame 3"):
        grade.remove_keyframe("gamma", 3)


def test_graph_events_follow_the_model(project):
    events = []
    unsubscribe = project.graph.subscribe(lambda event: events.append(event.kind))
    _ramp, grade, _blur = build(project)
    grade.set(gamma=2.0)
    project.undo()
    unsubscribe()
    project.undo()
    kind = GraphEventKind
    assert events == [kind.NODE_ADDED, kind.NODE_ADDED, kind.LINK_ADDED, kind.NODE_ADDED, kind.LINK_ADDED,
                      kind.PARAM_CHANGED, kind.PARAM_CHANGED]  # fmt: skip
