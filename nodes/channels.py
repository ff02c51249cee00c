"""Channel nodes: Premult, Unpremult and Shuffle. Pure tensor maths on the frame's own device.

Images between nodes are premultiplied; Unpremult gives straight colour for the rare operation
that needs it, and Premult puts it back.
"""

from __future__ import annotations

from typing import Any

from filmstudio.api import (
    ChoiceParam,
    EvalContext,
    Input,
    Node,
    Output,
    ParameterError,
    PortType,
    torch_module,
)

_CHANNELS = ("red", "green", "blue", "alpha")
CHANNEL_SOURCES = (*_CHANNELS, *(f"other {c}" for c in _CHANNELS), "0", "1")


class Premult(Node):
    """Multiplies colour by alpha: straight colour -> premultiplied."""

    id = "Premult"
    category = "Merge"
    inputs = (Input("source", PortType.IMAGE),)
    outputs = (Output("image", PortType.IMAGE),)

    def evaluate(self, ctx: EvalContext) -> Any:
        source = ctx.input("source")
        if source is None or source.shape[0] < 4:
            return source
        return torch_module().cat([source[:3] * source[3:4], source[3:]])


class Unpremult(Node):
    """Divides colour by alpha where alpha is not 0: premultiplied -> straight colour. Pixels with
    zero alpha keep their colour."""

    id = "Unpremult"
    category = "Merge"
    inputs = (Input("source", PortType.IMAGE),)
    outputs = (Output("image", PortType.IMAGE),)

    def evaluate(self, ctx: EvalContext) -> Any:
        source = ctx.input("source")
        if source is None or source.shape[0] < 4:
            return source
        t = torch_module()
        alpha = source[3:4]
        return t.cat([source[:3] / t.where(alpha != 0, alpha, 1.0), source[3:]])


class Shuffle(Node):
    """Routes channels: each output channel takes a channel of ``source``, of ``other``, or a
    constant 0 or 1 (alpha from a matte, swapped colours, an opaque alpha, ...). No premultiplying
    happens: follow with Premult when colour and a new alpha must match."""

    id = "Shuffle"
    category = "Merge"
    description = "Route channels between images: copy, swap, or set to 0 or 1."
    inputs = (Input("source", PortType.IMAGE), Input("other", PortType.IMAGE, optional=True))
    outputs = (Output("image", PortType.IMAGE),)
    params = tuple(
        ChoiceParam(channel, CHANNEL_SOURCES, channel, tooltip=f"what the output's {channel} channel holds")
        for channel in _CHANNELS
    )

    def evaluate(self, ctx: EvalContext) -> Any:
        source = ctx.input("source")
        if source is None:
            return None
        other = ctx.input("other")
        choices = [ctx.params[c] for c in _CHANNELS]
        if choices == list(_CHANNELS):
            return source
        t = torch_module()
        planes = []
        for output, choice in zip(_CHANNELS, choices, strict=True):
            if choice in ("0", "1"):
                planes.append(t.full_like(source[0], float(choice)))
                continue
            image = source
            if choice.startswith("other "):
                if other is None:
                    raise ParameterError(
                        f"the Shuffle's {output} channel takes {choice!r} but nothing is connected to "
                        "other: connect an image there or choose a channel of source"
                    )
                image = other.to(source.device, source.dtype)
                if image.shape[-2:] != source.shape[-2:]:
                    raise ParameterError(
                        f"other is {image.shape[-1]}x{image.shape[-2]} but source is "
                        f"{source.shape[-1]}x{source.shape[-2]}: Reformat one of them to match"
                    )
                choice = choice.removeprefix("other ")
            index = _CHANNELS.index(choice)
            planes.append(image[index] if index < image.shape[0] else t.ones_like(source[0]))
        return t.stack(planes)
