"""Style back ends: how the Style node turns a display-referred frame into a stylised one.

The Style node's ``method`` picks a back end from :data:`BACKENDS`. A back end is stateless and
implements :class:`StyleBackend`:

* ``models(params)`` — the model references it will load (manifest names, files or paths). The
  node puts their file identities in its cache key (installing or replacing weights re-renders)
  and asks the store for them, so a missing model is the store's message naming the file, the
  folders searched and how to install it.
* ``key(params)`` — everything else its output depends on, as a tuple of plain values.
* ``stylize(ctx, frames, style)`` — ``frames`` sRGB ``[N, 3, H, W]`` 0..1 (straight colour; the
  node converts from and to the working space with ``to_model_rgb``/``from_model_rgb``),
  ``style`` the style input's picture (sRGB ``[3, h, w]``) or None; returns sRGB ``[N, 3, H, W]``
  on any device. Called on the model worker; must be deterministic (same inputs, same pixels).

The seam for diffusion (img2img and inpainting with the user's own diffusers weights), not built
here: a ``diffusion`` back end would declare its model folder (a new ``diffusers`` kind in the
manifest, found offline by the store like transformers folders), take its prompt, seed and
denoising strength from parameters the node adds in a new version (the seed is a parameter or a
generative take, never fresh randomness, so renders reproduce), run its pipeline on the model worker
under ``torch.inference_mode`` with the resident-model budget, and implement the same
``stylize``; its inpainting twin takes the mask too and plugs into the Inpaint node's ``model``
path the same way. The temporal stability and tiling around the back end stay the node's.
"""

from __future__ import annotations

from typing import Any, Protocol


class StyleBackend(Protocol):
    label: str

    def models(self, params: Any) -> tuple[str, ...]: ...

    def key(self, params: Any) -> tuple[Any, ...]: ...

    def stylize(self, ctx: Any, frames: Any, style: Any) -> Any: ...


def style_weights(params: Any) -> tuple[float, ...]:
    """The mix of the 26 built-in styles at this frame: ``weights`` when any is above 0 (a
    script's or a keyframed mix of many styles), else ``style`` faded into ``blend_to`` by
    ``blend`` (0: all ``style``, 1: all ``blend_to``)."""
    from filmstudio.api import NUM_STYLES, STYLE_NAMES

    if any(weight > 0 for weight in params.weights):
        return tuple(float(weight) for weight in params.weights)
    mix = [0.0] * NUM_STYLES
    blend = min(1.0, max(0.0, float(params.blend)))
    mix[STYLE_NAMES.index(params.style)] += 1.0 - blend
    mix[STYLE_NAMES.index(params.blend_to)] += blend
    return tuple(mix)


def _normalised(weights: tuple[float, ...]) -> tuple[float, ...]:
    total = sum(weights)
    return tuple(round(weight / total, 6) for weight in weights)


class MultiStyle:
    """The 26-style network (``style-multi26``), mixed by :func:`style_weights`; ``strength``
    fades the stylised frame over the original."""

    label = "26 built-in styles"

    def models(self, params: Any) -> tuple[str, ...]:
        return (params.model,)

    def key(self, params: Any) -> tuple[Any, ...]:
        return (_normalised(style_weights(params)), params.strength, params.tile_size, params.overlap)

    def stylize(self, ctx: Any, frames: Any, style: Any) -> Any:
        from filmstudio.api import ModelStore, stylize_multi

        p = ctx.params
        location = ModelStore(ctx.project_dir).find(p.model)
        styled = stylize_multi(
            location,
            frames,
            style_weights(p),
            ctx.device,
            tile=p.tile_size,
            overlap=p.overlap,
            check_cancelled=ctx.check_cancelled,
            label=ctx.node_name,
        )
        frames = frames.to(styled.device)
        return frames + p.strength * (styled - frames)


class ArbitraryStyle:
    """Magenta's arbitrary style (``style-arbitrary``): the style input's picture through the
    predictor gives 100 numbers that steer the transform. ``strength`` moves those numbers from
    the frame's own style (0) to the picture's (1), which reads better than a cross-fade."""

    label = "style from the style input"

    def models(self, params: Any) -> tuple[str, ...]:
        return (params.predictor, params.transform)

    def key(self, params: Any) -> tuple[Any, ...]:
        return (params.strength, params.work_size, params.overlap)

    def stylize(self, ctx: Any, frames: Any, style: Any) -> Any:
        import torch

        from filmstudio.api import ModelStore, ParameterError, style_vector, stylize_arbitrary

        if style is None:
            raise ParameterError("method arbitrary needs a picture on the style input: connect one")
        p = ctx.params
        store = ModelStore(ctx.project_dir)
        predictor, transform = store.find(p.predictor), store.find(p.transform)
        target = style_vector(predictor, style, ctx.device)
        results = []
        for frame in frames:  # each frame's own style numbers differ: one call per frame
            ctx.check_cancelled()
            vector = target
            if p.strength < 1:
                own = style_vector(predictor, frame, ctx.device)
                vector = (own + p.strength * (target - own)).astype("float32")
            out = stylize_arbitrary(
                transform,
                frame[None],
                vector,
                ctx.device,
                work_size=p.work_size,
                overlap=p.overlap,
                check_cancelled=ctx.check_cancelled,
                label=ctx.node_name,
            )
            results.append(out)
        return torch.cat(results)


BACKENDS: dict[str, StyleBackend] = {"multi": MultiStyle(), "arbitrary": ArbitraryStyle()}
