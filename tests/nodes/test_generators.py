"""Constant, Ramp and Noise: what an artist sees in the viewer."""

from __future__ import annotations

import itertools
import math

import pytest
import torch
import torch.nn.functional as F

from filmstudio.core.project import Project
from filmstudio.engine.engine import Engine

W, H = 64, 36  # the `project` fixture's format


def downsample2(image: torch.Tensor) -> torch.Tensor:
    return F.avg_pool2d(image.unsqueeze(0), 2)[0]


def mean_abs(a: torch.Tensor, b: torch.Tensor) -> float:
    return (a - b).abs().mean().item()


# --- Constant ------------------------------------------------------------------------------------


def test_constant_fills_the_format_with_its_colour(project, engine):
    color = (0.25, 0.5, 0.125, 0.5)  # premultiplied, passed through as given
    node = project.add_node("Constant", color=color)
    image = engine.evaluate(node, frame=1)
    assert image.shape == (4, H, W)
    assert image.dtype == torch.float32
    expected = torch.tensor(color).view(4, 1, 1).expand(4, H, W)
    assert torch.equal(image, expected)


def test_constant_default_is_opaque_black(project, engine):
    image = engine.evaluate(project.add_node("Constant"), frame=1)
    assert torch.equal(image[:3], torch.zeros(3, H, W))
    assert torch.equal(image[3], torch.ones(H, W))


@pytest.mark.parametrize(("scale", "size"), [(0.5, (18, 32)), (0.25, (9, 16)), (2.0, (72, 128))])
def test_constant_size_follows_proxy_scale(project, engine, scale, size):
    node = project.add_node("Constant", color=(1, 0, 0, 1))
    image = engine.evaluate(node, frame=1, scale=scale)
    assert image.shape == (4, *size)
    assert torch.equal(image[:, 0, 0], torch.tensor([1.0, 0.0, 0.0, 1.0]))
    assert torch.equal(image, image[:, :1, :1].expand_as(image))


def test_constant_colour_animates(project, engine):
    node = project.add_node("Constant")
    node.set_keyframe("color", 1, (0, 0, 0, 1))
    node.set_keyframe("color", 11, (1, 0.5, 0, 1))
    middle = engine.evaluate(node, frame=6)
    assert torch.allclose(middle[:, 0, 0], torch.tensor([0.5, 0.25, 0.0, 1.0]))
    assert torch.allclose(engine.evaluate(node, frame=20)[:, 0, 0], torch.tensor([1.0, 0.5, 0.0, 1.0]))


# --- Ramp ----------------------------------------------------------------------------------------


def test_ramp_default_goes_from_start_colour_at_left_to_end_colour_at_right(project, engine):
    start, end = (0.1, 0.2, 0.3, 1.0), (0.9, 0.6, 0.3, 1.0)
    image = engine.evaluate(project.add_node("Ramp", start_color=start, end_color=end), frame=1)
    assert image.shape == (4, H, W)
    # horizontal ramp: every row is the same
    assert torch.equal(image, image[:, :1, :].expand_as(image))
    row = image[:, 0, :]
    # within half a pixel of the colours at the edges
    half_step = torch.tensor(end) - torch.tensor(start)
    assert torch.allclose(row[:, 0], torch.tensor(start) + half_step * 0.5 / W, atol=1e-6)
    assert torch.allclose(row[:, -1], torch.tensor(end) - half_step * 0.5 / W, atol=1e-6)
    # red rises, green rises, blue stays
    assert (row[0, 1:] > row[0, :-1]).all()
    assert (row[1, 1:] > row[1, :-1]).all()
    assert torch.allclose(row[2], torch.full((W,), 0.3))
    # linear: constant step between columns
    steps = row[0, 1:] - row[0, :-1]
    assert torch.allclose(steps, torch.full_like(steps, 0.8 / W), atol=1e-6)


def test_ramp_values_match_the_formula_at_pixel_centres(project, engine):
    """A diagonal linear ramp, measured in square pixels: weight = projection of the pixel centre
    on start->end, divided by its length, clamped to 0..1."""
    start, end = (0.2, 0.1), (0.7, 0.8)
    node = project.add_node("Ramp", start=start, end=end, start_color=(0, 0, 0, 0), end_color=(1, 1, 1, 1))
    image = engine.evaluate(node, frame=1)
    sx, sy, ex, ey = start[0] * W, start[1] * H, end[0] * W, end[1] * H
    dx, dy = ex - sx, ey - sy
    for row in (0, 5, 17, 35):
        for col in (0, 13, 31, 50, 63):
            px, py = col + 0.5, row + 0.5
            t = ((px - sx) * dx + (py - sy) * dy) / (dx * dx + dy * dy)
            t = min(1.0, max(0.0, t))
            assert image[0, row, col].item() == pytest.approx(t, abs=1e-5), (row, col)
            assert image[3, row, col].item() == pytest.approx(t, abs=1e-5), (row, col)


