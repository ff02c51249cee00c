"""Small tensor helpers shared by the built-in nodes (torch imported on first call)."""

from __future__ import annotations

from typing import Any


def torch() -> Any:
    import torch

    return torch


def solid(color: tuple[float, ...], width: int, height: int, device: str = "cpu") -> Any:
    """A premultiplied RGBA image ``[4, H, W]`` of one colour."""
    t = torch()
    return t.tensor(color, dtype=t.float32, device=device).view(4, 1, 1).expand(4, height, width).contiguous()


def blend(original: Any, processed: Any, mix: float, mask: Any = None) -> Any:
    """``original`` -> ``processed`` by ``mix``, and by ``mask`` where one is connected."""
    if mask is None and mix >= 1.0:
        return processed
    amount = mix if mask is None else mask.to(processed.device) * mix
    return original + (processed - original) * amount


def rgb_scale(color: tuple[float, ...], device: Any) -> Any:
    """An RGB colour parameter as a ``[3, 1, 1]`` tensor (its alpha is ignored)."""
    t = torch()
    return t.tensor(color[:3], dtype=t.float32, device=device).view(3, 1, 1)
