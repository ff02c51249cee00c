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


# --- Bezier keys (filmstudio.core.animation) ----------------------------------------------------


def _cubic(p0: float, p1: float, p2: float, p3: float, t: float) -> float:
    """The textbook cubic Bezier polynomial."""
    return (1 - t) ** 3 * p0 + 3 * (1 - t) ** 2 * t * p1 + 3 * (1 - t) * t**2 * p2 + t**3 * p3


def test_a_bezier_key_without_handles_draws_exactly_like_a_smooth_one():
    values = ((1, 0.0), (11, 10.0), (15, 2.0), (31, 5.0))
    smooth = AnimCurve(tuple(Keyframe(f, v, Interp.SMOOTH) for f, v in values))
    bezier = AnimCurve(tuple(Keyframe(f, v, Interp.BEZIER) for f, v in values))
    frames = [f / 4 for f in range(0, 130)]
    expected = [smooth.evaluate(f) for f in frames]
    assert [bezier.evaluate(f) for f in frames] == pytest.approx(expected, abs=1e-7)
    colour = [(1, (0.0, 1.0, 0.5, 1.0)), (9, (1.0, 0.0, 0.5, 1.0)), (20, (0.5, 0.5, 0.0, 1.0))]
    smooth = AnimCurve(tuple(Keyframe(f, v, Interp.SMOOTH) for f, v in colour))
    bezier = AnimCurve(tuple(Keyframe(f, v, Interp.BEZIER) for f, v in colour))
    for frame in (3.5, 8, 12.25, 19):
        assert bezier.evaluate(frame) == pytest.approx(smooth.evaluate(frame), abs=1e-7)


def test_bezier_handles_shape_the_segment_as_the_textbook_cubic_in_frame_and_value():
    """P0 = (10, 1), P1 = P0 + out (4, 3), P2 = P3 + in (-1, -2), P3 = (20, 0): at each frame
    x(t) the curve's value is y(t)."""
    start = Keyframe(10, 1.0, Interp.BEZIER, out_handle=(4.0, 3.0))
    end = Keyframe(20, 0.0, in_handle=(-1.0, -2.0))
    curve = AnimCurve((start, end))
    xs, ys = (10.0, 14.0, 19.0, 20.0), (1.0, 4.0, -2.0, 0.0)
    for t in (0.05, 0.2, 0.37, 0.5, 0.81, 0.99):
        assert curve.evaluate(_cubic(*xs, t)) == pytest.approx(_cubic(*ys, t), abs=1e-7)
    assert curve.evaluate(14.0) > 1.5  # pulled up by the out handle; linear would give 0.6
    assert curve.evaluate(10) == 1.0 and curve.evaluate(20) == 0.0


def test_vector_keys_have_a_handle_per_component_and_a_single_pair_applies_to_all():
    both = Keyframe(0, (0.0, 0.0), Interp.BEZIER, out_handle=(2.0, 6.0))
    assert both.out_handle == ((2.0, 6.0), (2.0, 6.0))
    own = Keyframe(0, (0.0, 0.0), Interp.BEZIER, out_handle=((2.0, 6.0), (3.0, 0.0)))
    curve = AnimCurve((own, Keyframe(6, (3.0, 3.0))))
    first, second = curve.evaluate(2)
    assert first > 2.0 > second  # the first rises steeply, the second starts flat: each its own shape
    # the second: P1 = (0, 0) + (3, 0), P2 = (6, 3) + the automatic in handle (-2, 0)
    xs, ys = (0.0, 3.0, 4.0, 6.0), (0.0, 0.0, 3.0, 3.0)
    for t in (0.25, 0.5, 0.75):
        assert curve.evaluate(_cubic(*xs, t))[1] == pytest.approx(_cubic(*ys, t), abs=1e-7)


def test_handles_longer_than_their_segment_are_shortened_so_time_never_runs_backwards():
    long = AnimCurve((Keyframe(0, 0.0, Interp.BEZIER, out_handle=(40.0, 20.0)), Keyframe(10, 0.0)))
    fitted = AnimCurve((Keyframe(0, 0.0, Interp.BEZIER, out_handle=(10.0, 5.0)), Keyframe(10, 0.0)))
    frames = [f / 8 for f in range(0, 81)]
    assert [long.evaluate(f) for f in frames] == pytest.approx([fitted.evaluate(f) for f in frames])
    assert long.segment_points(0)[1] == (10.0, 5.0)


