"""Per-pixel colour functions: what a per-pixel node does to each pixel, as data that can be fused.

A node that declares ``per_pixel = True`` (:class:`~filmstudio.core.node.Node`) describes its colour
work as a :class:`ColourFunction`: a sequence of stages on straight (un-premultiplied) float32 RGB
``[3, ...]`` tensors, each one of

* :class:`Curve` — every channel through its own function of that channel alone (a transfer curve,
  a clamp, a per-channel power, a 1D LUT);
* :class:`Affine` — ``matrix @ rgb + offset`` (colour-space matrices, gains and offsets, saturation);
* :class:`General` — anything else that still maps each pixel on its own (a 3D LUT, an OCIO-only
  transform, a mix between a node's input and output).

Keeping the kind of each stage lets an export evaluate a whole run of nodes as one operation
(:mod:`filmstudio.colour.fused`): the leading curves of 8/16-bit input become one lookup per code,
neighbouring matrices multiply into one, trailing curves become one lookup per output value, and only
what is left in the middle needs a baked 3D LUT. :meth:`ColourFunction.apply` is the exact reference:
each stage in order, in float32 torch on the tensor's device.

Stages are immutable and thread-safe; none writes into its input.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

RgbFunction = Callable[[Any], Any]  # straight float32 RGB [3, ...] -> a new tensor of that shape


@dataclass(frozen=True)
class Curve:
    """Each channel through a function of that channel alone. ``apply`` takes and returns
    ``[3, ...]``; row c of the result may depend only on row c of the input."""

    apply: RgbFunction


@dataclass(frozen=True)
class Affine:
    """``matrix @ rgb + offset``: a 3x3 matrix (rows are output channels) and an RGB offset."""

    matrix: tuple[tuple[float, float, float], ...]
    offset: tuple[float, float, float] = (0.0, 0.0, 0.0)

    def apply(self, rgb: Any) -> Any:
        torch = _torch()
        flat = rgb.reshape(3, -1)
        matrix = torch.tensor(self.matrix, dtype=rgb.dtype, device=rgb.device)
        offset = torch.tensor(self.offset, dtype=rgb.dtype, device=rgb.device).view(3, 1)
        return torch.addmm(offset, matrix, flat).view(rgb.shape)

    def then(self, later: Affine) -> Affine:
        """This matrix followed by ``later``, as one (in float64, rounded once)."""
        import numpy as np

        first, second = np.array(self.matrix, np.float64), np.array(later.matrix, np.float64)
        matrix = second @ first
        offset = second @ np.array(self.offset, np.float64) + np.array(later.offset, np.float64)
        return Affine(_rows(matrix), _triple(offset))

    @classmethod
    def diagonal(cls, scale: Sequence[float], offset: Sequence[float] = (0.0, 0.0, 0.0)) -> Affine:
        """Per-channel gains and offsets (a Grade's gain and offset)."""
        r, g, b = (float(v) for v in scale[:3])
        return cls(((r, 0.0, 0.0), (0.0, g, 0.0), (0.0, 0.0, b)), _triple(offset[:3]))


@dataclass(frozen=True)
class General:
    """Any per-pixel map of straight RGB ``[3, ...]`` (channels may mix non-linearly)."""

    apply: RgbFunction


Stage = Curve | Affine | General


@dataclass(frozen=True)
class ColourFunction:
    """A node's per-pixel colour work: stages applied in order to straight float32 RGB."""

    stages: tuple[Stage, ...] = ()

    @property
    def is_identity(self) -> bool:
        return not self.stages

    def apply(self, rgb: Any) -> Any:
        """The exact function on straight float32 RGB ``[3, ...]`` (any device); a new tensor."""
        out = rgb.clone()
        for stage in self.stages:
            out = stage.apply(out)
        return out

    def then(self, later: ColourFunction) -> ColourFunction:
        """This function followed by ``later``."""
        return ColourFunction(self.stages + later.stages)

    @classmethod
    def chain(cls, functions: Sequence[ColourFunction]) -> ColourFunction:
        """The functions applied one after the other, as one."""
        return cls(tuple(stage for function in functions for stage in function.stages))

    @classmethod
    def of_pipeline(cls, pipeline: Any) -> ColourFunction:
        """A colour conversion (:class:`~filmstudio.colour.pipeline.Pipeline`) as stages: its torch
        ops by kind, or one :class:`General` stage running OCIO when it has no torch version."""
        if pipeline.identity:
            return cls()
        if pipeline.ops is None:
            return cls((General(lambda rgb: pipeline.apply_rgb(rgb)),))
        return cls(tuple(_stage_of(op) for op in pipeline.ops))

    @classmethod
    def mixed(cls, function: ColourFunction, mix: float) -> ColourFunction:
        """``input + (function(input) - input) * mix``: a node's ``mix`` control (1: the function)."""
        if mix >= 1.0 or function.is_identity:
            return function
        if mix <= 0.0:
            return cls()

        def blend(rgb: Any) -> Any:
            return rgb + (function.apply(rgb) - rgb) * mix

        return cls((General(blend),))


def _stage_of(op: Any) -> Stage:
    from filmstudio.colour.lut import Lut1D
    from filmstudio.colour.ops import (
        ExponentOp,
        ExponentWithLinearOp,
        LogOp,
        LutOp,
        MatrixOp,
        RangeOp,
    )

    if isinstance(op, MatrixOp):
        return Affine(tuple(tuple(row) for row in op.matrix), _triple(op.offset))
    if isinstance(op, RangeOp) and op.low is None and op.high is None:
        return Affine.diagonal((op.scale,) * 3, (op.offset,) * 3)
    per_channel = (ExponentOp, ExponentWithLinearOp, LogOp, RangeOp)
    if isinstance(op, per_channel) or (isinstance(op, LutOp) and isinstance(op.table, Lut1D)):
        return Curve(op)
    return General(op)  # CDLs (saturation mixes channels) and 3D LUTs


def _rows(matrix: Any) -> tuple[tuple[float, float, float], ...]:
    return tuple(_triple(row) for row in matrix)


def _triple(values: Any) -> tuple[float, float, float]:
    r, g, b = (float(v) for v in values)
    return (r, g, b)


def _torch() -> Any:
    import torch

    return torch


# --- the functions of colour conversions and grades, for nodes ------------------------------------


def to_working_function(space: Any) -> ColourFunction:
    """Pixels encoded in ``space`` (a decoded file) -> the working space: a Read's input transform."""
    from filmstudio.colour.conversions import conversion
    from filmstudio.colour.spaces import working_space

    return ColourFunction.of_pipeline(conversion(space, working_space()))


def from_working_function(space: Any) -> ColourFunction:
    """Working-space pixels -> ``space``: a Write's output transform to a colour space."""
    from filmstudio.colour.conversions import conversion
    from filmstudio.colour.spaces import working_space

    return ColourFunction.of_pipeline(conversion(working_space(), space))


def display_function(display: str | None = None, view: str | None = None) -> ColourFunction:
    """Working-space pixels through ``display``'s ``view`` (defaults as
    :func:`~filmstudio.colour.conversions.display_transform`): a Write's display output transform."""
    from filmstudio.colour.conversions import display_pipeline

    return ColourFunction.of_pipeline(display_pipeline(display, view))


def grade_function(grade: Any) -> ColourFunction:
    """A :class:`~filmstudio.colour.grade.Grade` (what a Color Corrector computes) as stages: its
    per-channel part (slope, offset, power, contrast, clamps) as one curve, then the saturation
    matrix (Rec.709 luma weights, as the CDL) and, in the ASC style, the final clamp."""
    from filmstudio.colour.ops import REC709_LUMA, apply_cdl

    if grade.is_identity:
        return ColourFunction()
    cdl = grade.cdl

    def per_channel(rgb: Any) -> Any:
        return apply_cdl(rgb, cdl.slope, cdl.offset, cdl.power, 1.0, grade.clamp, grade.contrast, grade.pivot)

    straight = not grade.clamp and grade.contrast == 1.0 and all(p == 1.0 for p in cdl.power)
    # slope and offset alone (exposure, lift, gain): a matrix, which fuses with its neighbours
    stages: list[Stage] = [Affine.diagonal(cdl.slope, cdl.offset) if straight else Curve(per_channel)]
    if cdl.saturation != 1.0:
        s = cdl.saturation
        rows = tuple(
            _triple((1.0 - s) * w + (s if column == row else 0.0) for column, w in enumerate(REC709_LUMA))
            for row in range(3)
        )
        stages.append(Affine(rows))
        if grade.clamp:
            stages.append(Curve(lambda rgb: rgb.clamp(0.0, 1.0)))
    return ColourFunction(tuple(stages))
