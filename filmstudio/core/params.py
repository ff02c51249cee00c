"""Parameter declarations, values and keyframe animation.

A node declares its parameters as :class:`Param` values; a node instance stores, per parameter,
either a constant value or an :class:`AnimCurve` (keys, curves and their interpolation live in
:mod:`filmstudio.core.animation` and are re-exported here). Everything here is plain Python (no
torch), so values are cheap to evaluate, hash and save.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from filmstudio.core.animation import AnimCurve as AnimCurve
from filmstudio.core.animation import Interp as Interp
from filmstudio.core.animation import Keyframe as Keyframe
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


class PathMode(enum.Enum):
    """What a path parameter names, and so which file dialog the editor opens for it."""

    OPEN = "open"  # an existing file the node reads
    SAVE = "save"  # a file the node writes (the dialog asks before replacing one)
    FOLDER = "folder"  # a folder


class NameList(enum.Enum):
    """Names a text or choice parameter offers from the active OCIO config (the editor shows a
    combo box of them, refreshed when the config changes)."""

    COLOUR_SPACES = "colour spaces"
    DISPLAYS = "displays"
    VIEWS = "views"  # of the display named by the parameter's ``follows``


class Units(enum.Enum):
    """What a position parameter's numbers measure (a track's positions are image pixels)."""

    PIXELS = "pixels"  # full-resolution image pixels of the project format, y down
    FRAME = "frame"  # fractions of the frame's width and height (0..1), y down


@dataclass(frozen=True)
class FollowTrack:
    """Declares that a 2-component position parameter can follow a track, live (see
    :mod:`filmstudio.core.track_link`): the node gets the Track input ``input`` (optional, added
    when the node does not declare it) and a ``<name>_track`` parameter naming the track; with
    ``relative``, also ``<name>_track_frame``, the reference frame where the parameter has its own
    value (it then moves as the track moved since); without, it sits on the track — at the frame
    being evaluated, or, with ``at_frame`` naming an int parameter, at the frame that parameter
    holds (a corner pin's source corners: the tracks at its reference frame)."""

    input: str = "track"
    units: Units = Units.PIXELS
    relative: bool = True
    at_frame: str = ""


@dataclass(frozen=True)
class Param:
    """Declaration of one node parameter.

    ``minimum``/``maximum`` are hard limits (values outside are refused); ``soft_min``/``soft_max``
    only bound the editor's slider. ``size`` is the number of components of a vector or colour.

    The editor picks every widget from the declaration, never from a parameter's name:

    - ``multiline``: a text parameter holding prose (a prompt, a script) gets a text box;
    - ``path_mode``: a path parameter's file dialog (open, save, folder);
    - ``names`` (with ``follows`` for views): a combo box of the OCIO config's names;
    - ``wheel``: a colour, or the per-channel half of a grading pair, gets a hue wheel whose rim
      stands for this much chroma; ``grade_of`` names the master float of such a pair (lift and
      ``lift_rgb``), which the inspector lays out as one grading block;
    - ``on_node``: the value (a file's name) is shown on the node in the graph;
    - ``follows_track``: a position that can follow a track, live (a :class:`FollowTrack`).
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
    multiline: bool = False
    path_mode: PathMode = PathMode.OPEN
    names: NameList | None = None
    follows: str = ""
    wheel: float | None = None
    grade_of: str = ""
    on_node: bool = False
    follows_track: FollowTrack | None = None

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
        found.extend(f"parameter {self.name!r}: {problem}" for problem in self._hint_problems())
        try:
            coerced = self.coerce(self.default)
        except ParameterError as error:
            found.append(f"parameter {self.name!r}: default is not valid ({error})")
        else:
            if coerced != self.default:
                object.__setattr__(self, "default", coerced)
        return found

    def _hint_problems(self) -> list[str]:
        """Editor hints that do not fit the parameter's kind (each would be silently ignored)."""
        kind, found = self.kind, []
        if self.multiline and kind is not ParamKind.TEXT:
            found.append("only text parameters can be multiline")
        if not isinstance(self.path_mode, PathMode):
            found.append(f"path_mode must be a PathMode, not {self.path_mode!r}")
        elif self.path_mode is not PathMode.OPEN and kind is not ParamKind.PATH:
            found.append("only path parameters have a path_mode")
        if self.names is not None:
            if not isinstance(self.names, NameList):
                found.append(f"names must be a NameList, not {self.names!r}")
            elif kind not in (ParamKind.TEXT, ParamKind.CHOICE):
                found.append("only text and choice parameters can list OCIO names")
        if self.follows and self.names is not NameList.VIEWS:
            found.append("follows (the display parameter) is for NameList.VIEWS parameters")
        if self.names is NameList.VIEWS and not self.follows:
            found.append("a list of views needs follows= naming the display parameter")
        if self.follows_track is not None:
            if not isinstance(self.follows_track, FollowTrack):
                found.append(f"follows_track must be a FollowTrack, not {self.follows_track!r}")
            elif kind is not ParamKind.VECTOR or self.size != 2:
                found.append("only 2-component vectors (positions) can follow a track")
            elif self.follows_track.relative and self.follows_track.at_frame:
                found.append("at_frame is for absolute track links (a relative one has its reference frame)")
        is_channels = kind is ParamKind.VECTOR and self.size == 3
        if self.grade_of and not is_channels:
            found.append("grade_of is for 3-component vectors (the per-channel half of a grading pair)")
        if self.wheel is not None:
            if kind is not ParamKind.COLOR and not (is_channels and self.grade_of):
                found.append("a wheel is for colours and grading pairs (grade_of=...)")
            if isinstance(self.wheel, bool) or not isinstance(self.wheel, int | float) or self.wheel <= 0:
                found.append(f"wheel (the chroma at the rim) must be a positive number, not {self.wheel!r}")
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
                result = _whole(int(number))
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


# Whole numbers fit 64 bits, signed or unsigned (seeds), as torch, numpy and project files hold them;
# a 300-digit int(1e300) would otherwise save into a file the loader refuses.
INT_RANGE = (-(2**63), 2**64 - 1)


def _whole(value: int) -> int:
    if not INT_RANGE[0] <= value <= INT_RANGE[1]:
        raise ValueError("the number is too large: whole numbers must fit 64 bits")
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


def TextParam(name: str, default: str = "", *, multiline: bool = False, **options: Any) -> Param:
    """Text; ``multiline`` for prose (prompts, scripts, notes): the editor shows a text box."""
    return Param(name, ParamKind.TEXT, default, multiline=multiline, **options)


def PathParam(name: str, default: str = "", *, mode: PathMode | str = PathMode.OPEN, **options: Any) -> Param:
    """A file or folder path (relative paths are relative to the project file). ``mode`` is
    "open" for what the node reads, "save" for what it writes, "folder" for a folder."""
    return Param(name, ParamKind.PATH, default, path_mode=_path_mode(mode), **options)


def _path_mode(mode: PathMode | str) -> PathMode:
    try:
        return PathMode(mode)
    except ValueError:
        # Reported by the spec check at class definition, with every other problem.
        return mode  # type: ignore[return-value]


def ColourSpaceParam(name: str, default: str = "", **options: Any) -> Param:
    """The name of a colour space of the active OCIO config (free text allowed: aliases, roles)."""
    return Param(name, ParamKind.TEXT, default, names=NameList.COLOUR_SPACES, **options)


def DisplayParam(name: str = "display", default: str = "", **options: Any) -> Param:
    """An OCIO display (empty: the config's default)."""
    return Param(name, ParamKind.TEXT, default, names=NameList.DISPLAYS, **options)


def ViewParam(name: str = "view", default: str = "", *, display: str = "display", **options: Any) -> Param:
    """An OCIO view of the display in parameter ``display`` (empty: that display's default)."""
    return Param(name, ParamKind.TEXT, default, names=NameList.VIEWS, follows=display, **options)


def VectorParam(
    name: str,
    default: Sequence[float] = (0.0, 0.0),
    *,
    animatable: bool = True,
    follows_track: FollowTrack | bool | None = None,
    **options: Any,
) -> Param:
    """A vector; ``follows_track`` (True or a :class:`FollowTrack`) makes a position that can
    follow a track live (True: pixels, relative to a reference frame, on the input "track")."""
    follow = FollowTrack() if follows_track is True else follows_track or None
    return Param(
        name,
        ParamKind.VECTOR,
        tuple(default),
        size=len(default),
        animatable=animatable,
        follows_track=follow,
        **options,
    )


# --- animated values ---------------------------------------------------------------------------


def evaluate_value(param: Param, stored: Any, frame: float) -> Any:
    """A parameter's value at ``frame``, given what a node instance stores for it."""
    if not isinstance(stored, AnimCurve):
        return stored
    value = stored.evaluate(frame)
    if param.kind is ParamKind.INT:
        value = math.floor(value + 0.5)
    # Smooth keys overshoot between keys (an opacity keyed 0 -> 1 -> 0 swings past 1); the
    # curve's in-between values obey the same hard limits as typed ones.
    low, high = param.minimum, param.maximum
    if low is None and high is None:
        return value
    if isinstance(value, tuple):
        return tuple(_clamped(c, low, high) for c in value)
    return _clamped(value, low, high)


def _clamped(value: Any, low: float | None, high: float | None) -> Any:
    if low is not None and value < low:
        return type(value)(low)
    if high is not None and value > high:
        return type(value)(high)
    return value
