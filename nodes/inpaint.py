"""Inpaint: remove what a mask covers (a rig, a boom, a logo, a passer-by) and fill it in.

``method``:

* ``telea`` / ``ns`` — OpenCV's weight-free inpainting (Telea's fast marching / Navier-Stokes),
  from the edge of the hole inwards over ``radius`` pixels. Good for thin or small holes.
* ``model`` — a spandrel inpainting network from the artist's own weights (LaMa; MAT with the
  ``spandrel-extra-arches`` package): ``model`` is a file name in the model folders or a path. A
  missing file is the model store's error naming the folders searched.
* ``clean_plate`` — the background behind the hole taken from neighbouring frames where it is
  visible (:mod:`filmstudio_nodes.inpaint_clean_plate`): up to ``frames`` frames either side are
  aligned to this one by optical flow (``align`` flow: a camera move fitted to the background's
  DIS flow) or by the tracks on the ``track`` input (``align`` track), nearest frames first; what
  no frame shows is filled by ``fallback`` (telea, ns or model). The node asks for the source and
  mask at those frames (temporal requests).

The ``mask`` (any Mask: a Segmenter's, a shape, a key; an Image is converted at the input) marks
what to remove; it is hardened at 0.5 and grown by ``grow`` pixels (object edges, motion blur), and
the fill is laid in through the soft mask. Pixels outside it are passed through unchanged. Spatial
fills and models see display-referred sRGB; clean plates copy working-space pixels, so HDR values
survive. Output: float32 premultiplied RGBA in the working space.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from filmstudio.api import (
    ChoiceParam,
    Device,
    EvalContext,
    Input,
    IntParam,
    Node,
    Output,
    PathParam,
    PortType,
)

MODEL_FILTER = "Models (*.pth *.pt *.safetensors *.ckpt)"
SPATIAL = ("telea", "ns", "model")


class Inpaint(Node):
    """Fill the masked area from its surroundings, a model, or other frames (clean plate)."""

    id = "Inpaint"
    category = "AI"
    description = (
        "Object and rig removal: OpenCV inpainting, LaMa/MAT models, or clean plates from other frames."
    )
    device = Device.GPU
    inputs = (
        Input("source", PortType.IMAGE),
        Input("mask", PortType.MASK),
        Input("track", PortType.TRACK, optional=True),
    )
    outputs = (Output("image", PortType.IMAGE),)
    params = (
        ChoiceParam(
            "method",
            ("telea", "ns", "model", "clean_plate"),
            tooltip="telea/ns: OpenCV; model: LaMa/MAT weights; clean_plate: from other frames",
        ),
        IntParam("grow", 2, animatable=False, minimum=0, maximum=64, tooltip="pixels the mask is grown by"),
        IntParam(
            "radius", 5, animatable=False, minimum=1, maximum=64, tooltip="telea/ns: neighbourhood in pixels"
        ),
        PathParam(
            "model",
            "",
            file_filter=MODEL_FILTER,
            tooltip="model: LaMa (or MAT) weights, a file name or a path",
        ),
        IntParam(
            "frames",
            8,
            animatable=False,
            minimum=1,
            maximum=48,
            tooltip="clean_plate: frames searched on either side",
        ),
        ChoiceParam(
            "align",
            ("flow", "track"),
            tooltip="clean_plate: align frames by optical flow, or by the tracks on the track input",
        ),
        ChoiceParam("fallback", SPATIAL, tooltip="clean_plate: fills what no frame shows"),
    )

    def requests(self, ctx: EvalContext) -> Mapping[str, Sequence[int]]:
        frames: tuple[int, ...] = (ctx.frame,)
        if ctx.params.method == "clean_plate":
            frames = tuple(range(ctx.frame - ctx.params.frames, ctx.frame + ctx.params.frames + 1))
        wanted = {name: frames for name in ("source", "mask") if ctx.is_connected(name)}
        if ctx.params.method == "clean_plate" and ctx.params.align == "track" and ctx.is_connected("track"):
            wanted["track"] = frames
        return wanted

    def state_for_frame(self, ctx: EvalContext) -> Any:
        p = ctx.params
        if p.method != "model" and not (p.method == "clean_plate" and p.fallback == "model"):
            return None
        from filmstudio.api import ModelStore

        return ModelStore(ctx.project_dir).identity(p.model)

    def required_models(self, ctx: EvalContext) -> tuple[str, ...]:
        p = ctx.params
        return (
            (p.model,) if p.method == "model" or (p.method == "clean_plate" and p.fallback == "model") else ()
        )

    def evaluate(self, ctx: EvalContext) -> Any:
        import torch

        from filmstudio_nodes.inpaint_fill import hard_mask, soft_mask, spatial_fill

        source = ctx.input("source")
        if source is None:
            return None
        mask = ctx.input("mask")
        if mask is None:
            return source
        p = ctx.params
        hole = hard_mask(mask, source.shape[-2:], p.grow)
        if not hole.any():
            return source
        if p.method == "clean_plate":
            from filmstudio_nodes.inpaint_clean_plate import clean_plate

            fill, left = clean_plate(ctx, source, hole)
            if left.any():
                fill = spatial_fill(ctx, fill, left, p.fallback)
        else:
            fill = spatial_fill(ctx, source, hole, p.method)
        weight = torch.maximum(soft_mask(mask, source.shape[-2:]), torch.from_numpy(hole).float()[None])
        source = source.to(fill.device)
        return source + weight.to(fill.device) * (fill - source)
