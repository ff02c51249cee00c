"""Transfer curves between encoded values and the scene-linear working space, on any device.

Images are premultiplied RGBA ``[4, H, W]``; curves apply to un-premultiplied colour, so edges of
transparent footage keep their colour. Values outside 0..1 pass through the curves' linear and
power segments unclipped (super-whites survive a round trip).
"""

from __future__ import annotations

from typing import Any

from filmstudio.core.errors import ParameterError

LINEAR, SRGB, REC709 = "linear", "sRGB", "Rec.709"
COLOUR_SPACES = (SRGB, REC709, LINEAR)

# What a probed file's guess ("Rec.2020", "Linear Rec.709", ...) reads as until OCIO arrives.
_GUESSES = {
    "sRGB": SRGB,
    "Rec.709": REC709,
    "Rec.2020": REC709,
    "Rec.601": REC709,
    "Linear Rec.709": LINEAR,
    "linear": LINEAR,
}


def resolve_space(name: str, guess: str | None = None, default: str = SRGB) -> str:
    """The concrete space for a Read/Write setting: "auto" takes ``guess`` (from the file) or
    ``default``; a name that is not known is refused with the list of known ones."""
    if name == "auto":
        return _GUESSES.get(guess or "", default)
    if name not in COLOUR_SPACES:
        raise ParameterError(f"unknown colour space {name!r}: choose auto, {', '.join(COLOUR_SPACES)}")
    return name


def _decode(x: Any, space: str) -> Any:
    torch = _torch()
    if space == SRGB:
        return torch.where(x <= 0.04045, x / 12.92, ((x.clamp_min(0.04045) + 0.055) / 1.055) ** 2.4)
    # BT.709 OETF, inverted (scene light from camera code values)
    return torch.where(x < 0.081, x / 4.5, ((x.clamp_min(0.081) + 0.099) / 1.099) ** (1 / 0.45))


def _encode(x: Any, space: str) -> Any:
    torch = _torch()
    if space == SRGB:
        return torch.where(x <= 0.0031308, x * 12.92, 1.055 * x.clamp_min(0.0031308) ** (1 / 2.4) - 0.055)
    return torch.where(x < 0.018, x * 4.5, 1.099 * x.clamp_min(0.018) ** 0.45 - 0.099)


def to_working(image: Any, space: str) -> Any:
    """Encoded premultiplied RGBA in ``space`` -> scene-linear premultiplied RGBA (new tensor)."""
    return _apply(image, space, _decode)


def from_working(image: Any, space: str) -> Any:
    """Scene-linear premultiplied RGBA -> encoded premultiplied RGBA in ``space`` (new tensor)."""
    return _apply(image, space, _encode)


def _apply(image: Any, space: str, curve: Any) -> Any:
    if space == LINEAR:
        return image
    torch = _torch()
    rgb, alpha = image[:3], image[3:4]
    if bool((alpha == 1).all()):
        return torch.cat([curve(rgb, space), alpha])
    safe = alpha.clamp_min(1e-8)
    straight = torch.where(alpha > 0, rgb / safe, torch.zeros_like(rgb))
    return torch.cat([curve(straight, space) * alpha, alpha])


def _torch() -> Any:
    import torch

    return torch
