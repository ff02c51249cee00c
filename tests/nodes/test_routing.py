"""Switch and Dot: picking and passing inputs, and evaluating only what is shown."""

from __future__ import annotations

import pytest
import torch

COLORS = [(0.1, 0.0, 0.0, 1.0), (0.0, 0.2, 0.0, 1.0), (0.0, 0.0, 0.3, 1.0), (0.4, 0.4, 0.4, 1.0)]


@pytest.fixture
def sources(project):
    return [project.add_node("test.CountingSource", value=float(i + 1)) for i in range(4)]


@pytest.fixture
def switch(project, sources):
    node = project.add_node("Switch")
    for i, source in enumerate(sources):
        project.connect(source, node, "image", f"input{i}")
    return node


def value(engine, node, frame: int = 1) -> float:
    image = engine.evaluate(node, frame=frame)
    assert torch.equal(image, torch.full_like(image, image[0, 0, 0].item()))
    return image[0, 0, 0].item()


# --- Switch --------------------------------------------------------------------------------------


@pytest.mark.parametrize("which", [0, 1, 2, 3])
def test_switch_outputs_the_chosen_input(project, engine, switch, sources, which):
    switch.set(which=which)
    assert torch.equal(engine.evaluate(switch, frame=1), engine.evaluate(sources[which], frame=1))


def test_switch_with_constants_shows_the_chosen_colour(project, engine):
    node = project.add_node("Switch", which=2)
    for i, color in enumerate(COLORS):
        project.connect(project.add_node("Constant", color=color), node, "image", f"input{i}")
    image = engine.evaluate(node, frame=1)
    assert torch.equal(image[:, 5, 5], torch.tensor(COLORS[2]))


@pytest.mark.parametrize("which", [0, 3])
def test_switch_evaluates_only_the_chosen_branch(project, engine, switch, sources, which):
    switch.set(which=which)
    for frame in (1, 2, 3):
        engine.evaluate(switch, frame=frame)
    for i, source in enumerate(sources):
        assert engine.evaluations(source) == (1 if i == which else 0), i


def test_switch_does_not_evaluate_an_expensive_branch_behind_it(project, engine, sources):
    grade = project.add_node("Grade", gain=(2, 2, 2, 1))
    project.connect(sources[1], grade)
    node = project.add_node("Switch")
    project.connect(sources[0], node, "image", "input0")
    project.connect(grade, node, "image", "input1")
    engine.evaluate(node, frame=1)
    assert engine.evaluations(grade) == 0
    assert engine.evaluations(sources[1]) == 0
    node.set(which=1)
    assert engine.evaluate(node, frame=1)[:3].unique().tolist() == [4.0]  # source 2, graded
    assert engine.evaluations(grade) == 1


def test_animated_switch_changes_input_over_time(project, engine, switch):
    switch.set_keyframe("which", 1, 0, interp="hold")
    switch.set_keyframe("which", 10, 2, interp="hold")
    switch.set_keyframe("which", 20, 1)
    values = {frame: value(engine, switch, frame) for frame in (1, 9, 10, 19, 20, 50)}
    assert values == {1: 1.0, 9: 1.0, 10: 3.0, 19: 3.0, 20: 2.0, 50: 2.0}


def test_linearly_animated_switch_rounds_to_the_nearest_input(project, engine, switch):
    switch.set_keyframe("which", 1, 0)
    switch.set_keyframe("which", 31, 3)  # 0.1 per frame
    assert [value(engine, switch, f) for f in (1, 5, 6, 16, 26, 31)] == [1.0, 1.0, 2.0, 3.0, 4.0, 4.0]


def test_switch_to_an_unconnected_input_gives_nothing(project, engine, sources):
    node = project.add_node("Switch", which=2)
    project.connect(sources[0], node, "image", "input0")
    assert engine.evaluate(node, frame=1) is None
    assert engine.evaluations(sources[0]) == 0


def test_switch_carries_masks_too(project, engine):
    split = project.add_node("test.Split")
    project.connect(project.add_node("Constant", color=(0.2, 0.2, 0.2, 0.6)), split)
    node = project.add_node("Switch", which=1)
    project.connect(split, node, "rgb", "input0")
    project.connect(split, node, "alpha", "input1")
    mask = engine.evaluate(node, frame=1)
    assert mask.shape == (1, 36, 64)
    assert torch.allclose(mask, torch.full_like(mask, 0.6))


def test_disabled_switch_passes_its_first_input(project, engine, switch):
    switch.set(which=3)
    switch.set_disabled(True)
    assert value(engine, switch) == 1.0


def test_switch_at_proxy_scale(project, engine, switch):
    switch.set(which=1)
    assert engine.evaluate(switch, frame=1, scale=0.5).shape == (4, 18, 32)


# --- Dot -----------------------------------------------------------------------------------------


def test_dot_passes_its_input_through_unchanged(project, engine):
    noise = project.add_node("Noise", seed=1, size=8)
    dot = project.add_node("Dot")
    project.connect(noise, dot)
    assert torch.equal(engine.evaluate(dot, frame=1), engine.evaluate(noise, frame=1))
    assert torch.equal(engine.evaluate(dot, frame=1, scale=0.5), engine.evaluate(noise, frame=1, scale=0.5))


def test_dots_in_a_chain_change_nothing_downstream(project, engine):
    noise = project.add_node("Noise", seed=1, size=8)
    direct = project.add_node("Grade", gain=(1.5, 1, 0.5, 1))
    project.connect(noise, direct)
    first, second = project.add_node("Dot"), project.add_node("Dot")
    project.connect(noise, first)
    project.connect(first, second)
    via_dots = project.add_node("Grade", gain=(1.5, 1, 0.5, 1))
    project.connect(second, via_dots)
    assert torch.equal(engine.evaluate(via_dots, frame=1), engine.evaluate(direct, frame=1))
    assert engine.evaluations(noise) == 1


def test_dot_follows_time(project, engine):
    clock = project.add_node("test.FrameNumber")
    dot = project.add_node("Dot")
    project.connect(clock, dot)
    assert [value(engine, dot, f) for f in (3, 4, 99)] == [3.0, 4.0, 99.0]


def test_dot_carries_a_mask_unchanged(project, engine):
    split = project.add_node("test.Split")
    project.connect(project.add_node("Ramp", start_color=(0, 0, 0, 0)), split)
    dot = project.add_node("Dot")
    project.connect(split, dot, "alpha")
    mask = engine.evaluate(dot, frame=1)
    assert mask.shape == (1, 36, 64)
    assert torch.equal(mask, engine.evaluate(split, frame=1, output="alpha"))
