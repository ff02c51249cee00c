"""Transform, Crop and Reformat: exact identities and quarter turns, filters, proxies, sizes."""

from __future__ import annotations

import math

import pytest
import torch

from filmstudio import testing
from filmstudio.core.project import Project
from filmstudio.engine.engine import Engine
from filmstudio_nodes.reformat import Crop, Reformat
from filmstudio_nodes.transform import FILTERS, Transform
from tests.colour.reference import random_premultiplied


def evaluate(node_type, image, proxy=1.0, pixel_aspect=1.0, **params):
    """``image`` as the proxy-scale input of a project whose format is ``image``'s size / proxy."""
    height, width = image.shape[-2:]
    size = (round(width / proxy), round(height / proxy))
    return testing.evaluate(
        node_type, params, {"source": image}, scale=proxy, size=size, pixel_aspect=pixel_aspect
    )


@pytest.fixture
def square():
    return random_premultiplied(32, 32, seed=1)


@pytest.mark.parametrize("filter_name", FILTERS)
def test_identity_is_exact(square, filter_name):
    assert evaluate(Transform, square, filter=filter_name) is square
    rect = random_premultiplied(20, 30, seed=2)
    assert torch.equal(evaluate(Transform, rect, filter=filter_name, center=(0.3, 0.8)), rect)


@pytest.mark.parametrize("filter_name", FILTERS)
@pytest.mark.parametrize(("angle", "turns"), [(90.0, 1), (180.0, 2), (270.0, 3), (-90.0, 3), (450.0, 1)])
def test_quarter_turns_equal_torch_rot90(square, filter_name, angle, turns):
    out = evaluate(Transform, square, rotate=angle, filter=filter_name)
    assert torch.equal(out, torch.rot90(square, turns, dims=(1, 2)))


def test_whole_pixel_moves_and_flips_copy_pixels(square):
    moved = evaluate(Transform, square, translate=(3.0, -2.0))
    expected = torch.zeros_like(square)
    expected[:, 0:30, 3:] = square[:, 2:32, :29]
    assert torch.equal(moved, expected)
    flipped = evaluate(Transform, square, scale=(-1.0, 1.0))
    assert torch.equal(flipped, square.flip(-1))


def test_half_pixel_move_averages_neighbours_with_bilinear(square):
    out = evaluate(Transform, square, translate=(0.5, 0.0), filter="bilinear")
    assert torch.allclose(out[:, :, 1:], (square[:, :, 1:] + square[:, :, :-1]) / 2, atol=1e-6)


def test_nearest_picks_input_pixels_and_bicubic_is_smooth(square):
    nearest = evaluate(Transform, square, rotate=30.0, filter="nearest")
    values = set(square.flatten().tolist()) | {0.0}
    assert set(nearest.flatten().tolist()) <= values
    smooth = evaluate(Transform, torch.ones(4, 32, 32), rotate=30.0, scale=(0.5, 0.5), filter="bicubic")
    assert smooth[:, 16, 16].tolist() == pytest.approx([1.0] * 4, abs=1e-5)  # inside stays 1
    assert smooth[:, 1, 1].abs().max().item() < 1e-6  # outside is transparent


def test_scale_about_the_centre_and_skew():
    dot = torch.zeros(4, 33, 33)
    dot[:, 16 + 4, 16 + 2] = 1.0  # 2 right and 4 below the centre pixel
    scaled = evaluate(Transform, dot, scale=(2.0, 2.0), filter="nearest")
    ys, xs = torch.nonzero(scaled[3] > 0.5).float().mean(0).tolist()
    assert (xs, ys) == pytest.approx((16 + 4 + 0.5, 16 + 8 + 0.5), abs=0.6)
    skewed = evaluate(Transform, dot, skew=(0.5, 0.0), filter="nearest")
    ys, xs = torch.nonzero(skewed[3] > 0.5).float().mean(0).tolist()
    assert (xs, ys) == pytest.approx((16 + 2 + 2, 16 + 4), abs=0.6)  # x moves by 0.5 * y


