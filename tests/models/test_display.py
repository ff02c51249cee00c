"""The colour boundary of models: a generator's batch in sRGB into working-space frames."""

from __future__ import annotations

import torch

from filmstudio import colour
from filmstudio.models.display import from_model_rgb


def test_an_opaque_batch_converts_like_each_picture_alone():
    torch.manual_seed(0)
    batch = torch.rand(5, 3, 24, 32)
    batch[0, :, :4] = 0.0  # black, the toe of the curve, white
    batch[1, :, :4] = 0.02
    batch[2, :, :4] = 1.0
    pictures = batch.clone()
    frames = from_model_rgb(pictures)
    assert torch.equal(pictures, batch)  # not handed over: left as it was
    assert frames.shape == (5, 4, 24, 32) and bool((frames[:, 3] == 1).all())
    for picture, frame in zip(batch, frames, strict=True):
        alone = colour.to_working(torch.cat([picture, torch.ones_like(picture[:1])]), "sRGB")
        assert torch.allclose(frame, alone, rtol=1e-5, atol=1e-6)
    assert torch.allclose(from_model_rgb(pictures, owned=True), frames, rtol=0, atol=0)
