"""Parameter declarations, values and keyframe animation.

A node declares its parameters as :class:`Param` values; a node instance stores, per parameter,
either a constant value or an :class:`AnimCurve`. Everything here is plain Python (no torch), so
values are cheap to evaluate, hash and save.
"""

from __future__ import annotations

import bisect
import enum
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from filmstudio.core.errors import ParameterError


class ParamKind(enum.Enum):
    FLOAT = "float"
    INT = "int"
    BOOL = "bool"
    CHOICE = "choice"
    COLOR = "color"
    TEXT = "text"
    PATH = "path"
    VECTOR = "vector"


_ANIMATABLE_KINDS = {ParamKind.FLOAT, ParamKind.INT, ParamKind.COLOR, ParamKind.VECTOR}


class Interp(enum.Enum):
    """How a curve moves from one keyframe to the next (set on the key the segment leaves)."""

    LINEAR = "linear"
    SMOOTH = "smooth"
    HOLD = "hold"


@dataclass(frozen=True)
class Param:
    """Declaration of one node parameter.

    ``minimum``/``maximum`` are hard limits (values outside are refused); ``soft_min``/``soft_max``
    only bound the editor's slider. ``size`` is the number of components of a vector or colour.
    """

    name: str
    kind: ParamKind
    default: Any
    label: str = ""
    minimum: float | None = None
    maximum: float | None = None
    soft_min: float | None = None
    soft_max: float | None = None
    choices: tuple[str, ...] = ()
    size: int = 1
    animatable: bool = False
    tooltip: str = ""
    file_filter: str = ""

    @property
    def display_name(self) -> str:
        return self.label or self.name.replace("_", " ").capitalize()

    def problems(self) -> list[str]:
        """What is wrong with this declaration (empty when valid); used at node class definition."""
        found: list[str] = []
        if not self.name.isidentifier():
            found.append(f"parameter name {self.name!r} is not an identifier")
        if self.animatable and self.kind not in _ANIMATABLE_KINDS:
            found.append(f"parameter {self.name!r}: {self.kind.value} parameters cannot be animated")
        if self.kind is ParamKind.CHOICE and not self.choices:
            found.append(f"parameter {self.name!r}: a choice needs at least one choice")
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            found.append(f"parameter {self.name!r}: minimum {self.minimum} > maximum {self.maximum}")
        try:
            coerced = self.coerce(self.default)
        except ParameterError as error:
            found.append(f"parameter {self.name!r}: default is not valid ({error})")
        else:
            if coerced != self.default:
                object.__setattr__(self, "default", coerced)
        return found

    def coerce(self, value: Any) -> Any:
        """Return ``value`` in this parameter's canonical form, or raise :class:`ParameterError`."""
        kind = self.kind
        try:
            if kind is ParamKind.FLOAT:
                result: Any = _finite(float(_scalar(value)))
            elif kind is ParamKind.INT:
                number = _scalar(value)
                if isinstance(number, float) and not number.is_integer():
                    raise ValueError(f"{number} is not a whole number")
                result = int(number)
            elif kind is ParamKind.BOOL:
                if not isinstance(value, bool | int) or (isinstance(value, int) and value not in (0, 1)):
                    raise ValueError(f"{value!r} is not true or false")
                return bool(value)
            elif kind is ParamKind.CHOICE:
                if value not in self.choices:
                    raise ValueError(f"{value!r} is not one of {', '.join(self.choices)}")
                return str(value)
            elif kind in (ParamKind.TEXT, ParamKind.PATH):
                if not isinstance(value, str):
                    raise ValueError(f"{value!r} is not text")
                return value
            elif kind is ParamKind.COLOR:
                result = _color(value)
            else:
                result = _vector(value, self.size)
        except (TypeError, ValueError, OverflowError) as error:
            raise ParameterError(f"{self.display_name}: {error}") from None
        self._check_range(result)
        return result

    def _check_range(self, value: Any) -> None:
        components = value if isinstance(value, tuple) else (value,)
        for component in components:
            if self.minimum is not None and component < self.minimum:
                raise ParameterError(f"{self.display_name}: {component} is below the minimum {self.minimum}")
            if self.maximum is not None and component > self.maximum:
                raise ParameterError(f"{self.display_name}: {component} is above the maximum {self.maximum}")


def _scalar(value: Any) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{value!r} is not a number")
    return value


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError(f"{value} is not a finite number")
    return value


def _color(value: Any) -> tuple[float, ...]:
    if isinstance(value, int | float) and not isinstance(value, bool):
        grey = _finite(float(value))
        return (grey, grey, grey, 1.0)
    components = _vector(value, None)
    if len(components) == 3:
        return (*components, 1.0)
    if len(components) != 4:
        raise ValueError(f"a colour has 3 or 4 components, not {len(components)}")
    return components


def _vector(value: Any, size: int | None) -> tuple[float, ...]:
    if isinstance(value, int | float) and not isinstance(value, bool) and size:
        return (_finite(float(value)),) * size  # a number broadcasts to every component
    if not isinstance(value, list | tuple):
        raise TypeError(f"{value!r} is not a list of numbers")
    components = tuple(_finite(float(_scalar(v))) for v in value)
    if size is not None and len(components) != size:
        raise ValueError(f"expected {size} components, got {len(components)}")
    return components


# --- declaration helpers: what node authors write ------------------------------------------------


def FloatParam(name: str, default: float = 0.0, *, animatable: bool = True, **options: Any) -> Param:
    return Param(name, ParamKind.FLOAT, default, animatable=animatable, **options)


def IntParam(name: str, default: int = 0, *, animatable: bool = True, **options: Any) -> Param:
    return Param(name, ParamKind.INT, default, animatable=animatable, **options)


def BoolParam(name: str, default: bool = False, **options: Any) -> Param:
    return Param(name, ParamKind.BOOL, default, **options)


def ChoiceParam(name: str, choices: Sequence[str], default: str | None = None, **options: Any) -> Param:
    choices = tuple(choices)
    return Param(
        name,
        ParamKind.CHOICE,
        choices[0] if default is None and choices else default,
        choices=choices,
        **options,
    )


def ColorParam(
    name: str, default: Any = (1.0, 1.0, 1.0, 1.0), *, animatable: bool = True, **options: Any
) -> Param:
    return Param(name, ParamKind.COLOR, default, size=4, animatable=animatable, **options)


def TextParam(name: str, default: str = "", **options: Any) -> Param:
    return Param(name, ParamKind.TEXT, default, **options)


def PathParam(name: str, default: str = "", **options: Any) -> Param:
    return Param(name, ParamKind.PATH, default, **options)


def VectorParam(
    name: str, default: Sequence[float] = (0.0, 0.0), *, animatable: bool = True, **options: Any
) -> Param:
    return Param(name, ParamKind.VECTOR, tuple(default), size=len(default), animatable=animatable, **options)


# --- animation --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Keyframe:
    """A value at a frame; ``interp`` shapes the segment that leaves this key."""

    frame: float
    value: Any
    interp: Interp = Interp.LINEAR


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


def _mix(a: Any, b: Any, blend: Any) -> Any:
    if isinstance(a, tuple):
        return tuple(blend(x, y) for x, y in zip(a, b, strict=True))
    return blend(a, b)


def evaluate_value(param: Param, stored: Any, frame: float) -> Any:
    """A parameter's value at ``frame``, given what a node instance stores for it."""
    if not isinstance(stored, AnimCurve):
        return stored
    value = stored.evaluate(frame)
    if param.kind is ParamKind.INT:
        return math.floor(value + 0.5)
    return value
