"""Backdrop: a layout-only node type, saved, undone and reloaded like any node, never evaluated."""

from __future__ import annotations

import pytest

from filmstudio.core.errors import FilmStudioError, NodeSpecError, ParameterError
from filmstudio.core.node import Input, Node
from filmstudio.core.project import Project
from filmstudio.core.registry import default_registry
from filmstudio.core.types import PortType
from filmstudio_nodes.layout import Backdrop


def test_backdrop_is_a_registered_layout_only_node_without_ports():
    assert default_registry().get("Backdrop") is Backdrop
    assert Backdrop.layout_only and not Backdrop.inputs and not Backdrop.outputs
    assert [p.name for p in Backdrop.params] == ["label", "color", "width", "height"]


def test_only_layout_nodes_may_have_no_outputs_and_they_have_no_ports_at_all():
    with pytest.raises(NodeSpecError, match="at least one output"):

        class NoOutput(Node):
            id = "test.NoOutput"

            def evaluate(self, ctx):
                return None

    with pytest.raises(NodeSpecError, match="no inputs or outputs"):

        class Framed(Node):
            id = "test.Framed"
            layout_only = True
            inputs = (Input("source", PortType.IMAGE),)

            def evaluate(self, ctx):
                return None


def test_backdrop_saves_reloads_and_undoes(project, tmp_path, registry):
    backdrop = project.add_node("Backdrop", label="Plate prep", width=400.0, height=180.0)
    project.graph.move(backdrop.uuid, (-20.0, -60.0))
    backdrop.set(color=(0.5, 0.3, 0.2, 1.0))
    with pytest.raises(ParameterError):
        backdrop.set(width=5.0)  # below the minimum size
    reloaded = Project.load(project.save(tmp_path / "backdrop.fsproj"), registry)
    again = reloaded["Backdrop1"]
    assert again["label"] == "Plate prep" and again["color"] == (0.5, 0.3, 0.2, 1.0)
    assert (again["width"], again["height"], again.position) == (400.0, 180.0, (-20.0, -60.0))
    project.undo()
    assert backdrop["color"] == Backdrop.param("color").default


def test_evaluating_a_backdrop_explains_it_has_no_image():
    with pytest.raises(FilmStudioError, match="organises the graph"):
        Backdrop.shared().evaluate(type("Ctx", (), {"node_name": "Backdrop1"})())
