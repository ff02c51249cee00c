"""Merge: composite a foreground A with a background B, premultiplied alpha throughout.

Operators, for premultiplied colour A, B with alphas a, b (every channel, alpha included, unless
noted)::

    over        A + B (1 - a)                      alpha a + b (1 - a)
    under       B + A (1 - b)                      alpha a + b (1 - a)
    plus        A + B                              alpha min(a + b, 1)
    multiply    A (1 - b) + B (1 - a) + A B
    screen      A + B - A B
    difference  A + B - 2 min(b A, a B)
    max         A + B - min(b A, a B)
    min         A + B - max(b A, a B)

``over``/``under``/``plus`` are Porter & Duff's; the others are the W3C "Compositing and Blending"
separable blend modes composited source-over, ``A(1-b) + B(1-a) + a b f(A/a, B/b)`` with alpha
``a + b - a b``, written without division. On opaque pixels they are the familiar AB, A+B-AB,
|A-B|, max(A, B) and min(A, B). ``mix`` and ``mask`` blend from B to the result.
"""

from __future__ import annotations

from typing import Any

from filmstudio.api import ChoiceParam, EvalContext, FloatParam, Input, Node, Output, PortType, torch_module

OPERATIONS = ("over", "under", "plus", "multiply", "screen", "difference", "max", "min")


class Merge(Node):
    """A ``operation`` B. B sets the output size; an A of another size is centred on it. With only
    one input connected the output is that input (every operator leaves it unchanged over nothing).
    """

    id = "Merge"
    category = "Merge"
    description = "Composite A onto B: over, under, plus, multiply, screen, difference, max, min."
    inputs = (
        Input("B", PortType.IMAGE, optional=True, label="B (background)"),
        Input("A", PortType.IMAGE, optional=True, label="A (foreground)"),
        Input("mask", PortType.MASK, optional=True),
    )
    outputs = (Output("image", PortType.IMAGE),)
    params = (
        ChoiceParam("operation", OPERATIONS),
        FloatParam("mix", 1.0, minimum=0.0, maximum=1.0),
    )
    passthrough = "B"

    def evaluate(self, ctx: EvalContext) -> Any:
        background, foreground = ctx.input("B"), ctx.input("A")
        if foreground is None or ctx.params.mix <= 0.0:
            return background
        if background is None:
            return foreground
        foreground = centred(foreground.to(background.device, background.dtype), *background.shape[-2:])
        merged = merge(foreground, background, ctx.params.operation)
        mask, mix = ctx.input("mask"), ctx.params.mix
        if mask is None:
            return merged if mix >= 1.0 else torch_module().lerp(background, merged, mix)
        return background + (merged - background) * (mask.to(background.device, background.dtype) * mix)


def merge(a: Any, b: Any, operation: str) -> Any:
    """``a`` (foreground) ``operation`` ``b`` (background), both premultiplied RGBA ``[4, H, W]``
    of the same size; returns a new tensor."""
    t = torch_module()
    alpha_a, alpha_b = a[3:4], b[3:4]
    if operation == "over":
        return t.addcmul(a, b, 1.0 - alpha_a)
    if operation == "under":
        return t.addcmul(b, a, 1.0 - alpha_b)
    if operation == "plus":
        out = a + b
        out[3:4].clamp_(max=1.0)
        return out
    union = alpha_a + alpha_b - alpha_a * alpha_b
    if operation == "multiply":
        rgb = a[:3] * (1.0 - alpha_b) + b[:3] * (1.0 - alpha_a) + a[:3] * b[:3]
    elif operation == "screen":
        rgb = a[:3] + b[:3] - a[:3] * b[:3]
    else:
        scaled_a, scaled_b = a[:3] * alpha_b, b[:3] * alpha_a
        total = a[:3] + b[:3]
        if operation == "difference":
            rgb = total - 2.0 * t.minimum(scaled_a, scaled_b)
        elif operation == "max":
            rgb = total - t.minimum(scaled_a, scaled_b)
        elif operation == "min":
            rgb = total - t.maximum(scaled_a, scaled_b)
        else:
            raise ValueError(f"unknown merge operation {operation!r}")
    return t.cat([rgb, union])


def centred(image: Any, height: int, width: int) -> Any:
    """``image`` cropped or padded (with transparent black) to ``height`` x ``width``, centred."""
    h, w = image.shape[-2:]
    if (h, w) == (height, width):
        return image
    top, left = (height - h) // 2, (width - w) // 2
    pads = (left, width - w - left, top, height - h - top)  # negative pads crop
    return torch_module().nn.functional.pad(image, pads)
