"""Deflicker: analyse a flickering clip, then render it evened out."""

from __future__ import annotations

import itertools
import statistics

import pytest
import torch

from filmstudio.engine.engine import Engine

LUMA = torch.tensor([0.2126, 0.7152, 0.0722]).view(3, 1, 1)
ANALYSED = range(1, 31)


def luminance(image: torch.Tensor) -> float:
    return (image[:3] * LUMA).sum(0).mean().item()


def flicker_gain(frame: int) -> float:
    return 0.8 if frame % 2 else 1.2


@pytest.fixture
def flicker(project):
    """A grey card whose brightness alternates 0.8 / 1.2 every frame (frames 1-40)."""
    card = project.add_node("Constant", color=(0.5, 0.4, 0.3, 1.0))
    grade = project.add_node("Grade")
    project.connect(card, grade)
    for frame in range(1, 41):
        grade.set_keyframe("gain", frame, (flicker_gain(frame),) * 3 + (1.0,))
    return grade


@pytest.fixture
def deflicker(project, flicker):
    node = project.add_node("Deflicker")
    project.connect(flicker, node)
    return node


def test_deflicker_evens_out_brightness(project, engine, flicker, deflicker):
    source = [luminance(engine.evaluate(flicker, frame=f)) for f in ANALYSED]
    engine.analyze(deflicker, ANALYSED)
    rendered = [luminance(engine.evaluate(deflicker, frame=f)) for f in ANALYSED]
    assert statistics.pstdev(source) > 5 * statistics.pstdev(rendered)
    # the overall brightness stays where it was
    assert statistics.mean(rendered) == pytest.approx(statistics.mean(source), rel=0.05)


def test_deflicker_keeps_alpha_and_format(project, engine, deflicker):
    engine.analyze(deflicker, ANALYSED)
    image = engine.evaluate(deflicker, frame=10)
    assert image.shape == (4, 36, 64)
    assert torch.equal(image[3], torch.ones(36, 64))
    assert engine.evaluate(deflicker, frame=10, scale=0.5).shape == (4, 18, 32)


def test_analysis_stores_mean_luminance_per_frame(project, engine, flicker, deflicker):
    assert "luminance" not in deflicker.state
    engine.analyze(deflicker, ANALYSED)
    measured = deflicker.state["luminance"]
    assert list(measured) == [str(f) for f in ANALYSED]
    for frame in ANALYSED:
        expected = luminance(engine.evaluate(flicker, frame=frame))
        assert measured[str(frame)] == pytest.approx(expected, rel=1e-5)


def test_undo_removes_the_analysis(project, engine, flicker, deflicker):
    engine.analyze(deflicker, ANALYSED)
    corrected = engine.evaluate(deflicker, frame=10)
    assert not torch.equal(corrected, engine.evaluate(flicker, frame=10))
    assert project.undo()
    assert "luminance" not in deflicker.state
    assert torch.equal(engine.evaluate(deflicker, frame=10), engine.evaluate(flicker, frame=10))
    assert project.redo()
    assert list(deflicker.state["luminance"]) == [str(f) for f in ANALYSED]
    assert torch.equal(engine.evaluate(deflicker, frame=10), corrected)


def test_analysing_more_frames_keeps_earlier_results(project, engine, deflicker):
    engine.analyze(deflicker, range(1, 11))
    first = dict(deflicker.state["luminance"])
    engine.analyze(deflicker, range(21, 26))
    measured = deflicker.state["luminance"]
    assert list(measured) == [str(f) for f in [*range(1, 11), *range(21, 26)]]
    assert all(measured[k] == v for k, v in first.items())


def test_unanalysed_frames_pass_through_unchanged(project, engine, flicker, deflicker):
    engine.analyze(deflicker, ANALYSED)
    for frame in (31, 32, 40, 60):
        assert torch.equal(engine.evaluate(deflicker, frame=frame), engine.evaluate(flicker, frame=frame))


def test_without_analysis_everything_passes_through(project, engine, flicker, deflicker):
    for frame in (1, 2, 3):
        assert torch.equal(engine.evaluate(deflicker, frame=frame), engine.evaluate(flicker, frame=frame))


def test_deflicker_scales_each_frame_towards_its_neighbours_average(project, engine):
    """With a source whose luminance is the frame number, the gain of frame f is
    mean(f - window .. f + window, analysed frames only) / f."""
    clock = project.add_node("test.FrameNumber")
    node = project.add_node("Deflicker", window=2)
    project.connect(clock, node)
    engine.analyze(node, range(1, 21))
    for frame in (1, 2, 3, 10, 19, 20):
        around = [f for f in range(frame - 2, frame + 3) if 1 <= f <= 20]
        gain = (sum(around) / len(around)) / frame
        expected = frame * gain  # source pixel value times gain: lands on the window's average
        image = engine.evaluate(node, frame=frame)
        assert image[:3].mean().item() == pytest.approx(expected, rel=1e-5), frame
        assert image[3].mean().item() == frame  # alpha untouched


