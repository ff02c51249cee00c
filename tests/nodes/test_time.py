"""TimeOffset and FrameHold: which source frame each output frame shows, and what gets computed."""

from __future__ import annotations

import pytest
import torch


def shown(engine, node, frame: int, scale: float = 1.0) -> float:
    """The source frame an output frame shows (test.FrameNumber's pixels hold the frame number)."""
    image = engine.evaluate(node, frame=frame, scale=scale)
    value = image[0, 0, 0].item()
    assert torch.equal(image, torch.full_like(image, value))
    return value


@pytest.fixture
def clock(project):
    return project.add_node("test.FrameNumber")


def after(project, source, type_id, **params):
    node = project.add_node(type_id, **params)
    project.connect(source, node)
    return node


# --- TimeOffset ----------------------------------------------------------------------------------


@pytest.mark.parametrize("offset", [0, 3, -5, 40])
def test_time_offset_shows_the_frame_offset_earlier(project, engine, clock, offset):
    node = after(project, clock, "TimeOffset", offset=offset)
    for frame in (1, 10, 50, 100):
        assert shown(engine, node, frame) == frame - offset


def test_time_offset_zero_is_identity(project, engine, clock):
    node = after(project, clock, "TimeOffset")
    assert torch.equal(engine.evaluate(node, frame=12), engine.evaluate(clock, frame=12))


def test_time_offset_at_proxy_scale(project, engine, clock):
    node = after(project, clock, "TimeOffset", offset=2)
    image = engine.evaluate(node, frame=10, scale=0.5)
    assert image.shape == (4, 18, 32)
    assert shown(engine, node, 10, scale=0.5) == 8


def test_time_offset_reuses_frames_already_computed(project, engine, clock):
    node = after(project, clock, "TimeOffset", offset=3)
    for frame in range(1, 11):
        engine.evaluate(clock, frame=frame)
    assert engine.evaluations(clock) == 10
    for frame in range(4, 14):  # shows source frames 1..10: all cached
        engine.evaluate(node, frame=frame)
    assert engine.evaluations(clock) == 10


def test_time_offset_follows_a_change_of_offset(project, engine, clock):
    node = after(project, clock, "TimeOffset", offset=3)
    assert shown(engine, node, 20) == 17
    node.set(offset=-3)
    assert shown(engine, node, 20) == 23
    project.undo()
    assert shown(engine, node, 20) == 17


def test_time_offset_of_a_still_changes_nothing(project, engine):
    still = project.add_node("Constant", color=(0.3, 0.2, 0.1, 1))
    node = after(project, still, "TimeOffset", offset=7)
    assert torch.equal(engine.evaluate(node, frame=30), engine.evaluate(still, frame=30))


# --- FrameHold -----------------------------------------------------------------------------------


def test_frame_hold_increment_zero_holds_first_frame_everywhere(project, engine, clock):
    node = after(project, clock, "FrameHold", first_frame=12)
    assert {shown(engine, node, f) for f in (1, 11, 12, 13, 50, 100)} == {12}


def test_frame_hold_defaults_to_frame_one(project, engine, clock):
    node = after(project, clock, "FrameHold")
    assert [shown(engine, node, f) for f in (1, 2, 77)] == [1, 1, 1]


def test_frame_hold_increment_two_steps_on_twos(project, engine, clock):
    node = after(project, clock, "FrameHold", first_frame=1, increment=2)
    assert [shown(engine, node, f) for f in range(1, 11)] == [1, 1, 3, 3, 5, 5, 7, 7, 9, 9]


def test_frame_hold_increment_three_from_a_later_first_frame(project, engine, clock):
    node = after(project, clock, "FrameHold", first_frame=10, increment=3)
    assert [shown(engine, node, f) for f in range(10, 20)] == [10, 10, 10, 13, 13, 13, 16, 16, 16, 19]


def test_frame_hold_computes_the_held_branch_once(project, engine, clock):
    grade = after(project, clock, "Grade", gain=(0.5, 0.5, 0.5, 1))
    node = after(project, grade, "FrameHold", first_frame=5)
    for frame in range(1, 21):
        image = engine.evaluate(node, frame=frame)
        assert torch.equal(image[:3], torch.full_like(image[:3], 2.5))  # frame 5, graded
    assert engine.evaluations(clock) == 1
    assert engine.evaluations(grade) == 1


def test_frame_hold_on_twos_computes_every_other_frame(project, engine, clock):
    node = after(project, clock, "FrameHold", first_frame=1, increment=2)
    for frame in range(1, 21):
        engine.evaluate(node, frame=frame)
    assert engine.evaluations(clock) == 10


def test_frame_hold_first_frame_can_be_animated(project, engine, clock):
    node = after(project, clock, "FrameHold")
    node.set_keyframe("first_frame", 1, 5, interp="hold")
    node.set_keyframe("first_frame", 20, 30)
    assert [shown(engine, node, f) for f in (1, 19, 20, 60)] == [5, 5, 30, 30]


def test_disabled_frame_hold_plays_the_source(project, engine, clock):
    node = after(project, clock, "FrameHold", first_frame=5)
    node.set_disabled(True)
    assert [shown(engine, node, f) for f in (1, 8, 30)] == [1, 8, 30]
