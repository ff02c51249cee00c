"""Keyframe animation: keys, interpolation and immutable curves (plain Python: no torch, no Qt).

A curve's segment from one key to the next is shaped by the key it leaves (its ``interp``):

- ``HOLD``: the key's value until the next key.
- ``LINEAR``: a straight line.
- ``SMOOTH``: a cubic Hermite with Catmull-Rom slopes — the slope at a key is that of the line
  from the key before to the key after, flat at the curve's first and last key.
- ``BEZIER``: a cubic Bezier in (frame, value) through P0 = the key, P1 = the key plus its out
  handle, P2 = the next key plus its in handle, P3 = the next key. A handle is an offset
  (frames, value) from its key, one per component of the value. A key without handles gets
  automatic ones: a third of the segment along the smooth slope, so a Bezier key nobody has
  shaped yet draws exactly like a smooth one. A handle reaching further in time than its segment
  is shortened along its own direction to the segment's length: that keeps frame increasing
  along the curve (it never loops back in time), so every frame has exactly one value — the
  curve's value where its frame coordinate equals that frame (solved to 1e-9 frames).

Handles belong to keys (as in Nuke, Maya and Blender): a key's in handle shapes the segment
arriving at it when the key before is Bezier, its out handle the segment leaving it when it is
Bezier itself; keys keep their handles whatever their interpolation.
"""

from __future__ import annotations

import bisect
import enum
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from filmstudio.core.errors import ParameterError
from filmstudio.core.timebase import MAX_FRAME

Point = tuple[float, float]  # (frame, value)
# A key's handle: one (frames, value) offset from the key per component (one for a number).
Handle = tuple[Point, ...]

_SOLVE_TOLERANCE = 1e-9  # frames


class Interp(enum.Enum):
    """How a curve moves from one keyframe to the next (set on the key the segment leaves)."""

    LINEAR = "linear"
    SMOOTH = "smooth"
    HOLD = "hold"
    BEZIER = "bezier"


class Side(enum.Enum):
    """Which handle of a key: the one before it in time or the one after."""

    IN = "in"
    OUT = "out"


@dataclass(frozen=True)
class Keyframe:
    """A value at a frame; ``interp`` shapes the segment that leaves this key.

    ``in_handle``/``out_handle`` (None: automatic) are per-component (frames, value) offsets from
    the key; a single (frames, value) pair is accepted and applies to every component. An in
    handle points back in time (frames <= 0), an out handle forward (frames >= 0).
    """

    frame: float
    value: Any
    interp: Interp = Interp.LINEAR
    in_handle: Handle | None = None
    out_handle: Handle | None = None

    def __post_init__(self) -> None:
        # the file loader's limit: a key at frame 1e300 (or inf) could be made but never saved
        if not math.isfinite(self.frame) or abs(self.frame) > MAX_FRAME:
            raise ParameterError(f"keyframes lie within frames ±{MAX_FRAME:,}, not {self.frame}")
        for side, handle in ((Side.IN, self.in_handle), (Side.OUT, self.out_handle)):
            if handle is not None:
                object.__setattr__(self, f"{side.value}_handle", _checked_handle(handle, self, side))

    def handle(self, side: Side) -> Handle | None:
        return self.in_handle if side is Side.IN else self.out_handle


def components(value: Any) -> tuple[float, ...]:
    """A key's value as a tuple of numbers (a number is one component)."""
    return tuple(value) if isinstance(value, tuple) else (value,)


