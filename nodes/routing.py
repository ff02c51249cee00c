"""Routing: Switch picks one input (and asks only for that one); Dot organises links."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from filmstudio.api import EvalContext, Input, IntParam, Node, Output, PortType

SWITCH_INPUTS = 4


class Switch(Node):
    """Output input number ``which`` (animatable, clamped to 0..3). Inputs that are not chosen are
    not evaluated at all."""

    id = "Switch"
    category = "Merge"
    inputs = tuple(Input(f"input{i}", PortType.ANY, optional=True) for i in range(SWITCH_INPUTS))
    outputs = (Output("output", PortType.ANY),)
    params = (IntParam("which", 0, minimum=0, maximum=SWITCH_INPUTS - 1),)

    def requests(self, ctx: EvalContext) -> Mapping[str, Sequence[int]]:
        chosen = f"input{ctx.params.which}"
        return {chosen: (ctx.frame,)} if ctx.is_connected(chosen) else {}

    def evaluate(self, ctx: EvalContext) -> Any:
        return ctx.input(f"input{ctx.params.which}")


class Dot(Node):
    """A bend point for links; passes its input through unchanged."""

    id = "Dot"
    category = "Other"
    dot = True
    inputs = (Input("input", PortType.ANY),)
    outputs = (Output("output", PortType.ANY),)

    def evaluate(self, ctx: EvalContext) -> Any:
        return ctx.input("input")
