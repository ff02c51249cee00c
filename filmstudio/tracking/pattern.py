"""The pattern tracker: libmv-style tracking of small textured patterns, built on OpenCV.

Each frame, for every followed pattern:

1. *Predict* with pyramidal Lucas-Kanade (``cv2.calcOpticalFlowPyrLK``) from the previous frame:
   the pattern's centre (translation), or a 3x3 grid of points inside it from which the frame-to-
   frame motion is fitted (``estimateAffinePartial2D`` / ``estimateAffine2D`` / ``findHomography``,
   RANSAC). The pyramid copes with fast motion.
2. *Refine* the whole motion model against the reference pattern — the last keyframe's (no drift)
   or the previous frame's (follows slow changes of look) — with ECC (``cv2.findTransformECC``),
   which aligns to a small fraction of a pixel.
3. *Measure* confidence: the normalised cross-correlation (``TM_CCOEFF_NORMED``) of the reference
   pattern with the current frame seen through the found model, clipped to 0..1. Below the
   threshold, the pattern is searched for over the whole search area (``cv2.matchTemplate``, peak
   refined by a quadratic fit) and refined again; if it is still weak the frame is flagged and the
   settings decide: stop, continue from the weak match, or extrapolate the last good motion until
   the pattern is found again (an occlusion).

A pattern's geometry is a 3x3 matrix (*warp*) from canonical pattern pixels (a ``size x size``
square, OpenCV coordinates) to the frame; its centre and corners are what a sample stores.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from filmstudio.core.track import TrackSample
from filmstudio.tracking.settings import TrackerSettings

_ECC_MOTION = {
    "translation": cv2.MOTION_TRANSLATION,
    "rotation+scale": cv2.MOTION_AFFINE,  # ECC has no similarity model: fit affine, then project
    "affine": cv2.MOTION_AFFINE,
    "perspective": cv2.MOTION_HOMOGRAPHY,
}
_LK_CRITERIA = (cv2.TERM_CRITERIA_COUNT | cv2.TERM_CRITERIA_EPS, 30, 0.01)
_ECC_CRITERIA = (cv2.TERM_CRITERIA_COUNT | cv2.TERM_CRITERIA_EPS, 60, 1e-5)
_GRID = (1 / 6, 1 / 2, 5 / 6)  # where the grid points sit inside the pattern


@dataclass
class _Follow:
    """One pattern being followed through a pass."""

    size: int  # pattern side, pixels
    search: int  # search area side, pixels
    template: np.ndarray  # float32 size x size: the reference pattern, canonical
    warp: np.ndarray  # 3x3 float64: canonical pattern -> this frame (OpenCV coordinates)
    good: list[np.ndarray] = field(default_factory=list)  # warps of the last two good frames
    lost_steps: int = 0  # frames since the last good one (extrapolating)
    stopped: bool = False


class PatternTracker:
    """Follows patterns through one pass, frame by frame, in the pass's order (either direction).

    Call :meth:`advance` once per frame with that frame's grey picture (see
    :func:`filmstudio.tracking.tracking_grey`), then :meth:`seed` for tracks placed (keyed) at that
    frame. Not thread-safe: it lives in the pass's carry."""

    def __init__(self, settings: TrackerSettings) -> None:
        self.settings = settings
        self._previous: np.ndarray | None = None
        self._follows: dict[str, _Follow] = {}

    def following(self) -> tuple[str, ...]:
        """Tracks that the next :meth:`advance` will track."""
        return tuple(name for name, follow in self._follows.items() if not follow.stopped)

    def seed(self, name: str, sample: TrackSample, pattern: int, search: int, grey: np.ndarray) -> None:
        """Start (or restart) following ``name`` from ``sample`` in ``grey``, the frame last given
        to :meth:`advance`; the pattern there becomes the reference."""
        warp = sample_warp(sample, pattern)
        self._follows[name] = _Follow(pattern, search, _pattern_at(grey, warp, pattern), warp, [warp])

    def drop(self, name: str) -> None:
        self._follows.pop(name, None)

    def advance(self, grey: np.ndarray) -> dict[str, TrackSample]:
        """Track every followed pattern from the previous frame into ``grey``: a sample each,
        weak ones with their low confidence. A track that stops here gives its weak sample and is
        not followed any more."""
        previous, self._previous = self._previous, grey
        active = {name: f for name, f in self._follows.items() if not f.stopped}
        if previous is None or not active:
            return {}
        predicted = self._predict(previous, grey, active)
        return {name: self._settle(follow, grey, predicted[name]) for name, follow in active.items()}

    # --- the three steps ---------------------------------------------------------------------------

    def _predict(
        self, previous: np.ndarray, grey: np.ndarray, active: dict[str, _Follow]
    ) -> dict[str, np.ndarray]:
        """Each pattern's warp in ``grey`` as pyramidal LK sees it (extrapolated while lost)."""
        translation = self.settings.motion == "translation"
        batches: dict[int, list[tuple[str, np.ndarray]]] = {}
        predicted: dict[str, np.ndarray] = {}
        for name, follow in active.items():
            if follow.lost_steps:
                predicted[name] = _extrapolated(follow)
                continue
            size = follow.size
            canonical = (
                [((size - 1) / 2,) * 2]
                if translation
                else [(u * size, v * size) for v in _GRID for u in _GRID]
            )
            window = size if translation else max(7, (size // 2) | 1)
            batches.setdefault(window, []).append((name, _apply(follow.warp, np.asarray(canonical))))
        for window, items in batches.items():
            points = np.concatenate([p for _, p in items]).astype(np.float32).reshape(-1, 1, 2)
            moved, status, _ = cv2.calcOpticalFlowPyrLK(
                previous, grey, points, None, winSize=(window, window), maxLevel=self.settings.levels,
                criteria=_LK_CRITERIA,
            )  # fmt: skip
            start = 0
            for name, before in items:
                end = start + len(before)
                ok = status[start:end, 0] == 1
                after = moved[start:end, 0].astype(np.float64)
                step = _fit(self.settings.motion, before[ok], after[ok])
                predicted[name] = step @ active[name].warp
                start = end
        return predicted

    def _settle(self, follow: _Follow, grey: np.ndarray, predicted: np.ndarray) -> TrackSample:
        settings = self.settings
        warp, confidence = self._refined(follow, grey, predicted)
        if confidence < settings.min_confidence:
            found = _search(follow, grey, predicted)
            if found is not None:
                again, score = self._refined(follow, grey, found)
                if score > confidence:
                    warp, confidence = again, score
        if confidence >= settings.min_confidence:
            follow.warp, follow.lost_steps = warp, 0
            follow.good = [*follow.good[-1:], warp]
            if settings.match == "previous frame":
                follow.template = _pattern_at(grey, warp, follow.size)
            return warp_sample(warp, follow.size, confidence)
        if settings.on_low == "stop":
            follow.stopped = True
        elif settings.on_low == "continue":
            follow.warp = warp
        else:
            follow.lost_steps += 1
            warp = follow.warp = _extrapolated(follow)
        return warp_sample(warp, follow.size, confidence)

    def _refined(self, follow: _Follow, grey: np.ndarray, warp: np.ndarray) -> tuple[np.ndarray, float]:
        """ECC alignment of the reference pattern starting from ``warp``, and its confidence."""
        motion = self.settings.motion
        size = follow.size
        corners = _apply(warp, _square(size))
        margin = size // 2 + 2
        x0, y0 = np.floor(corners.min(axis=0)).astype(int) - margin
        x1, y1 = np.ceil(corners.max(axis=0)).astype(int) + margin
        region = _crop(grey, x0, y0, x1, y1).astype(np.float32)
        local = _translate(-x0, -y0) @ warp
        start = (local / local[2, 2]).astype(np.float32)
        start = start if motion == "perspective" else start[:2].copy()
        try:
            _, aligned = cv2.findTransformECC(
                follow.template, region, start, _ECC_MOTION[motion], _ECC_CRITERIA, None, 3
            )
        except cv2.error:  # no convergence (a flat or hidden pattern): keep the prediction
            return warp, _confidence(follow, grey, warp)
        refined = _translate(x0, y0) @ _full(aligned)
        if motion == "rotation+scale":
            refined = _similar(refined, size)
        return refined, _confidence(follow, grey, refined)


# --- geometry -------------------------------------------------------------------------------------


def sample_warp(sample: TrackSample, size: int) -> np.ndarray:
    """The warp from the canonical ``size`` pattern onto ``sample``'s corners (OpenCV coords)."""
    frame_corners = np.asarray(sample.corners, dtype=np.float64) - 0.5
    return cv2.getPerspectiveTransform(
        _square(size).astype(np.float32), frame_corners.astype(np.float32)
    ).astype(np.float64)


def warp_sample(warp: np.ndarray, size: int, confidence: float, keyed: bool = False) -> TrackSample:
    """The sample (image pixels, edge origin) of a pattern whose geometry is ``warp``."""
    centre = _apply(warp, np.array([[(size - 1) / 2, (size - 1) / 2]]))[0] + 0.5
    corners = _apply(warp, _square(size)) + 0.5
    return TrackSample(
        float(centre[0]),
        float(centre[1]),
        tuple((float(x), float(y)) for x, y in corners),  # type: ignore[arg-type]
        float(min(1.0, max(0.0, confidence))),
        keyed,
    )


def _square(size: int) -> np.ndarray:
    """The canonical pattern's outer corners (pixel edges), clockwise from top-left."""
    lo, hi = -0.5, size - 0.5
    return np.array([(lo, lo), (hi, lo), (hi, hi), (lo, hi)], dtype=np.float64)


def _apply(warp: np.ndarray, points: np.ndarray) -> np.ndarray:
    homogeneous = np.c_[points, np.ones(len(points))] @ warp.T
    return homogeneous[:, :2] / homogeneous[:, 2:3]


def _translate(dx: float, dy: float) -> np.ndarray:
    return np.array([[1.0, 0.0, dx], [0.0, 1.0, dy], [0.0, 0.0, 1.0]])


def _full(matrix: np.ndarray) -> np.ndarray:
    return (
        matrix.astype(np.float64)
        if matrix.shape[0] == 3
        else np.vstack([matrix.astype(np.float64), (0, 0, 1)])
    )


def _similar(warp: np.ndarray, size: int) -> np.ndarray:
    """The rotation+scale+translation nearest to an affine ``warp``, same centre image."""
    (a, b), (c, d) = warp[0, :2], warp[1, :2]
    cos, sin = (a + d) / 2.0, (c - b) / 2.0
    linear = np.array([[cos, -sin], [sin, cos]])
    centre = np.array([(size - 1) / 2, (size - 1) / 2])
    target = _apply(warp, centre[None])[0]
    result = np.eye(3)
    result[:2, :2], result[:2, 2] = linear, target - linear @ centre
    return result


def _fit(motion: str, before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """The frame-to-frame motion of a model from point pairs (identity when too few agree)."""
    step = np.eye(3)
    if len(before) == 0:
        return step
    if motion == "translation" or len(before) < 4:
        step[:2, 2] = np.median(after - before, axis=0)
        return step
    src, dst = before.astype(np.float32), after.astype(np.float32)
    if motion == "perspective":
        found, _ = cv2.findHomography(src, dst, cv2.RANSAC, 1.0)
    elif motion == "affine":
        found, _ = cv2.estimateAffine2D(src, dst, method=cv2.RANSAC, ransacReprojThreshold=1.0)
    else:
        found, _ = cv2.estimateAffinePartial2D(src, dst, method=cv2.RANSAC, ransacReprojThreshold=1.0)
    if found is None:
        step[:2, 2] = np.median(after - before, axis=0)
        return step
    return _full(found)


def _extrapolated(follow: _Follow) -> np.ndarray:
    """The last good warp moved on by the last good frame-to-frame step, once per lost frame."""
    last = follow.good[-1]
    if len(follow.good) < 2:
        return last
    size = follow.size
    centre = np.array([[(size - 1) / 2, (size - 1) / 2]])
    velocity = _apply(last, centre)[0] - _apply(follow.good[-2], centre)[0]
    return _translate(*(velocity * max(1, follow.lost_steps))) @ last


# --- pixels ---------------------------------------------------------------------------------------


def _crop(grey: np.ndarray, x0: int, y0: int, x1: int, y1: int) -> np.ndarray:
    """``grey[y0:y1, x0:x1]``, edge pixels repeated where the box leaves the frame."""
    height, width = grey.shape
    inside = grey[max(0, y0) : max(0, min(height, y1)), max(0, x0) : max(0, min(width, x1))]
    pads = (max(0, -y0), max(0, y1 - height), max(0, -x0), max(0, x1 - width))
    if not any(pads):
        return inside
    if inside.size == 0:
        return np.zeros((y1 - y0, x1 - x0), dtype=grey.dtype)
    return cv2.copyMakeBorder(inside, *pads, cv2.BORDER_REPLICATE)


def _pattern_at(grey: np.ndarray, warp: np.ndarray, size: int) -> np.ndarray:
    """The canonical ``size x size`` pattern seen through ``warp``, float32."""
    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    return cv2.warpPerspective(grey, warp, (size, size), flags=flags, borderMode=cv2.BORDER_REPLICATE).astype(
        np.float32
    )


def _confidence(follow: _Follow, grey: np.ndarray, warp: np.ndarray) -> float:
    """Normalised cross-correlation of the reference pattern with the frame through ``warp``."""
    seen = _pattern_at(grey, warp, follow.size)
    if float(seen.std()) < 1e-3 or float(follow.template.std()) < 1e-3:
        return 0.0  # a flat patch correlates with nothing
    score = cv2.matchTemplate(seen, follow.template, cv2.TM_CCOEFF_NORMED)[0, 0]
    return float(score) if np.isfinite(score) else 0.0


def _search(follow: _Follow, grey: np.ndarray, predicted: np.ndarray) -> np.ndarray | None:
    """The best place for the pattern in the search area around ``predicted`` (NCC peak with a
    quadratic sub-pixel fit), as a warp; None when the area is flat."""
    size, half = follow.size, follow.search // 2
    centre = _apply(predicted, np.array([[(size - 1) / 2, (size - 1) / 2]]))[0]
    cx, cy = np.rint(centre).astype(int)
    region = _crop(grey, cx - half, cy - half, cx + half + 1, cy + half + 1).astype(np.float32)
    if float(region.std()) < 1e-3:
        return None
    scores = cv2.matchTemplate(region, follow.template, cv2.TM_CCOEFF_NORMED)
    _, _, _, (px, py) = cv2.minMaxLoc(scores)
    dx, dy = (
        _peak_offset(scores[py, max(0, px - 1) : px + 2]),
        _peak_offset(scores[max(0, py - 1) : py + 2, px]),
    )
    found_x = cx - half + px + dx + (size - 1) / 2
    found_y = cy - half + py + dy + (size - 1) / 2
    return _translate(found_x - centre[0], found_y - centre[1]) @ predicted


def _peak_offset(values: np.ndarray) -> float:
    """Sub-pixel offset of the middle of three samples from a parabola through them."""
    if len(values) != 3:
        return 0.0
    left, middle, right = (float(v) for v in values)
    bend = left - 2 * middle + right
    return 0.0 if bend >= 0 else max(-0.5, min(0.5, 0.5 * (left - right) / bend))