def _checked_handle(handle: Any, key: Keyframe, side: Side) -> Handle:
    count = len(components(key.value))
    what = f"the {side.value} handle of the key at frame {key.frame:g}"
    if not isinstance(handle, Sequence):
        raise ParameterError(f"{what} is (frames, value) per component, not {handle!r}")
    if len(handle) == 2 and all(_is_number(v) for v in handle):
        handle = (tuple(handle),) * count  # one pair for every component
    if len(handle) != count or not all(isinstance(p, Sequence) and len(p) == 2 for p in handle):
        raise ParameterError(f"{what} needs {count} (frames, value) pair(s), one per component")
    pairs: list[Point] = []
    for frames, value in handle:
        if not (_is_number(frames) and _is_number(value)):
            raise ParameterError(f"{what} holds {frames!r}, {value!r}: finite numbers only")
        frames, value = float(frames), float(value)
        if not (math.isfinite(frames) and math.isfinite(value)) or abs(frames) > MAX_FRAME:
            raise ParameterError(f"{what} holds {frames}, {value}: finite numbers within ±{MAX_FRAME:,}")
        if (frames > 0) if side is Side.IN else (frames < 0):
            direction = "back in time (frames <= 0)" if side is Side.IN else "forward in time (frames >= 0)"
            raise ParameterError(f"{what} must point {direction}, not {frames:g} frames")
        pairs.append((frames, value))
    return tuple(pairs)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@dataclass(frozen=True)
class AnimCurve:
    """An immutable keyframed curve; edits return a new curve (so undo can keep the old one).

    Before the first key the curve holds the first value, after the last key the last value.
    """

    keys: tuple[Keyframe, ...] = field(default=())

    def __post_init__(self) -> None:
        frames = [k.frame for k in self.keys]
        if frames != sorted(set(frames)):
            object.__setattr__(
                self, "keys", tuple(sorted({k.frame: k for k in self.keys}.values(), key=lambda k: k.frame))
            )

    @property
    def frames(self) -> tuple[float, ...]:
        return tuple(k.frame for k in self.keys)

    def with_key(self, key: Keyframe) -> AnimCurve:
        kept = [k for k in self.keys if k.frame != key.frame]
        return AnimCurve(tuple(sorted([*kept, key], key=lambda k: k.frame)))

    def without_key(self, frame: float) -> AnimCurve:
        return AnimCurve(tuple(k for k in self.keys if k.frame != frame))

    def key_at(self, frame: float) -> Keyframe | None:
        for key in self.keys:
            if key.frame == frame:
                return key
        return None

    def evaluate(self, frame: float) -> Any:
        """The curve's value at ``frame`` (scalars or tuples, as the keys hold)."""
        keys = self.keys
        if not keys:
            raise ParameterError("an animation curve without keyframes has no value")
        frames = [k.frame for k in keys]
        index = bisect.bisect_right(frames, frame) - 1
        if index < 0:
            return keys[0].value
        if index >= len(keys) - 1:
            return keys[-1].value
        start, end = keys[index], keys[index + 1]
        if start.interp is Interp.HOLD or frame == start.frame:
            return start.value
        if start.interp is Interp.BEZIER:
            values = tuple(
                bezier_value(self.segment_points(index, c), frame)
                for c in range(len(components(start.value)))
            )
            return values if isinstance(start.value, tuple) else values[0]
        t = (frame - start.frame) / (end.frame - start.frame)
        if start.interp is Interp.LINEAR:
            return _mix(start.value, end.value, lambda a, b: a + (b - a) * t)
        # Smooth: cubic Hermite with Catmull-Rom tangents, flat at the curve's ends.
        span = end.frame - start.frame
        before = keys[index - 1] if index > 0 else None
        after = keys[index + 2] if index + 2 < len(keys) else None
        h00, h10 = 2 * t**3 - 3 * t**2 + 1, t**3 - 2 * t**2 + t
        h01, h11 = -2 * t**3 + 3 * t**2, t**3 - t**2

        def hermite(prev_v: float, a: float, b: float, next_v: float) -> float:
            m0 = 0.0 if before is None else (b - prev_v) / (end.frame - before.frame) * span
            m1 = 0.0 if after is None else (next_v - a) / (after.frame - start.frame) * span
            return h00 * a + h10 * m0 + h01 * b + h11 * m1

        prev_value = before.value if before else start.value
        next_value = after.value if after else end.value
        if isinstance(start.value, tuple):
            return tuple(
                hermite(*c) for c in zip(prev_value, start.value, end.value, next_value, strict=True)
            )
        return hermite(prev_value, start.value, end.value, next_value)

    # --- Bezier geometry (also what the curve editor draws) ---------------------------------------

    def slope(self, index: int, component: int = 0) -> float:
        """The smooth (Catmull-Rom) slope at key ``index``, in value per frame: 0 at the ends."""
        keys = self.keys
        if index <= 0 or index >= len(keys) - 1:
            return 0.0
        before, after = keys[index - 1], keys[index + 1]
        rise = components(after.value)[component] - components(before.value)[component]
        return rise / (after.frame - before.frame)

    def handle(self, index: int, side: Side, component: int = 0) -> Point:
        """Key ``index``'s handle on ``side`` for one component, as the key holds it or, when it
        has none, the automatic one (a third of the segment on that side along :meth:`slope`;
        the first key's in handle and the last key's out handle mirror the other side)."""
        key = self.keys[index]
        own = key.handle(side)
        if own is not None:
            return own[component]
        neighbour = index - 1 if side is Side.IN else index + 1
        if not 0 <= neighbour < len(self.keys):
            neighbour = index + 1 if side is Side.IN else index - 1
        span = abs(self.keys[neighbour].frame - key.frame) if 0 <= neighbour < len(self.keys) else 3.0
        frames = span / 3 if side is Side.OUT else -span / 3
        return (frames, self.slope(index, component) * frames)

    def segment_points(self, index: int, component: int = 0) -> tuple[Point, Point, Point, Point]:
        """The Bezier control points of the segment leaving key ``index`` (one component), with
        handles shortened to the segment's length in time (see the module docstring)."""
        start, end = self.keys[index], self.keys[index + 1]
        span = end.frame - start.frame
        a, b = components(start.value)[component], components(end.value)[component]
        out_frames, out_value = _within(self.handle(index, Side.OUT, component), span)
        in_frames, in_value = _within(self.handle(index + 1, Side.IN, component), span)
        return (
            (start.frame, a),
            (start.frame + out_frames, a + out_value),
            (end.frame + in_frames, b + in_value),
            (end.frame, b),
        )