def test_rotation_direction_is_counter_clockwise_on_screen():
    dot = torch.zeros(4, 33, 33)
    dot[:, 16, 26] = 1.0  # to the right of the centre
    out = evaluate(Transform, dot, rotate=45.0, filter="bilinear")
    ys, xs = torch.nonzero(out[3] > 0.1).float().mean(0).tolist()
    assert xs > 16 and ys < 16  # it went up and right: counter-clockwise, y down
    assert math.hypot(xs - 16, ys - 16) == pytest.approx(10, abs=0.7)


def test_zero_scale_is_transparent(square):
    assert torch.equal(evaluate(Transform, square, scale=(0.0, 1.0)), torch.zeros_like(square))


def test_translation_scales_with_the_proxy():
    full = torch.zeros(4, 40, 40)
    full[:, 10:20, 10:20] = 1.0
    moved = evaluate(Transform, full, translate=(8.0, 4.0))
    half = evaluate(Transform, full[:, ::2, ::2].contiguous(), proxy=0.5, translate=(8.0, 4.0))
    assert torch.equal(half, moved[:, ::2, ::2])


def test_anamorphic_frames_rotate_as_they_look():
    """A quarter turn on 2:1 pixels: a horizontal bar 8 display units wide (4 pixels) becomes a
    vertical bar 8 pixels tall."""
    bar = torch.zeros(4, 41, 41)
    bar[:, 20, 18:22] = 1.0  # 4 pixels = 8 square units wide
    out = evaluate(Transform, bar, rotate=90.0, pixel_aspect=2.0, filter="bilinear")
    rows = torch.nonzero(out[3, :, 20] > 0.5).flatten()
    assert rows.numel() == pytest.approx(8, abs=1)


def test_animated_transform(project, engine):
    ramp = project.add_node("Ramp")
    node = project.connect(ramp, project.add_node("Transform"))
    node.set_keyframe("translate", 1, (0.0, 0.0))
    node.set_keyframe("translate", 11, (10.0, 0.0))
    image = engine.evaluate(ramp, 1)
    assert torch.equal(engine.evaluate(node, 1), image)
    moved = engine.evaluate(node, 6)
    assert torch.equal(moved[:, :, 5:], image[:, :, :-5])


# --- Crop ---------------------------------------------------------------------------------------


def test_crop_keeps_the_box_and_antialiases_its_edges():
    image = torch.ones(4, 10, 20)
    out = evaluate(Crop, image, box=(0.125, 0.2, 0.5, 0.85))  # x 2.5..10, y 2..8.5
    assert out.shape == image.shape
    assert out[3, 5, 2].item() == pytest.approx(0.5) and out[3, 5, 3].item() == 1.0
    assert out[3, 8, 5].item() == pytest.approx(0.5) and out[3, 9, 5].item() == 0.0
    assert out[3, 5, 10].item() == 0.0 and out[3, 1, 5].item() == 0.0
    assert out[:, 3:8, 3:10].eq(1.0).all()


def test_crop_softness_and_reformat():
    image = torch.ones(4, 20, 40)
    soft = evaluate(Crop, image, box=(0.25, 0.25, 0.75, 0.75), softness=4.0)
    assert soft[3, 10, 10].item() == pytest.approx(0.125) and soft[3, 10, 20].item() == 1.0
    cut = evaluate(Crop, random_premultiplied(20, 40, seed=3), box=(0.25, 0.25, 0.75, 0.75), reformat=True)
    assert cut.shape == (4, 10, 20)
    full = random_premultiplied(20, 40, seed=3)
    assert torch.equal(cut, full[:, 5:15, 10:30])
    assert evaluate(Crop, full) is full


# --- Reformat -----------------------------------------------------------------------------------


def reformat(image, **params):
    return evaluate(Reformat, image, **params)


