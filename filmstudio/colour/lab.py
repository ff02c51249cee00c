"""CIE L*a*b* (D65) from the working space and back, in torch on any device.

Perceptual statistics (Color Match) need a space where distances roughly follow what people see.
Working-space colour goes to linear Rec.709 through the active OCIO config, then to CIE XYZ with
the Rec.709/sRGB primaries and the D65 white, then to L*a*b* (L = 100 for scene white; brighter
scene values give L above 100). Negative and very small values use the CIE's linear segment, so
the round trip is exact for every finite input. Straight (un-premultiplied) RGB ``[3, ...]``.
"""

from __future__ import annotations

from typing import Any

from filmstudio.colour.conversions import conversion
from filmstudio.colour.spaces import working_space

# Rec.709 / sRGB primaries, D65 white (IEC 61966-2-1), and that white's XYZ.
RGB_TO_XYZ = (
    (0.4123907992659595, 0.35758433938387796, 0.1804807884018343),
    (0.21263900587151036, 0.7151686787677559, 0.07219231536073371),
    (0.01933081871559185, 0.11919477979462599, 0.9505321522496606),
)
WHITE = (0.95045592705167, 1.0, 1.0890577507598784)
_DELTA = 6.0 / 29.0


def _torch() -> Any:
    import torch

    return torch


def to_lab(rgb: Any) -> Any:
    """Straight working-space RGB ``[3, ...]`` float32 -> L*a*b* ``[3, ...]``."""
    torch = _torch()
    linear = conversion(working_space(), "linear").apply_rgb(rgb)
    matrix = torch.tensor(RGB_TO_XYZ, dtype=linear.dtype, device=linear.device)
    white = torch.tensor(WHITE, dtype=linear.dtype, device=linear.device).view(3, 1)
    xyz = (matrix @ linear.reshape(3, -1)) / white
    f = torch.where(
        xyz > _DELTA**3, xyz.clamp_min(_DELTA**3).pow(1.0 / 3.0), xyz / (3 * _DELTA**2) + 4.0 / 29.0
    )
    lab = torch.stack([116.0 * f[1] - 16.0, 500.0 * (f[0] - f[1]), 200.0 * (f[1] - f[2])])
    return lab.view(rgb.shape)


def from_lab(lab: Any) -> Any:
    """L*a*b* ``[3, ...]`` -> straight working-space RGB ``[3, ...]`` float32."""
    torch = _torch()
    flat = lab.reshape(3, -1)
    fy = (flat[0] + 16.0) / 116.0
    f = torch.stack([fy + flat[1] / 500.0, fy, fy - flat[2] / 200.0])
    xyz = torch.where(f > _DELTA, f.pow(3), 3 * _DELTA**2 * (f - 4.0 / 29.0))
    white = torch.tensor(WHITE, dtype=lab.dtype, device=lab.device).view(3, 1)
    matrix = torch.linalg.inv(torch.tensor(RGB_TO_XYZ, dtype=torch.float64)).to(lab.dtype).to(lab.device)
    linear = (matrix @ (xyz * white)).view(lab.shape)
    return conversion("linear", working_space()).apply_rgb(linear)
