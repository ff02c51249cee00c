"""Weight-free segmentation for the Segmenter: chroma key in OKLab, and GrabCut from a box.

Chroma key: each pixel's distance from the key colour is measured in OKLab (Björn Ottosson's
perceptual space, computed from display-referred sRGB), with lightness counting half as much as
chroma, because a screen's brightness varies with its lighting more than its hue does. The matte
is 0 within ``tolerance`` of the key, 1 beyond ``tolerance + softness``, smooth in between. Spill
suppression removes the part of each pixel's chroma that points towards the key's hue, scaled by
``spill``, keeping lightness: green fringes and bounce light turn neutral.

GrabCut (OpenCV) models foreground and background colours with Gaussian mixtures inside/outside
a box and cuts the graph between them; it runs on the CPU at most 640 pixels wide (the mask is
scaled back up), seeded so that renders are reproducible.

Batched tensors ``[N, C, H, W]``; working-space RGBA in, masks ``[N, 1, H, W]`` in 0..1 out, on
the input's device (GrabCut: computed on the CPU, returned on the input's device).
"""

from __future__ import annotations

import functools
from typing import Any

_LIGHTNESS_WEIGHT = 0.5
_GRABCUT_WIDTH = 640

# Linear sRGB -> LMS, and cube-rooted LMS -> OKLab (Ottosson, "A perceptual color space for image
# processing", 2020). The inverses are computed, not copied, so the round trip is exact.
_TO_LMS = (
    (0.4122214708, 0.5363325363, 0.0514459929),
    (0.2119034982, 0.6806995451, 0.1073969566),
    (0.0883024619, 0.2817188376, 0.6299787005),
)
_TO_LAB = (
    (0.2104542553, 0.7936177850, -0.0040720468),
    (1.9779984951, -2.4285922050, 0.4505937099),
    (0.0259040371, 0.7827717662, -0.8086757660),
)


@functools.lru_cache(maxsize=8)
def _matrices(device: str) -> tuple[Any, Any, Any, Any]:
    import torch

    to_lms = torch.tensor(_TO_LMS, dtype=torch.float64)
    to_lab = torch.tensor(_TO_LAB, dtype=torch.float64)
    found = (to_lms, to_lab, torch.linalg.inv(to_lab), torch.linalg.inv(to_lms))
    return tuple(m.float().to(device) for m in found)  # type: ignore[return-value]


def _apply(matrix: Any, x: Any) -> Any:
    return (matrix @ x.movedim(1, -1).unsqueeze(-1)).squeeze(-1).movedim(-1, 1)


def oklab_from_srgb(rgb: Any) -> Any:
    """Display sRGB ``[N, 3, H, W]`` in 0..1 -> OKLab ``[N, 3, H, W]`` (L in 0..1, a/b about ±0.3)."""
    import torch

    linear = torch.where(rgb <= 0.04045, rgb / 12.92, ((rgb.clamp_min(0.04045) + 0.055) / 1.055) ** 2.4)
    to_lms, to_lab, _inv_lab, _inv_lms = _matrices(str(rgb.device))
    lms = _apply(to_lms, linear)
    return _apply(to_lab, torch.sign(lms) * lms.abs().pow(1.0 / 3.0))


def srgb_from_oklab(lab: Any) -> Any:
    """OKLab ``[N, 3, H, W]`` -> display sRGB, clipped to 0..1."""
    import torch

    _to_lms, _to_lab, inv_lab, inv_lms = _matrices(str(lab.device))
    linear = _apply(inv_lms, _apply(inv_lab, lab) ** 3).clamp(0.0, 1.0)
    return torch.where(
        linear <= 0.0031308, linear * 12.92, 1.055 * linear.clamp_min(0.0031308) ** (1 / 2.4) - 0.055
    )


