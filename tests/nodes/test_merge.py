"""Merge: every operator equals its textbook formula on random premultiplied inputs; mix, mask,
sizes; Premult/Unpremult; Shuffle."""

from __future__ import annotations

import pytest
import torch

from filmstudio import testing
from filmstudio.core.errors import EvaluationError
from filmstudio_nodes.merge import OPERATIONS, Merge
from tests.colour.reference import random_premultiplied

H, W = 36, 64


def separable(operation: str):
    """W3C Compositing and Blending Level 1 blend functions B(Cb, Cs) on straight colour."""
    return {
        "multiply": lambda cs, cb: cs * cb,
        "screen": lambda cs, cb: cs + cb - cs * cb,
        "difference": lambda cs, cb: (cs - cb).abs(),
        "max": torch.maximum,  # "lighten"
        "min": torch.minimum,  # "darken"
    }[operation]


def textbook(a: torch.Tensor, b: torch.Tensor, operation: str) -> torch.Tensor:
    """The formulas as the papers write them, with un-premultiplied colour where they use it."""
    colour_a, alpha_a = a[:3], a[3:4]
    colour_b, alpha_b = b[:3], b[3:4]
    if operation == "over":  # Porter & Duff
        return a + b * (1 - alpha_a)
    if operation == "under":
        return b + a * (1 - alpha_b)
    if operation == "plus":
        out = a + b
        return torch.cat([out[:3], out[3:].clamp(max=1.0)])
    straight_a = torch.where(alpha_a > 0, colour_a / alpha_a.clamp_min(1e-30), torch.zeros_like(colour_a))
    straight_b = torch.where(alpha_b > 0, colour_b / alpha_b.clamp_min(1e-30), torch.zeros_like(colour_b))
    blended = separable(operation)(straight_a, straight_b)
    colour = colour_a * (1 - alpha_b) + colour_b * (1 - alpha_a) + alpha_a * alpha_b * blended
    return torch.cat([colour, alpha_a + alpha_b - alpha_a * alpha_b])


def evaluate(node_type, params, **inputs):
    return testing.evaluate(node_type, params, inputs, size=(W, H))


@pytest.mark.parametrize("operation", OPERATIONS)
def test_every_operator_equals_its_textbook_formula(operation):
    a, b = random_premultiplied(H, W, seed=1), random_premultiplied(H, W, seed=2)
    out = evaluate(Merge, {"operation": operation}, A=a, B=b)
    assert (out - textbook(a, b, operation)).abs().max().item() <= 1e-6


@pytest.mark.parametrize("operation", ["multiply", "screen", "difference", "max", "min"])
def test_on_opaque_pixels_the_blend_modes_are_the_familiar_ones(operation):
    a, b = torch.rand(4, 8, 8), torch.rand(4, 8, 8)
    a[3] = b[3] = 1.0
    out = evaluate(Merge, {"operation": operation}, A=a, B=b)
    familiar = {
        "multiply": a * b,
        "screen": a + b - a * b,
        "difference": (a - b).abs(),
        "max": torch.maximum(a, b),
        "min": torch.minimum(a, b),
    }[operation]
    assert torch.allclose(out[:3], familiar[:3], atol=1e-6) and torch.equal(out[3], torch.ones(8, 8))


def test_mix_and_mask_blend_from_b_to_the_result():
    a, b = random_premultiplied(H, W, seed=3), random_premultiplied(H, W, seed=4)
    full = textbook(a, b, "over")
    mixed = evaluate(Merge, {"mix": 0.3}, A=a, B=b)
    assert torch.allclose(mixed, b + 0.3 * (full - b), atol=1e-6)
    mask = torch.rand(1, H, W)
    masked = evaluate(Merge, {"mix": 0.5}, A=a, B=b, mask=mask)
    assert torch.allclose(masked, b + (full - b) * mask * 0.5, atol=1e-6)


def test_one_input_alone_passes_through():
    image = random_premultiplied(H, W, seed=5)
    for operation in OPERATIONS:
        assert evaluate(Merge, {"operation": operation}, B=image) is image
        assert evaluate(Merge, {"operation": operation}, A=image) is image
    assert evaluate(Merge, {}) is None


def test_a_smaller_foreground_is_centred_on_the_background():
    a = torch.ones(4, 10, 20)
    b = torch.zeros(4, H, W)
    out = evaluate(Merge, {}, A=a, B=b)
    assert out.shape == (4, H, W)
    rows, cols = torch.nonzero(out[3]).unbind(1)
    assert (rows.min().item(), rows.max().item(), cols.min().item(), cols.max().item()) == (13, 22, 22, 41)
    bigger = evaluate(Merge, {}, A=torch.ones(4, H + 10, W + 10), B=b)
    assert torch.equal(bigger, torch.ones(4, H, W))


def test_merge_in_a_graph_with_animated_mix(project, engine):
    b = project.add_node("Constant", color=(0.1, 0.2, 0.3, 1.0))
    a = project.add_node("Constant", color=(0.5, 0.0, 0.0, 0.5))
    merge = project.connect(b, project.add_node("Merge"), target_port="B")
    project.connect(a, merge, target_port="A")
    merge.set_keyframe("mix", 1, 0.0)
    merge.set_keyframe("mix", 11, 1.0)
    start, middle, end = (engine.evaluate(merge, f)[:, 0, 0] for f in (1, 6, 11))
    assert torch.allclose(start, torch.tensor([0.1, 0.2, 0.3, 1.0]))
    assert torch.allclose(end, torch.tensor([0.55, 0.1, 0.15, 1.0]))
    assert torch.allclose(middle, (start + end) / 2)


# --- Premult, Unpremult, Shuffle ----------------------------------------------------------------


def test_unpremult_then_premult_round_trips():
    from filmstudio_nodes.channels import Premult, Unpremult

    image = random_premultiplied(H, W, seed=6)
    straight = evaluate(Unpremult, {}, source=image)
    alpha = image[3:4]
    assert torch.allclose(straight[:3] * alpha, image[:3], atol=1e-6)
    assert torch.equal(
        straight[:3][(alpha == 0).expand(3, -1, -1)], image[:3][(alpha == 0).expand(3, -1, -1)]
    )
    assert torch.allclose(evaluate(Premult, {}, source=straight), image, atol=1e-6)


def test_shuffle_routes_channels():
    from filmstudio_nodes.channels import Shuffle

    image, other = torch.rand(4, 5, 6), torch.rand(4, 5, 6)
    assert evaluate(Shuffle, {}, source=image) is image
    swapped = evaluate(Shuffle, {"red": "blue", "blue": "red", "alpha": "1"}, source=image)
    assert torch.equal(swapped, torch.stack([image[2], image[1], image[0], torch.ones(5, 6)]))
    routed = evaluate(Shuffle, {"alpha": "other red", "green": "0"}, source=image, other=other)
    assert torch.equal(routed, torch.stack([image[0], torch.zeros(5, 6), image[2], other[0]]))


def test_shuffle_from_a_missing_other_input_is_a_clear_error(project, engine):
    source = project.add_node("Constant")
    shuffle = project.connect(source, project.add_node("Shuffle", alpha="other alpha"))
    with pytest.raises(EvaluationError, match="nothing is connected to other: connect an image"):
        engine.evaluate(shuffle, 1)
