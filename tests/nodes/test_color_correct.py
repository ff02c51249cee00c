"""Color Corrector: equals OCIO's CDLTransform (and the CDL + contrast group), control semantics,
premultiplied alpha, mask/mix, animation, export."""

from __future__ import annotations

import random

import PyOpenColorIO as ocio
import pytest
import torch

from filmstudio import testing
from filmstudio.colour.grade import CDL, grade_from_controls, lift_gamma_gain
from filmstudio.core.errors import ColourError
from filmstudio_nodes.color_correct import ColorCorrector
from tests.colour.reference import ocio_rgb, random_premultiplied

W, H = 64, 36  # the `project` fixture's format


def opaque_source(project, engine):
    """Random colour in 0..1 (the Seeded test node) made opaque with a Shuffle: (node, pixels)."""
    seeded = project.add_node("test.Seeded")
    shuffle = project.connect(seeded, project.add_node("Shuffle", alpha="1"))
    return shuffle, engine.evaluate(shuffle, 1)


def corrector(project, source, **params):
    return project.connect(source, project.add_node("ColorCorrector", **params))


def random_controls(rng: random.Random) -> dict:
    return {
        "exposure": rng.uniform(-1.5, 1.5),
        "lift": rng.uniform(-0.1, 0.1),
        "lift_rgb": tuple(rng.uniform(-0.05, 0.05) for _ in range(3)),
        "gamma": rng.uniform(0.6, 1.6),
        "gamma_rgb": tuple(rng.uniform(0.8, 1.25) for _ in range(3)),
        "gain": rng.uniform(0.6, 1.5),
        "gain_rgb": tuple(rng.uniform(0.8, 1.25) for _ in range(3)),
        "offset": rng.uniform(-0.05, 0.05),
        "offset_rgb": tuple(rng.uniform(-0.03, 0.03) for _ in range(3)),
        "saturation": rng.uniform(0.0, 2.0),
    }


def expected_cdl(c: dict) -> ocio.CDLTransform:
    """The textbook mapping, written out independently of the node's code."""
    lift = [c["lift"] + v for v in c["lift_rgb"]]
    gain = [c["gain"] * v for v in c["gain_rgb"]]
    gamma = [c["gamma"] * v for v in c["gamma_rgb"]]
    offset = [c["offset"] + v for v in c["offset_rgb"]]
    transform = ocio.CDLTransform()
    transform.setSlope([2 ** c["exposure"] * (g - lo) for g, lo in zip(gain, lift, strict=True)])
    transform.setOffset([lo + o for lo, o in zip(lift, offset, strict=True)])
    transform.setPower([1.0 / g for g in gamma])
    transform.setSat(c["saturation"])
    return transform


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("clamp", [False, True])
def test_matches_ocio_cdl_transform_on_random_pixels(project, engine, seed, clamp):
    source, pixels = opaque_source(project, engine)
    controls = random_controls(random.Random(seed))
    graded = engine.evaluate(corrector(project, source, clamp=clamp, **controls), 1)
    reference = expected_cdl(controls)
    reference.setStyle(ocio.CDL_ASC if clamp else ocio.CDL_NO_CLAMP)
    expected = ocio_rgb(reference, pixels[:3])
    assert (graded[:3] - expected).abs().max().item() <= 1e-5
    assert torch.equal(graded[3], pixels[3])


def test_matches_ocio_on_values_outside_0_1(project, engine):
    """Scene-linear super-whites and small negatives: no clamping, negatives skip the power."""
    source = project.add_node("test.CountingSource", value=1.0)
    values = torch.linspace(-0.2, 4.0, W * H).view(1, H, W).expand(3, H, W)
    controls = random_controls(random.Random(11))
    node = corrector(project, source, **controls)
    ctx_values = node.values_at(1)
    graded = ColorCorrector.grade(ctx_values).apply(values.contiguous())
    expected = ocio_rgb(expected_cdl(controls), values)
    assert ((graded - expected).abs() / expected.abs().clamp_min(1.0)).max().item() <= 1e-5


@pytest.mark.parametrize("clamp", [False, True])
def test_contrast_and_pivot_match_the_ocio_group(project, engine, clamp):
    source, pixels = opaque_source(project, engine)
    controls = {**random_controls(random.Random(5)), "contrast": 1.4, "pivot": 0.25}
    graded = engine.evaluate(corrector(project, source, clamp=clamp, **controls), 1)
    sop = expected_cdl({**controls, "saturation": 1.0})
    saturation = ocio.CDLTransform()
    saturation.setSat(controls["saturation"])
    for part in (sop, saturation):
        part.setStyle(ocio.CDL_ASC if clamp else ocio.CDL_NO_CLAMP)
    group = ocio.GroupTransform(
        [
            sop,
            ocio.MatrixTransform.Scale([1 / 0.25] * 3 + [1.0]),
            ocio.ExponentTransform([1.4, 1.4, 1.4, 1.0], ocio.NEGATIVE_PASS_THRU),
            ocio.MatrixTransform.Scale([0.25] * 3 + [1.0]),
            saturation,
        ]
    )
    assert (graded[:3] - ocio_rgb(group, pixels[:3])).abs().max().item() <= 1e-5


