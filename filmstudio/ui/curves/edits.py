"""The curve editor's edits as functions from a curve to a new curve (curves are immutable), so the
view only turns mouse and keys into these calls and records the result as one model command.
No widgets here.

Frames of moved or added keys are whole frames (the timeline's unit); values are clamped to the
parameter's hard limits (and rounded for whole-number parameters) instead of being refused, so a
drag past a limit stops there.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Set
from dataclasses import replace
from typing import Any

from filmstudio.core.animation import AnimCurve, Interp, Keyframe, Point, Side, components
from filmstudio.core.params import Param, ParamKind, evaluate_value


def move_keys(
    curve: AnimCurve, param: Param, moving: Mapping[float, Set[int]], frames: float, value: float
) -> AnimCurve:
    """Keys at the frames in ``moving`` moved by ``frames`` (each lands on a whole frame) and
    their components in ``moving[frame]`` by ``value``. A moved key replaces a key it lands on."""
    kept = [k for k in curve.keys if k.frame not in moving]
    moved = []
    for key in curve.keys:
        if key.frame in moving:
            new_value = _shifted(param, key.value, moving[key.frame], value)
            moved.append(replace(key, frame=float(round(key.frame + frames)), value=new_value))
    landed = {k.frame for k in moved}
    return AnimCurve(tuple(sorted([*(k for k in kept if k.frame not in landed), *moved], key=_frame)))


def _shifted(param: Param, stored: Any, which: Set[int], delta: float) -> Any:
    values = list(components(stored))
    for index in which:
        values[index] = clamp(param, values[index] + delta)
    return param.coerce(tuple(values) if isinstance(stored, tuple) else values[0])


def clamp(param: Param, value: float) -> float:
    """``value`` within the parameter's hard limits (a whole number for int parameters)."""
    if param.minimum is not None:
        value = max(param.minimum, value)
    if param.maximum is not None:
        value = min(param.maximum, value)
    return math.floor(value + 0.5) if param.kind is ParamKind.INT else value


def set_interp(curve: AnimCurve, frames: Set[float], interp: Interp) -> AnimCurve:
    """The keys at ``frames`` leave with ``interp`` (their handles stay, for a later Bezier)."""
    return AnimCurve(tuple(replace(k, interp=interp) if k.frame in frames else k for k in curve.keys))


def delete_keys(curve: AnimCurve, param: Param, frames: Set[float], frame_now: int) -> Any:
    """The curve without the keys at ``frames``; when none is left, the parameter's value at
    ``frame_now`` as a constant (what the artist sees there stays)."""
    kept = AnimCurve(tuple(k for k in curve.keys if k.frame not in frames))
    return kept if kept.keys else param.coerce(evaluate_value(param, curve, frame_now))


def add_key(curve: AnimCurve, param: Param, frame: float) -> AnimCurve:
    """A key at whole frame ``frame`` holding the curve's value there (the curve keeps its shape
    as far as the new key allows), continuing the interpolation of the segment it splits."""
    frame = float(round(frame))
    if curve.key_at(frame) is not None:
        return curve
    before = [k for k in curve.keys if k.frame < frame]
    interp = before[-1].interp if before else curve.keys[0].interp
    value = param.coerce(evaluate_value(param, curve, frame))
    return curve.with_key(Keyframe(frame, value, interp))


def set_handle(
    curve: AnimCurve, frame: float, side: Side, component: int, offset: Point, mirror: bool = True
) -> AnimCurve:
    """The key at ``frame`` with its ``side`` handle of ``component`` at ``offset`` (frames,
    value) from the key, kept pointing its own way in time. Automatic handles become explicit
    first (as they were drawn). With ``mirror`` the opposite handle turns to the same slope,
    keeping its length in time, so the curve stays smooth through the key (Nuke's default)."""
    index = curve.frames.index(frame)
    key = curve.keys[index]
    count = len(components(key.value))
    handles = {s: list(key.handle(s) or tuple(curve.handle(index, s, c) for c in range(count))) for s in Side}
    frames, value = offset
    frames = min(0.0, frames) if side is Side.IN else max(0.0, frames)
    handles[side][component] = (frames, value)
    other = Side.OUT if side is Side.IN else Side.IN
    if mirror and frames != 0.0:
        other_frames = handles[other][component][0] or -frames
        handles[other][component] = (other_frames, value / frames * other_frames)
    changed = replace(key, in_handle=tuple(handles[Side.IN]), out_handle=tuple(handles[Side.OUT]))
    return curve.with_key(changed)


def value_range(curve: AnimCurve, param: Param, component: int, first: float, last: float) -> Point:
    """The lowest and highest value of one component between frames ``first`` and ``last``
    (sampled, so overshoot between keys counts): what "frame all" fits."""
    frames = {*curve.frames, first, last}
    steps = 64
    for key, after in zip(curve.keys, curve.keys[1:], strict=False):
        frames.update(key.frame + (after.frame - key.frame) * i / steps for i in range(1, steps))
    values = [components(evaluate_value(param, curve, f))[component] for f in frames if first <= f <= last]
    return (min(values), max(values)) if values else (0.0, 1.0)


def _frame(key: Keyframe) -> float:
    return key.frame