def test_handles_that_point_the_wrong_way_or_miscount_components_are_refused():
    with pytest.raises(ParameterError, match="in handle .* must point back in time"):
        Keyframe(5, 1.0, Interp.BEZIER, in_handle=(2.0, 0.0))
    with pytest.raises(ParameterError, match="out handle .* must point forward in time"):
        Keyframe(5, 1.0, Interp.BEZIER, out_handle=(-2.0, 0.0))
    with pytest.raises(ParameterError, match=r"needs 2 \(frames, value\) pair"):
        Keyframe(5, (1.0, 2.0), out_handle=((1.0, 0.0), (1.0, 0.0), (1.0, 0.0)))
    with pytest.raises(ParameterError, match="finite"):
        Keyframe(5, 1.0, out_handle=(float("inf"), 0.0))


def test_bezier_overshoot_stays_within_the_hard_limits():
    mix = FloatParam("mix", 1.0, minimum=0.0, maximum=1.0)
    curve = AnimCurve((Keyframe(1, 0.5, Interp.BEZIER, out_handle=(3.0, 4.0)), Keyframe(10, 0.5)))
    assert max(curve.evaluate(f) for f in range(1, 11)) > 1.5
    assert max(evaluate_value(mix, curve, f) for f in range(1, 11)) == 1.0


def test_audio_gain_curves_follow_bezier_keys_sample_by_sample():
    import numpy as np

    from filmstudio.audio.curves import curve_at

    curve = AnimCurve(
        (
            Keyframe(1, 0.0, Interp.BEZIER, out_handle=(2.0, 3.0)),
            Keyframe(9, 1.0, Interp.BEZIER, in_handle=(-6.0, 0.0), out_handle=(1.0, -1.0)),
            Keyframe(12, 0.5, Interp.SMOOTH),
            Keyframe(20, 0.0),
        )
    )
    frames = np.linspace(0, 22, 997)
    assert curve_at(curve, frames) == pytest.approx([curve.evaluate(float(f)) for f in frames], abs=1e-7)


def test_bezier_keys_and_their_handles_survive_a_save_and_load(tmp_path, registry):
    from filmstudio.core import project_file
    from filmstudio.core.commands import SetParam
    from filmstudio.core.project import Project

    project = Project(fps=24, frame_range=(1, 50), width=64, height=36, registry=registry)
    grade = project.add_node("Grade")
    grade.set_keyframe("mix", 1, 0.2)
    curve = grade.animation("mix").with_key(
        Keyframe(10, 0.8, Interp.BEZIER, in_handle=(-3.0, 0.1), out_handle=(2.5, -0.25))
    )
    gain = AnimCurve(
        (
            Keyframe(1, (1.0, 1.0, 1.0, 1.0), Interp.BEZIER),  # automatic handles stay automatic
            Keyframe(
                20, (2.0, 1.5, 1.0, 1.0), Interp.BEZIER, out_handle=((1, 0.5), (2, 0.25), (3, 0.0), (0, 0))
            ),
            Keyframe(30, (1.0, 1.0, 1.0, 1.0), in_handle=(-4.0, 0.0)),
        )
    )
    project.graph.perform(SetParam(grade.uuid, "mix", curve))
    project.graph.perform(SetParam(grade.uuid, "gain", gain))
    path = project.save(tmp_path / "bezier.fsproj")
    text = path.read_text()
    assert '"bezier"' in text and project_file.SCHEMA == 2
    loaded = Project.load(path, registry)
    assert loaded["Grade1"]["mix"] == curve and loaded["Grade1"]["gain"] == gain
    assert loaded["Grade1"].value_at("mix", 6) == pytest.approx(grade.value_at("mix", 6))
    loaded.save(tmp_path / "again.fsproj")
    assert (tmp_path / "again.fsproj").read_text() == text


def test_schema_1_files_load_and_bad_handles_in_a_file_name_the_place(registry):
    import json

    from filmstudio.core.errors import ProjectError
    from filmstudio.core.project import Project

    project = Project(fps=24, frame_range=(1, 50), width=64, height=36, registry=registry)
    project.add_node("Grade").set_keyframe("gamma", 5, 2.0, "smooth")
    document = json.loads(project.to_json())
    document["filmstudio"]["schema"] = 1
    old = Project.from_json(json.dumps(document), registry)
    assert old["Grade1"]["gamma"] == project["Grade1"]["gamma"]
    document["nodes"][0]["params"]["gamma"]["keys"][0] = [5, 2.0, "bezier", [[3, 0.0]], None]
    with pytest.raises(ProjectError, match=r"params\.gamma.*in handle .* must point back in time"):
        Project.from_json(json.dumps(document), registry)
