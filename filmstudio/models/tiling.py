"""Tiled inference: run an image model over overlapping tiles and blend them into one output.

Along each axis, tiles of ``tile`` input pixels overlap their neighbours by at least ``overlap``
pixels. Near a tile's inner edge the model sees zero padding instead of the real neighbourhood, so
in each overlap the outer third on either side is discarded and the middle third cross-faded
linearly (weights summing to one). For a network whose receptive field reaches less than a third
of the overlap, tiled output therefore equals untiled output up to float rounding; for attention
models the cross-fade hides the seams. Edges of the image are image edges in every tile, as untiled.

Tensors are ``[N, C, H, W]`` on the model's device; the output is float32 on that device. Runs on
the model worker thread; ``check_cancelled`` is called between tiles.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any


def tile_starts(length: int, tile: int, overlap: int) -> list[int]:
    """Start offsets of tiles covering ``length`` pixels, spread evenly, adjacent tiles
    overlapping by at least ``overlap``."""
    if length <= tile:
        return [0]
    step = max(1, tile - overlap)
    count = math.ceil((length - tile) / step) + 1
    return [round(i * (length - tile) / (count - 1)) for i in range(count)]


def _axis_weights(length: int, starts: list[int], tile: int, scale: int, torch: Any) -> list[Any]:
    """Per tile, its 1-D blending weights over its output span (``tile * scale`` pixels)."""
    weights = []
    for index, start in enumerate(starts):
        size = min(tile, length - start) * scale
        w = torch.ones(size, dtype=torch.float32)
        positions = torch.arange(size, dtype=torch.float32) + 0.5
        if index > 0:  # fade in across the middle third of the overlap with the previous tile
            shared = (starts[index - 1] + min(tile, length - starts[index - 1]) - start) * scale
            w = torch.minimum(w, _ramp(positions, shared / 3, 2 * shared / 3))
        if index + 1 < len(starts):  # fade out across the middle third of the next overlap
            shared = (start + min(tile, length - start) - starts[index + 1]) * scale
            offset = (starts[index + 1] - start) * scale
            w = torch.minimum(w, 1 - _ramp(positions, offset + shared / 3, offset + 2 * shared / 3))
        weights.append(w)
    return weights


def _ramp(x: Any, begin: float, end: float) -> Any:
    if end <= begin:
        return (x >= begin).float()
    return ((x - begin) / (end - begin)).clamp(0.0, 1.0)


def tiled_apply(
    run: Callable[[Any], Any],
    image: Any,
    scale: int,
    tile: int,
    overlap: int,
    multiple_of: int = 1,
    check_cancelled: Callable[[], None] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Any:
    """``run`` (a model: ``[N, C, h, w] -> [N, C', h*scale, w*scale]``) applied to ``image`` in
    tiles of ``tile`` pixels (0 or larger than the image: in one go). ``progress(done, total)``
    is told the tiles done before each tile (the viewer shows it)."""
    import torch

    n, _c, height, width = image.shape
    if tile <= 0 or (height <= tile and width <= tile):
        if progress is not None:
            progress(0, 1)
        return run(image).float()
    tile = max(multiple_of, tile // multiple_of * multiple_of)
    overlap = min(overlap, tile - 1)
    ys, xs = tile_starts(height, tile, overlap), tile_starts(width, tile, overlap)
    wy = [w.to(image.device) for w in _axis_weights(height, ys, tile, scale, torch)]
    wx = [w.to(image.device) for w in _axis_weights(width, xs, tile, scale, torch)]
    output = None
    total = torch.zeros((height * scale, width * scale), dtype=torch.float32, device=image.device)
    for row, y in enumerate(ys):
        for column, x in enumerate(xs):
            if check_cancelled is not None:
                check_cancelled()
            if progress is not None:
                progress(row * len(xs) + column, len(ys) * len(xs))
            piece = run(image[:, :, y : y + tile, x : x + tile]).float()
            if output is None:
                output = torch.zeros(
                    (n, piece.shape[1], height * scale, width * scale),
                    dtype=torch.float32,
                    device=piece.device,
                )
            weight = wy[row].view(-1, 1) * wx[column].view(1, -1)
            oy, ox = y * scale, x * scale
            output[:, :, oy : oy + piece.shape[2], ox : ox + piece.shape[3]] += piece * weight
            total[oy : oy + piece.shape[2], ox : ox + piece.shape[3]] += weight
    # Adjacent weights sum to one already; dividing keeps that true where three tiles meet.
    return output / total.clamp_min(1e-12)
