"""The picture a tracker reads: one 8-bit, display-referred grey channel per frame.

Frames arrive as premultiplied RGBA torch tensors in the scene-linear working space (ACEScg with
the built-in config). Trackers want perceptually even steps (shadow detail matters as much as
highlights) and OpenCV's Lucas-Kanade wants 8-bit, so each frame is converted once: a weighted
sum of the linear channels (AP1 luminance, or one channel), then a gamma-2 encode (a square root:
close to a display's curve and cheap at 1080p) to 0..255. Values above 1 clip.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

# ACEScg (AP1) luminance weights: the default working space's Y row.
_LUMA = (0.2722287168, 0.6740817658, 0.0536895174)


def tracking_grey(image: Any, channel: int | None = None) -> np.ndarray:
    """``image`` (``[C, H, W]`` working-space tensor, any device) as a ``H x W`` uint8 array:
    luminance when ``channel`` is None, else that channel (0 red, 1 green, 2 blue)."""
    import torch

    with torch.inference_mode():
        rgb = image[:3].float() if image.dtype != torch.float32 else image[:3]
        if channel is None and rgb.shape[0] == 3:
            grey = rgb[0] * _LUMA[0]
            grey.add_(rgb[1], alpha=_LUMA[1]).add_(rgb[2], alpha=_LUMA[2])
        else:
            grey = rgb[min(channel or 0, rgb.shape[0] - 1)].clone()
        grey.clamp_(0.0, 1.0).sqrt_().mul_(255.0).add_(0.5)
        return grey.to(torch.uint8).cpu().numpy()


def contrast_channel(image: Any, boxes: Iterable[tuple[float, float, float, float]]) -> int:
    """The RGB channel (0, 1, 2) with the most contrast (standard deviation of the encoded
    values) inside ``boxes`` (left, top, right, bottom in image pixels): what "highest contrast"
    tracks, chosen once per pass so every frame of it reads the same channel."""
    import torch

    height, width = image.shape[-2:]
    spreads = torch.zeros(3, dtype=torch.float64)
    with torch.inference_mode():
        for left, top, right, bottom in boxes:
            x0, y0 = max(0, int(left)), max(0, int(top))
            x1, y1 = min(width, int(right) + 1), min(height, int(bottom) + 1)
            if x1 - x0 < 2 or y1 - y0 < 2:
                continue
            patch = image[:3, y0:y1, x0:x1].float().clamp(0.0, 1.0).sqrt()
            spreads[: patch.shape[0]] += patch.flatten(1).std(dim=1).double().cpu()
    return int(spreads.argmax())
