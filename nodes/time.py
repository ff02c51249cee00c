"""Time nodes: they ask for their input at other frames (temporal requests)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from filmstudio.api import EvalContext, Input, IntParam, Node, Output, PortType


class TimeOffset(Node):
    """Slip the input in time: output frame f shows input frame ``f - offset``."""

    id = "TimeOffset"
    category = "Time"
    inputs = (Input("source", PortType.ANY),)
    outputs = (Output("output", PortType.ANY),)
    params = (IntParam("offset", 0, animatable=False),)

    def requests(self, ctx: EvalContext) -> Mapping[str, Sequence[int]]:
        return {"source": (ctx.frame - ctx.params.offset,)} if ctx.is_connected("source") else {}

    def evaluate(self, ctx: EvalContext) -> Any:
        return ctx.input("source", ctx.frame - ctx.params.offset)


class FrameHold(Node):
    """Hold one frame (``increment`` 0), or every ``increment``-th frame from ``first_frame``
    (a stepped, on-twos look with increment 2)."""

    id = "FrameHold"
    category = "Time"
    inputs = (Input("source", PortType.ANY),)
    outputs = (Output("output", PortType.ANY),)
    params = (
        IntParam("first_frame", 1),
        IntParam("increment", 0, animatable=False, minimum=0),
    )

    @staticmethod
    def held_frame(frame: int, first: int, increment: int) -> int:
        if increment <= 0:
            return first
        return first + (frame - first) // increment * increment

    def requests(self, ctx: EvalContext) -> Mapping[str, Sequence[int]]:
        if not ctx.is_connected("source"):
            return {}
        return {"source": (self.held_frame(ctx.frame, ctx.params.first_frame, ctx.params.increment),)}

    def evaluate(self, ctx: EvalContext) -> Any:
        return ctx.input("source", self.held_frame(ctx.frame, ctx.params.first_frame, ctx.params.increment))
