"""DCGAN's generator (Radford et al.; the PyTorch tutorial's ``Generator``), sizes from its weights.

The tutorial's network is ``main``: a ``ConvTranspose2d(nz, ngf*8, 4, 1, 0)`` from the 1x1 latent
to 4x4, then blocks of ``BatchNorm2d, ReLU, ConvTranspose2d(.., 4, 2, 1)`` doubling the size, and a
``Tanh``: 64x64 with nz=100, ngf=64, nc=3 and five transposed convolutions. Its state dict has
``main.0.weight`` ``[nz, ngf*8, 4, 4]``, ``main.1.*`` (batch norm), ``main.3.weight``, ... up to
``main.12.weight`` ``[ngf, nc, 4, 4]``. :func:`dcgan_config` reads nz, the channels and the number
of doublings from those shapes, so deeper (128x128) or slimmer variants of the tutorial load too,
and says exactly what differs when a state dict is not one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_CONV = re.compile(r"^main\.(\d+)\.weight$")


@dataclass(frozen=True)
class DCGANConfig:
    nz: int
    channels: tuple[int, ...]  # output channels of each transposed convolution; the last is nc
    bias: bool = False

    @property
    def resolution(self) -> int:
        return 4 * 2 ** (len(self.channels) - 1)

    @property
    def nc(self) -> int:
        return self.channels[-1]


def dcgan_config(state: dict[str, Any]) -> tuple[DCGANConfig | None, list[str]]:
    """The config of a tutorial-DCGAN state dict, or (None, what differs)."""
    convs = sorted(
        int(m.group(1)) for key, value in state.items() if (m := _CONV.match(key)) and value.ndim == 4
    )
    if not convs:
        return None, ["no transposed convolution weights (main.N.weight with 4 dimensions)"]
    problems: list[str] = []
    expected = [3 * i for i in range(len(convs))]
    if convs != expected:
        problems.append(
            "transposed convolutions at main."
            + ", main.".join(map(str, convs))
            + " (the DCGAN tutorial has them at main."
            + ", main.".join(map(str, expected))
            + ")"
        )
        return None, problems
    channels: list[int] = []
    previous = None
    for index in convs:
        weight = state[f"main.{index}.weight"]
        if tuple(weight.shape[2:]) != (4, 4):
            problems.append(f"main.{index}.weight has {tuple(weight.shape[2:])} kernels, not 4x4")
        if previous is not None and weight.shape[0] != previous:
            problems.append(
                f"main.{index}.weight takes {weight.shape[0]} channels but the layer before gives {previous}"
            )
        previous = int(weight.shape[1])
        channels.append(previous)
    nz = int(state[f"main.{convs[0]}.weight"].shape[0])
    bias = f"main.{convs[0]}.bias" in state
    config = DCGANConfig(nz, tuple(channels), bias)
    if problems:
        return None, problems
    return config, []


def build_dcgan(config: DCGANConfig) -> Any:
    """The tutorial's generator for ``config`` (random weights, float32, CPU)."""
    from torch import nn

    layers: list[Any] = []
    previous = config.nz
    for index, out in enumerate(config.channels):
        first, last = index == 0, index == len(config.channels) - 1
        layers.append(
            nn.ConvTranspose2d(previous, out, 4, 1 if first else 2, 0 if first else 1, bias=config.bias)
        )
        if last:
            layers.append(nn.Tanh())
        else:
            layers += [nn.BatchNorm2d(out), nn.ReLU(True)]
        previous = out

    class DCGANGenerator(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.main = nn.Sequential(*layers)
            self.config = config

        def forward(self, z: Any) -> Any:
            return self.main(z.reshape(z.shape[0], -1, 1, 1))

    return DCGANGenerator()
