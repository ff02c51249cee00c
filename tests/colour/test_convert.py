"""Image conversions: torch results equal OCIO's, premultiplied alpha is respected, display/view
round trips, devices and dtypes are kept."""

from __future__ import annotations

import PyOpenColorIO as ocio
import pytest
import torch

from filmstudio import colour
from filmstudio.colour.spaces import COLOUR_SPACES, Space
from tests.colour.reference import ocio_rgb, random_premultiplied

SRGB_DISPLAY = "sRGB - Display"
ACES_SDR = "ACES 2.0 - SDR 100 nits (Rec.709)"


@pytest.fixture(autouse=True)
def default_config(monkeypatch):
    monkeypatch.delenv("OCIO", raising=False)


def opaque(rgb: torch.Tensor) -> torch.Tensor:
    return torch.cat([rgb, torch.ones_like(rgb[:1])])


def reference_transform(space: Space, to_working: bool = True):
    """Independent OCIO transform for ``space`` -> working (or back)."""
    working = colour.working_space_name()
    if not space.curve:
        return (
            ocio.ColorSpaceTransform(space.name, working)
            if to_working
            else ocio.ColorSpaceTransform(working, space.name)
        )
    power = ocio.ExponentTransform([2.4, 2.4, 2.4, 1.0], ocio.NEGATIVE_PASS_THRU)
    group = ocio.GroupTransform([power, ocio.ColorSpaceTransform(space.name, working)])
    if not to_working:
        group.setDirection(ocio.TRANSFORM_DIR_INVERSE)
    return group


@pytest.mark.parametrize("name", COLOUR_SPACES)
def test_every_offered_space_converts_like_ocio_both_ways(name):
    space = colour.resolve_space(name)
    # Encoded values from 0.01 up: a pure power curve's slope is infinite at 0, where a last-bit
    # difference in the matrix before it (OCIO's fused ops against ours) decides the sign of 1e-11.
    image = 0.01 + 0.99 * torch.rand(3, 40, 50, generator=torch.Generator().manual_seed(5))
    ours = colour.to_working(opaque(image), name)
    reference = ocio_rgb(reference_transform(space), image)
    assert torch.allclose(ours[:3], reference, rtol=1e-5, atol=1e-6)
    assert torch.equal(ours[3], torch.ones(40, 50))
    back = colour.from_working(opaque(reference), name)
    # Encoding: float32 rounding of the matrix (~1e-7) meets a 1/2.4 power whose slope is ~140 at
    # 0.016 (OCIO 2.6 measured 2.8e-6 there); 1e-5 is still 1/400 of an 8-bit code value.
    assert torch.allclose(
        back[:3], ocio_rgb(reference_transform(space, False), reference), rtol=1e-5, atol=1e-5
    )


def test_filmstudio_curves_match_the_configs_own_encoded_spaces():
    """The sRGB curve FilmStudio adds to a linear space equals the config's own sRGB space."""
    image = opaque(torch.rand(3, 16, 16, generator=torch.Generator().manual_seed(2)) * 1.2 - 0.1)
    built = Space("Linear Rec.709 (sRGB)", "srgb")
    assert torch.allclose(colour.to_working(image, built), colour.to_working(image, "sRGB"), atol=2e-6)
    built = Space("Linear Rec.709 (sRGB)", "gamma2.4")
    assert torch.allclose(colour.to_working(image, built), colour.to_working(image, "Rec.709"), atol=2e-6)


def test_conversions_act_on_unpremultiplied_colour_and_keep_alpha():
    image = random_premultiplied(24, 32, seed=3)
    alpha = image[3:4]
    converted = colour.to_working(image, "sRGB")
    assert torch.equal(converted[3:4], alpha)
    straight = torch.where(alpha > 0, image[:3] / alpha.clamp_min(1e-12), image[:3])
    expected = colour.to_working(opaque(straight), "sRGB")[:3] * torch.where(alpha > 0, alpha, 1.0)
    assert torch.allclose(converted[:3], expected, atol=1e-6)


def test_zero_alpha_pixels_are_converted_as_they_are():
    glow = torch.tensor([0.5, 0.25, 0.1, 0.0]).view(4, 1, 1)  # additive light, no coverage
    converted = colour.to_working(glow, "sRGB")
    assert torch.allclose(converted[:3], colour.to_working(opaque(glow[:3]), "sRGB")[:3])
    assert converted[3].item() == 0.0


