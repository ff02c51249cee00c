"""GAN Generator helpers: the latent of one frame, and pictures into the project format.

Runs on the model worker, inside :meth:`GANGenerator.evaluate_batch`. A frame's latent follows its
recipe (:func:`filmstudio_nodes.gan_takes.frame_recipe`): at a key, or holding one, it is exactly
that key's latent (so a frame at a key is that take's still, bit for bit); between keys it is the
spherical blend of the two Z, or the linear blend of their W.
"""

from __future__ import annotations

from typing import Any

from filmstudio.api import EvalContext, ParameterError
from filmstudio_nodes import gan_takes


def frame_latents(ctx: EvalContext, model: Any) -> tuple[Any, int]:
    """(the Latent that renders ``ctx.frame``, pre-truncation; its noise seed)."""
    from filmstudio.api import Latent, LatentKind, check_latent, lerp, mixed, slerp, to_w

    info = model.info
    recipe = gan_takes.frame_recipe(ctx.state, ctx.frame, ctx.params, ctx.is_connected("latent"))
    if recipe.get("input"):
        latent = ctx.input("latent")
        if not isinstance(latent, Latent):
            raise ParameterError(f"the latent input carries {type(latent).__name__}, not a Latent")
        check_latent(info, latent, "the latent input")
    else:
        latent = _latent(ctx, recipe["a"], model)
        if "b" in recipe:
            other, t = _latent(ctx, recipe["b"], model), float(recipe["t"])
            if info.architecture == "dcgan" or ctx.params.latent_space == "z":
                made = latent.model if latent.model == other.model else ""
                latent = Latent(LatentKind.Z, slerp(latent.values, other.values, t), made)
            else:
                latent = Latent(
                    LatentKind.W, lerp(to_w(model, latent).values, to_w(model, other).values, t), info.digest
                )
    if "mix" in recipe:
        latent = mixed(model, latent, _latent(ctx, recipe["mix"], model), ctx.params.mix_layers)
    # one noise draw per frame (StyleGAN2's "random" noise), the same on every run and device
    noise_seed = (int(ctx.params.noise_seed) * 1_000_003 + ctx.frame) % (1 << 63)
    return latent, noise_seed


def _latent(ctx: EvalContext, source: dict[str, Any], model: Any) -> Any:
    from filmstudio.api import Latent, check_latent, seed_latent

    info = model.info
    if "problem" in source:
        raise ParameterError(source["problem"])
    if "seed" in source:
        latent = seed_latent(int(source["seed"]), info.z_dim, info.digest)
        what = source.get("what", f"seed {source['seed']}")
    else:
        found = gan_takes.find_take(ctx.state, source["take"])
        what = gan_takes.take_label(found) if found else f"take {source['take']}"
        try:
            latent = Latent.from_json(source.get("data"))
        except ValueError as error:
            raise ParameterError(f"{what} cannot be used: {error}") from None
    check_latent(info, latent, what)
    return latent


def working_images(pictures: Any) -> Any:
    """Model pictures (straight sRGB ``[N, C, h, w]``, C 1 or 3) -> opaque working-space RGBA
    ``[N, 4, h, w]``. The frames go through the colour conversion side by side as one image:
    the conversion is per pixel, and one call costs less than one per frame."""
    from filmstudio.api import from_model_rgb

    rgb = pictures.expand(-1, 3, -1, -1) if pictures.shape[1] == 1 else pictures[:, :3]
    n, _c, h, w = rgb.shape
    wide = rgb.permute(1, 2, 0, 3).reshape(1, 3, h, n * w)
    return from_model_rgb(wide)[0].reshape(4, h, n, w).permute(2, 0, 1, 3).contiguous()


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
