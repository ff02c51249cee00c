"""Transform: translate, rotate, scale and skew an image, with a choice of filter.

Sizes are in full-resolution pixels and scale with the proxy; the centre is a fraction of the
frame (y down), so proxies and format changes keep the layout. Rotation happens in square pixels,
so anamorphic frames rotate as they look on the display. Filtering works on premultiplied RGBA (the
right thing for edges); what comes from outside the frame is transparent black. Runs on the
frame's device.

With a Track input, Transform also match-moves (the image moves as the tracks moved since the
reference frame) or stabilises (the tracks stay where they were at the reference frame), from one
track (translation) or two (with rotation and scale); see :mod:`filmstudio_nodes.track_motion`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
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
    TextParam,
    TrackError,
    TrackSet,
    VectorParam,
    torch_module,
)
from filmstudio_nodes.track_motion import IDENTITY, Affine, TrackPoints, compose, invert, scaled, similarity

FILTERS = ("bicubic", "bilinear", "nearest")
TRACK_MODES = ("none", "match-move", "stabilise")


class Transform(Node):
    """Moves the image: skew, then scale, then rotate (counter-clockwise, in degrees) about
    ``center``, then translate (pixels, y down). An identity transform returns the input itself;
    one that maps pixel centres onto pixel centres (quarter turns, whole-pixel moves, flips by
    scale -1) copies pixels exactly, whatever the filter.

    ``mode`` uses the tracks on the ``track`` input, linked live (re-tracking moves the result):
    ``track1`` alone gives a translation, with ``track2`` also rotation and scale (each can be
    left out). At ``reference_frame`` the correction is the identity. *match-move* moves the image
    as the tracks moved from the reference frame to this one, after the node's own transform (which
    places the element at the reference frame); *stabilise* moves each frame so the tracks sit
    where they were at the reference frame, before the node's own transform (which then reframes,
    e.g. scales up to hide the edges). ``smoothing`` N: match-move follows the tracks averaged over
    ±N frames (steadier); stabilise keeps that averaged motion and removes only the rest (the
    shake), where 0 locks the shot. A frame where a track has no position gets no correction.
    """

    id = "Transform"
    category = "Transform"
    description = "Translate, rotate, scale and skew, with nearest, bilinear or bicubic filtering."
    inputs = (Input("source", PortType.IMAGE), Input("track", PortType.TRACK, optional=True))
    outputs = (Output("image", PortType.IMAGE),)
    params = (
        VectorParam("translate", (0.0, 0.0), soft_min=-1000.0, soft_max=1000.0, tooltip="in pixels, y down"),
        FloatParam("rotate", 0.0, soft_min=-180.0, soft_max=180.0, tooltip="degrees, counter-clockwise"),
        VectorParam("scale", (1.0, 1.0), soft_min=0.0, soft_max=4.0),
        VectorParam("skew", (0.0, 0.0), soft_min=-1.0, soft_max=1.0, tooltip="x and y shear factors"),
        VectorParam("center", (0.5, 0.5), soft_min=0.0, soft_max=1.0, tooltip="fractions of the frame"),
        ChoiceParam("filter", FILTERS),
        ChoiceParam("mode", TRACK_MODES, tooltip="with tracks connected: match-move or stabilise"),
        TextParam("track1", "", tooltip="the track that gives the translation"),
        TextParam("track2", "", tooltip="a second track: adds rotation and scale"),
        BoolParam("track_rotation", True, tooltip="with two tracks: follow their rotation"),
        BoolParam("track_scale", True, tooltip="with two tracks: follow their scale"),
        IntParam("reference_frame", 1, animatable=False, tooltip="where the tracks' correction is none"),
        IntParam(
            "smoothing",
            0,
            animatable=False,
            minimum=0,
            maximum=100,
            tooltip="± frames: match-move follows the tracks averaged; stabilise keeps only averaged motion",
        ),
    )

    def requests(self, ctx: EvalContext) -> Mapping[str, Sequence[int]]:
        wanted: dict[str, Sequence[int]] = {"source": (ctx.frame,)} if ctx.is_connected("source") else {}
        if _tracking(ctx):
            # Track values are per frame: ask for the frames the correction reads, and only those,
            # so re-tracking elsewhere keeps this frame cached.
            wanted["track"] = _track_frames(ctx.frame, ctx.params.reference_frame, ctx.params.smoothing)
        return wanted

    def state_for_frame(self, ctx: EvalContext) -> Any:
        # the correction reads the tracks' samples at this frame, even from a Track value that is
        # the same at every frame (all frames' samples in one set)
        return {"frame": ctx.frame} if _tracking(ctx) else {}

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
        if p.mode != "none":
            inverse = _with_tracks(inverse, track_correction(ctx), p.mode, ctx.scale)
        return warp(source, inverse, p.filter)


def _tracking(ctx: EvalContext) -> bool:
    return ctx.params.mode != "none" and ctx.is_connected("track")


def _track_frames(frame: int, reference: int, smoothing: int) -> tuple[int, ...]:
    frames = [frame, reference]
    if smoothing > 0:
        for centre in (frame, reference):
            frames.extend(range(centre - smoothing, centre + smoothing + 1))
    return tuple(dict.fromkeys(frames))


def track_correction(ctx: EvalContext) -> Affine:
    """The tracks' correction at this frame (full-resolution pixels, forward): for match-move the
    motion from the reference frame to here, for stabilise the motion that undoes it. Raises
    :class:`TrackError` (named track, what there is, what to do) when the tracks cannot give one."""
    p = ctx.params
    if not ctx.is_connected("track"):
        raise TrackError(
            f"{ctx.node_name} is set to {p.mode}, but nothing is connected to its track input: connect "
            "a Tracker's tracks, or set the mode to none"
        )
    names = tuple(n for n in (p.track1.strip(), p.track2.strip()) if n)
    if not names:
        raise TrackError(f"{ctx.node_name} is set to {p.mode}: name the track to follow in track1")
    frames = _track_frames(ctx.frame, p.reference_frame, p.smoothing)
    tracks = TrackSet().merged(*(_tracks(ctx.input("track", f)) for f in frames))
    for name in names:
        tracks.track(name)  # a deleted or renamed track: TrackNotFoundError lists those there are
    points = TrackPoints(tracks, names)
    start = points.at(p.reference_frame)
    if start is None:
        raise TrackError(
            f"{ctx.node_name}: {' and '.join(map(repr, names))} have no position at the reference frame "
            f"{p.reference_frame} (tracked: {points.tracked()}): track it there, or pick a tracked "
            "reference frame"
        )

    def motion(src: list[tuple[float, float]], dst: list[tuple[float, float]]) -> Affine:
        return similarity(
            src, dst, rotate=p.track_rotation, scale=p.track_scale, pixel_aspect=ctx.format.pixel_aspect
        )

    now = points.at(ctx.frame)
    window = p.smoothing
    if p.mode == "match-move" and window == 0:
        return IDENTITY if now is None else motion(start, now)
    smooth_now = points.averaged(range(ctx.frame - window, ctx.frame + window + 1))
    smooth_start = points.averaged(range(p.reference_frame - window, p.reference_frame + window + 1))
    if p.mode == "match-move":
        return IDENTITY if smooth_now is None or smooth_start is None else motion(smooth_start, smooth_now)
    if now is None:
        return IDENTITY
    lock = motion(now, start)  # this frame's tracks back where they were at the reference frame
    if window == 0 or smooth_now is None or smooth_start is None:
        return lock
    return compose(motion(smooth_start, smooth_now), lock)  # then along the smoothed path


def _tracks(value: Any) -> TrackSet:
    if value is None:
        return TrackSet()
    if not isinstance(value, TrackSet):
        raise TrackError(f"the track input carries a {type(value).__name__}: connect a Tracker's tracks")
    return value


def _with_tracks(own_inverse: Affine | None, correction: Affine, mode: str, proxy: float) -> Affine | None:
    """The inverse map of the node's own transform combined with the tracks' ``correction``:
    match-move after the own transform, stabilise before it."""
    undo = invert(scaled(correction, proxy))
    if own_inverse is None or undo is None:
        return None
    return compose(undo, own_inverse) if mode == "stabilise" else compose(own_inverse, undo)


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
    return resample(image, src_x, src_y, filter_name)


def resample(image: Any, src_x: Any, src_y: Any, filter_name: str = "bilinear") -> Any:
    """``image`` ``[C, H, W]`` read at the input positions ``src_x``, ``src_y`` (``[H, W]`` float64
    tensors on the image's device, pixel units, edge origin) with the filter; outside the input is
    transparent black. Stays on the image's device."""
    t = torch_module()
    height, width = image.shape[-2:]
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
