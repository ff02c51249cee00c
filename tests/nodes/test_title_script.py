"""Title takes its text from a Script input when one is connected."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import torch

from filmstudio.core.errors import EvaluationError
from filmstudio.core.node import Node, Output
from filmstudio.core.params import TextParam
from filmstudio.core.project import Project
from filmstudio.core.registry import NodeRegistry
from filmstudio.core.types import PortType
from filmstudio.engine.engine import Engine
from filmstudio_nodes import NODES
from filmstudio_nodes.title import Title, script_text
from tests.helpers import TEST_NODES


@dataclass(frozen=True)
class Screenplay:
    text: str


class ScriptSource(Node):
    """Stands in for an LLM Script node: a Script output carrying ``kind`` of value."""

    id = "test.ScriptSource"
    outputs = (Output("script", PortType.SCRIPT),)
    params = (TextParam("kind", "string"), TextParam("line", "FADE IN"))

    def evaluate(self, ctx: Any) -> Any:
        line = ctx.params.line
        return {"string": line, "object": Screenplay(line), "mapping": {"text": line}, "number": 42}[
            ctx.params.kind
        ]


@pytest.fixture
def script_project():
    registry = NodeRegistry([*NODES, *TEST_NODES, ScriptSource])
    return Project(width=64, height=36, frame_range=(1, 10), registry=registry)


def test_the_script_port_is_typed_script():
    assert {i.name: i.type for i in Title.inputs}["script"] is PortType.SCRIPT


@pytest.mark.parametrize("kind", ["string", "object", "mapping"])
def test_text_comes_from_the_script_when_connected(script_project, kind):
    project = script_project
    script = project.add_node("test.ScriptSource", kind=kind, line="HOH")
    from_script = project.connect(
        script, project.add_node("Title", text="ignored", size=12), target_port="script"
    )
    typed = project.add_node("Title", text="HOH", size=12)
    with Engine(project, cpu_workers=1) as engine:
        assert torch.equal(engine.evaluate(from_script, 1), engine.evaluate(typed, 1))
        script.set(line="")
        assert engine.evaluate(from_script, 1).abs().sum().item() == 0.0  # an empty script draws nothing


def test_a_script_value_without_text_is_a_clear_error(script_project):
    project = script_project
    script = project.add_node("test.ScriptSource", kind="number")
    title = project.connect(script, project.add_node("Title"), target_port="script")
    with Engine(project, cpu_workers=1) as engine, pytest.raises(EvaluationError, match="without text"):
        engine.evaluate(title, 1)


def test_script_text_accepts_strings_objects_and_mappings():
    assert script_text("A") == "A"
    assert script_text(Screenplay("B")) == "B"
    assert script_text({"text": "C"}) == "C"
    assert script_text(None) == ""
