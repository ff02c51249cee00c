"""Denoise on photographs with Gaussian noise (sigma 10/255 in display sRGB): the temporal mode
on a still clip gains at least 6 dB, the spatial mode at least 3 dB; moving footage is not
smeared; restoration weights through spandrel's loader (batched like single frames); the
missing-model message."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from filmstudio.core.errors import EvaluationError
from filmstudio.models.display import from_model_rgb, to_model_rgb
from filmstudio.testing import NodeHarness
from filmstudio_nodes.denoise import Denoise
from tests.models.tiny import forget_models, isolate_models, save_compact
from tests.nodes.restore_models import save_nafnet

W, H = 192, 128
SIGMA = 10 / 255
PHOTOS = ("astronaut", "coffee", "chelsea")


@pytest.fixture
def models(tmp_path, monkeypatch):
    yield isolate_models(tmp_path, monkeypatch)
    forget_models()


def truth_of(name: str, shift: int = 0) -> np.ndarray:
    from skimage import data

    return getattr(data, name)()[60 : 60 + H, 100 + shift : 100 + shift + W] / 255.0


def noisy(truth: np.ndarray, seed: int) -> torch.Tensor:
    """``truth`` plus Gaussian noise of SIGMA (display sRGB), in the working space."""
    pixels = np.clip(truth + np.random.default_rng(seed).normal(0, SIGMA, truth.shape), 0, 1)
    return from_model_rgb(torch.from_numpy(pixels.astype(np.float32)).permute(2, 0, 1)[None])[0]


def psnr(image: torch.Tensor, truth: np.ndarray) -> float:
    shown = to_model_rgb(image[None])[0][0].permute(1, 2, 0).numpy()
    return 10 * math.log10(1.0 / float(np.mean((shown - truth) ** 2)))


@pytest.mark.parametrize("name", PHOTOS)
def test_temporal_gains_6_db_and_spatial_3_db_on_a_still_clip(name):
    truth = truth_of(name)
    clip = {f: noisy(truth, seed=f) for f in range(1, 21)}
    before = psnr(clip[10], truth)
    with NodeHarness(Denoise, {"method": "temporal"}, {"source": clip}, size=(W, H)) as harness:
        temporal = psnr(harness.evaluate(10), truth) - before
    with NodeHarness(Denoise, {"method": "spatial"}, {"source": clip}, size=(W, H)) as harness:
        spatial = psnr(harness.evaluate(10), truth) - before
    print(f"{name}: temporal +{temporal:.2f} dB, spatial +{spatial:.2f} dB")
    assert temporal >= 6.0 and spatial >= 3.0


@pytest.mark.slow
def test_temporal_follows_motion_and_skips_what_does_not_match():
    """A panning clip still gains (the neighbours are aligned by flow), and a cut in the window
    (a different picture) is not averaged in."""
    clip = {f: noisy(truth_of("astronaut", shift=3 * f), seed=f) for f in range(1, 21)}
    before = psnr(clip[10], truth_of("astronaut", shift=30))
    with NodeHarness(Denoise, {"method": "temporal"}, {"source": clip}, size=(W, H)) as harness:
        panned = psnr(harness.evaluate(10), truth_of("astronaut", shift=30)) - before
    cut = {f: noisy(truth_of("coffee" if f < 10 else "chelsea"), seed=f) for f in range(1, 21)}
    with NodeHarness(Denoise, {"method": "temporal", "frames": 3}, {"source": cut}, size=(W, H)) as harness:
        after_cut = psnr(harness.evaluate(10), truth_of("chelsea"))
    print(f"pan: +{panned:.2f} dB")
    assert panned >= 4.0
    assert after_cut - psnr(cut[10], truth_of("chelsea")) >= 3.0  # only the frames after the cut


def test_untouched_pixels_and_super_whites_pass_through_exactly():
    flat = from_model_rgb(torch.full((1, 3, H, W), 0.5))[0]
    flat[:3, :12, :12] = 7.5  # a super-white, which the display encoding clips to 1
    with NodeHarness(Denoise, {"method": "spatial", "noise": 2.0}, {"source": flat}, size=(W, H)) as harness:
        out = harness.evaluate(1)
    assert torch.equal(out[:, 2:8, 2:8], flat[:, 2:8, 2:8]) and torch.equal(
        out[:, 30:, 30:], flat[:, 30:, 30:]
    )


def test_model_mode_runs_restoration_weights_and_batches(models):
    save_nafnet(models / "nafnet.safetensors")
    clip = {f: noisy(truth_of("coffee"), seed=f) for f in range(1, 9)}
    params = {"method": "model", "model": "nafnet.safetensors", "tile_size": 0}
    with NodeHarness(Denoise, params, {"source": clip}, size=(W, H)) as harness:
        batched = harness.evaluate_frames(range(1, 5))
        single = [harness.evaluate(f) for f in range(1, 5)]
    for one, other in zip(batched, single, strict=True):
        assert torch.allclose(one, other, atol=1e-5)
    assert (single[0] - clip[1]).abs().mean() > 1e-3


def test_missing_or_wrong_weights_are_clear_errors(models):
    clip = noisy(truth_of("coffee"), seed=1)
    missing = NodeHarness(
        Denoise, {"method": "model", "model": "scunet_color_real_psnr.pth"}, {"source": clip}
    )
    with missing, pytest.raises(EvaluationError) as caught:
        missing.evaluate(1)
    assert "'scunet_color_real_psnr.pth' is not installed" in str(caught.value) and str(models) in str(
        caught.value
    )
    save_compact(models / "x2.safetensors", scale=2)
    wrong = NodeHarness(Denoise, {"method": "model", "model": "x2.safetensors"}, {"source": clip})
    with wrong, pytest.raises(EvaluationError, match="choose a restoration model of scale 1"):
        wrong.evaluate(1)