def _within(handle: Point, span: float) -> Point:
    frames, value = handle
    if abs(frames) <= span:
        return handle
    scale = span / abs(frames)
    return (frames * scale, value * scale)


def bezier_value(points: tuple[Point, Point, Point, Point], frame: float) -> float:
    """The value of a Bezier segment (control points in (frame, value), frame monotone along
    the curve) at ``frame``: Newton steps on the frame coordinate, kept inside a bisection
    bracket so they always converge."""
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = points
    if frame <= x0:
        return y0
    if frame >= x3:
        return y3
    low, high = 0.0, 1.0
    t = (frame - x0) / (x3 - x0)
    for _ in range(100):
        u = 1.0 - t
        error = u * u * u * x0 + 3 * u * u * t * x1 + 3 * u * t * t * x2 + t * t * t * x3 - frame
        if abs(error) <= _SOLVE_TOLERANCE:
            break
        if error > 0:
            high = t
        else:
            low = t
        speed = 3 * (u * u * (x1 - x0) + 2 * u * t * (x2 - x1) + t * t * (x3 - x2))
        t = t - error / speed if speed > 0 else -1.0
        if not low < t < high:
            t = (low + high) / 2
    u = 1.0 - t
    return u * u * u * y0 + 3 * u * u * t * y1 + 3 * u * t * t * y2 + t * t * t * y3


def _mix(a: Any, b: Any, blend: Any) -> Any:
    if isinstance(a, tuple):
        return tuple(blend(x, y) for x, y in zip(a, b, strict=True))
    return blend(a, b)
