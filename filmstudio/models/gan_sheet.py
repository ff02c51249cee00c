"""Contact sheets: a grid of candidate seeds' pictures to pick a character from.

:func:`contact_sheet` renders each seed's Z (the same Z a take of that seed stores, so the picked
cell is exactly what the take renders at the model's size) and lays the pictures out row by row,
``columns`` wide, separated by ``gap`` black pixels. The editor shows the sheet in the viewer;
:func:`write_png` saves it (atomically: a temp file renamed into place). Seeds are given, never
drawn here: :func:`~filmstudio.models.gan_latent.draw_seed` makes candidates.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from filmstudio.models.gan_generate import check_latent, render_latents
from filmstudio.models.gan_latent import seed_latent
from filmstudio.models.gan_load import gan_info, load_gan
from filmstudio.models.store import ModelLocation

BATCH = 16


def sheet_layout(count: int, columns: int | None = None) -> tuple[int, int]:
    """(columns, rows) of a sheet of ``count`` cells: about square unless ``columns`` is given."""
    columns = max(1, columns or math.ceil(math.sqrt(count)))
    return columns, max(1, math.ceil(count / columns))


def seed_pictures(
    location: ModelLocation,
    seeds: Sequence[int],
    *,
    truncation: float = 1.0,
    device: str = "cpu",
    precision: str = "auto",
) -> Any:
    """The pictures of ``seeds``: sRGB ``[N, C, H, W]`` in 0..1, float32, on the CPU."""
    import torch

    info = gan_info(location)
    model = load_gan(location, device, precision)
    pictures = []
    for start in range(0, len(seeds), BATCH):
        chosen = list(seeds[start : start + BATCH])
        chunk = [seed_latent(seed, info.z_dim, info.digest) for seed in chosen]
        for latent in chunk:
            check_latent(info, latent, f"seed {latent.seed}")
        pictures.append(render_latents(model, chunk, [truncation] * len(chunk), noise_seeds=chosen).cpu())
    return (
        torch.cat(pictures) if pictures else torch.zeros(0, info.channels, info.resolution, info.resolution)
    )


def contact_sheet(
    location: ModelLocation,
    seeds: Sequence[int],
    *,
    truncation: float = 1.0,
    columns: int | None = None,
    gap: int = 2,
    device: str = "cpu",
    precision: str = "auto",
) -> Any:
    """A grid of the pictures of ``seeds`` (row by row): sRGB ``[3, H, W]`` in 0..1, float32, CPU."""
    import torch

    if not seeds:
        raise ValueError("a contact sheet needs at least one seed")
    pictures = seed_pictures(location, seeds, truncation=truncation, device=device, precision=precision)
    if pictures.shape[1] == 1:
        pictures = pictures.expand(-1, 3, -1, -1)
    pictures = pictures[:, :3]
    columns, rows = sheet_layout(len(seeds), columns)
    height, width = pictures.shape[-2:]
    sheet = torch.zeros(3, rows * height + (rows - 1) * gap, columns * width + (columns - 1) * gap)
    for index, picture in enumerate(pictures):
        row, column = divmod(index, columns)
        top, left = row * (height + gap), column * (width + gap)
        sheet[:, top : top + height, left : left + width] = picture
    return sheet


def write_png(sheet: Any, path: str | os.PathLike[str], scale: int = 1) -> Path:
    """Save an sRGB ``[3, H, W]`` picture as an 8-bit PNG (nearest-neighbour ``scale``d up, so
    64x64 faces are big enough to judge); the file appears whole or not at all."""
    import numpy as np
    import torch
    from PIL import Image

    target = Path(path)
    pixels = (sheet.clamp(0, 1) * 255).round().to(torch.uint8).permute(1, 2, 0).numpy()
    if scale > 1:
        pixels = np.repeat(np.repeat(pixels, scale, axis=0), scale, axis=1)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        Image.fromarray(pixels).save(partial, format="PNG")
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target
