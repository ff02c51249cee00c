"""Working space <-> CIE L*a*b* agrees with colour-science and round-trips exactly."""

from __future__ import annotations

import warnings

import numpy as np
import torch

from filmstudio import colour
from tests.colour.reference import random_rgb


def test_lab_agrees_with_colour_science():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # colour-science warns that matplotlib is missing
        import colour as colour_science

    linear_709 = random_rgb(5000, 0.0, 1.0, seed=3)
    working = colour.conversion("linear", "working").apply_rgb(linear_709)
    ours = colour.to_lab(working).t().double().numpy()
    xyz = colour_science.RGB_to_XYZ(linear_709.t().double().numpy(), "ITU-R BT.709")
    white = colour_science.CCS_ILLUMINANTS["CIE 1931 2 Degree Standard Observer"]["D65"]
    expected = colour_science.XYZ_to_Lab(xyz, white)
    assert np.abs(ours - expected).max() <= 2e-3  # colour-science rounds the D65 chromaticities


def test_lab_round_trip_is_exact_for_any_input():
    working = random_rgb(5000, -0.2, 4.0, seed=4).view(3, 50, 100)
    back = colour.from_lab(colour.to_lab(working))
    assert torch.allclose(back, working, atol=2e-5, rtol=1e-5)


def test_white_is_l100_and_neutral():
    white = colour.conversion("linear", "working").apply_rgb(torch.ones(3, 1, 1))
    assert torch.allclose(colour.to_lab(white).flatten(), torch.tensor([100.0, 0.0, 0.0]), atol=1e-3)
