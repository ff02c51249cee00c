"""OCIO as the reference: apply its precise CPU processors to numpy/torch data, make test LUTs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import PyOpenColorIO as ocio
import torch

PRECISE = ocio.OptimizationFlags(int(ocio.OPTIMIZATION_DEFAULT) & ~int(ocio.OPTIMIZATION_FAST_LOG_EXP_POW))


def config() -> ocio.Config:
    from filmstudio.colour import active_config

    return active_config().config


def ocio_rgb(transform_or_processor, rgb: torch.Tensor, config_=None) -> torch.Tensor:
    """Straight RGB ``[3, ...]`` through OCIO's precise CPU processor (float32)."""
    processor = transform_or_processor
    if not isinstance(processor, ocio.Processor):
        processor = (config_ or config()).getProcessor(transform_or_processor)
    cpu = processor.getOptimizedCPUProcessor(ocio.BIT_DEPTH_F32, ocio.BIT_DEPTH_F32, PRECISE)
    pixels = rgb.detach().cpu().float().reshape(3, -1).t().contiguous().numpy().copy()
    cpu.applyRGB(pixels)
    return torch.from_numpy(pixels).t().reshape(rgb.shape)


def random_rgb(count: int = 4096, low: float = 0.0, high: float = 1.0, seed: int = 0) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return low + (high - low) * torch.rand(3, count, generator=generator)


def random_premultiplied(height: int, width: int, seed: int = 0, opaque_share: float = 0.5) -> torch.Tensor:
    """RGBA ``[4, H, W]``: straight colour in 0..1 times an alpha that is 1 on about ``opaque_share``
    of the pixels, 0 on a few and anything in between elsewhere."""
    generator = torch.Generator().manual_seed(seed)
    colour = torch.rand(3, height, width, generator=generator)
    alpha = torch.rand(1, height, width, generator=generator)
    pick = torch.rand(1, height, width, generator=generator)
    alpha = torch.where(pick < opaque_share, torch.ones_like(alpha), alpha)
    alpha = torch.where(pick > 0.95, torch.zeros_like(alpha), alpha)
    return torch.cat([colour * alpha, alpha])


def smooth_lut_values(size: int, seed: int = 0) -> np.ndarray:
    """A smooth, non-trivial 3D LUT ``[size, size, size, 3]`` (indexed [r, g, b]) in 0..1."""
    rng = np.random.default_rng(seed)
    grid = np.linspace(0.0, 1.0, size, dtype=np.float64)
    r, g, b = np.meshgrid(grid, grid, grid, indexing="ij")
    mix = rng.uniform(-0.15, 0.15, (3, 3)) + np.eye(3)
    rgb = np.stack([r, g, b], axis=-1) @ mix.T
    rgb = np.sign(rgb) * np.abs(rgb) ** 0.8
    rgb += 0.05 * np.sin(6.0 * np.stack([g, b, r], axis=-1))
    return np.clip(rgb, 0.0, 1.0).astype(np.float32)


def write_cube(path: Path, values: np.ndarray, title: str = "test") -> Path:
    """A Resolve/Iridas .cube 3D LUT: red varies fastest in the file."""
    size = values.shape[0]
    lines = [f'TITLE "{title}"', f"LUT_3D_SIZE {size}"]
    for b in range(size):
        for g in range(size):
            for r in range(size):
                lines.append("{:.7f} {:.7f} {:.7f}".format(*values[r, g, b]))
    path.write_text("\n".join(lines) + "\n")
    return path


def write_cube_1d(path: Path, curve: np.ndarray) -> Path:
    """A .cube 1D LUT from ``curve`` ``[N, 3]``."""
    lines = [f"LUT_1D_SIZE {curve.shape[0]}"] + ["{:.7f} {:.7f} {:.7f}".format(*row) for row in curve]
    path.write_text("\n".join(lines) + "\n")
    return path
