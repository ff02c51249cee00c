"""Parameter values and keyframe interpolation."""

from __future__ import annotations

import itertools

import pytest

from filmstudio.core.errors import ParameterError
from filmstudio.core.params import (
    AnimCurve,
    BoolParam,
    ColorParam,
    FloatParam,
    Interp,
    IntParam,
    Keyframe,
    VectorParam,
    evaluate_value,
)
from filmstudio.core.timebase import FrameRange, parse_fps, timecode


def test_values_are_coerced_or_refused_with_the_parameter_name():
    assert ColorParam("tint").coerce(0.5) == (0.5, 0.5, 0.5, 1.0)
    assert ColorParam("tint").coerce([1, 0, 0]) == (1.0, 0.0, 0.0, 1.0)
    assert VectorParam("center", (0, 0)).coerce([3, 4]) == (3.0, 4.0)
    assert IntParam("steps").coerce(3.0) == 3
    with pytest.raises(ParameterError, match="Steps: 3.5 is not a whole number"):
        IntParam("steps").coerce(3.5)
    with pytest.raises(ParameterError, match="below the minimum"):
        FloatParam("size", minimum=0.0).coerce(-1)
    with pytest.raises(ParameterError, match="not a finite number"):
        FloatParam("size").coerce(float("nan"))
    with pytest.raises(ParameterError):
        BoolParam("on").coerce("yes")


def test_linear_smooth_and_hold_keys():
    curve = AnimCurve((Keyframe(1, 0.0), Keyframe(11, 10.0, Interp.SMOOTH), Keyframe(21, 0.0, Interp.HOLD),
                       Keyframe(31, 5.0)))  # fmt: skip
    assert curve.evaluate(-5) == 0.0 and curve.evaluate(100) == 5.0  # held outside the keys
    assert curve.evaluate(6) == pytest.approx(5.0)  # linear
    smooth = [curve.evaluate(f) for f in range(11, 22)]
    assert smooth[0] == 10.0 and smooth[-1] == 0.0
    assert all(a >= b for a, b in itertools.pairwise(smooth))  # smooth and monotonic here
    assert curve.evaluate(12) > 9.5  # flat near the peak (zero tangent), unlike linear (9.0)
    assert curve.evaluate(30.9) == 0.0 and curve.evaluate(31) == 5.0  # hold steps


def test_int_parameters_round_and_vectors_interpolate_per_component():
    steps = IntParam("steps")
    curve = AnimCurve((Keyframe(0, 0), Keyframe(10, 5)))
    assert [evaluate_value(steps, curve, f) for f in (0, 1, 2, 3, 10)] == [0, 1, 1, 2, 5]
    color = AnimCurve((Keyframe(0, (0.0, 0.0, 0.0, 1.0)), Keyframe(10, (1.0, 0.5, 0.0, 1.0))))
    assert color.evaluate(5) == pytest.approx((0.5, 0.25, 0.0, 1.0))


def test_frame_ranges_rates_and_timecode():
    assert list(FrameRange.parse("1-10x3")) == [1, 4, 7, 10]
    assert str(FrameRange.parse(" 5 - 8 ")) == "5-8" and len(FrameRange.parse("7")) == 1
    with pytest.raises(ValueError, match="write 12, 1-100 or 1-100x2"):
        FrameRange.parse("1..10")
    with pytest.raises(ValueError):
        FrameRange.parse("10-1")
    assert parse_fps("23.976").denominator == 1001 and parse_fps(25) == 25
    assert timecode(24 * 3661 + 5, parse_fps(24)) == "01:01:01:05"


def test_smooth_keys_never_overshoot_a_parameters_hard_limits():
    """Opacity keyed 0 -> 1 -> 1 -> 0 with smooth keys swings past 1 between the keys; what a
    node sees stays within the declared limits (the demo's caption reached 1.19)."""
    opacity = FloatParam("opacity", 1.0, minimum=0.0, maximum=1.0)
    curve = AnimCurve(
        tuple(Keyframe(f, v, Interp.SMOOTH) for f, v in ((1, 0.0), (5, 1.0), (9, 1.0), (20, 0.0)))
    )
    frames = [f / 4 for f in range(4, 81)]
    raw = [curve.evaluate(f) for f in frames]
    assert max(raw) > 1.05  # the curve itself overshoots
    values = [evaluate_value(opacity, curve, f) for f in frames]
    assert all(0.0 <= v <= 1.0 for v in values) and max(values) == 1.0
    unbounded = FloatParam("gain", 1.0)
    assert [evaluate_value(unbounded, curve, f) for f in frames] == raw
