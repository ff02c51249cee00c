"""Premultiplied RGBA image helpers for nodes: solids, mixes, alpha handling (torch imported on
first call). Node authors reach them through :mod:`filmstudio.api`."""

from __future__ import annotations

from typing import Any


def torch_module() -> Any:
    """The torch module, imported on first use (node modules must stay cheap to import)."""
    import torch

    return torch


def solid(color: tuple[float, ...], width: int, height: int, device: str = "cpu") -> Any:
    """A premultiplied RGBA image ``[4, H, W]`` of one colour."""
    t = torch_module()
    return t.tensor(color, dtype=t.float32, device=device).view(4, 1, 1).expand(4, height, width).contiguous()


def blend(original: Any, processed: Any, mix: float, mask: Any = None) -> Any:
    """``original`` -> ``processed`` by ``mix``, and by ``mask`` where one is connected."""
    if mask is None and mix >= 1.0:
        return processed
    amount = mix if mask is None else mask.to(processed.device) * mix
    return original + (processed - original) * amount


def rgb_scale(color: tuple[float, ...], device: Any) -> Any:
    """An RGB colour parameter as a ``[3, 1, 1]`` tensor (its alpha is ignored)."""
    t = torch_module()
    return t.tensor(color[:3], dtype=t.float32, device=device).view(3, 1, 1)


def unpremultiplied(image: Any) -> tuple[Any, Any]:
    """(straight RGB, divisor): colour divided by alpha where alpha > 0, untouched where it is 0
    (so additive, zero-alpha pixels keep their colour). Multiply by the divisor to premultiply."""
    t = torch_module()
    rgb = image[:3].float()
    if image.shape[0] < 4:
        return rgb, None
    alpha = image[3:4].float()
    divisor = t.where(alpha > 0, alpha, 1.0)
    return rgb / divisor, divisor


def premultiplied(rgb: Any, divisor: Any) -> Any:
    """Undo :func:`unpremultiplied` (in place on ``rgb``, which must be a new tensor)."""
    return rgb if divisor is None else rgb.mul_(divisor)


def premultiplied_with_alpha(rgb: Any, divisor: Any, source: Any) -> Any:
    """Straight ``rgb`` premultiplied by ``divisor`` with ``source``'s alpha, written straight into
    a new image (no concatenation pass); :func:`unpremultiplied` gave ``divisor``."""
    if divisor is None or source.shape[0] < 4:
        return with_alpha(premultiplied(rgb, divisor), source)
    out = torch_module().empty_like(source)
    torch_module().mul(rgb, divisor, out=out[:3])
    out[3:] = source[3:]
    return out


def with_alpha(rgb: Any, source: Any) -> Any:
    """``rgb`` with ``source``'s alpha (if it has one) appended, in ``source``'s dtype."""
    rgb = rgb.to(source.dtype)
    return torch_module().cat([rgb, source[3:]]) if source.shape[0] > 3 else rgb
