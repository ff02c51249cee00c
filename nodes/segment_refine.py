"""Mask refinement shared by every Segmenter backend: threshold, grow/shrink, feather, invert.

Applied in that order to masks ``[N, 1, H, W]`` in 0..1 on any device; sizes are in the pixels of
the request (the node scales full-resolution sizes by the proxy scale). Returns new tensors.
"""

from __future__ import annotations

import math
from typing import Any


def refine(masks: Any, threshold: float, grow: float, feather: float, invert: bool) -> Any:
    """``threshold`` > 0 makes the mask hard (1 where it reaches the threshold); ``grow`` > 0
    dilates and < 0 erodes by that many pixels (a square of side 2|grow|+1); ``feather`` blurs the
    edge over about that many pixels (a Gaussian); ``invert`` swaps inside and outside."""
    import torch

    masks = masks.float()
    if threshold > 0:
        masks = (masks >= threshold).float()
    radius = round(abs(grow))
    if radius:
        masks = _dilate(masks, radius) if grow > 0 else 1.0 - _dilate(1.0 - masks, radius)
    if feather >= 1.0:
        masks = _gaussian(masks, feather / 3.0)
    if invert:
        masks = 1.0 - masks
    return torch.clamp(masks, 0.0, 1.0)


def _dilate(masks: Any, radius: int) -> Any:
    import torch

    pool = torch.nn.functional.max_pool2d
    size = 2 * radius + 1
    # Outside the frame counts as "not there": pad with -inf so edges neither grow nor shrink.
    padded = torch.nn.functional.pad(masks, (radius, radius, 0, 0), value=float("-inf"))
    rows = pool(padded, (1, size), stride=1)
    padded = torch.nn.functional.pad(rows, (0, 0, radius, radius), value=float("-inf"))
    return pool(padded, (size, 1), stride=1)


def _gaussian(masks: Any, sigma: float) -> Any:
    import torch

    radius = max(1, math.ceil(3 * sigma))
    x = torch.arange(-radius, radius + 1, dtype=torch.float32, device=masks.device)
    kernel = torch.exp(-0.5 * (x / sigma) ** 2)
    kernel = kernel / kernel.sum()
    functional = torch.nn.functional
    out = functional.pad(masks, (radius, radius, 0, 0), mode="replicate")
    out = functional.conv2d(out, kernel.view(1, 1, 1, -1))
    out = functional.pad(out, (0, 0, radius, radius), mode="replicate")
    return functional.conv2d(out, kernel.view(1, 1, -1, 1))
