"""Segmenter: a Mask of what matters in the frame, from a model or without weights.

Backends (``backend``):

* ``chroma_key`` — green/blue screens: distance from ``key_color`` in OKLab with ``tolerance`` and
  ``softness``; ``spill`` suppression cleans the ``image`` output. No weights.
* ``grabcut`` — the object inside ``box`` (OpenCV GrabCut, CPU). No weights.
* ``deeplabv3`` — semantic classes (``classes``: "person", "car, bus", or numbers), torchvision.
* ``mask_rcnn`` — instances of ``classes`` scoring at least ``score``; ``instance`` -1 for all.
* ``sam2`` — Segment Anything 2 (transformers) prompted by ``point`` and/or ``box``.
* ``sam2_video`` — SAM 2 video propagation, an analysis pass: analyse the node and the object
  under ``point``/``box`` at the pass's first frame is followed through the clip; each frame's
  mask is stored in the node's state and read back per frame (see ``segment_video``).

Model backends find their weights with the model store (``model``: a known name, a file or a
path; empty means the backend's default); a missing model is an error on the node naming the file,
the folders searched and how to install it. Then every backend's mask is refined: ``threshold``,
``grow`` (dilate > 0, erode < 0), ``feather`` (full-resolution pixels, scaled with the proxy) and
``invert``.

Outputs: ``mask`` ``[1, H, W]`` in 0..1 (1 = the object), and ``image``: the source cut out by the
mask (premultiplied; for chroma key also despilled). Key colour, point and box are in the working
space / frame fractions, so they survive proxies. Runs on the model worker, batched in exports.

Stand-in (the viewer's preview while a model backend computes): DeepLabV3 and Mask R-CNN run on
the frame at 1/4 of its size (about 1/16 of the work) and the mask is scaled back up; SAM 2, whose
cost does not shrink with the frame, shows its prompt (the box, or a disc at the point).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from filmstudio.api import (
    BoolParam,
    ChoiceParam,
    ColorParam,
    Device,
    EvalContext,
    FloatParam,
    Input,
    IntParam,
    Node,
    Output,
    PathParam,
    PortType,
    TextParam,
    VectorParam,
)

BACKENDS = ("chroma_key", "grabcut", "deeplabv3", "mask_rcnn", "sam2", "sam2_video")
MODEL_BACKENDS = ("deeplabv3", "mask_rcnn", "sam2")
# A typical green screen (display sRGB 0.10, 0.70, 0.25) in the default ACEScg working space.
GREEN_SCREEN = (0.1607, 0.4119, 0.0935, 1.0)
PROPAGATED = "propagated_masks"  # the state of sam2_video: {frame: stored mask}
STANDIN_SCALE = 0.25  # the stand-in's lower-resolution model pass


class Segmenter(Node):
    """A mask from a chroma key, GrabCut, DeepLabV3, Mask R-CNN or SAM 2, with refinement."""

    id = "Segmenter"
    category = "AI"
    description = "Masks from chroma key, GrabCut, DeepLabV3, Mask R-CNN or Segment Anything 2."
    device = Device.GPU
    batch_size = 4
    analysis_state = PROPAGATED
    standin_device = Device.GPU  # the lower-resolution pass uses the resident model
    inputs = (Input("source", PortType.IMAGE),)
    outputs = (Output("mask", PortType.MASK), Output("image", PortType.IMAGE))
    params = (
        ChoiceParam("backend", BACKENDS),
        PathParam(
            "model",
            "",
            file_filter="Models (*.pth *.pt *.safetensors);;Model folders (config.json)",
            tooltip="deeplabv3/mask_rcnn/sam2/sam2_video weights; empty: deeplabv3-resnet50, "
            "maskrcnn-resnet50-fpn or sam2.1-hiera-tiny",
        ),
        TextParam(
            "classes", "person", tooltip="deeplabv3/mask_rcnn: class names or numbers, comma separated"
        ),
        FloatParam("score", 0.5, minimum=0.0, maximum=1.0, tooltip="mask_rcnn: lowest detection score kept"),
        IntParam("instance", -1, animatable=False, minimum=-1, tooltip="mask_rcnn: -1 all, n: the n-th best"),
        ChoiceParam(
            "prompt",
            ("box", "point", "box+point"),
            tooltip="sam2: what points at the object (sam2_video: at the first frame analysed)",
        ),
        VectorParam("point", (0.5, 0.5), soft_min=0.0, soft_max=1.0, tooltip="sam2: x, y as frame fractions"),
        VectorParam(
            "box",
            (0.25, 0.25, 0.75, 0.75),
            soft_min=0.0,
            soft_max=1.0,
            tooltip="sam2/grabcut: x0, y0, x1, y1 as frame fractions",
        ),
        ColorParam("key_color", GREEN_SCREEN, tooltip="chroma_key: the screen colour (working space)"),
        FloatParam(
            "tolerance", 0.12, minimum=0.0, soft_max=0.5, tooltip="chroma_key: OKLab distance keyed out"
        ),
        FloatParam(
            "softness", 0.08, minimum=0.0, soft_max=0.5, tooltip="chroma_key: distance of the soft edge"
        ),
        FloatParam("spill", 1.0, minimum=0.0, maximum=1.0, tooltip="chroma_key: spill suppression in image"),
        IntParam("iterations", 5, animatable=False, minimum=1, maximum=20, tooltip="grabcut iterations"),
        FloatParam("threshold", 0.0, minimum=0.0, maximum=1.0, tooltip="> 0: a hard mask cut at this value"),
        FloatParam("grow", 0.0, soft_min=-50.0, soft_max=50.0, tooltip="dilate (> 0) or erode (< 0), pixels"),
        FloatParam("feather", 0.0, minimum=0.0, soft_max=100.0, tooltip="edge blur, pixels"),
        BoolParam("invert", False),
    )

    def state_for_frame(self, ctx: EvalContext) -> Any:
        # The weights file a model backend resolves to is part of the key (installing it re-renders).
        backend = ctx.params.backend
        if backend == "sam2_video":  # only this frame's propagated mask: re-analysing others keeps it
            return (ctx.state.get(PROPAGATED) or {}).get(str(ctx.frame))
        if backend not in MODEL_BACKENDS:
            return None
        from filmstudio.api import ModelStore
        from filmstudio_nodes.segment_models import DEFAULT_MODELS

        return ModelStore(ctx.project_dir).identity(ctx.params.model or DEFAULT_MODELS[backend])

    def required_models(self, ctx: EvalContext) -> tuple[str, ...]:
        # keys need none; sam2_video renders the masks its analysis stored
        if ctx.params.backend not in MODEL_BACKENDS:
            return ()
        from filmstudio_nodes.segment_models import DEFAULT_MODELS

        return (ctx.params.model or DEFAULT_MODELS[ctx.params.backend],)

    def evaluate_batch(self, contexts: Sequence[EvalContext]) -> list[Any]:
        from filmstudio.api import evaluate_in_groups

        if any(ctx.params.backend == "sam2_video" for ctx in contexts):  # each frame its own mask
            return [evaluate_in_groups([ctx], "source", _segment)[0] for ctx in contexts]
        return evaluate_in_groups(contexts, "source", _segment)

    def offers_standin(self, ctx: EvalContext) -> bool:
        backend = ctx.params.backend
        if backend not in MODEL_BACKENDS:  # keying and stored masks are quick already
            return False
        from filmstudio.api import ModelStore
        from filmstudio_nodes.segment_models import DEFAULT_MODELS

        # a missing model is an error at once: nothing to preview meanwhile
        identity = ModelStore(ctx.project_dir).identity(ctx.params.model or DEFAULT_MODELS[backend])
        return identity[0] != "unavailable"

    def standin(self, ctx: EvalContext) -> Any:
        return _standin(ctx, ctx.input("source")[None])[0]

    def analyze(self, ctx: EvalContext, carry: Any) -> tuple[Any, Any]:
        from filmstudio_nodes.segment_video import analyze

        return analyze(ctx, carry)


def _segment(ctx: Any, images: Any) -> list[dict[str, Any]]:
    """{"mask", "image"} for each frame of ``images`` ``[N, 4, H, W]`` (working space)."""
    from filmstudio.api import colour_to_display

    p = ctx.params
    images = images.to(ctx.device)
    cutout_rgb = None
    if p.backend == "chroma_key":
        from filmstudio_nodes.segment_keying import chroma_key

        masks, cutout_rgb = chroma_key(
            images, colour_to_display(p.key_color), p.tolerance, p.softness, p.spill
        )
    elif p.backend == "grabcut":
        from filmstudio_nodes.segment_keying import grabcut

        masks = grabcut(images, p.box, p.iterations)
    elif p.backend == "sam2_video":  # one frame: evaluate_batch splits the batch
        from filmstudio_nodes.segment_video import mask_from_entry

        entry = (ctx.state.get(PROPAGATED) or {}).get(str(ctx.frame))
        masks = mask_from_entry(entry, images.shape[-2], images.shape[-1], images.device)
    else:
        from filmstudio_nodes.segment_models import run_backend

        masks = run_backend(ctx, p.backend, images)
    return _refined(ctx, images, masks, cutout_rgb)


def _standin(ctx: Any, images: Any) -> list[dict[str, Any]]:
    """The stand-in's {"mask", "image"} for ``images`` ``[1, 4, H, W]`` (see the module)."""
    import torch

    images = images.to(ctx.device)
    height, width = images.shape[-2:]
    p = ctx.params
    if p.backend == "sam2":
        ys = (torch.arange(height, device=images.device).float() + 0.5) / height
        xs = (torch.arange(width, device=images.device).float() + 0.5) / width
        if p.prompt == "point":
            radius = 0.1 * min(height, width)
            dy, dx = (ys[:, None] - p.point[1]) * height, (xs[None, :] - p.point[0]) * width
            inside = dy * dy + dx * dx <= radius * radius
        else:
            x0, x1 = sorted((p.box[0], p.box[2]))
            y0, y1 = sorted((p.box[1], p.box[3]))
            inside = ((ys >= y0) & (ys <= y1))[:, None] & ((xs >= x0) & (xs <= x1))[None, :]
        masks = inside.float()[None, None]
    else:
        from filmstudio_nodes.segment_models import run_backend

        small = torch.nn.functional.interpolate(images, scale_factor=STANDIN_SCALE, mode="area")
        masks = torch.nn.functional.interpolate(
            run_backend(ctx, p.backend, small), size=(height, width), mode="bilinear", align_corners=False
        )
    return _refined(ctx, images, masks.clamp(0.0, 1.0), None)


def _refined(ctx: Any, images: Any, masks: Any, cutout_rgb: Any) -> list[dict[str, Any]]:
    """Every backend's masks refined, and the source cut out by them (or the despilled colour)."""
    import torch

    from filmstudio.api import from_model_rgb
    from filmstudio_nodes.segment_refine import refine

    p = ctx.params
    ctx.check_cancelled()
    masks = refine(masks.to(images.device), p.threshold, p.grow * ctx.scale, p.feather * ctx.scale, p.invert)
    if cutout_rgb is not None:  # despilled colour, keyed: alpha is the matte
        cut = from_model_rgb(cutout_rgb, masks)
    else:
        cut = torch.cat([images[:, :3] * masks, images[:, 3:4] * masks], dim=1)
    return [{"mask": mask, "image": image} for mask, image in zip(masks, cut, strict=True)]
