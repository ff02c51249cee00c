"""Transform: translate, rotate, scale and skew an image, with a choice of filter.

Sizes are in full-resolution pixels and scale with the proxy; the centre is a fraction of the
frame (y down), so proxies and format changes keep the layout. Rotation happens in square pixels,
so anamorphic frames rotate as they look on the display. Filtering works on premultiplied RGBA (the
right thing for edges); what comes from outside the frame is transparent black. Runs on the
frame's device.
"""

from __future__ import annotations

import math
from typing import Any

from filmstudio.api import (
    ChoiceParam,
    EvalContext,
    FloatParam,
    Input,
    Node,
    Output,
    PortType,
    VectorParam,
    torch_module,
)

FILTERS = ("bicubic", "bilinear", "nearest")
Affine = tuple[float, float, float, float, float, float]  # x' = a x + b y + c; y' = d x + e y + f


class Transform(Node):
    """Moves the image: skew, then scale, then rotate (counter-clockwise, in degrees) about
    ``center``, then translate (pixels, y down). An identity transform returns the input itself;
    one that maps pixel centres onto pixel centres (quarter turns, whole-pixel moves, flips by
    scale -1) copies pixels exactly, whatever the filter."""

    id = "Transform"
    category = "Transform"
    description = "Translate, rotate, scale and skew, with nearest, bilinear or bicubic filtering."
    inputs = (Input("source", PortType.IMAGE),)
    outputs = (Output("image", PortType.IMAGE),)
    params = (
        VectorParam("translate", (0.0, 0.0), soft_min=-1000.0, soft_max=1000.0, tooltip="in pixels, y down"),
        FloatParam("rotate", 0.0, soft_min=-180.0, soft_max=180.0, tooltip="degrees, counter-clockwise"),
        VectorParam("scale", (1.0, 1.0), soft_min=0.0, soft_max=4.0),
        VectorParam("skew", (0.0, 0.0), soft_min=-1.0, soft_max=1.0, tooltip="x and y shear factors"),
        VectorParam("center", (0.5, 0.5), soft_min=0.0, soft_max=1.0, tooltip="fractions of the frame"),
        ChoiceParam("filter", FILTERS),
    )

    def evaluate(self, ctx: EvalContext) -> Any:
        source = ctx.input("source")
        if source is None:
            return None
        height, width = source.shape[-2:]
        p = ctx.params
        inverse = inverse_mapping(
            translate=(p.translate[0] * ctx.scale, p.translate[1] * ctx.scale),
            rotate=p.rotate,
            scale=p.scale,
            skew=p.skew,
            center=(p.center[0] * width, p.center[1] * height),
            pixel_aspect=ctx.format.pixel_aspect,
        )
        return warp(source, inverse, p.filter)


def inverse_mapping(
    *,
    translate: tuple[float, float],
    rotate: float,
    scale: tuple[float, ...],
    skew: tuple[float, ...],
    center: tuple[float, float],
    pixel_aspect: float = 1.0,
) -> Affine | None:
    """Where each output position samples the input (pixel units), or None when the transform
    collapses the image (a zero scale)."""
    angle = math.radians(rotate)
    cos, sin = math.cos(angle), math.sin(angle)
    if rotate % 90.0 == 0.0:  # exact quarter turns: no 6e-17 where a 0 belongs
        cos, sin = float(round(cos)), float(round(sin))
    # Square-pixel units: x times the pixel aspect. With y down, counter-clockwise on screen is
    # [[cos, sin], [-sin, cos]].
    sx, sy = scale[0], scale[1]
    kx, ky = skew[0], skew[1]
    m00, m01 = sx, sx * kx  # S @ K
    m10, m11 = sy * ky, sy
    a, b = cos * m00 + sin * m10, cos * m01 + sin * m11
    d, e = -sin * m00 + cos * m10, -sin * m01 + cos * m11
    a, b, d = a, b / pixel_aspect, d * pixel_aspect  # back to pixel units: D^-1 M D, D = diag(pa, 1)
    det = a * e - b * d
    if abs(det) < 1e-12:
        return None
    ia, ib, id_, ie = e / det, -b / det, -d / det, a / det
    cx, cy = center
    ox, oy = cx + translate[0], cy + translate[1]
    return (ia, ib, cx - ia * ox - ib * oy, id_, ie, cy - id_ * ox - ie * oy)


def warp(image: Any, inverse: Affine | None, filter_name: str = "bilinear") -> Any:
    """Resample ``image`` ``[C, H, W]``: output pixel centre (x, y) reads the input at
    ``inverse(x, y)``; outside the input is transparent black."""
    t = torch_module()
    if inverse is None:
        return t.zeros_like(image)
    if inverse == (1.0, 0.0, 0.0, 0.0, 1.0, 0.0):
        return image
    height, width = image.shape[-2:]
    copied = _copy_if_aligned(image, inverse)
    if copied is not None:
        return copied
    a, b, c, d, e, f = inverse
    xs = t.arange(width, dtype=t.float64, device=image.device) + 0.5
    ys = t.arange(height, dtype=t.float64, device=image.device) + 0.5
    src_x = a * xs.view(1, -1) + b * ys.view(-1, 1) + c
    src_y = d * xs.view(1, -1) + e * ys.view(-1, 1) + f
    # grid_sample's -1..1 spans the outer edges of the edge pixels (align_corners=False)
    grid = t.stack([src_x * (2.0 / width) - 1.0, src_y * (2.0 / height) - 1.0], dim=-1)
    grid = grid.to(t.float32 if image.dtype != t.float64 else t.float64).unsqueeze(0)
    sampled = t.nn.functional.grid_sample(
        image.unsqueeze(0).to(grid.dtype), grid, mode=filter_name, padding_mode="zeros", align_corners=False
    )
    return sampled[0].to(image.dtype)


def _copy_if_aligned(image: Any, inverse: Affine) -> Any:
    """When every output pixel centre lands on an input pixel centre, copy pixels (exact for every
    filter); otherwise None."""
    a, b, c, d, e, f = inverse
    if any(abs(v - round(v)) > 1e-9 for v in (a, b, d, e)):
        return None
    if abs(round(a) * round(e) - round(b) * round(d)) != 1:  # a quarter turn or a flip, unscaled
        return None
    # the input pixel read by output pixel (0, 0), minus the centre offset, must be whole
    x0 = a * 0.5 + b * 0.5 + c - 0.5
    y0 = d * 0.5 + e * 0.5 + f - 0.5
    if abs(x0 - round(x0)) > 1e-9 or abs(y0 - round(y0)) > 1e-9:
        return None
    t = torch_module()
    height, width = image.shape[-2:]
    a, b, d, e, x0, y0 = (round(v) for v in (a, b, d, e, x0, y0))
    xs = t.arange(width, device=image.device)
    ys = t.arange(height, device=image.device)
    src_x = a * xs.view(1, -1) + b * ys.view(-1, 1) + x0
    src_y = d * xs.view(1, -1) + e * ys.view(-1, 1) + y0
    inside = (src_x >= 0) & (src_x < width) & (src_y >= 0) & (src_y < height)
    flat = (src_y.clamp(0, height - 1) * width + src_x.clamp(0, width - 1)).view(-1)
    out = image.reshape(image.shape[0], -1)[:, flat].view_as(image)
    return out * inside if not bool(inside.all()) else out