def test_the_same_space_returns_the_image_itself():
    image = torch.rand(4, 3, 3)
    assert colour.convert(image, "working", "ACEScg") is image
    assert colour.convert(image, "raw", "sRGB") is image  # data spaces are never converted


def test_half_precision_stays_half():
    image = torch.rand(4, 8, 8).half()
    converted = colour.to_working(image, "sRGB")
    assert converted.dtype == torch.float16
    assert torch.allclose(converted.float(), colour.to_working(image.float(), "sRGB"), rtol=2e-3, atol=1e-3)


@pytest.mark.parametrize("view", ["Un-tone-mapped", "Video (colorimetric)", "Raw"])
def test_working_to_srgb_display_and_back_is_within_1e_4(view):
    generator = torch.Generator().manual_seed(7)
    working = opaque(torch.rand(3, 64, 64, generator=generator) * 1.5)
    shown = colour.display_transform(working, SRGB_DISPLAY, view)
    back = colour.display_transform(shown, SRGB_DISPLAY, view, inverse=True)
    assert (back - working).abs().max().item() <= 1e-4


def test_aces_output_transform_round_trips_where_it_is_invertible():
    """The ACES 2.0 view tone-maps (working values beyond its gamut do not come back), but every
    display value does, and working values that are views of display values do too."""
    generator = torch.Generator().manual_seed(8)
    display = opaque(0.02 + 0.9 * torch.rand(3, 32, 32, generator=generator))
    working = colour.display_transform(display, SRGB_DISPLAY, ACES_SDR, inverse=True)
    again = colour.display_transform(working, SRGB_DISPLAY, ACES_SDR)
    assert (again - display).abs().max().item() <= 1e-4
    back = colour.display_transform(again, SRGB_DISPLAY, ACES_SDR, inverse=True)
    assert ((back - working).abs() / working.abs().clamp_min(0.05)).max().item() <= 1e-3


def test_display_transform_equals_ocio_display_view():
    working = torch.rand(3, 20, 20, generator=torch.Generator().manual_seed(9)) * 2.0
    for view in colour.views(SRGB_DISPLAY):
        ours = colour.display_transform(opaque(working), SRGB_DISPLAY, view)[:3]
        transform = ocio.DisplayViewTransform(src="ACEScg", display=SRGB_DISPLAY, view=view)
        assert torch.allclose(ours, ocio_rgb(transform, working), atol=2e-6), view


def test_viewer_exposure_and_gamma():
    image = opaque(torch.rand(3, 8, 8) * 0.5)
    view = "Un-tone-mapped"
    brighter = colour.display_transform(image, SRGB_DISPLAY, view, exposure=1.0)
    doubled = colour.display_transform(torch.cat([image[:3] * 2, image[3:]]), SRGB_DISPLAY, view)
    assert torch.allclose(brighter, doubled, atol=1e-6)
    plain = colour.display_transform(image, SRGB_DISPLAY, view)
    bent = colour.display_transform(image, SRGB_DISPLAY, view, gamma=2.0)
    expected = torch.where(plain[:3] > 0, plain[:3].clamp_min(0).sqrt(), plain[:3])  # negatives pass
    assert torch.allclose(bent[:3], expected, atol=1e-6)
    both = colour.display_transform(image, SRGB_DISPLAY, view, gamma=2.0, exposure=1.0)
    back = colour.display_transform(both, SRGB_DISPLAY, view, gamma=2.0, exposure=1.0, inverse=True)
    assert torch.allclose(back, image, atol=1e-5)


def test_defaults_are_filmstudios_default_display_and_view():
    image = opaque(torch.rand(3, 4, 4))
    explicit = colour.display_transform(image, *colour.default_view())
    assert torch.equal(colour.display_transform(image), explicit)
    assert torch.equal(colour.display_transform(image, colour.default_view()[0]), explicit)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_conversions_stay_on_the_gpu_and_match_the_cpu():
    image = random_premultiplied(64, 64, seed=4)
    for space in ("sRGB", "Rec.709", "ACEScct", "Rec.2020"):
        on_gpu = colour.to_working(image.cuda(), space)
        assert on_gpu.is_cuda
        assert torch.allclose(on_gpu.cpu(), colour.to_working(image, space), atol=1e-5)
    shown = colour.display_transform(image.cuda(), SRGB_DISPLAY, ACES_SDR)  # through OCIO's CPU
    assert shown.is_cuda and torch.allclose(
        shown.cpu(), colour.display_transform(image, SRGB_DISPLAY, ACES_SDR)
    )
