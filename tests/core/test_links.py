"""The link checker: each rule refuses with its own error; cycles are refused."""

from __future__ import annotations

import pytest

from filmstudio.core import errors
from filmstudio.core.types import PortType, can_link, compatible_inputs


def test_each_rule_raises_its_own_error(project):
    ramp = project.add_node("Ramp")
    grade = project.add_node("Grade")
    track = project.add_node("test.TrackReader")
    graph = project.graph
    cases = [
        (errors.UnknownNodeError, ("nope", "image", grade.uuid, "source")),
        (errors.UnknownPortError, (ramp.uuid, "colour", grade.uuid, "source")),
        (errors.UnknownPortError, (ramp.uuid, "image", grade.uuid, "sauce")),
        (errors.WrongDirectionError, (grade.uuid, "source", ramp.uuid, "image")),
        (errors.SelfLinkError, (grade.uuid, "image", grade.uuid, "source")),
        (errors.TypeMismatchError, (ramp.uuid, "image", track.uuid, "track")),
    ]
    for error_type, args in cases:
        with pytest.raises(error_type) as caught:
            graph.check_link(*args)
        assert type(caught.value) is error_type
        assert graph.link_problem(*args) == str(caught.value)
    rules = {error_type.rule for error_type, _args in cases}
    assert rules == {1, 2, 3, 4, 5}

    project.connect(ramp, grade)
    with pytest.raises(errors.DuplicateLinkError):
        graph.check_link(ramp.uuid, "image", grade.uuid, "source")
    other = project.add_node("Constant")
    with pytest.raises(errors.InputAlreadyConnectedError, match="already fed by Ramp1"):
        graph.check_link(other.uuid, "image", grade.uuid, "source")
    assert graph.link_problem(other.uuid, "image", grade.uuid, "mask") is None


def test_cycles_are_refused_and_the_graph_is_unchanged(project):
    a, b, c = (project.add_node("Grade") for _ in range(3))
    project.connect(a, b)
    project.connect(b, c)
    before = project.to_json()
    with pytest.raises(errors.CycleError, match="loop"):
        project.connect(c, a)
    with pytest.raises(errors.CycleError):  # through a pass-through Dot as well
        dot = project.add_node("Dot")
        project.connect(c, dot)
        project.connect(dot, a)
    project.undo()  # the Dot's link
    project.undo()  # the Dot
    assert project.to_json() == before


def test_type_table_and_any_ports_resolve_through_the_graph(project):
    assert can_link(PortType.IMAGE, PortType.MASK) and can_link(PortType.MASK, PortType.IMAGE)
    assert not can_link(PortType.TRACK, PortType.IMAGE) and not can_link(PortType.SCRIPT, PortType.LATENT)
    assert PortType.MASK in compatible_inputs(PortType.IMAGE)
    ramp, dot, track = project.add_node("Ramp"), project.add_node("Dot"), project.add_node("test.TrackReader")
    assert project.graph.output_type(dot.uuid, "output") is PortType.ANY
    project.connect(ramp, dot)
    assert project.graph.output_type(dot.uuid, "output") is PortType.IMAGE
    with pytest.raises(errors.TypeMismatchError, match="Dot1.output carries Image"):
        project.connect(dot, track, target_port="track")


def test_connect_picks_the_first_free_compatible_input_and_can_replace(project):
    ramp, noise, grade = project.add_node("Ramp"), project.add_node("Noise"), project.add_node("Grade")
    first = project.link(ramp, grade)
    second = project.link(noise, grade)  # source is taken: the Image goes to the mask input
    assert (first.target_port, second.target_port) == ("source", "mask")
    project.link(noise, grade, target_port="source", replace=True)
    assert project.graph.input_link(grade.uuid, "source").source == noise.uuid
    project.undo()
    assert project.graph.input_link(grade.uuid, "source").source == ramp.uuid


def test_a_node_without_outputs_cannot_be_a_link_source(project):
    from filmstudio.core.errors import UnknownPortError

    backdrop, grade = project.add_node("Backdrop"), project.add_node("Grade")
    with pytest.raises(UnknownPortError, match="has no outputs"):
        project.connect(backdrop, grade)
