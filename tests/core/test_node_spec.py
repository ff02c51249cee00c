"""Node classes are validated when they are defined, with every problem in one error."""

from __future__ import annotations

import pytest

from filmstudio.core.errors import NodeSpecError, UnknownNodeTypeError
from filmstudio.core.node import Input, Node, Output
from filmstudio.core.params import ChoiceParam, FloatParam, TextParam
from filmstudio.core.registry import NodeRegistry
from filmstudio.core.types import PortType


def test_all_problems_are_reported_together():
    with pytest.raises(NodeSpecError) as caught:

        class Broken(Node):
            id = "not valid!"
            version = 0
            inputs = (Input("a", PortType.IMAGE), Input("a", PortType.IMAGE))
            params = (
                FloatParam("gain", 5.0, maximum=2.0),
                TextParam("label", "x", animatable=True),
                ChoiceParam("mode", ()),
            )

    problems = caught.value.problems
    text = str(caught.value)
    assert "Broken" in text
    expected_problems = (
        "id must be",
        "version must be",
        "used twice",
        "at least one output",
        "above the maximum",
        "cannot be animated",
        "at least one choice",
        "evaluate(self, ctx) is not implemented",
    )
    for expected in expected_problems:
        assert any(expected in p for p in problems), (expected, problems)


def test_a_valid_node_registers_with_legacy_ids_and_abstract_bases_are_skipped():
    class Base(Node):
        abstract = True
        category = "Test"

    class Renamed(Base):
        id = "test.Renamed"
        legacy_ids = ("test.OldName",)
        outputs = (Output("out", PortType.NUMBER),)
        params = (FloatParam("value", 1.0),)

        def evaluate(self, ctx):
            return ctx.params.value

    registry = NodeRegistry([Renamed])
    assert registry.get("test.OldName") is Renamed
    assert "test.OldName" in registry and len(registry) == 1
    with pytest.raises(UnknownNodeTypeError, match="install the plugin"):
        registry.get("test.Missing")
    with pytest.raises(TypeError):
        registry.register(Base)
    assert Renamed.passthrough is None  # no input of the output's type


def test_entry_point_registry_lists_builtins():
    from filmstudio.core.registry import default_registry

    ids = {node_type.id for node_type in default_registry()}
    assert {"Constant", "Ramp", "Noise", "Grade", "Blur", "TimeOffset", "FrameHold", "Switch", "Dot"} <= ids
