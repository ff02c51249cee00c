"""GAN Generator helpers: the latent of one frame, and pictures into the project format.

Runs on the model worker, inside :meth:`GANGenerator.evaluate_batch`. A frame's latent follows its
recipe (:func:`filmstudio_nodes.gan_takes.frame_recipe`): at a key, or holding one, it is exactly
that key's latent (so a frame at a key is that take's still, bit for bit); between keys it is the
spherical blend of the two Z, or the linear blend of their W.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from filmstudio.api import EvalContext, ParameterError
from filmstudio_nodes import gan_takes


def frame_latents(contexts: Sequence[EvalContext], model: Any) -> list[tuple[Any, int]]:
    """(the Latent that renders each context's frame, pre-truncation; its noise seed). The frames
    of one morph (between the same two keys, in Z) are blended in one go."""
    from filmstudio.api import Latent, LatentKind, check_latent, lerp, mixed, slerp_path, to_w

    info = model.info
    latents: list[Any] = [None] * len(contexts)
    morphs: dict[tuple[int, int], list[tuple[int, float]]] = {}  # (key latents) -> (index, t)
    ends: dict[tuple[int, int], tuple[Any, Any]] = {}
    recipes = []
    for index, ctx in enumerate(contexts):
        recipe = gan_takes.frame_recipe(ctx.state, ctx.frame, ctx.params, ctx.is_connected("latent"))
        recipes.append(recipe)
        if recipe.get("input"):
            latent = ctx.input("latent")
            if not isinstance(latent, Latent):
                raise ParameterError(f"the latent input carries {type(latent).__name__}, not a Latent")
            check_latent(info, latent, "the latent input")
            latents[index] = latent
            continue
        latent = latents[index] = _latent(ctx, recipe["a"], model)
        if "b" not in recipe:
            continue
        other, t = _latent(ctx, recipe["b"], model), float(recipe["t"])
        if info.architecture == "dcgan" or ctx.params.latent_space == "z":
            pair = (id(latent), id(other))
            ends[pair] = (latent, other)
            morphs.setdefault(pair, []).append((index, t))
        else:
            values = lerp(to_w(model, latent).values, to_w(model, other).values, t)
            latents[index] = Latent(LatentKind.W, values, info.digest)
    for pair, frames in morphs.items():
        first, other = ends[pair]
        made = first.model if first.model == other.model else ""
        blended = slerp_path(first.values, other.values, [t for _index, t in frames])
        for (index, _t), values in zip(frames, blended, strict=True):
            latents[index] = Latent(LatentKind.Z, values, made)
    chosen = []
    for ctx, recipe, latent in zip(contexts, recipes, latents, strict=True):
        if "mix" in recipe:
            latent = mixed(model, latent, _latent(ctx, recipe["mix"], model), ctx.params.mix_layers)
        # one noise draw per frame (StyleGAN2's "random" noise), the same on every run and device
        chosen.append((latent, (int(ctx.params.noise_seed) * 1_000_003 + ctx.frame) % (1 << 63)))
    return chosen


def _latent(ctx: EvalContext, source: dict[str, Any], model: Any) -> Any:
    """The latent ``source`` (a part of a frame's recipe) stands for, checked against the model:
    worked out once per source and model (the frames of one state share their sources)."""
    info = model.info
    return gan_takes.memo_by_identity(
        source, ("checked latent", info.digest), lambda part: _checked_latent(ctx.state, part, info)
    )


def _checked_latent(state: Any, source: dict[str, Any], info: Any) -> Any:
    from filmstudio.api import Latent, check_latent

    if "problem" in source:
        raise ParameterError(source["problem"])
    if "seed" in source:
        latent = _seed_latent(int(source["seed"]), info.z_dim, info.digest)
        what = source.get("what", f"seed {source['seed']}")
    else:
        found = gan_takes.find_take(state, source["take"])
        what = gan_takes.take_label(found) if found else f"take {source['take']}"
        try:  # a take's data never changes: parsed once, not for every frame that uses it
            latent = gan_takes.memo_by_identity(source.get("data"), "latent", Latent.from_json)
        except ValueError as error:
            raise ParameterError(f"{what} cannot be used: {error}") from None
    check_latent(info, latent, what)
    return latent


@functools.lru_cache(maxsize=64)
def _seed_latent(seed: int, size: int, model: str) -> Any:
    """A seed's latent (drawn once, not for every frame a latent key holds it)."""
    from filmstudio.api import seed_latent

    return seed_latent(seed, size, model)


def working_images(pictures: Any) -> Any:
    """Model pictures (straight sRGB ``[N, C, h, w]``, C 1 or 3, handed over: converted in place)
    -> opaque working-space RGBA ``[N, 4, h, w]``, the batch converted in one call."""
    from filmstudio.api import from_model_rgb

    if pictures.shape[1] == 1:
        return from_model_rgb(pictures.expand(-1, 3, -1, -1))
    return from_model_rgb(pictures[:, :3], owned=True)


def place_images(images: Any, width: int, height: int, placement: str) -> Any:
    """Opaque RGBA ``[N, 4, h, w]`` placed in a ``width`` x ``height`` frame, transparent around:
    ``fit`` scales the whole picture in, ``fill`` covers the frame (the overflow is cut),
    ``centre`` keeps the model's pixels 1:1. Resized in the working space (after the conversion,
    so it converts the model's few pixels, not the frame's), Lanczos, negative lobes cut at 0."""
    import torch

    from filmstudio_nodes.merge import centred
    from filmstudio_nodes.upscale_resample import resize

    h, w = images.shape[-2:]
    if placement != "centre":
        factors = (height / h, width / w)
        factor = min(factors) if placement == "fit" else max(factors)
        size = (max(1, round(h * factor)), max(1, round(w * factor)))
        if size != (h, w):
            rgb = resize(images[:, :3], *size, method="lanczos").clamp_min(0.0)
            images = torch.cat([rgb, torch.ones_like(rgb[:, :1])], dim=1)
    return centred(images, height, width)
