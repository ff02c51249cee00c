"""Upscaler: super-resolution with any spandrel-supported model, or Lanczos/bicubic without weights.

``method`` chooses how:

* ``model`` — the model named by ``model`` (a known name such as ``dat-light-x2``, a file name in
  the model folders, or a path to a ``.pth``/``.safetensors``: Real-ESRGAN, SwinIR, DAT, SPAN,
  ...). The model's own scale is applied, then the result is resized (Lanczos) to ``factor``. A
  missing model is an error on the node that names the file, the folders searched and how to
  install it.
* ``auto`` — the model when its weights are installed, else Lanczos at the same ``factor``. The
  check is part of the cache key, so installing the weights re-renders with the model. A damaged
  install is still an error: only a missing one falls back.
* ``lanczos`` / ``bicubic`` — classic resampling, no weights, on the frame's device.

Models see display-referred sRGB (converted at the boundary by :mod:`filmstudio.models.display`),
tiled with ``tile_size``/``overlap`` input pixels (0: the whole frame; smaller tiles and then the
CPU are used when memory runs out, with a warning). Alpha is resized with Lanczos. Runs on the
model worker; exports hand it ``batch_size`` frames at once. Output: float32 premultiplied RGBA in
the working space, on the compute device.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
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
_log = logging.getLogger("filmstudio.models")
_announced: set[tuple[str, str]] = set()


class Upscaler(Node):
    """Upscale (or downscale) an image by ``factor`` with a super-resolution model or a filter."""

    id = "Upscaler"
    category = "AI"
    description = "Super-resolution with Real-ESRGAN, SwinIR, DAT, ... models, or Lanczos/bicubic."
    device = Device.GPU
    batch_size = 4
    inputs = (Input("source", PortType.IMAGE),)
    outputs = (Output("image", PortType.IMAGE),)
    params = (
        ChoiceParam(
            "method",
            ("auto", "model", "lanczos", "bicubic"),
            tooltip="auto: the model when installed, else Lanczos; model: the model or an error",
        ),
        PathParam(
            "model",
            "dat-light-x2",
            file_filter=MODEL_FILTER,
            tooltip="a known model (`filmstudio models list`), a file in the model folders, or a path",
        ),
        FloatParam(
            "factor",
            2.0,
            animatable=False,
            minimum=0.125,
            maximum=16.0,
            tooltip="output size / input size (the model's scale, then resized to this)",
        ),
        IntParam(
            "tile_size",
            512,
            animatable=False,
            minimum=0,
            tooltip="input pixels per tile for models; 0: the whole frame at once",
        ),
        IntParam("overlap", 32, animatable=False, minimum=0, tooltip="input pixels tiles share"),
        ChoiceParam("precision", ("auto", "full"), tooltip="auto: float16/bfloat16 on CUDA; full: float32"),
    )

    def state_for_frame(self, ctx: EvalContext) -> Any:
        # Which weights file (if any) the model resolves to belongs in the key: installing or
        # replacing weights must not be served stale frames from the cache.
        if ctx.params.method not in ("auto", "model"):
            return None
        from filmstudio.api import ModelStore

        return ModelStore(ctx.project_dir).identity(ctx.params.model)

    def required_models(self, ctx: EvalContext) -> tuple[str, ...]:
        # auto renders without its model (Lanczos): only `model` cannot
        return (ctx.params.model,) if ctx.params.method == "model" else ()

    def evaluate_batch(self, contexts: Sequence[EvalContext]) -> list[Any]:
        from filmstudio.api import evaluate_in_groups

        return evaluate_in_groups(contexts, "source", _upscale)

    def offers_standin(self, ctx: EvalContext) -> bool:
        # Only a model is slow; Lanczos/bicubic (and auto without weights) are the preview already.
        if ctx.params.method not in ("auto", "model"):
            return False
        from filmstudio.api import ModelStore

        return ModelStore(ctx.project_dir).identity(ctx.params.model)[0] != "unavailable"

    def standin(self, ctx: EvalContext) -> Any:
        """Lanczos to the size the model's result will have: the preview while the model runs."""
        from filmstudio_nodes.upscale_resample import resize

        source = ctx.input("source")
        height, width = source.shape[-2:]
        factor = ctx.params.factor
        size = (max(1, round(height * factor)), max(1, round(width * factor)))
        resized = resize(source[None].to(ctx.device), *size, method="lanczos")[0]
        resized[3:4].clamp_(0.0, 1.0)
        return resized


def _upscale(ctx: Any, batch: Any) -> list[Any]:
    """``batch`` ``[N, 4, H, W]`` (working space) upscaled as ``ctx.params`` say; one per frame."""
    from filmstudio_nodes.upscale_resample import resize

    p = ctx.params
    height, width = batch.shape[-2:]
    size = (max(1, round(height * p.factor)), max(1, round(width * p.factor)))
    location = _model_location(ctx) if p.method in ("auto", "model") else None
    if location is None:
        method = "lanczos" if p.method in ("auto", "model") else p.method
        resized = resize(batch.to(ctx.device), *size, method=method)
        resized[:, 3:4].clamp_(0.0, 1.0)
        return list(resized)
    from filmstudio.api import from_model_rgb, to_model_rgb, upscale_images

    rgb, alpha = to_model_rgb(batch)
    ctx.check_cancelled()
    out = upscale_images(
        location,
        rgb,
        ctx.device,
        tile=p.tile_size,
        overlap=p.overlap,
        precision=p.precision,
        check_cancelled=ctx.check_cancelled,
        label=ctx.node_name,
        progress=ctx.report_progress,
    )
    if tuple(out.shape[-2:]) != size:
        out = resize(out, *size, method="lanczos").clamp(0.0, 1.0)
    if alpha is not None:
        alpha = resize(alpha.to(out.device), *size, method="lanczos").clamp(0.0, 1.0)
    return list(from_model_rgb(out, alpha))


def _model_location(ctx: Any) -> Any:
    """The model's location; None in auto mode when it is not installed (Lanczos then)."""
    from filmstudio.api import ModelNotFoundError, ModelStore

    try:
        return ModelStore(ctx.project_dir).find(ctx.params.model)
    except ModelNotFoundError as missing:
        if ctx.params.method == "model":
            raise
        if (ctx.node_name, ctx.params.model) not in _announced:  # say it once, not every frame
            _announced.add((ctx.node_name, ctx.params.model))
            _log.info(
                "%s: %s is not installed, using Lanczos (%s)",
                ctx.node_name,
                missing.name,
                missing.how_to_install,
            )
        return None
