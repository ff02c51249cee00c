"""From latents to pictures: checks, mapping, truncation, style mixing, noise and synthesis.

:func:`render_latents` turns a batch of :class:`~filmstudio.models.gan_latent.Latent` s (one per
frame, each with its own truncation ψ) into display-referred sRGB pictures ``[N, C, H, W]`` in
0..1, float32, on the model's device. Everything is deterministic: random noise (StyleGAN2's
per-pixel detail) comes from a seed per picture, drawn on the CPU so every device gets the same.

Truncation pulls a latent towards the generator's average: W towards ``mapping.w_avg`` (the
StyleGAN "truncation trick"), Z towards 0 for DCGAN (which has no W): ψ=1 leaves it, ψ=0 gives the
average face, ψ<1 trades variety for typical, clean pictures.

Style mixing (StyleGAN2) takes some of the synthesis layers' W from another latent: ``coarse``
(4²-8²: pose, face shape), ``middle`` (16²-32²: features, hair style, eyes) or ``fine`` (64² and
up: colour scheme, micro-detail), as in the StyleGAN paper's figure. Runs on the model worker.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from filmstudio.models.device import serial_when_small
from filmstudio.models.errors import ModelError
from filmstudio.models.gan_latent import Latent, LatentKind
from filmstudio.models.gan_load import DCGAN, GanInfo, GanModel

MIX_LAYERS = ("coarse", "middle", "fine")
NOISE_MODES = ("const", "random")
_MIX_RESOLUTIONS = {"coarse": (4, 8), "middle": (16, 32), "fine": (64, 1 << 30)}


class LatentMismatchError(ModelError):
    """A latent does not fit the generator it is given to (another model's size or W space)."""


def check_latent(info: GanInfo, latent: Latent, what: str) -> None:
    """Raise :class:`LatentMismatchError` (naming ``what``, the file and what differs) unless
    ``latent`` fits the generator ``info`` describes."""
    made = f" made for model {latent.model[:12]}..." if latent.model and latent.model != info.digest else ""
    if latent.kind is LatentKind.Z:
        if latent.size != info.z_dim:
            size = "nz" if info.architecture == DCGAN else "z_dim"
            raise LatentMismatchError(
                f"{what} is {latent.describe()}{made}, but {info.label} takes {size}={info.z_dim}: "
                "make a new take (or key) for this model"
            )
        return
    if info.architecture == DCGAN:
        raise LatentMismatchError(
            f"{what} is {latent.describe()}, but {info.label} has no W space: give it a Z"
        )
    if made:
        raise LatentMismatchError(
            f"{what} is {latent.describe()}{made}: a W belongs to the mapping network that made it, and "
            f"this is {info.label} ({info.digest[:12]}...); give it a Z or a take of this model"
        )
    shape = (info.w_dim,) if latent.kind is LatentKind.W else (info.num_ws, info.w_dim)
    if tuple(latent.values.shape) != shape:
        raise LatentMismatchError(f"{what} is {latent.describe()}, but {info.label} takes {shape} values")


def to_w(model: GanModel, latent: Latent) -> Latent:
    """``latent`` in W (a Z through the mapping network; W and W+ as they are), pre-truncation."""
    import torch

    if latent.kind is not LatentKind.Z:
        return latent
    with torch.inference_mode():
        w = model.net.mapping(latent.values[None].to(model.device))[0].float().cpu().clone()
    return Latent(LatentKind.W, w, model.info.digest)


def mix_rows(num_ws: int, layers: str) -> range:
    """The rows of a W+ that drive the ``layers`` resolutions (row i feeds resolution
    ``2 ** (2 + (i + 1) // 2)``: 4x4 takes row 0 and its ToRGB row 1, 8x8 rows 1-3, ...)."""
    low, high = _MIX_RESOLUTIONS[layers]
    rows = [i for i in range(num_ws) if low <= 2 ** (2 + (i + 1) // 2) <= high]
    return range(rows[0], rows[-1] + 1) if rows else range(0)


def mixed(model: GanModel, latent: Latent, other: Latent, layers: str) -> Latent:
    """``latent`` as a W+ whose ``layers`` rows (coarse, middle or fine) come from ``other``."""

    info = model.info
    if info.architecture == DCGAN:
        raise LatentMismatchError(f"style mixing needs a StyleGAN2; {info.label} is a DCGAN")
    main, mix = (to_w(model, x).values for x in (latent, other))
    plus = main.expand(info.num_ws, info.w_dim) if main.ndim == 1 else main
    rows = mix_rows(info.num_ws, layers)
    source = mix.expand(info.num_ws, info.w_dim) if mix.ndim == 1 else mix
    out = plus.clone()
    out[rows.start : rows.stop] = source[rows.start : rows.stop]
    return Latent(LatentKind.W_PLUS, out.contiguous(), info.digest)


def ws_batch(model: GanModel, latents: Sequence[Latent], truncations: Sequence[float]) -> Any:
    """``[N, num_ws, w_dim]`` float32 on the model's device: Z mapped (in one batch), truncated."""
    import torch

    info, device = model.info, model.device
    zs = [i for i, latent in enumerate(latents) if latent.kind is LatentKind.Z]
    mapped: dict[int, Any] = {}
    if zs:
        batch = torch.stack([latents[i].values for i in zs]).to(device)
        mapped = dict(zip(zs, model.net.mapping(batch).float(), strict=True))
    w_avg = model.net.mapping.w_avg.float()
    out = []
    for index, (latent, psi) in enumerate(zip(latents, truncations, strict=True)):
        w = mapped[index] if index in mapped else latent.values.to(device)
        w = w.expand(info.num_ws, info.w_dim) if w.ndim == 1 else w
        out.append(w_avg + (w - w_avg) * float(psi) if float(psi) != 1.0 else w)
    return torch.stack(out)


def noise_tensors(model: GanModel, mode: str, seeds: Sequence[int]) -> Any:
    """StyleGAN2's per-layer noise: "const" (the layers' stored noise) or "random" (one seeded
    draw per picture, on the CPU so every device gets the same numbers)."""
    import torch

    if mode == "const":
        return "const"
    layers = model.net.synthesis.noise_layers()
    generators = [torch.Generator().manual_seed(int(seed)) for seed in seeds]
    per_layer = []
    for layer in layers:
        size = layer.resolution
        noise = torch.stack([torch.randn(1, size, size, generator=g) for g in generators])
        per_layer.append(noise.to(model.device))
    return per_layer


def render_latents(
    model: GanModel, latents: Sequence[Latent], truncations: Sequence[float], **noise: Any
) -> Any:
    """Pictures of ``latents`` (checked with :func:`check_latent` by the caller): sRGB
    ``[N, C, H, W]`` in 0..1, float32, on the model's device. ``noise``: ``noise`` and
    ``noise_seeds`` as for :func:`generator_output`."""
    return pictures_of(generator_output(model, latents, truncations, **noise))


def generator_output(
    model: GanModel,
    latents: Sequence[Latent],
    truncations: Sequence[float],
    *,
    noise: str = "const",
    noise_seeds: Sequence[int] = (),
) -> Any:
    """The network's output for ``latents``: ``[N, C, H, W]`` in about -1..1, in the model's
    dtype (an inference tensor): the model's part of :func:`render_latents`, the rest
    (:func:`pictures_of`) being host work that may run elsewhere."""
    import torch

    info = model.info
    with torch.inference_mode():
        if info.architecture == DCGAN:
            z = torch.stack([latent.values for latent in latents]).to(model.device)
            psi = torch.tensor([float(p) for p in truncations], device=model.device)[:, None]
            dtype = torch.float16 if model.half else torch.float32
            return model.net((z * psi).to(dtype))
        ws = ws_batch(model, latents, truncations)
        seeds = list(noise_seeds) or [0] * len(latents)
        return model.net.synthesis(ws, noise_tensors(model, noise, seeds), half=model.half)


def pictures_of(out: Any) -> Any:
    """A generator's output (:func:`generator_output`) as pictures: sRGB float32 in 0..1."""
    # -1..1 -> 0..1, outside inference mode: a normal tensor, which later nodes may use anywhere
    with serial_when_small(out):
        return out.float().add(1.0).mul_(0.5).clamp_(0.0, 1.0)
