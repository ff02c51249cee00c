"""The motion of tracks between frames, as the affine maps Transform applies (match-move, stabilise).

Points and maps are in full-resolution image pixels, origin at the top-left edge (pixel ``i``
spans ``i..i+1``: the convention of :mod:`filmstudio.api`'s Track data and of Transform's
resampling). One track gives a translation; two give a similarity (translation, rotation, uniform
scale), measured in square pixels so anamorphic footage rotates as it looks on the display.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from filmstudio.api import TrackError, TrackSet

Point = tuple[float, float]
Affine = tuple[float, float, float, float, float, float]  # x' = a x + b y + c; y' = d x + e y + f
IDENTITY: Affine = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0)


def similarity(
    src: Sequence[Point],
    dst: Sequence[Point],
    *,
    rotate: bool = True,
    scale: bool = True,
    pixel_aspect: float = 1.0,
) -> Affine:
    """The map that moves ``src`` onto ``dst`` (one point: a translation; two: a similarity
    about their midpoint, without rotation or scale where those are off)."""
    if len(src) == 1:
        return (1.0, 0.0, dst[0][0] - src[0][0], 0.0, 1.0, dst[0][1] - src[0][1])
    (sx0, sy0), (sx1, sy1) = src
    (dx0, dy0), (dx1, dy1) = dst
    before = complex((sx1 - sx0) * pixel_aspect, sy1 - sy0)
    after = complex((dx1 - dx0) * pixel_aspect, dy1 - dy0)
    if abs(before) < 1e-9 or abs(after) < 1e-9:
        raise TrackError("the two tracks sit on one point: pick two tracks apart from each other")
    z = after / before  # rotation and scale, as one complex factor (square pixels)
    if not rotate:
        z = complex(abs(z), 0.0)
    if not scale:
        z = z / abs(z)
    # square pixels: X = x * pixel_aspect; [[re, -im], [im, re]] there is D^-1 M D in pixels
    a, b, d, e = z.real, -z.imag / pixel_aspect, z.imag * pixel_aspect, z.real
    cx, cy = (sx0 + sx1) / 2, (sy0 + sy1) / 2
    tx, ty = (dx0 + dx1) / 2, (dy0 + dy1) / 2
    return (a, b, tx - a * cx - b * cy, d, e, ty - d * cx - e * cy)


def compose(outer: Affine, inner: Affine) -> Affine:
    """``outer`` after ``inner``."""
    a, b, c, d, e, f = outer
    p, q, r, s, t, u = inner
    return (a * p + b * s, a * q + b * t, a * r + b * u + c, d * p + e * s, d * q + e * t, d * r + e * u + f)


def invert(m: Affine) -> Affine | None:
    """The inverse map, or None when ``m`` collapses the plane."""
    a, b, c, d, e, f = m
    det = a * e - b * d
    if abs(det) < 1e-12:
        return None
    ia, ib, id_, ie = e / det, -b / det, -d / det, a / det
    return (ia, ib, -ia * c - ib * f, id_, ie, -id_ * c - ie * f)


def scaled(m: Affine, factor: float) -> Affine:
    """``m`` for a proxy ``factor``: the same motion in pixels of an image ``factor`` the size."""
    a, b, c, d, e, f = m
    return (a, b, c * factor, d, e, f * factor)


@dataclass(frozen=True)
class TrackPoints:
    """The named tracks' positions at the frames a node asked for (merged Track input values)."""

    tracks: TrackSet
    names: tuple[str, ...]

    def at(self, frame: int) -> list[Point] | None:
        """Every named track's position at ``frame``; None unless all have one there."""
        points = [self.tracks.position(name, frame) for name in self.names]
        return None if any(p is None for p in points) else points  # type: ignore[return-value]

    def averaged(self, frames: Iterable[int]) -> list[Point] | None:
        """The tracks' mean positions over those of ``frames`` where all have one (None: none)."""
        found = [p for p in (self.at(f) for f in frames) if p is not None]
        if not found:
            return None
        return [
            (sum(p[i][0] for p in found) / len(found), sum(p[i][1] for p in found) / len(found))
            for i in range(len(self.names))
        ]

    def tracked(self) -> str:
        """The first track's tracked frames, for messages ("1-48, 60")."""
        track = self.tracks.track(self.names[0])
        runs = track.tracked_ranges()
        return ", ".join(f"{a}-{b}" if a != b else f"{a}" for a, b in runs) or "none"
