"""Denoise: grain and sensor noise removed spatially, over time, or by a restoration model.

``method``:

* ``spatial`` — OpenCV's non-local means (``fastNlMeansDenoising`` on each channel of display
  sRGB), with filter strength ``strength`` x the noise level. Only the change it makes is applied to the frame
  (in the working space), so untouched pixels and super-whites pass through exactly.
* ``temporal`` — a motion-compensated average of up to ``frames`` frames either side: each
  neighbour is laid over this frame by DIS optical flow (computed on slightly blurred pictures, so
  grain does not steer it) and weighted per pixel by how well it matches here — fully where the
  difference is what noise alone explains, not at all where it is more (occlusions, cuts, a
  wrong flow, the black a Read shows before its clip), so moving things do not smear. Working-space
  pixels are averaged: no quantisation, HDR kept. The node asks for the neighbours (temporal
  requests).
* ``model`` — a spandrel restoration network from the artist's own weights (SCUNet, NAFNet,
  DRUNet, ...), tiled with ``tile_size``/``overlap``, batched in exports like the Upscaler; a
  missing file is the model store's error.

``noise`` is the noise level in display code values (0..255; 0: estimated from the frame by
Immerkær's method), which sets both the spatial filter and the temporal match test. Output:
float32 premultiplied RGBA in the working space.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from filmstudio.api import (
    ChoiceParam,
    Device,
    EvalContext,
    FloatParam,
    Input,
    IntParam,
    Node,
    Output,
    PathParam,
    PortType,
)

MODEL_FILTER = "Models (*.pth *.pt *.safetensors *.ckpt)"


class Denoise(Node):
    """Remove noise: non-local means, a motion-compensated temporal average, or a model."""

    id = "Denoise"
    category = "AI"
    description = "Noise reduction: non-local means, temporal (motion-compensated), or SCUNet/NAFNet/DRUNet."
    device = Device.GPU
    batch_size = 4
    inputs = (Input("source", PortType.IMAGE),)
    outputs = (Output("image", PortType.IMAGE),)
    params = (
        ChoiceParam(
            "method",
            ("spatial", "temporal", "model"),
            tooltip="spatial: non-local means; temporal: aligned frames averaged; model: restoration weights",
        ),
        FloatParam(
            "strength", 1.0, minimum=0.0, soft_max=3.0, tooltip="spatial: filter strength x noise level"
        ),
        FloatParam(
            "noise",
            0.0,
            minimum=0.0,
            soft_max=40.0,
            tooltip="noise level in 8-bit display code values; 0: estimated from each frame",
        ),
        IntParam(
            "frames", 3, animatable=False, minimum=1, maximum=12, tooltip="temporal: frames on either side"
        ),
        PathParam("model", "", file_filter=MODEL_FILTER, tooltip="model: SCUNet/NAFNet/DRUNet weights"),
        IntParam(
            "tile_size", 512, animatable=False, minimum=0, tooltip="model: pixels per tile; 0: whole frame"
        ),
        IntParam("overlap", 32, animatable=False, minimum=0, tooltip="model: pixels tiles share"),
    )

    def requests(self, ctx: EvalContext) -> Mapping[str, Sequence[int]]:
        if not ctx.is_connected("source"):
            return {}
        if ctx.params.method == "temporal":
            n = ctx.params.frames
            return {"source": tuple(range(ctx.frame - n, ctx.frame + n + 1))}
        return {"source": (ctx.frame,)}

    def state_for_frame(self, ctx: EvalContext) -> Any:
        if ctx.params.method != "model":
            return None
        from filmstudio.api import ModelStore

        return ModelStore(ctx.project_dir).identity(ctx.params.model)

    def required_models(self, ctx: EvalContext) -> tuple[str, ...]:
        return (ctx.params.model,) if ctx.params.method == "model" else ()

    def evaluate(self, ctx: EvalContext) -> Any:
        return self.evaluate_batch([ctx])[0]

    def evaluate_batch(self, contexts: Sequence[EvalContext]) -> list[Any]:
        from filmstudio.api import evaluate_in_groups
        from filmstudio_nodes.denoise_methods import model_denoise, spatial_denoise, temporal_denoise

        results: list[Any] = [None] * len(contexts)
        models = [i for i, ctx in enumerate(contexts) if ctx.params.method == "model"]
        if models:
            done = evaluate_in_groups([contexts[i] for i in models], "source", model_denoise)
            for index, result in zip(models, done, strict=True):
                results[index] = result
        for index, ctx in enumerate(contexts):
            if ctx.params.method == "model" or ctx.input("source") is None:
                continue
            ctx.check_cancelled()
            run = temporal_denoise if ctx.params.method == "temporal" else spatial_denoise
            results[index] = run(ctx)
        return results