def test_controls_do_what_their_names_say():
    black, white = torch.zeros(3, 1, 1), torch.ones(3, 1, 1)
    grade = grade_from_controls(lift=(0.1, 0.2, 0.0), gain=(0.9, 1.5, 1.0))
    assert grade.apply(black).flatten().tolist() == pytest.approx([0.1, 0.2, 0.0])
    assert grade.apply(white).flatten().tolist() == pytest.approx([0.9, 1.5, 1.0])
    grade = grade_from_controls(exposure=1.0)
    assert grade.apply(torch.full((3, 1, 1), 0.18)).flatten().tolist() == pytest.approx([0.36] * 3)
    grade = grade_from_controls(gamma=(2.0, 2.0, 2.0))
    assert grade.apply(torch.full((3, 1, 1), 0.25)).flatten().tolist() == pytest.approx([0.5] * 3)
    grade = grade_from_controls(contrast=2.0, pivot=0.18)
    assert grade.apply(torch.full((3, 1, 1), 0.18)).flatten().tolist() == pytest.approx([0.18] * 3)
    grey = grade_from_controls(saturation=0.0).apply(torch.tensor([1.0, 0.0, 0.0]).view(3, 1, 1))
    assert grey.flatten().tolist() == pytest.approx([0.2126] * 3)


def test_lift_gamma_gain_round_trips_through_the_cdl():
    grade = grade_from_controls(lift=(0.05, -0.02, 0.0), gamma=(1.2, 0.9, 1.0), gain=(1.1, 0.95, 1.3))
    lift, gamma, gain = lift_gamma_gain(grade.cdl)
    assert lift == pytest.approx((0.05, -0.02, 0.0))
    assert gamma == pytest.approx((1.2, 0.9, 1.0))
    assert gain == pytest.approx((1.1, 0.95, 1.3))
    assert grade_from_controls().cdl == CDL() and grade_from_controls().is_identity


def test_premultiplied_pixels_are_graded_as_straight_colour(node_harness):
    image = random_premultiplied(H, W, seed=2)
    harness = node_harness(ColorCorrector, {"gain": 1.3, "lift": 0.05, "gamma": 1.2}, {"source": image})
    graded = harness.evaluate()
    alpha = image[3:4]
    straight = torch.where(alpha > 0, image[:3] / alpha.clamp_min(1e-12), image[:3])
    grade = ColorCorrector.grade(harness.node.values_at(1))
    expected = grade.apply(straight) * torch.where(alpha > 0, alpha, 1.0)
    assert torch.allclose(graded[:3], expected, atol=1e-6)
    assert torch.equal(graded[3], image[3])


def test_mask_and_mix_limit_the_grade(node_harness):
    image = torch.rand(4, 4, 6)
    image[3] = 1.0
    harness = node_harness(ColorCorrector, {"gain": 2.0}, {"source": image})
    full = harness.evaluate()
    harness.node.set(mix=0.25)
    quarter = harness.evaluate()
    assert torch.allclose(quarter[:3], image[:3] + 0.25 * (full[:3] - image[:3]), atol=1e-6)
    mask = torch.zeros(1, 4, 6)
    mask[:, :, 3:] = 1.0
    masked = testing.evaluate(ColorCorrector, {"gain": 2.0}, {"source": image, "mask": mask})
    assert torch.equal(masked[:, :, :3], image[:, :, :3]) and torch.allclose(masked[:, :, 3:], full[:, :, 3:])


def test_every_control_is_animatable(project, engine):
    assert all(p.animatable for p in ColorCorrector.params if p.name != "clamp")
    source = project.add_node("Constant", color=(0.18, 0.18, 0.18, 1.0))
    node = corrector(project, source)
    node.set_keyframe("exposure", 1, 0.0)
    node.set_keyframe("exposure", 11, 2.0)
    node.set_keyframe("gain_rgb", 1, (1.0, 1.0, 1.0))
    node.set_keyframe("gain_rgb", 11, (1.0, 0.5, 1.0))
    values = [engine.evaluate(node, f)[:3, 0, 0].tolist() for f in (1, 6, 11)]
    assert values[0] == pytest.approx([0.18] * 3, abs=1e-6)
    assert values[1] == pytest.approx([0.36, 0.36 * 0.75, 0.36], abs=1e-5)
    assert values[2] == pytest.approx([0.72, 0.36, 0.72], abs=1e-5)


def test_an_identity_grade_passes_the_input_through(project, engine):
    source = project.add_node("Constant", color=(0.3, 0.2, 0.1, 1.0))
    node = corrector(project, source)
    assert torch.equal(engine.evaluate(node, 1), engine.evaluate(source, 1))


def test_the_grade_exports_as_cdl_and_clf_that_ocio_reads_back(tmp_path):
    grade = grade_from_controls(lift=(0.02, 0, 0), gamma=(1.1, 1, 0.9), gain=(1.2, 1, 1), saturation=1.2)
    pixels = torch.rand(3, 500)
    for suffix in (".cc", ".clf"):
        path = grade.export(tmp_path / f"grade{suffix}")
        read_back = ocio_rgb(ocio.FileTransform(str(path)), pixels)
        assert (read_back - grade.apply(pixels)).abs().max().item() <= 1e-5
    with_contrast = grade_from_controls(contrast=1.3)
    path = with_contrast.export(tmp_path / "contrast.clf")
    read_back = ocio_rgb(ocio.FileTransform(str(path)), pixels)
    assert (read_back - with_contrast.apply(pixels)).abs().max().item() <= 1e-5
    with pytest.raises(ColourError, match="cannot hold contrast.*export as .clf"):
        with_contrast.export(tmp_path / "contrast.cc")
    with pytest.raises(ColourError, match="choose one of those"):
        grade.export(tmp_path / "grade.txt")
