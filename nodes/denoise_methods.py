"""The Denoise node's three methods (see :mod:`filmstudio_nodes.denoise`). Each takes the node's
evaluation context and returns the frame as working-space premultiplied RGBA ``[4, H, W]``."""

from __future__ import annotations

from typing import Any

FLOW_BLUR = 1.5  # Gaussian sigma (pixels) of the pictures the flow sees: grain must not steer it
MATCH_FULL, MATCH_NONE = 1.5, 3.0  # local squared difference / (2 noise^2): full weight .. none
# Non-local means settings measured on scikit-image's photographs and detailed crops of them at
# noise 10/255 (the best worst case of a grid): each RGB channel filtered on its own with h = the
# noise level, 3x3 patches (larger ones blur fine texture such as fur), a 21x21 search window.
# OpenCV's colour variant (Lab lightness and colour) gained 1.5 dB less on the same pictures.
NLM_PATCH, NLM_SEARCH = 3, 21


def noise_level(rgb: Any) -> float:
    """The noise standard deviation of display sRGB ``[H, W, 3]`` (0..1), by Immerkær's fast
    estimate (a Laplacian-difference filter that cancels smooth image structure), averaged over
    channels. Textured pictures read a little high; the ``noise`` parameter overrides it."""
    import math

    import cv2
    import numpy as np

    kernel = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], np.float32)
    height, width = rgb.shape[:2]
    if height < 3 or width < 3:
        return 0.0
    total = 0.0
    for channel in range(rgb.shape[2]):
        response = cv2.filter2D(np.ascontiguousarray(rgb[..., channel]), -1, kernel)[1:-1, 1:-1]
        total += float(np.abs(response).sum()) * math.sqrt(math.pi / 2) / (6 * (width - 2) * (height - 2))
    return total / rgb.shape[2]


def _sigma(ctx: Any, rgb: Any) -> float:
    return ctx.params.noise / 255.0 if ctx.params.noise > 0 else noise_level(rgb)


def _display(image: Any) -> tuple[Any, Any]:
    """(display sRGB ``[H, W, 3]`` NumPy, alpha or None) of a working-space frame."""
    from filmstudio.api import to_model_rgb

    rgb, alpha = to_model_rgb(image[None].float().cpu())
    return rgb[0].permute(1, 2, 0).contiguous().numpy(), alpha


def spatial_denoise(ctx: Any) -> Any:
    """Non-local means on 8-bit display sRGB, channel by channel; the change it made is applied in
    the working space."""
    import cv2
    import numpy as np
    import torch

    from filmstudio.api import from_model_rgb

    source = ctx.input("source")
    rgb, alpha = _display(source)
    level = max(0.5, ctx.params.strength * _sigma(ctx, rgb) * 255.0)
    before = (rgb * 255.0 + 0.5).clip(0, 255).astype(np.uint8)
    channels = [np.ascontiguousarray(before[..., c]) for c in range(3)]
    after = np.stack([cv2.fastNlMeansDenoising(c, None, level, NLM_PATCH, NLM_SEARCH) for c in channels], -1)
    # Only the change: quantising to 8 bits for OpenCV must not cost the untouched pixels anything.
    pair = torch.from_numpy(np.stack([before, after]).astype(np.float32) / 255.0).permute(0, 3, 1, 2)
    if alpha is not None:
        alpha = alpha.expand(2, -1, -1, -1)
    encoded = from_model_rgb(pair, alpha)
    # where NLM changed nothing the difference is exactly 0 (the encoder may round the same value
    # differently at different places in a batch)
    changed = torch.from_numpy((before != after).any(axis=-1))[None]
    change = torch.where(changed, encoded[1] - encoded[0], torch.zeros(()))
    return (source.float().cpu() + change).to(source.device)


def temporal_denoise(ctx: Any) -> Any:
    """The motion-compensated, match-weighted average of the frames around this one."""
    import cv2
    import numpy as np
    import torch

    from filmstudio_nodes.flow import flow_to, grey, local_difference, warp

    source = ctx.input("source")
    here_rgb, _alpha = _display(source)
    variance = 2 * max(_sigma(ctx, here_rgb), 1e-3) ** 2  # of the difference of two noisy pixels
    here = source.float().cpu().permute(1, 2, 0).contiguous().numpy()
    here_grey = grey(cv2.GaussianBlur(here_rgb, (0, 0), FLOW_BLUR))
    total = here.copy()
    weights = np.ones(here.shape[:2], np.float32)
    for offset in range(-ctx.params.frames, ctx.params.frames + 1):
        other = ctx.input("source", ctx.frame + offset) if offset else None
        if other is None or tuple(other.shape) != tuple(source.shape):
            continue
        ctx.check_cancelled()
        other_rgb, _ = _display(other)
        flow = flow_to(here_grey, grey(cv2.GaussianBlur(other_rgb, (0, 0), FLOW_BLUR)))
        moved_rgb, inside = warp(other_rgb, flow)
        ratio = local_difference(moved_rgb, here_rgb) / variance
        weight = np.clip((MATCH_NONE - ratio) / (MATCH_NONE - MATCH_FULL), 0.0, 1.0) * inside
        moved, _ = warp(other.float().cpu().permute(1, 2, 0).contiguous().numpy(), flow)
        total += moved * weight[..., None]
        weights += weight
    average = total / weights[..., None]
    return torch.from_numpy(average).permute(2, 0, 1).contiguous().to(source.device)


def model_denoise(ctx: Any, batch: Any) -> list[Any]:
    """``batch`` ``[N, 4, H, W]`` through the node's restoration model; its change is applied in
    the working space (pixels it leaves alone, super-whites included, pass through)."""
    from filmstudio.api import ModelStore, from_model_rgb, restore_images, to_model_rgb

    p = ctx.params
    location = ModelStore(ctx.project_dir).find(p.model)
    rgb, alpha = to_model_rgb(batch)
    ctx.check_cancelled()
    out = restore_images(
        location,
        rgb,
        ctx.device,
        tile=p.tile_size,
        overlap=p.overlap,
        check_cancelled=ctx.check_cancelled,
        label=ctx.node_name,
    )
    device = out.device
    alpha = None if alpha is None else alpha.to(device)
    change = from_model_rgb(out, alpha) - from_model_rgb(rgb.to(device), alpha)
    return list(batch.to(device).float() + change)
