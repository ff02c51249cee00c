"""Tiled inference equals untiled inference on real (tiny) architectures; tiles cover and blend."""

from __future__ import annotations

import itertools

import pytest
import torch

from filmstudio.models.loaders import load_spandrel
from filmstudio.models.tiling import tile_starts, tiled_apply
from tests.models.tiny import save_compact, save_esrgan


@pytest.mark.parametrize(
    ("length", "tile", "overlap"), [(100, 32, 8), (33, 32, 8), (32, 32, 8), (257, 64, 40)]
)
def test_tiles_cover_the_length_and_overlap_enough(length, tile, overlap):
    starts = tile_starts(length, tile, overlap)
    assert starts[0] == 0 and starts[-1] + min(tile, length) == length
    for before, after in itertools.pairwise(starts):
        assert before + tile - after >= overlap


def test_blend_weights_sum_to_one():
    image = torch.rand(2, 3, 50, 70)
    nearest = lambda x: torch.nn.functional.interpolate(x, scale_factor=3, mode="nearest")  # noqa: E731
    tiled = tiled_apply(nearest, image, scale=3, tile=16, overlap=9)
    assert torch.allclose(tiled, nearest(image), atol=1e-6)


@pytest.mark.parametrize(
    ("save", "tile", "overlap"),
    [(save_compact, 32, 16), (save_esrgan, 96, 64)],  # overlap >= 3x the receptive field
)
def test_tiled_equals_untiled_on_a_real_architecture(tmp_path, save, tile, overlap):
    model = load_spandrel(save(tmp_path / "model.pth", scale=2))
    image = torch.rand(1, 3, 90, 120, generator=torch.Generator().manual_seed(0))
    with torch.inference_mode():
        whole = model(image)
        tiled = tiled_apply(model, image, model.scale, tile, overlap)
        checked = []
        tiled_apply(model, image, model.scale, tile, overlap, check_cancelled=lambda: checked.append(1))
    assert tiled.shape == whole.shape == (1, 3, 180, 240)
    assert (tiled - whole).abs().max().item() < 1e-4
    assert len(checked) >= 2  # asked about cancelling before each tile