def test_strength_blends_between_source_and_corrected(project, engine, flicker, deflicker):
    engine.analyze(deflicker, ANALYSED)
    frame = 11
    source = engine.evaluate(flicker, frame=frame)
    corrected = engine.evaluate(deflicker, frame=frame)
    deflicker.set(strength=0.0)
    assert torch.allclose(engine.evaluate(deflicker, frame=frame), source)
    deflicker.set(strength=0.5)
    assert torch.allclose(engine.evaluate(deflicker, frame=frame), (source + corrected) / 2, atol=1e-6)


def test_wider_window_evens_out_more(project, engine):
    """Flicker on a slow drift: a wider window irons out more of the frame-to-frame jumps."""
    card = project.add_node("Constant", color=(0.5, 0.5, 0.5, 1.0))
    grade = project.add_node("Grade")
    project.connect(card, grade)
    for frame in range(1, 31):
        gain = flicker_gain(frame) + 0.005 * frame
        grade.set_keyframe("gain", frame, (gain, gain, gain, 1.0))
    spreads = {}
    for window in (1, 6):
        node = project.add_node("Deflicker", window=window)
        project.connect(grade, node)
        engine.analyze(node, ANALYSED)
        values = [luminance(engine.evaluate(node, frame=f)) for f in range(8, 24)]
        spreads[window] = statistics.pstdev([b - a for a, b in itertools.pairwise(values)])
    assert spreads[6] < 0.5 * spreads[1]


def test_black_frames_do_not_break_the_correction(project, engine):
    """A cut to black inside the clip: black frames stay black, the others are still corrected and
    nothing turns into inf/NaN."""
    card = project.add_node("Constant", color=(0.5, 0.4, 0.3, 1.0))
    grade = project.add_node("Grade")
    project.connect(card, grade)
    for frame in range(1, 21):
        gain = 0.0 if frame in (9, 10) else flicker_gain(frame)
        grade.set_keyframe("gain", frame, (gain, gain, gain, 1.0), interp="hold")
    node = project.add_node("Deflicker", window=3)
    project.connect(grade, node)
    engine.analyze(node, range(1, 21))
    assert node.state["luminance"]["9"] == 0.0
    images = {f: engine.evaluate(node, frame=f) for f in range(1, 21)}
    assert all(torch.isfinite(image).all() for image in images.values())
    assert torch.equal(images[9][:3], torch.zeros(3, 36, 64))
    lit = [luminance(images[f]) for f in range(1, 21) if f not in (9, 10)]
    assert statistics.pstdev(lit) < 0.05 * luminance(images[1])


def test_deflicker_of_a_mask_is_a_grey_rgba_image(project, engine, flicker):
    split = project.add_node("test.Split")
    project.connect(flicker, split)
    node = project.add_node("Deflicker")
    project.connect(split, node, "alpha", "source")  # Mask -> Image: allowed, a grey image
    engine.analyze(node, range(1, 11))
    assert engine.evaluate(node, frame=5).shape == (4, 36, 64)


# --- the cache must tell frames apart ------------------------------------------------------------
# Deflicker reads a different measurement at each frame, but it is not time-dependent: two frames
# with identical inputs (a graded still) must still get different cache keys, through the slice of
# the analysis results that state_for_frame hands the scheduler.


def test_unanalysed_frames_pass_through_after_rendering_analysed_ones(project, engine, flicker, deflicker):
    engine.analyze(deflicker, ANALYSED)
    for frame in ANALYSED:  # play the analysed part first, as an artist checking the result would
        engine.evaluate(deflicker, frame=frame)
    for frame in (31, 32, 35, 40):
        assert torch.equal(engine.evaluate(deflicker, frame=frame), engine.evaluate(flicker, frame=frame))


def test_render_does_not_depend_on_the_order_frames_are_viewed(project, flicker, deflicker):
    with Engine(project, cpu_workers=1) as engine:
        engine.analyze(deflicker, ANALYSED)
        forwards = {f: engine.evaluate(deflicker, frame=f) for f in ANALYSED}
    with Engine(project, cpu_workers=1) as engine:
        backwards = {f: engine.evaluate(deflicker, frame=f) for f in reversed(ANALYSED)}
    for frame in ANALYSED:
        assert torch.equal(forwards[frame], backwards[frame]), frame
