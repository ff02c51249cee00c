"""The curve view's mapping between (frame, value) and widget pixels, with zoom, pan and fit, and
the tick spacing of its grid. Plain arithmetic (y grows downwards on screen, values upwards).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

RULER = 22.0  # the frame ruler along the top
AXIS = 52.0  # the value labels along the left
MARGIN = 18.0  # around fitted curves, in pixels


@dataclass
class ViewTransform:
    """Frames ``first``..``last`` across the plot's width, values ``low``..``high`` up its
    height; the plot is the widget less the ruler and the value axis."""

    first: float = 0.0
    last: float = 100.0
    low: float = 0.0
    high: float = 1.0
    width: float = 400.0  # the widget's
    height: float = 300.0

    @property
    def plot_left(self) -> float:
        return AXIS

    @property
    def plot_top(self) -> float:
        return RULER

    def x_of(self, frame: float) -> float:
        span = self.width - AXIS
        return AXIS + (frame - self.first) / (self.last - self.first) * span

    def y_of(self, value: float) -> float:
        span = self.height - RULER
        return self.height - (value - self.low) / (self.high - self.low) * span

    def frame_at(self, x: float) -> float:
        return self.first + (x - AXIS) / (self.width - AXIS) * (self.last - self.first)

    def value_at(self, y: float) -> float:
        return self.low + (self.height - y) / (self.height - RULER) * (self.high - self.low)

    def frames_per_pixel(self) -> float:
        return (self.last - self.first) / max(1.0, self.width - AXIS)

    def values_per_pixel(self) -> float:
        return (self.high - self.low) / max(1.0, self.height - RULER)

    def fit(self, first: float, last: float, low: float, high: float) -> None:
        """Show frames ``first``..``last`` and values ``low``..``high`` with a margin of
        :data:`MARGIN` pixels; a single frame or a flat curve gets a sensible span around it."""
        if last - first < 2:
            first, last = first - 5, last + 5
        if high - low < 1e-6:
            pad = max(abs(high) * 0.25, 0.5)
            low, high = low - pad, high + pad
        width, height = max(40.0, self.width - AXIS), max(40.0, self.height - RULER)
        frame_pad = (last - first) * MARGIN / max(1.0, width - 2 * MARGIN)
        value_pad = (high - low) * MARGIN / max(1.0, height - 2 * MARGIN)
        self.first, self.last = first - frame_pad, last + frame_pad
        self.low, self.high = low - value_pad, high + value_pad

    def zoom(self, x: float, y: float, frames: float, values: float) -> None:
        """Zoom by ``frames``/``values`` (2 = twice as close) keeping the point under (x, y)."""
        frame, value = self.frame_at(x), self.value_at(y)
        self.first = frame - (frame - self.first) / frames
        self.last = frame + (self.last - frame) / frames
        self.low = value - (value - self.low) / values
        self.high = value + (self.high - value) / values
        self._keep_usable()

    def pan(self, dx: float, dy: float) -> None:
        """Move the view by (dx, dy) pixels, as the content follows a drag."""
        frames, values = dx * self.frames_per_pixel(), dy * self.values_per_pixel()
        self.first, self.last = self.first - frames, self.last - frames
        self.low, self.high = self.low + values, self.high + values

    def _keep_usable(self) -> None:
        # a span of 1e-9 frames or 1e12 values would make the grid and the mapping meaningless
        for low_name, high_name, smallest, largest in (
            ("first", "last", 0.5, 1e7),
            ("low", "high", 1e-6, 1e9),
        ):
            low, high = getattr(self, low_name), getattr(self, high_name)
            span = high - low
            if smallest <= span <= largest:
                continue
            centre, span = (low + high) / 2, min(largest, max(smallest, span))
            setattr(self, low_name, centre - span / 2)
            setattr(self, high_name, centre + span / 2)


def tick_step(span: float, pixels: float, spacing: float, whole: bool = False) -> float:
    """A 1, 2 or 5 times a power of ten step giving ticks about ``spacing`` pixels apart over a
    ``span`` drawn across ``pixels`` (at least 1 when ``whole``: frames)."""
    raw = span / max(1.0, pixels / spacing)
    power = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1.0
    for factor in (1, 2, 5, 10):
        if factor * power >= raw:
            step = factor * power
            break
    return max(1.0, step) if whole else step


def ticks(low: float, high: float, step: float) -> list[float]:
    """Multiples of ``step`` from ``low`` to ``high``."""
    first = math.ceil(low / step)
    return [i * step for i in range(first, math.floor(high / step) + 1)]
