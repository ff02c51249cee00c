"""Parameters over time, sample by sample: a keyframed gain evaluated at every sample's moment.

:func:`curve_at` is :meth:`AnimCurve.evaluate` vectorised with NumPy (the same hold, linear,
smooth and Bezier segments, the same Catmull-Rom tangents and handles), so a mix's gain at a
sample equals the curve's value at that sample's fractional frame, not a per-frame staircase.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

from filmstudio.core.params import AnimCurve, Interp

__all__ = ["curve_at", "sample_frames"]


def sample_frames(start: int, stop: int, fps: Fraction, rate: int) -> np.ndarray:
    """The fractional project frame at which each sample ``[start, stop)`` plays (float64)."""
    fps = Fraction(fps)
    # n * fps / rate with integers up to 2**53 first: exact before the one division
    ticks = np.arange(start, stop, dtype=np.float64) * fps.numerator
    return ticks / (rate * fps.denominator)


def curve_at(stored: Any, frames: np.ndarray) -> np.ndarray:
    """A scalar parameter's value at each of ``frames``: ``stored`` is a constant or its
    :class:`AnimCurve` (what ``EvalContext.curves`` holds)."""
    if not isinstance(stored, AnimCurve):
        return np.full(frames.shape, float(stored))
    keys = stored.keys
    if not keys:
        raise ValueError("an animation curve without keyframes has no value")
    at = np.asarray(frames, dtype=np.float64)
    key_frames = np.array([k.frame for k in keys], dtype=np.float64)
    values = np.array([float(k.value) for k in keys], dtype=np.float64)
    out = np.empty(at.shape, np.float64)
    index = np.searchsorted(key_frames, at, side="right") - 1
    out[index < 0] = values[0]
    out[index >= len(keys) - 1] = values[-1]
    for i in range(len(keys) - 1):
        inside = index == i
        if not inside.any():
            continue
        start, end = keys[i], keys[i + 1]
        t = (at[inside] - start.frame) / (end.frame - start.frame)
        a, b = values[i], values[i + 1]
        if start.interp is Interp.HOLD:
            out[inside] = a
        elif start.interp is Interp.LINEAR:
            out[inside] = a + (b - a) * t
        elif start.interp is Interp.BEZIER:
            out[inside] = _bezier_values(stored.segment_points(i, 0), at[inside])
        else:  # smooth: cubic Hermite with Catmull-Rom tangents, flat at the curve's ends
            span = end.frame - start.frame
            m0 = 0.0 if i == 0 else (b - values[i - 1]) / (end.frame - keys[i - 1].frame) * span
            m1 = 0.0 if i + 2 >= len(keys) else (values[i + 2] - a) / (keys[i + 2].frame - start.frame) * span
            h00, h10 = 2 * t**3 - 3 * t**2 + 1, t**3 - 2 * t**2 + t
            h01, h11 = -2 * t**3 + 3 * t**2, t**3 - t**2
            out[inside] = h00 * a + h10 * m0 + h01 * b + h11 * m1
    return out


def _bezier_values(points: Any, frames: np.ndarray) -> np.ndarray:
    """:func:`~filmstudio.core.animation.bezier_value` for many frames at once: bisection on the
    curve parameter (frame is monotone along it), 60 halvings: far below a sample's spacing."""
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = points

    def cubic(p0: float, p1: float, p2: float, p3: float, t: np.ndarray) -> np.ndarray:
        u = 1.0 - t
        return u * u * u * p0 + 3 * u * u * t * p1 + 3 * u * t * t * p2 + t * t * t * p3

    low, high = np.zeros(frames.shape), np.ones(frames.shape)
    for _ in range(60):
        middle = (low + high) / 2
        before = cubic(x0, x1, x2, x3, middle) < frames
        low = np.where(before, middle, low)
        high = np.where(before, high, middle)
    return cubic(y0, y1, y2, y3, (low + high) / 2)
