"""Latent Walk: a Z latent that walks a closed loop, one lap every ``period`` frames.

The loop passes around ``seed``'s latent (the same Z a take of that seed holds) — or around the
Z on the ``centre`` input, e.g. a GAN Generator's latent output — through two more Gaussian
directions drawn from the seed: ``amplitude`` 0 stays on the centre, small amplitudes make a
character "breathe", 1 walks a great circle far from it. Every point of the loop is as likely a
latent as the centre (see :func:`filmstudio.api.circle`), and frame ``start + period`` is frame
``start`` again, so renders loop seamlessly. Any generator's latent input takes it.
"""

from __future__ import annotations

import functools
import math
from typing import Any

from filmstudio.api import (
    EvalContext,
    FloatParam,
    Input,
    IntParam,
    Node,
    Output,
    ParameterError,
    PathParam,
    PortType,
)
from filmstudio_nodes.gan import MODEL_FILTER


class LatentWalk(Node):
    """A looping walk through a generator's Z space."""

    id = "LatentWalk"
    label = "Latent Walk"
    category = "AI"
    description = "A Z latent walking a loop (period in frames) for GAN Generator inputs."
    time_dependent = True
    inputs = (Input("centre", PortType.LATENT, optional=True),)
    outputs = (Output("latent", PortType.LATENT),)
    params = (
        PathParam(
            "model", "dcgan-faces", file_filter=MODEL_FILTER, tooltip="the generator the latents are for"
        ),
        IntParam("seed", 0, animatable=False, minimum=0, maximum=2**32 - 1, tooltip="centre and directions"),
        IntParam("period", 48, animatable=False, minimum=2, tooltip="frames per lap"),
        IntParam("start", 1, animatable=False, tooltip="the frame where the lap begins"),
        FloatParam(
            "amplitude", 0.5, minimum=0.0, maximum=1.0, tooltip="0: stay on the centre; 1: a great circle"
        ),
    )

    def state_for_frame(self, ctx: EvalContext) -> Any:
        from filmstudio.api import ModelStore

        return ModelStore(ctx.project_dir).identity(ctx.params.model)  # replacing the file re-renders

    def evaluate(self, ctx: EvalContext) -> Any:

        from filmstudio.api import Latent, LatentKind, ModelStore, check_latent, circle, gan_info

        p = ctx.params
        info = gan_info(ModelStore(ctx.project_dir).find(p.model))
        centre, across, up = _directions(p.seed, info.z_dim)
        given = ctx.input("centre")
        if given is not None:
            if not isinstance(given, Latent) or given.kind is not LatentKind.Z:
                what = given.describe() if isinstance(given, Latent) else type(given).__name__
                raise ParameterError(f"the centre input is {what}; a walk goes around a Z latent")
            check_latent(info, given, "the centre input")
            centre = given.values
        angle = 2 * math.pi * ((ctx.frame - p.start) % p.period) / p.period  # exactly periodic
        values = circle(centre, across, up, angle, p.amplitude)
        return Latent(LatentKind.Z, values.float().contiguous(), info.digest)


@functools.lru_cache(maxsize=64)
def _directions(seed: int, size: int) -> Any:
    """The seed's Z (the walk's centre) and two more Gaussian directions, ``[3, size]`` float32
    (shared by every frame of a walk: never changed in place)."""
    import numpy as np
    import torch

    return torch.from_numpy(np.random.RandomState(seed).randn(3, size).astype(np.float32))


NODES = (LatentWalk,)
