"""Crop and Reformat: change what part of the frame is kept, and the frame's size.

Positions are fractions of the frame and sizes full-resolution pixels that scale with the proxy,
so a proxy render looks like the full one shrunk. Resampling works on premultiplied RGBA and
filters (antialiases) when shrinking. Runs on the frame's device.
"""

from __future__ import annotations

import math
from typing import Any

from filmstudio.api import (
    BoolParam,
    ChoiceParam,
    EvalContext,
    FloatParam,
    Input,
    IntParam,
    Node,
    Output,
    PortType,
    VectorParam,
    torch_module,
)
from filmstudio_nodes.merge import centred

RESIZE_MODES = ("fit", "fill", "pad", "distort")


class Crop(Node):
    """Keeps the ``box`` (left, top, right, bottom as fractions of the frame, y down) and makes the
    rest transparent; edges that fall inside a pixel are antialiased, and ``softness`` feathers
    them inwards (pixels). With ``reformat`` the output is just the box, cut at whole pixels."""

    id = "Crop"
    category = "Transform"
    inputs = (Input("source", PortType.IMAGE),)
    outputs = (Output("image", PortType.IMAGE),)
    params = (
        VectorParam(
            "box", (0.0, 0.0, 1.0, 1.0), soft_min=0.0, soft_max=1.0, tooltip="left, top, right, bottom"
        ),
        FloatParam("softness", 0.0, minimum=0.0, soft_max=100.0, tooltip="edge feather in pixels"),
        BoolParam("reformat", False, tooltip="output only the box (a smaller frame)"),
    )

    def evaluate(self, ctx: EvalContext) -> Any:
        source = ctx.input("source")
        if source is None:
            return None
        height, width = source.shape[-2:]
        left, top, right, bottom = ctx.params.box
        box = (left * width, top * height, right * width, bottom * height)
        if ctx.params.reformat:
            x0, x1 = _whole(box[0], box[2], width)
            y0, y1 = _whole(box[1], box[3], height)
            source = source[:, y0:y1, x0:x1]
            box = (box[0] - x0, box[1] - y0, box[2] - x0, box[3] - y0)
            height, width = source.shape[-2:]
        if box[0] <= 0 and box[1] <= 0 and box[2] >= width and box[3] >= height:
            return source
        softness = ctx.params.softness * ctx.scale
        across = _edge_weights(box[0], box[2], width, softness, source.device)
        down = _edge_weights(box[1], box[3], height, softness, source.device)
        return source * (down.view(-1, 1) * across.view(1, -1)).to(source.dtype)


def _whole(start: float, end: float, size: int) -> tuple[int, int]:
    first = min(max(0, math.floor(start + 1e-6)), size - 1)
    return first, max(first + 1, min(size, math.ceil(end - 1e-6)))


def _edge_weights(start: float, end: float, size: int, softness: float, device: Any) -> Any:
    """How much of each pixel along one axis is inside [start, end], feathered by ``softness``."""
    t = torch_module()
    edges = t.arange(size, dtype=t.float64, device=device)
    coverage = ((edges + 1).clamp(max=end) - edges.clamp(min=start)).clamp(0.0, 1.0)
    if softness > 0.0:
        centres = edges + 0.5
        inside = t.minimum(centres - start, end - centres)
        coverage = coverage * (inside / softness).clamp(0.0, 1.0)
    return coverage.to(t.float32)


class Reformat(Node):
    """Changes the frame size: to ``width`` x ``height`` (``type`` to size) or by ``scale``.

    ``resize`` says how the image meets the new frame: fit (all of it shows, transparent bars
    where the shapes differ), fill (covers the frame, the overflow is cut), pad (no resizing, just
    centred and cut or padded) or distort (stretched to the frame)."""

    id = "Reformat"
    category = "Transform"
    inputs = (Input("source", PortType.IMAGE),)
    outputs = (Output("image", PortType.IMAGE),)
    params = (
        ChoiceParam("type", ("to size", "scale")),
        IntParam("width", 1920, animatable=False, minimum=1),
        IntParam("height", 1080, animatable=False, minimum=1),
        FloatParam("scale", 1.0, animatable=False, minimum=1e-3, soft_max=4.0),
        ChoiceParam("resize", RESIZE_MODES),
        ChoiceParam("filter", ("bicubic", "bilinear", "nearest")),
    )

    def evaluate(self, ctx: EvalContext) -> Any:
        source = ctx.input("source")
        if source is None:
            return None
        p = ctx.params
        height, width = source.shape[-2:]
        if p.type == "scale":
            size = (max(1, round(height * p.scale)), max(1, round(width * p.scale)))
            return resize(source, size, p.filter)
        size = (max(1, round(p.height * ctx.scale)), max(1, round(p.width * ctx.scale)))
        if p.resize == "distort":
            return resize(source, size, p.filter)
        if p.resize == "pad":
            return centred(source, *size)
        factors = (size[0] / height, size[1] / width)
        factor = min(factors) if p.resize == "fit" else max(factors)
        scaled = (max(1, round(height * factor)), max(1, round(width * factor)))
        return centred(resize(source, scaled, p.filter), *size)


def resize(image: Any, size: tuple[int, int], filter_name: str = "bicubic") -> Any:
    """``image`` ``[C, H, W]`` resampled to ``size`` (height, width); antialiased when shrinking."""
    if tuple(image.shape[-2:]) == tuple(size):
        return image
    t = torch_module()
    batch = image.unsqueeze(0)
    if filter_name == "nearest":
        out = t.nn.functional.interpolate(batch, size=size, mode="nearest-exact")
    else:
        shrinking = size[0] < image.shape[-2] or size[1] < image.shape[-1]
        out = t.nn.functional.interpolate(
            batch, size=size, mode=filter_name, align_corners=False, antialias=shrinking
        )
    return out[0]
