"""Grade and Blur: colour maths, masks, mix, disable, proxies and edges."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

W, H = 64, 36  # the `project` fixture's format


def downsample2(image: torch.Tensor) -> torch.Tensor:
    return F.avg_pool2d(image.unsqueeze(0), 2)[0]


def mean_abs(a: torch.Tensor, b: torch.Tensor) -> float:
    return (a - b).abs().mean().item()


@pytest.fixture
def ramp(project):
    """A colourful source whose alpha varies too (0.4 at the left, 1.0 at the right)."""
    return project.add_node("Ramp", start_color=(0.1, 0.2, 0.3, 0.4), end_color=(0.8, 0.6, 0.4, 1.0))


@pytest.fixture
def noise(project):
    return project.add_node("Noise", seed=3, size=4, low=(0.1, 0.2, 0.0, 1.0), high=(0.9, 0.7, 1.0, 1.0))


@pytest.fixture
def alpha_mask(project):
    """A mask source for Image->Mask links: alpha 0 at the left edge, 1 at the right."""
    return project.add_node("Ramp", start_color=(0, 0, 0, 0), end_color=(1, 1, 1, 1))


def graded(project, source, **params):
    node = project.add_node("Grade", **params)
    project.connect(source, node)
    return node


def blurred(project, source, **params):
    node = project.add_node("Blur", **params)
    project.connect(source, node)
    return node


# --- Grade ---------------------------------------------------------------------------------------


def test_grade_defaults_change_nothing(project, engine, ramp):
    assert torch.equal(engine.evaluate(graded(project, ramp), frame=1), engine.evaluate(ramp, frame=1))


def test_grade_is_gain_times_input_plus_offset_with_alpha_unchanged(project, engine, ramp):
    gain, offset = (2.0, 0.5, 1.5, 7.0), (0.1, -0.05, 0.0, 3.0)  # gain/offset alpha are ignored
    node = graded(project, ramp, gain=gain, offset=offset)
    source = engine.evaluate(ramp, frame=1)
    out = engine.evaluate(node, frame=1)
    assert out.shape == source.shape
    for c in range(3):
        assert torch.allclose(out[c], source[c] * gain[c] + offset[c], atol=1e-6)
    assert torch.equal(out[3], source[3])


def test_grade_gamma(project, engine, ramp):
    source = engine.evaluate(ramp, frame=1)
    out = engine.evaluate(graded(project, ramp, gamma=2.0), frame=1)
    assert torch.allclose(out[:3], source[:3].sqrt(), atol=1e-6)
    assert torch.equal(out[3], source[3])
    # gamma above 1 brightens mid-tones, below 1 darkens them
    darker = engine.evaluate(graded(project, ramp, gamma=0.5), frame=1)
    assert torch.allclose(darker[:3], source[:3] ** 2, atol=1e-6)
    assert (out[:3] >= source[:3]).all() and (darker[:3] <= source[:3]).all()


def test_grade_gamma_comes_after_gain_and_offset(project, engine, ramp):
    source = engine.evaluate(ramp, frame=1)
    out = engine.evaluate(graded(project, ramp, gain=(2, 2, 2, 1), offset=(0.1, 0.1, 0.1, 0), gamma=2.0), 1)
    assert torch.allclose(out[:3], (source[:3] * 2 + 0.1).sqrt(), atol=1e-6)


def test_grade_gamma_does_not_make_nan_from_negative_values(project, engine, ramp):
    out = engine.evaluate(graded(project, ramp, offset=(-0.5, -0.5, -0.5, 0), gamma=2.0), frame=1)
    assert torch.isfinite(out).all()
    assert out[:3].min().item() >= 0.0


def test_grade_mix_zero_is_identity(project, engine, noise):
    node = graded(project, noise, gain=(3, 0.2, 2, 1), offset=(0.1, 0.2, 0.3, 0), gamma=1.7, mix=0.0)
    assert torch.equal(engine.evaluate(node, frame=1), engine.evaluate(noise, frame=1))


def test_grade_mix_half_is_halfway(project, engine, noise):
    source = engine.evaluate(noise, frame=1)
    full = engine.evaluate(graded(project, noise, gain=(2, 3, 0.5, 1)), frame=1)
    half = engine.evaluate(graded(project, noise, gain=(2, 3, 0.5, 1), mix=0.5), frame=1)
    assert torch.allclose(half, (source + full) / 2, atol=1e-6)


def test_grade_mask_limits_the_effect_to_the_mask(project, engine, noise, alpha_mask):
    node = graded(project, noise, gain=(2, 2, 2, 1))
    project.connect(alpha_mask, node, "image", "mask")
    source = engine.evaluate(noise, frame=1)
    out = engine.evaluate(node, frame=1)
    weight = engine.evaluate(alpha_mask, frame=1)[3]  # Image -> Mask: its alpha
    assert torch.allclose(out[:3], source[:3] * (1 + weight), atol=1e-6)
    # barely touched at the left edge, nearly full strength at the right
    assert mean_abs(out[:3, :, :2], source[:3, :, :2]) < 0.05
    assert torch.allclose(out[:3, :, -1], source[:3, :, -1] * 2, rtol=0.02)
    assert torch.equal(out[3], source[3])


def test_grade_mask_from_a_mask_output(project, engine, noise, alpha_mask):
    split = project.add_node("test.Split")
    project.connect(alpha_mask, split)
    node = graded(project, noise, offset=(0.5, 0.5, 0.5, 0), mix=0.5)
    project.connect(split, node, "alpha", "mask")
    source = engine.evaluate(noise, frame=1)
    weight = engine.evaluate(alpha_mask, frame=1)[3] * 0.5  # mask times mix
    out = engine.evaluate(node, frame=1)
    assert torch.allclose(out[:3], source[:3] + 0.5 * weight, atol=1e-6)


def test_disabled_grade_passes_its_input_through(project, engine, noise):
    node = graded(project, noise, gain=(4, 4, 4, 1))
    assert not torch.equal(engine.evaluate(node, frame=1), engine.evaluate(noise, frame=1))
    node.set_disabled(True)
    assert torch.equal(engine.evaluate(node, frame=1), engine.evaluate(noise, frame=1))
    node.set_disabled(False)
    assert torch.allclose(engine.evaluate(node, frame=1)[:3], engine.evaluate(noise, frame=1)[:3] * 4)


def test_grade_gain_animates(project, engine):
    source = project.add_node("Constant", color=(0.5, 0.5, 0.5, 1))
    node = graded(project, source)
    node.set_keyframe("gain", 1, (1, 1, 1, 1))
    node.set_keyframe("gain", 11, (2, 2, 2, 1))
    values = [engine.evaluate(node, frame=f)[0, 0, 0].item() for f in (1, 6, 11, 40)]
    assert values == pytest.approx([0.5, 0.75, 1.0, 1.0])


def test_grade_works_at_proxy_scale_with_a_mask(project, engine, noise, alpha_mask):
    node = graded(project, noise, gain=(2, 2, 2, 1))
    project.connect(alpha_mask, node, "image", "mask")
    half = engine.evaluate(node, frame=1, scale=0.5)
    assert half.shape == (4, H // 2, W // 2)
    source = engine.evaluate(noise, frame=1, scale=0.5)
    weight = engine.evaluate(alpha_mask, frame=1, scale=0.5)[3]
    assert torch.allclose(half[:3], source[:3] * (1 + weight), atol=1e-6)


def test_grade_of_a_mask_is_a_grey_rgba_image(project, engine, alpha_mask):
    split = project.add_node("test.Split")
    project.connect(alpha_mask, split)
    node = project.add_node("Grade", gain=(2, 2, 2, 1))
    project.connect(split, node, "alpha", "source")  # Mask -> Image: allowed, a grey image
    mask = engine.evaluate(split, frame=1, output="alpha")
    out = engine.evaluate(node, frame=1)
    assert out.shape == (4, H, W)
    assert torch.allclose(out[:3], (mask * 2).expand(3, -1, -1), atol=1e-6)


# --- Blur ----------------------------------------------------------------------------------------

FILTERS = ("gaussian", "box")


@pytest.mark.parametrize("kind", FILTERS)
def test_blur_keeps_the_mean_and_reduces_the_variance(project, engine, noise, kind):
    source = engine.evaluate(noise, frame=1)
    out = engine.evaluate(blurred(project, noise, size=10, filter=kind), frame=1)
    assert out.shape == source.shape
    for c in range(3):
        assert out[c].mean().item() == pytest.approx(source[c].mean().item(), abs=0.01)
        assert out[c].var().item() < 0.3 * source[c].var().item()


@pytest.mark.parametrize("kind", FILTERS)
def test_bigger_blur_is_smoother(project, engine, noise, kind):
    variances = [
        engine.evaluate(blurred(project, noise, size=size, filter=kind), frame=1)[0].var().item()
        for size in (2, 6, 20)
    ]
    assert variances[0] > variances[1] > variances[2]


@pytest.mark.parametrize("kind", FILTERS)
def test_blur_size_zero_is_identity(project, engine, noise, kind):
    node = blurred(project, noise, size=0.0, filter=kind)
    assert torch.equal(engine.evaluate(node, frame=1), engine.evaluate(noise, frame=1))


@pytest.mark.parametrize("kind", FILTERS)
@pytest.mark.parametrize("size", [3.0, 10.0, 100.0])  # 100: a kernel wider than the frame
def test_blur_of_a_constant_is_the_same_constant(project, engine, kind, size):
    """Edges are extended: no dark border creeps in."""
    constant = project.add_node("Constant", color=(0.8, 0.5, 0.2, 1.0))
    out = engine.evaluate(blurred(project, constant, size=size, filter=kind), frame=1)
    assert out.shape == (4, H, W)
    assert torch.allclose(out, engine.evaluate(constant, frame=1), atol=1e-5)


@pytest.mark.parametrize("kind", FILTERS)
def test_blur_does_not_darken_the_edges_of_a_ramp(project, engine, kind):
    ramp = project.add_node("Ramp", start=(0.5, 0.0), end=(0.5, 1.0))  # varies by row only
    source = engine.evaluate(ramp, frame=1)
    out = engine.evaluate(blurred(project, ramp, size=8, filter=kind), frame=1)
    # left and right columns are not darkened: every row stays constant across
    assert torch.allclose(out, out[:, :, :1].expand_as(out), atol=1e-5)
    assert torch.allclose(out[3], source[3], atol=1e-5)


def test_box_and_gaussian_are_different_filters(project, engine, noise):
    box = engine.evaluate(blurred(project, noise, size=10, filter="box"), frame=1)
    gaussian = engine.evaluate(blurred(project, noise, size=10, filter="gaussian"), frame=1)
    assert mean_abs(box, gaussian) > 1e-3


@pytest.mark.parametrize("size", [4, 10, 20])
def test_box_and_gaussian_of_the_same_size_blur_about_as_much(project, engine, noise, size):
    """Switching the filter changes the look of the blur, not how strong it is."""
    box = engine.evaluate(blurred(project, noise, size=size, filter="box"), frame=1)
    gaussian = engine.evaluate(blurred(project, noise, size=size, filter="gaussian"), frame=1)
    ratio = gaussian[0].var().item() / box[0].var().item()
    assert 0.67 < ratio < 1.5


@pytest.mark.parametrize("kind", FILTERS)
def test_blur_size_scales_with_the_proxy(project, engine, noise, kind):
    """At half proxy, a size-10 blur looks like the full-resolution blur shrunk, not twice as wide."""
    full = engine.evaluate(blurred(project, noise, size=10, filter=kind), frame=1)
    half = engine.evaluate(blurred(project, noise, size=10, filter=kind), frame=1, scale=0.5)
    assert half.shape == (4, H // 2, W // 2)
    # what a blur that ignored the proxy would look like: size 10 in proxy pixels
    unscaled = engine.evaluate(blurred(project, noise, size=20, filter=kind), frame=1, scale=0.5)
    error = mean_abs(half, downsample2(full))
    assert error < 0.01
    assert error < 0.5 * mean_abs(unscaled, downsample2(full))


def test_blur_mix_zero_is_identity_and_half_is_halfway(project, engine, noise):
    source = engine.evaluate(noise, frame=1)
    full = engine.evaluate(blurred(project, noise, size=6), frame=1)
    assert torch.equal(engine.evaluate(blurred(project, noise, size=6, mix=0.0), frame=1), source)
    half = engine.evaluate(blurred(project, noise, size=6, mix=0.5), frame=1)
    assert torch.allclose(half, (source + full) / 2, atol=1e-6)


def test_blur_mask_limits_the_effect_to_the_mask(project, engine, noise, alpha_mask):
    node = blurred(project, noise, size=6)
    project.connect(alpha_mask, node, "image", "mask")
    source = engine.evaluate(noise, frame=1)
    full = engine.evaluate(blurred(project, noise, size=6), frame=1)
    weight = engine.evaluate(alpha_mask, frame=1)[3]
    out = engine.evaluate(node, frame=1)
    assert torch.allclose(out, source + (full - source) * weight, atol=1e-6)
    assert mean_abs(out[:, :, :2], source[:, :, :2]) < 0.01  # left: untouched
    assert mean_abs(out[:, :, -2:], full[:, :, -2:]) < 0.01  # right: blurred


def test_disabled_blur_passes_its_input_through(project, engine, noise):
    node = blurred(project, noise, size=10)
    node.set_disabled(True)
    assert torch.equal(engine.evaluate(node, frame=1), engine.evaluate(noise, frame=1))


def test_blur_of_a_mask_is_a_grey_rgba_image(project, engine, alpha_mask):
    split = project.add_node("test.Split")
    project.connect(alpha_mask, split)
    node = project.add_node("Blur", size=4)
    project.connect(split, node, "alpha", "source")  # Mask -> Image: allowed, a grey image
    out = engine.evaluate(node, frame=1)
    assert out.shape == (4, H, W)
