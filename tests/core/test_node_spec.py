"""Node classes are validated when they are defined, with every problem in one error."""

from __future__ import annotations

import pytest

from filmstudio.core.context import EvalContext, Values
from filmstudio.core.errors import NodeSpecError, UnknownNodeTypeError
from filmstudio.core.node import Device, Input, Node, Output
from filmstudio.core.params import (
    ChoiceParam,
    ColorParam,
    ColourSpaceParam,
    DisplayParam,
    FloatParam,
    NameList,
    PathMode,
    PathParam,
    TextParam,
    VectorParam,
    ViewParam,
)
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


def test_editor_hints_that_do_not_fit_their_parameter_are_refused_at_definition():
    with pytest.raises(NodeSpecError) as caught:

        class Hinted(Node):
            id = "test.Hinted"
            outputs = (Output("out", PortType.NUMBER),)
            params = (
                FloatParam("gain", 1.0, multiline=True),
                TextParam("file", "", path_mode=PathMode.SAVE),
                FloatParam("space", 0.0, names=NameList.COLOUR_SPACES),
                ViewParam("view", display="monitor"),
                VectorParam("tint", (1.0, 1.0), grade_of="gain"),
                VectorParam("warmth_rgb", (1.0, 1.0, 1.0), grade_of="missing", wheel=-1.0),
                ColorParam("swatch", wheel=True),
            )

            def evaluate(self, ctx):
                return 0.0

    problems = "\n".join(caught.value.problems)
    for expected in (
        "'gain': only text parameters can be multiline",
        "'file': only path parameters have a path_mode",
        "'space': only text and choice parameters can list OCIO names",
        "'view': follows 'monitor', which is not a display parameter",
        "'tint': grade_of is for 3-component vectors",
        "'warmth_rgb': wheel (the chroma at the rim) must be a positive number",
        "'warmth_rgb': grade_of 'missing' is not a float parameter",
        "'swatch': wheel (the chroma at the rim) must be a positive number, not True",
    ):
        assert expected in problems, (expected, problems)
    with pytest.raises(NodeSpecError, match="mode must be a PathMode"):

        class BadMode(Node):
            id = "test.BadMode"
            outputs = (Output("out", PortType.NUMBER),)
            params = (PathParam("file", mode="overwrite"),)

            def evaluate(self, ctx):
                return 0.0


def test_hints_are_part_of_the_declaration():
    class Prompted(Node):
        id = "test.Prompted"
        outputs = (Output("out", PortType.NUMBER),)
        params = (
            TextParam("prompt", multiline=True),
            PathParam("out_file", "a.mov", mode="save", on_node=True),
            PathParam("cache", mode="folder"),
            ColourSpaceParam("space"),
            DisplayParam("monitor"),
            ViewParam("look", display="monitor"),
            FloatParam("gain", 1.0),
            VectorParam("gain_rgb", (1.0, 1.0, 1.0), grade_of="gain", wheel=0.5),
        )

        def evaluate(self, ctx):
            return 0.0

    param = Prompted.param
    assert param("prompt").multiline and not param("out_file").multiline
    assert param("out_file").path_mode is PathMode.SAVE and param("out_file").on_node
    assert param("cache").path_mode is PathMode.FOLDER
    assert param("space").names is NameList.COLOUR_SPACES
    assert (param("look").names, param("look").follows) == (NameList.VIEWS, "monitor")
    assert (param("gain_rgb").grade_of, param("gain_rgb").wheel) == ("gain", 0.5)
    assert Prompted.find_param("nothing") is None and Prompted.find_param(None) is None


def test_batching_is_declared_and_checked():
    class Batched(Node):
        id = "test.Batched"
        device = Device.GPU
        batch_size = 4
        outputs = (Output("out", PortType.NUMBER),)

        def evaluate_batch(self, contexts):
            return [ctx.frame * 10 for ctx in contexts]

    ctx = EvalContext("b", 3, Values())
    assert Batched.shared().evaluate(ctx) == 30  # one frame is a batch of one
    assert Batched.shared().evaluate_batch([ctx, EvalContext("b", 4, Values())]) == [30, 40]
    with pytest.raises(NodeSpecError) as caught:

        class NoBatch(Node):
            id = "test.NoBatch"
            batch_size = 2
            outputs = (Output("out", PortType.NUMBER),)

            def evaluate(self, ctx):
                return 0

    assert "evaluate_batch(self, contexts) is not implemented" in str(caught.value)
    with pytest.raises(NodeSpecError, match="only Device.GPU nodes batch"):

        class CpuBatch(Batched):
            id = "test.CpuBatch"
            device = Device.CPU

    with pytest.raises(NodeSpecError, match="batch_size must be a positive integer"):

        class ZeroBatch(Batched):
            id = "test.ZeroBatch"
            batch_size = 0


def test_writers_and_readers_are_declared_capabilities():
    with pytest.raises(NodeSpecError) as caught:

        class HalfWriter(Node):
            id = "test.HalfWriter"
            output_file = "target"
            media_file = "clip"
            outputs = (Output("out", PortType.IMAGE),)
            params = (PathParam("target"), TextParam("clip"))

            def evaluate(self, ctx):
                return None

    problems = "\n".join(caught.value.problems)
    assert "output_file 'target' must name a PathParam(mode='save')" in problems
    assert "output_file is set but encode_settings() is not implemented" in problems
    assert "output_file is set but output_image() is not implemented" in problems
    assert "media_file 'clip' must name a PathParam(mode='open')" in problems
    assert "media_file is set but clip_frame() is not implemented" in problems

    from filmstudio_nodes import Read, Write

    assert (Write.output_file, Read.media_file) == ("file", "file")
    assert Write.param("file").path_mode is PathMode.SAVE