def chroma_key(
    images: Any, key_rgb: tuple[float, float, float], tolerance: float, softness: float, spill: float
) -> tuple[Any, Any]:
    """(matte ``[N, 1, H, W]``: 1 = foreground, despilled straight sRGB ``[N, 3, H, W]`` or None
    when ``spill`` is 0) of working-space RGBA ``images`` keyed against the display-sRGB colour
    ``key_rgb``."""
    import torch

    from filmstudio.api import to_model_rgb

    rgb, alpha = to_model_rgb(images)
    lab = oklab_from_srgb(rgb)
    key = oklab_from_srgb(torch.tensor(key_rgb, dtype=torch.float32, device=rgb.device).view(1, 3, 1, 1))
    delta = lab - key
    distance = torch.sqrt((_LIGHTNESS_WEIGHT * delta[:, :1]) ** 2 + (delta[:, 1:] ** 2).sum(1, keepdim=True))
    matte = _smoothstep(distance, tolerance, tolerance + softness)
    if alpha is not None:
        matte = matte * alpha
    if spill <= 0:
        return matte, None
    hue = key[:, 1:]
    length = hue.norm(dim=1, keepdim=True)
    if float(length.max()) < 1e-6:  # a grey key has no hue to suppress
        return matte, None
    direction = hue / length
    towards = ((lab[:, 1:] * direction).sum(1, keepdim=True)).clamp_min(0.0)
    despilled = torch.cat([lab[:, :1], lab[:, 1:] - spill * towards * direction], dim=1)
    return matte, srgb_from_oklab(despilled)


def _smoothstep(x: Any, low: float, high: float) -> Any:
    if high <= low:
        return (x > low).float()
    t = ((x - low) / (high - low)).clamp(0.0, 1.0)
    return t * t * (3 - 2 * t)


def grabcut(images: Any, box: tuple[float, ...], iterations: int) -> Any:
    """Foreground masks ``[N, 1, H, W]`` (0 or 1) of each frame by GrabCut, initialised with
    ``box`` (x0, y0, x1, y1 as fractions of the frame: everything outside is background)."""
    import cv2
    import numpy as np
    import torch

    from filmstudio.api import to_model_rgb

    rgb, _alpha = to_model_rgb(images)
    height, width = rgb.shape[-2:]
    work_w = min(width, _GRABCUT_WIDTH)
    work_h = max(1, round(height * work_w / width))
    small = torch.nn.functional.interpolate(rgb.float().cpu(), size=(work_h, work_w), mode="area")
    x0, y0 = round(min(box[0], box[2]) * work_w), round(min(box[1], box[3]) * work_h)
    x1, y1 = round(max(box[0], box[2]) * work_w), round(max(box[1], box[3]) * work_h)
    x0, y0 = min(max(x0, 0), work_w - 2), min(max(y0, 0), work_h - 2)
    rect = (x0, y0, max(1, min(x1, work_w) - x0), max(1, min(y1, work_h) - y0))
    masks = []
    for frame in small:
        pixels = (frame.permute(1, 2, 0).numpy()[..., ::-1] * 255.0 + 0.5).astype(np.uint8)
        labels = np.zeros((work_h, work_w), np.uint8)
        background, foreground = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
        cv2.setRNGSeed(0)  # GrabCut seeds its mixtures with k-means: the same frame, the same mask
        cv2.grabCut(
            np.ascontiguousarray(pixels),
            labels,
            rect,
            background,
            foreground,
            iterations,
            cv2.GC_INIT_WITH_RECT,
        )
        chosen = (labels == cv2.GC_FGD) | (labels == cv2.GC_PR_FGD)
        masks.append(torch.from_numpy(chosen.astype(np.float32)))
    stacked = torch.stack(masks).unsqueeze(1)
    if (work_h, work_w) != (height, width):
        stacked = torch.nn.functional.interpolate(
            stacked, size=(height, width), mode="bilinear", align_corners=False
        )
    return stacked.clamp(0.0, 1.0).to(images.device)