def test_ramp_is_clamped_outside_start_and_end(project, engine):
    node = project.add_node("Ramp", start=(0.25, 0.5), end=(0.75, 0.5))
    image = engine.evaluate(node, frame=1)
    assert torch.equal(image[0, :, :16], torch.zeros(H, 16))
    assert torch.equal(image[0, :, 48:], torch.ones(H, 16))
    assert image.min().item() >= 0.0 and image.max().item() <= 1.0


def test_vertical_ramp_varies_by_row_only(project, engine):
    node = project.add_node("Ramp", start=(0.5, 0.0), end=(0.5, 1.0))
    image = engine.evaluate(node, frame=1)
    assert torch.equal(image, image[:, :, :1].expand_as(image))
    column = image[0, :, 0]
    assert (column[1:] > column[:-1]).all()  # y grows downwards: top is start
    assert column[0].item() == pytest.approx(0.5 / H, abs=1e-6)


def test_radial_ramp_is_symmetric_about_its_start(project, engine):
    node = project.add_node("Ramp", shape="radial", start=(0.5, 0.5), end=(1.0, 0.5))
    image = engine.evaluate(node, frame=1)
    assert torch.allclose(image, image.flip(-1), atol=1e-6)
    assert torch.allclose(image, image.flip(-2), atol=1e-6)
    # darkest at the centre, brightest in the corners
    centre = image[0, H // 2 - 1 : H // 2 + 1, W // 2 - 1 : W // 2 + 1]
    assert centre.max().item() == image[0].min().item()
    assert image[0, 0, 0].item() == image[0].max().item()


def test_radial_ramp_off_centre_is_symmetric_about_its_start(project, engine):
    node = project.add_node("Ramp", shape="radial", start=(0.25, 0.5), end=(0.25, 1.0))
    left = engine.evaluate(node, frame=1)[:, :, :32]  # start is at column 16 of 64
    assert torch.allclose(left, left.flip(-1), atol=1e-6)


def test_radial_ramp_values_match_the_formula_at_pixel_centres(project, engine):
    node = project.add_node("Ramp", shape="radial", start=(0.3, 0.4), end=(0.3, 0.9))
    image = engine.evaluate(node, frame=1)
    sx, sy = 0.3 * W, 0.4 * H
    radius = 0.5 * H
    for row in (0, 10, 20, 35):
        for col in (0, 19, 40, 63):
            dist = math.hypot(col + 0.5 - sx, row + 0.5 - sy)
            assert image[0, row, col].item() == pytest.approx(min(1.0, dist / radius), abs=1e-5)


def test_radial_ramp_is_round_on_anamorphic_pixels(registry):
    """With 2:1 pixels, one pixel across is as far as two pixels down: the ramp is a circle on
    the display, not in pixel counts."""
    project = Project(fps=24, frame_range=(1, 10), width=32, height=32, pixel_aspect=2.0, registry=registry)
    with Engine(project, cpu_workers=1) as engine:
        node = project.add_node("Ramp", shape="radial", start=(0.5, 0.5), end=(0.5, 1.0))
        image = engine.evaluate(node, frame=1)
    # display distance from the centre (16, 16): columns count twice
    for row, col in ((16, 20), (24, 16), (3, 5), (30, 28)):
        dist = math.hypot((col + 0.5 - 16) * 2.0, row + 0.5 - 16)
        assert image[0, row, col].item() == pytest.approx(min(1.0, dist / 16), abs=1e-5)
    # 4 columns right of centre is further than 4 rows down
    assert image[0, 15, 20].item() > image[0, 20, 15].item() + 0.2


def test_ramp_at_half_proxy_matches_full_resolution(project, engine):
    node = project.add_node("Ramp", start=(0.1, 0.2), end=(0.9, 0.7))
    full = engine.evaluate(node, frame=1)
    half = engine.evaluate(node, frame=1, scale=0.5)
    assert half.shape == (4, H // 2, W // 2)
    assert torch.allclose(half, downsample2(full), atol=0.01)


# --- Noise ---------------------------------------------------------------------------------------


def _noise_in_fresh_engine(registry, **params):
    project = Project(fps=24, frame_range=(1, 10), width=W, height=H, registry=registry)
    with Engine(project, cpu_workers=1) as engine:
        return engine.evaluate(project.add_node("Noise", **params), frame=1)


def test_noise_same_seed_is_identical_across_engines(registry):
    first = _noise_in_fresh_engine(registry, seed=7, size=16)
    second = _noise_in_fresh_engine(registry, seed=7, size=16)
    assert torch.equal(first, second)


def test_noise_is_the_same_at_every_frame(project, engine):
    node = project.add_node("Noise", seed=3, size=16)
    assert torch.equal(engine.evaluate(node, frame=1), engine.evaluate(node, frame=50))


def test_noise_different_seeds_differ(project, engine):
    a = engine.evaluate(project.add_node("Noise", seed=1, size=16), frame=1)
    b = engine.evaluate(project.add_node("Noise", seed=2, size=16), frame=1)
    assert mean_abs(a, b) > 0.05


def test_noise_is_not_flat(project, engine):
    image = engine.evaluate(project.add_node("Noise", seed=0, size=8), frame=1)
    assert image[0].std().item() > 0.05
    assert image[0].max().item() - image[0].min().item() > 0.4


def test_noise_values_stay_between_low_and_high(project, engine):
    low, high = (0.2, 0.1, 0.0, 0.5), (0.6, 0.9, 0.5, 1.0)
    image = engine.evaluate(project.add_node("Noise", seed=5, size=8, low=low, high=high), frame=1)
    for channel in range(4):
        values = image[channel]
        assert values.min().item() >= low[channel] - 1e-6
        assert values.max().item() <= high[channel] + 1e-6
        # and uses a good part of that range
        assert values.max().item() - values.min().item() > 0.3 * (high[channel] - low[channel])


def test_noise_evolution_changes_the_image_smoothly(project, engine):
    base = engine.evaluate(project.add_node("Noise", seed=4, size=8, evolution=0.3), frame=1)
    diffs = []
    for step in (0.01, 0.05, 0.2, 0.5):
        moved = project.add_node("Noise", seed=4, size=8, evolution=0.3 + step)
        diffs.append(mean_abs(base, engine.evaluate(moved, frame=1)))
    assert diffs[0] < 0.01
    assert all(a < b for a, b in itertools.pairwise(diffs)), diffs
    assert diffs[-1] > 0.03


def test_noise_evolution_is_continuous_across_whole_numbers(project, engine):
    before = engine.evaluate(project.add_node("Noise", seed=4, size=8, evolution=1.999), frame=1)
    after = engine.evaluate(project.add_node("Noise", seed=4, size=8, evolution=2.001), frame=1)
    assert mean_abs(before, after) < 0.005


def test_noise_animated_evolution_moves_a_little_each_frame(project, engine):
    node = project.add_node("Noise", seed=9, size=8)
    node.set_keyframe("evolution", 1, 0.0)
    node.set_keyframe("evolution", 101, 10.0)  # 0.1 per frame
    frames = [engine.evaluate(node, frame=f) for f in (10, 11, 30)]
    neighbour = mean_abs(frames[0], frames[1])
    assert 0.0 < neighbour < 0.05
    assert mean_abs(frames[0], frames[2]) > 2 * neighbour


def test_noise_bigger_size_is_smoother(project, engine):
    def roughness(size: float) -> float:
        image = engine.evaluate(project.add_node("Noise", seed=2, size=size, octaves=1), frame=1)
        return (image[0, :, 1:] - image[0, :, :-1]).abs().mean().item()

    assert roughness(32) < roughness(8) < roughness(2)


def test_noise_half_proxy_is_close_to_a_downsample_of_full_resolution(project, engine):
    node = project.add_node("Noise", seed=11, size=16)
    full = engine.evaluate(node, frame=1)
    half = engine.evaluate(node, frame=1, scale=0.5)
    assert half.shape == (4, H // 2, W // 2)
    error = mean_abs(half, downsample2(full))
    other_seed = engine.evaluate(project.add_node("Noise", seed=12, size=16), frame=1, scale=0.5)
    assert error < 0.04
    assert error < 0.25 * mean_abs(half, other_seed)
    assert half.mean().item() == pytest.approx(full.mean().item(), abs=0.02)
