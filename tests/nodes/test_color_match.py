"""Color Match: Lab statistics and histograms moved onto the reference's, from an input or a file."""

from __future__ import annotations

import pytest
import torch

from filmstudio.colour.lab import to_lab
from filmstudio.core.project import Project
from filmstudio.engine.engine import Engine

W, H = 64, 36


def lab_stats(image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    lab = to_lab(image[:3].float()).reshape(3, -1).double()
    return lab.mean(1), lab.std(1, correction=0)


def assert_matched(out: torch.Tensor, reference: torch.Tensor) -> None:
    """The acceptance test: each Lab channel's mean within 0.5, its std within 2%."""
    mean, std = lab_stats(out)
    ref_mean, ref_std = lab_stats(reference)
    assert (mean - ref_mean).abs().max().item() <= 0.5, (mean, ref_mean)
    assert ((std - ref_std).abs() / ref_std).max().item() <= 0.02, (std, ref_std)


@pytest.fixture
def shots(project):
    """Two opaque shots that look different: a warm, dark noise and a cool, bright random one."""
    noise = project.add_node("Noise", size=8.0, low=(0.02, 0.01, 0.0, 1.0), high=(0.6, 0.35, 0.15, 1.0))
    seeded = project.add_node("test.Seeded")
    cool = project.connect(seeded, project.add_node("ColorCorrector", gain_rgb=(0.7, 0.9, 1.3), lift=0.05))
    reference = project.connect(cool, project.add_node("Shuffle", alpha="1"))
    return noise, reference


def matcher(project, source, reference=None, **params):
    node = project.connect(source, project.add_node("ColorMatch", **params))
    if reference is not None:
        project.connect(reference, node, target_port="reference")
    return node


@pytest.mark.parametrize("method", ["statistics", "histogram"])
def test_match_brings_lab_means_and_spreads_to_the_reference(project, engine, shots, method):
    source, reference = shots
    before = engine.evaluate(source, 1)
    target = engine.evaluate(reference, 1)
    mean, _ = lab_stats(before)
    assert (mean - lab_stats(target)[0]).abs().max().item() > 5  # they really differ to begin with
    out = engine.evaluate(matcher(project, source, reference, method=method), 1)
    assert out.shape == before.shape and torch.equal(out[3], before[3])
    assert_matched(out, target)


def test_histogram_matching_matches_the_whole_distribution(project, engine, shots):
    source, reference = shots
    out = engine.evaluate(matcher(project, source, reference, method="histogram"), 1)
    ours = to_lab(out[:3]).reshape(3, -1)
    theirs = to_lab(engine.evaluate(reference, 1)[:3]).reshape(3, -1)
    quantiles = torch.tensor([0.05, 0.25, 0.5, 0.75, 0.95])
    for channel in range(3):
        ranges = theirs[channel].max() - theirs[channel].min()
        gap = (ours[channel].quantile(quantiles) - theirs[channel].quantile(quantiles)).abs().max()
        assert gap <= 0.02 * ranges


def test_amount_and_no_reference(project, engine, shots):
    source, reference = shots
    before = engine.evaluate(source, 1)
    assert torch.equal(engine.evaluate(matcher(project, source), 1), before)  # nothing to match to
    full = engine.evaluate(matcher(project, source, reference), 1)
    half = engine.evaluate(matcher(project, source, reference, amount=0.5), 1)
    assert torch.allclose(half[:3], (before[:3] + full[:3]) / 2, atol=1e-5)
    assert torch.equal(engine.evaluate(matcher(project, source, reference, amount=0.0), 1), before)


def test_a_reference_image_file(registry, tmp_path):
    from filmstudio.media import write_image

    generator = torch.Generator().manual_seed(3)
    picture = torch.cat(
        [
            torch.rand(3, H, W, generator=generator) * torch.tensor([0.4, 0.8, 0.9]).view(3, 1, 1),
            torch.ones(1, H, W),
        ]
    )
    write_image(tmp_path / "reference.png", picture)
    project = Project(width=W, height=H, registry=registry)
    source = project.add_node("Noise", size=6.0, low=(0.1, 0.0, 0.0, 1.0), high=(0.9, 0.5, 0.2, 1.0))
    read = project.add_node("Read", file=str(tmp_path / "reference.png"))
    node = matcher(project, source, reference_file=str(tmp_path / "reference.png"))
    with Engine(project, cpu_workers=1) as engine:
        assert_matched(engine.evaluate(node, 1), engine.evaluate(read, 1))


def test_hold_reference_matches_every_frame_to_one_reference_frame(project, engine, shots):
    source, reference = shots
    grade = project.connect(reference, project.add_node("ColorCorrector"))
    grade.set_keyframe("exposure", 1, -2.0)
    grade.set_keyframe("exposure", 10, 2.0)
    node = matcher(project, source, grade, hold_reference=True, reference_frame=5)
    held = engine.evaluate(grade, 5)
    for frame in (1, 10):
        assert_matched(engine.evaluate(node, frame), held)


def test_transparent_pixels_do_not_count(project, engine, shots):
    source, reference = shots
    # the same source with a transparent right half of wild colour: statistics come from the left
    wild = project.add_node("Constant", color=(5.0, 0.0, 5.0, 0.0))
    crop = project.connect(source, project.add_node("Crop", box=(0.0, 0.0, 0.5, 1.0)))
    merged = project.connect(crop, project.add_node("Merge", operation="over"), target_port="A")
    project.connect(wild, merged, target_port="B")
    left = engine.evaluate(matcher(project, crop, reference), 1)
    both = engine.evaluate(matcher(project, merged, reference), 1)
    assert torch.allclose(both[:, :, : W // 2], left[:, :, : W // 2], atol=1e-4)
