"""Layout nodes: they organise the graph and compute nothing.

A Backdrop is a real node type so that it is saved in the project, undone, copied and pasted like any
other node; the graph editor draws it as a coloured panel behind the nodes it frames.
"""

from __future__ import annotations

from typing import Any

from filmstudio.api import ColorParam, EvalContext, FilmStudioError, FloatParam, Node, TextParam

BACKDROP_MIN_SIZE = (80.0, 48.0)


class Backdrop(Node):
    """A labelled panel behind a group of nodes. ``position`` (the node's) is its top-left corner;
    ``width``/``height`` are in graph units; ``color`` is a display colour (not scene-linear)."""

    id = "Backdrop"
    category = "Other"
    description = "A labelled panel that groups nodes; dragging its title moves the nodes on it."
    layout_only = True
    params = (
        TextParam("label", "", tooltip="Shown large in the title bar (empty: the node's name)"),
        ColorParam("color", (0.33, 0.36, 0.42, 1.0), animatable=False),
        FloatParam("width", 320.0, minimum=BACKDROP_MIN_SIZE[0], animatable=False),
        FloatParam("height", 220.0, minimum=BACKDROP_MIN_SIZE[1], animatable=False),
    )

    def evaluate(self, ctx: EvalContext) -> Any:
        raise FilmStudioError(f"{ctx.node_name} is a Backdrop: it organises the graph and has no image")


NODES = (Backdrop,)
