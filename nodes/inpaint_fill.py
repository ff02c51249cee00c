"""Masks and spatial fills for the Inpaint node: OpenCV inpainting and spandrel inpainting models.

A fill returns the whole frame (working-space premultiplied RGBA ``[4, H, W]``) with only the
hole's pixels replaced; the node lays it in through the soft mask. OpenCV inpaints 8-bit colour,
so the hole's fill is quantised to 1/255 of display sRGB (pixels outside the hole never are).
"""

from __future__ import annotations

from typing import Any

CV_FLAGS = {"telea": 1, "ns": 0}  # cv2.INPAINT_TELEA, cv2.INPAINT_NS


def soft_mask(mask: Any, size: tuple[int, int]) -> Any:
    """``mask`` (``[1, h, w]``) as float32 ``[1, H, W]`` in 0..1 on the host, resized to ``size``."""
    import torch

    mask = mask.float().cpu()[:1]
    if tuple(mask.shape[-2:]) != tuple(size):
        mask = torch.nn.functional.interpolate(mask[None], size=tuple(size), mode="bilinear")[0]
    return mask.clamp(0.0, 1.0)


def hard_mask(mask: Any, size: tuple[int, int], grow: int) -> Any:
    """The hole: ``mask`` above 0.5, grown by ``grow`` pixels (a NumPy bool ``[H, W]``)."""
    import cv2
    import numpy as np

    hole = (soft_mask(mask, size)[0].numpy() > 0.5).astype(np.uint8)
    if grow > 0 and hole.any():
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * grow + 1, 2 * grow + 1))
        hole = cv2.dilate(hole, kernel)
    return hole.astype(bool)


def spatial_fill(ctx: Any, image: Any, hole: Any, method: str) -> Any:
    """``image`` with ``hole`` filled by OpenCV (``telea``/``ns``) or the node's ``model``."""
    import torch

    from filmstudio.api import from_model_rgb, to_model_rgb

    rgb, alpha = to_model_rgb(image[None].float())
    hole_t = torch.from_numpy(hole)[None, None].float()
    if method == "model":
        from filmstudio.api import ModelStore, inpaint_images

        location = ModelStore(ctx.project_dir).find(ctx.params.model)
        ctx.check_cancelled()
        filled = inpaint_images(location, rgb, hole_t, ctx.device, label=ctx.node_name).cpu()
    else:
        filled = _opencv(rgb[0].cpu(), hole, CV_FLAGS[method], ctx.params.radius)[None]
    if alpha is not None:  # a hole in a transparent frame: its alpha is filled the same way
        alpha = _opencv_alpha(alpha[0, 0].cpu().numpy(), hole, ctx.params.radius)
    rgb = torch.where(hole_t.bool(), filled, rgb.cpu())
    out = from_model_rgb(rgb, alpha)[0]
    keep = torch.from_numpy(~hole)[None]
    return torch.where(keep, image.float().cpu(), out).to(image.device)


def _opencv(rgb: Any, hole: Any, flag: int, radius: int) -> Any:
    import cv2
    import numpy as np
    import torch

    pixels = (rgb.permute(1, 2, 0).numpy() * 255.0 + 0.5).clip(0, 255).astype(np.uint8)
    filled = cv2.inpaint(pixels, hole.astype(np.uint8) * 255, float(radius), flag)
    return torch.from_numpy(filled.astype(np.float32) / 255.0).permute(2, 0, 1)


def _opencv_alpha(alpha: Any, hole: Any, radius: int) -> Any:
    import cv2
    import numpy as np
    import torch

    filled = cv2.inpaint(
        alpha.astype(np.float32), hole.astype(np.uint8) * 255, float(radius), cv2.INPAINT_TELEA
    )
    return torch.from_numpy(filled)[None, None].clamp(0.0, 1.0)
