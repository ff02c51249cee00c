"""From OCIO transforms to torch ops: which OCIO ops FilmStudio runs in torch, and with what values.

:func:`compile_ops` reads the transforms of an optimized processor's group and returns the
matching :mod:`.ops` callables, or None as soon as one has no torch version (the caller then runs
OCIO's CPU processor). Values are read once, so compiled ops do not touch OCIO again.
"""

from __future__ import annotations

from typing import Any

from filmstudio.colour.config import ocio
from filmstudio.colour.lut import Lut1D, Lut3D
from filmstudio.colour.ops import (
    CDLOp,
    ExponentOp,
    ExponentWithLinearOp,
    LogOp,
    LutOp,
    MatrixOp,
    RangeOp,
    TorchOp,
)


def compile_ops(group: Any) -> tuple[TorchOp, ...] | None:
    """Torch ops for the transforms of an optimized processor's group, or None if one has none."""
    ops: list[TorchOp] = []
    for transform in group:
        op = _compile(transform)
        if op is None:
            return None
        ops.append(op)
    return tuple(ops)


def _compile(transform: Any) -> TorchOp | None:
    module = ocio()
    inverse = transform.getDirection() == module.TRANSFORM_DIR_INVERSE
    for kind, compiler in _COMPILERS.items():
        if isinstance(transform, getattr(module, kind)):
            return compiler(transform, inverse)
    return None


def _matrix(t: Any, inverse: bool) -> TorchOp | None:
    m, offset = list(t.getMatrix()), list(t.getOffset())
    if m[3::4][:3] != [0.0, 0.0, 0.0] or m[12:15] != [0.0, 0.0, 0.0] or m[15] != 1.0 or offset[3] != 0.0:
        return None  # it touches alpha: leave it to OCIO
    rows = tuple(tuple(m[4 * r : 4 * r + 3]) for r in range(3))
    shift = tuple(offset[:3])
    if inverse:
        import numpy as np

        inv = np.linalg.inv(np.array(rows, dtype=np.float64))
        rows = tuple(tuple(float(v) for v in row) for row in inv)
        shift = tuple(float(v) for v in -inv @ np.array(shift))
    return MatrixOp(rows, shift)


def _negative_style(t: Any) -> str:
    module = ocio()
    return {module.NEGATIVE_CLAMP: "clamp", module.NEGATIVE_MIRROR: "mirror"}.get(
        t.getNegativeStyle(), "pass"
    )


def _exponent(t: Any, inverse: bool) -> TorchOp | None:
    values = tuple(t.getValue())
    if values[3] != 1.0 or 0.0 in values[:3]:
        return None
    return ExponentOp(tuple(1.0 / v if inverse else v for v in values[:3]), _negative_style(t))


def _exponent_linear(t: Any, inverse: bool) -> TorchOp | None:
    gamma, offset = tuple(t.getGamma()), tuple(t.getOffset())
    if (
        gamma[3] != 1.0
        or offset[3] != 0.0
        or any(o <= 0.0 or g <= 1.0 for g, o in zip(gamma[:3], offset[:3], strict=True))
    ):
        return None
    mirror = _negative_style(t) == "mirror"
    return ExponentWithLinearOp(gamma[:3], offset[:3], mirror, inverse)


def _range(t: Any, inverse: bool) -> TorchOp | None:
    low_in = t.getMinInValue() if t.hasMinInValue() else None
    high_in = t.getMaxInValue() if t.hasMaxInValue() else None
    low_out = t.getMinOutValue() if t.hasMinOutValue() else None
    high_out = t.getMaxOutValue() if t.hasMaxOutValue() else None
    if inverse:
        low_in, high_in, low_out, high_out = low_out, high_out, low_in, high_in
    if (low_in is None) != (low_out is None) or (high_in is None) != (high_out is None):
        return None
    scale, offset = 1.0, 0.0
    if low_in is not None and high_in is not None and low_out is not None and high_out is not None:
        scale = (high_out - low_out) / (high_in - low_in)
        offset = low_out - scale * low_in
    elif low_in is not None and low_out is not None:
        offset = low_out - low_in
    elif high_in is not None and high_out is not None:
        offset = high_out - high_in
    clamp = t.getStyle() == ocio().RANGE_CLAMP
    return RangeOp(scale, offset, low_out if clamp else None, high_out if clamp else None)


def _log(t: Any, inverse: bool) -> TorchOp:
    one, zero = (1.0, 1.0, 1.0), (0.0, 0.0, 0.0)
    return LogOp(t.getBase(), one, zero, one, zero, inverse)


def _log_affine(t: Any, inverse: bool) -> TorchOp:
    return LogOp(t.getBase(), *_log_sides(t), inverse)


def _log_camera(t: Any, inverse: bool) -> TorchOp:
    linear_slope = tuple(t.getLinearSlopeValue()) if t.isLinearSlopeValueSet() else None
    return LogOp(t.getBase(), *_log_sides(t), inverse, tuple(t.getLinSideBreakValue()), linear_slope)


def _log_sides(t: Any) -> tuple[tuple[float, ...], ...]:
    return (
        tuple(t.getLogSideSlopeValue()),
        tuple(t.getLogSideOffsetValue()),
        tuple(t.getLinSideSlopeValue()),
        tuple(t.getLinSideOffsetValue()),
    )


def _cdl(t: Any, inverse: bool) -> TorchOp | None:
    if inverse:
        return None
    clamp = t.getStyle() == ocio().CDL_ASC
    return CDLOp(tuple(t.getSlope()), tuple(t.getOffset()), tuple(t.getPower()), t.getSat(), clamp)


def _lut1d(t: Any, inverse: bool) -> TorchOp | None:
    module = ocio()
    if inverse or t.getInputHalfDomain() or t.getOutputRawHalfs() or t.getHueAdjust() != module.HUE_NONE:
        return None
    if t.getInterpolation() not in (module.INTERP_LINEAR, module.INTERP_DEFAULT, module.INTERP_BEST):
        return None  # OCIO's nearest/cubic 1D lookups are left to OCIO
    return LutOp(Lut1D(t.getData(), t.getLength()))


def _lut3d(t: Any, inverse: bool) -> TorchOp | None:
    module = ocio()
    if inverse:
        return None
    interpolation = {
        module.INTERP_DEFAULT: "linear",
        module.INTERP_LINEAR: "linear",
        module.INTERP_TETRAHEDRAL: "tetrahedral",
        module.INTERP_BEST: "tetrahedral",
    }.get(t.getInterpolation())
    if interpolation is None:
        return None  # nearest: left to OCIO
    return LutOp(Lut3D(t.getData(), t.getGridSize(), interpolation))


_COMPILERS = {
    "MatrixTransform": _matrix,
    "ExponentTransform": _exponent,
    "ExponentWithLinearTransform": _exponent_linear,
    "RangeTransform": _range,
    "LogTransform": _log,
    "LogAffineTransform": _log_affine,
    "LogCameraTransform": _log_camera,
    "CDLTransform": _cdl,
    "Lut1DTransform": _lut1d,
    "Lut3DTransform": _lut3d,
}