def test_reformat_fit_fill_pad_distort_sizes_and_placement():
    image = torch.ones(4, 20, 40)  # 2:1
    fit = reformat(image, width=30, height=30, resize="fit")
    assert fit.shape == (4, 30, 30)
    rows = torch.nonzero(fit[3, :, 15] > 0.5).flatten()
    assert (rows.min().item(), rows.max().item()) == (7, 21)  # a 15-line band, centred
    fill = reformat(image, width=30, height=30, resize="fill")
    assert fill.shape == (4, 30, 30) and fill[3].min().item() == pytest.approx(1.0, abs=1e-5)
    pad = reformat(image, width=50, height=30, resize="pad")
    assert pad.shape == (4, 30, 50) and torch.equal(pad[:, 5:25, 5:45], image)
    distort = reformat(image, width=10, height=10, resize="distort")
    assert distort.shape == (4, 10, 10) and distort.min().item() == pytest.approx(1.0, abs=1e-5)


def test_reformat_by_scale_and_with_a_proxy():
    image = random_premultiplied(20, 40, seed=4)
    assert reformat(image, type="scale", scale=0.5).shape == (4, 10, 20)
    proxy = evaluate(Reformat, image, proxy=0.5, width=100, height=50, resize="distort")
    assert proxy.shape == (4, 25, 50)
    assert reformat(image, width=40, height=20) is image  # already that size


def test_shrinking_filters_instead_of_aliasing():
    stripes = torch.zeros(4, 64, 64)
    stripes[:, :, ::2] = 1.0
    small = reformat(stripes, width=16, height=16, resize="distort", filter="bilinear")
    inside = small[:, :, 1:-1]  # the edge columns see the frame's edge
    assert inside.std().item() < 0.01 and inside.mean().item() == pytest.approx(0.5, abs=0.01)


def test_reformat_in_a_graph_changes_the_frame_size(registry):
    project = Project(width=64, height=36, registry=registry)
    ramp = project.add_node("Ramp")
    node = project.connect(ramp, project.add_node("Reformat", width=32, height=32, resize="fit"))
    with Engine(project, cpu_workers=1) as engine:
        assert engine.evaluate(node, 1).shape == (4, 32, 32)
        assert engine.evaluate(node, 1, scale=0.5).shape == (4, 16, 16)


# --- tracks (see test_match_move.py for match-move and stabilise) --------------------------------


def test_a_project_saved_before_tracks_loads_with_tracking_off(registry):
    """Transform kept its id and old parameters: a file without the tracking parameters loads
    without warnings and renders as it did (mode none, no Track input needed)."""
    import json

    project = Project(width=64, height=36, registry=registry)
    ramp = project.add_node("Ramp")
    node = project.connect(ramp, project.add_node("Transform", translate=(3.5, -2.0), rotate=12.0))
    document = json.loads(project.to_json())
    old = ("translate", "rotate", "scale", "skew", "center", "filter")
    for saved in document["nodes"]:
        if saved["type"] == "Transform":
            saved["params"] = {k: v for k, v in saved["params"].items() if k in old}
            assert saved["version"] == 1
    loaded = Project.from_json(json.dumps(document), registry)
    assert loaded.load_warnings == []
    again = loaded[node.name]
    assert again["mode"] == "none" and again["track1"] == ""
    with Engine(project, cpu_workers=1) as before, Engine(loaded, cpu_workers=1) as after:
        assert torch.equal(before.evaluate(node, 1), after.evaluate(again, 1))


def test_tracking_without_tracks_connected_keeps_frames_shared(registry):
    """Mode set but nothing on the Track input: an error on the node, not a silent identity; with
    the mode none, the track input plays no part in the cache key."""
    project = Project(width=64, height=36, registry=registry)
    node = project.connect(project.add_node("Ramp"), project.add_node("Transform", rotate=5.0))
    with Engine(project, cpu_workers=1) as engine:
        assert engine.key(node, 1) == engine.key(node, 7)  # a still: one result for all frames
