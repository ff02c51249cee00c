"""Resampling filters for the Upscaler: Lanczos-3 and bicubic, up or down, on any device.

Lanczos is separable: each output pixel is a weighted sum of the ``2a`` nearest input pixels along
each axis (more when shrinking, where the kernel is stretched to filter out what the smaller image
cannot hold). Edges repeat the border pixel. Weights are computed once per (size, device) and
applied as a matrix product (sparse taps gathered instead for very large frames). Bicubic
is torch's (Keys, a = -0.75), antialiased when shrinking. Pixel centres are aligned the usual way
(``align_corners=False``), as Pillow and Nuke do.

Tensors are ``[N, C, H, W]`` float; results are new float32 tensors on the same device. torch is
imported on first use.
"""

from __future__ import annotations

import functools
import math
from typing import Any

LANCZOS_LOBES = 3
_DENSE_LIMIT = 16_000_000  # weights matrix entries (64 MB) above which taps are gathered instead
METHODS = ("lanczos", "bicubic")


def resize(images: Any, height: int, width: int, method: str = "lanczos") -> Any:
    """``images`` ``[N, C, H, W]`` resampled to ``height`` x ``width`` with ``method``."""
    import torch

    images = images.float()
    if images.shape[-2:] == (height, width):
        return images.clone()
    if method == "bicubic":
        shrinking = height < images.shape[-2] or width < images.shape[-1]
        return torch.nn.functional.interpolate(
            images, size=(height, width), mode="bicubic", align_corners=False, antialias=shrinking
        )
    if method != "lanczos":
        raise ValueError(f"unknown resampling method {method!r}: choose {', '.join(METHODS)}")
    out = _resample_axis(images, width, dim=-1)
    return _resample_axis(out, height, dim=-2)


def _resample_axis(images: Any, size: int, dim: int) -> Any:
    length = images.shape[dim]
    if length == size:
        return images
    moved = images.movedim(dim, -1)  # [..., length]
    if length * size <= _DENSE_LIMIT:
        # A dense [size, length] matrix of the few non-zero weights: one BLAS call beats gathers.
        return (moved @ _dense_weights(length, size, str(images.device)).T).movedim(-1, dim)
    index, weight = _lanczos_weights(length, size, str(images.device))
    out = moved.index_select(-1, index[:, 0]) * weight[:, 0]
    for tap in range(1, index.shape[1]):
        out.add_(moved.index_select(-1, index[:, tap]) * weight[:, tap])
    return out.movedim(-1, dim)


@functools.lru_cache(maxsize=64)
def _dense_weights(length: int, size: int, device: str) -> Any:
    import torch

    index, weight = _lanczos_weights(length, size, device)
    return torch.zeros(size, length, device=device).scatter_add_(1, index, weight)


def _sinc(x: Any) -> Any:
    import torch

    return torch.where(x == 0, torch.ones_like(x), torch.sin(math.pi * x) / (math.pi * x).where(x != 0, 1.0))


@functools.lru_cache(maxsize=128)
def _lanczos_weights(length: int, size: int, device: str) -> tuple[Any, Any]:
    """(input indices ``[size, taps]``, weights ``[size, taps]``) of a Lanczos-3 resampling."""
    import torch

    scale = size / length
    stretch = max(1.0, 1.0 / scale)  # shrinking: widen the kernel (antialiasing)
    support = LANCZOS_LOBES * stretch
    centres = (torch.arange(size, dtype=torch.float64) + 0.5) / scale - 0.5
    first = torch.floor(centres - support).long() + 1
    taps = math.ceil(2 * support) + 1
    index = first.view(-1, 1) + torch.arange(taps).view(1, -1)
    x = (index.double() - centres.view(-1, 1)) / stretch
    weight = torch.where(x.abs() < LANCZOS_LOBES, _sinc(x) * _sinc(x / LANCZOS_LOBES), torch.zeros_like(x))
    weight = weight / weight.sum(dim=1, keepdim=True)
    index = index.clamp(0, length - 1)
    return index.to(device), weight.float().to(device)
