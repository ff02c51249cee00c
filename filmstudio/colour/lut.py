"""1D and 3D LUTs interpolated in torch, so a LUT runs on the device the frame lives on.

Tables come from OCIO (``Lut1DTransform.getData``, ``Lut3DTransform.getData``), so every file
format OCIO reads works. The input domain is 0..1 (OCIO puts any shaper or domain scaling in ops
before the LUT) and inputs outside it are clamped to the edge, as OCIO does. Interpolation:
linear (trilinear for 3D) or tetrahedral (3D only), matching OCIO's CPU renderer.

A LUT object is immutable apart from its per-device copy of the table, which any thread may fill.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def _torch() -> Any:
    import torch

    return torch


class _Table:
    def __init__(self, data: Any, shape: tuple[int, ...]) -> None:
        self.data = np.ascontiguousarray(np.asarray(data, dtype=np.float32).reshape(shape))
        self._on: dict[str, Any] = {}

    def on(self, device: Any) -> Any:
        key = str(device)
        table = self._on.get(key)
        if table is None:
            table = self._on[key] = _torch().from_numpy(self.data).to(device)
        return table


class Lut1D(_Table):
    """Per-channel curves sampled at ``length`` evenly spaced inputs from 0 to 1."""

    def __init__(self, data: Any, length: int) -> None:
        super().__init__(data, (length, 3))
        self.length = length

    def apply(self, rgb: Any) -> Any:
        """Straight RGB ``[3, ...]`` float32 -> a new tensor of the same shape."""
        torch = _torch()
        table = self.on(rgb.device).t().contiguous()  # [3, length]
        position = rgb.clamp(0.0, 1.0).reshape(3, -1) * (self.length - 1)
        low = position.floor().clamp_(max=self.length - 2).long() if self.length > 1 else position.long()
        high = (low + 1).clamp_(max=self.length - 1)
        fraction = position - low
        start, end = torch.gather(table, 1, low), torch.gather(table, 1, high)
        return torch.lerp(start, end, fraction).view(rgb.shape)


class Lut3D(_Table):
    """A lattice of ``size``³ RGB outputs; the table's red index varies slowest, blue fastest."""

    def __init__(self, data: Any, size: int, interpolation: str = "tetrahedral") -> None:
        if interpolation not in ("linear", "tetrahedral"):
            raise ValueError(f"unknown 3D LUT interpolation {interpolation!r}")
        super().__init__(data, (size, size, size, 3))
        self.size, self.interpolation = size, interpolation

    def apply(self, rgb: Any) -> Any:
        """Straight RGB ``[3, ...]`` float32 -> a new tensor of the same shape."""
        if self.interpolation == "linear":
            return self._trilinear(rgb)
        torch = _torch()
        size = self.size
        flat = self.on(rgb.device).view(-1, 3)
        position = rgb.clamp(0.0, 1.0).reshape(3, -1) * (size - 1)
        strides = torch.tensor((size * size, size, 1), device=rgb.device).view(3, 1)
        base = position.floor().clamp_(max=size - 2).long()
        fraction = position - base
        # Tetrahedral: walk from the base corner towards the opposite one along the axes in order of
        # decreasing fraction; the four corners passed are weighted by the fractions' differences.
        ordered, axes = torch.sort(fraction, dim=0, descending=True)
        corner = (base * strides).sum(0)
        steps = strides.view(-1)[axes]  # [3, P]: the index step along the 1st, 2nd, 3rd axis
        first = corner + steps[0]
        second = first + steps[1]
        last = second + steps[2]
        f0, f1, f2 = ordered[0:1].t(), ordered[1:2].t(), ordered[2:3].t()
        out = flat[corner] * (1.0 - f0)
        out = out + flat[first] * (f0 - f1)
        out = out + flat[second] * (f1 - f2)
        out = out + flat[last] * f2
        return out.t().reshape(rgb.shape)

    def _trilinear(self, rgb: Any) -> Any:
        torch = _torch()
        lattice = self.on(rgb.device).permute(3, 0, 1, 2).unsqueeze(0)  # [1, 3, R, G, B]
        # grid_sample reads (x, y, z) = (W, H, D) = (blue, green, red) in -1..1
        points = rgb.clamp(0.0, 1.0).reshape(3, -1).flip(0).t() * 2.0 - 1.0
        grid = points.view(1, 1, 1, -1, 3)
        out = torch.nn.functional.grid_sample(
            lattice, grid, mode="bilinear", padding_mode="border", align_corners=True
        )
        return out.view(3, -1).reshape(rgb.shape)
