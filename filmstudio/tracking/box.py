"""Loose subject tracking with OpenCV's MIL tracker (multiple-instance learning).

For subjects whose look changes too much for pattern matching (a walking person, a turning car):
MIL learns the subject's appearance as it goes and follows a box of the pattern's size. It is
coarser than the pattern tracker (whole pixels, no rotation) and says only whether it found the
subject, so the confidence is the normalised cross-correlation of the box with the same box at the
frame the track was seeded from. MIL draws random features from OpenCV's internal state (not
reached by ``cv2.setRNGSeed``), so two passes over the same frames can differ by pixels; results
are stored in the node's state, so renders are reproducible all the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from filmstudio.core.track import TrackSample
from filmstudio.tracking.pattern import TrackerSettings


@dataclass
class _Box:
    tracker: Any  # cv2.TrackerMIL
    template: np.ndarray  # float32: the box's pixels at the seed frame
    size: int
    stopped: bool = False


class BoxTracker:
    """The same interface as :class:`~filmstudio.tracking.pattern.PatternTracker` (advance once per
    frame, then seed keyed tracks); ``settings.min_confidence`` and ``on_low`` apply ("extrapolate"
    behaves like "continue": MIL keeps searching around its last box)."""

    def __init__(self, settings: TrackerSettings) -> None:
        self.settings = settings
        self._boxes: dict[str, _Box] = {}

    def following(self) -> tuple[str, ...]:
        return tuple(name for name, box in self._boxes.items() if not box.stopped)

    def seed(self, name: str, sample: TrackSample, pattern: int, search: int, grey: np.ndarray) -> None:
        params = cv2.TrackerMIL.Params()
        params.samplerSearchWinSize = float(max(25, search // 2))  # a radius, pixels
        tracker = cv2.TrackerMIL.create(params)
        box = _box(sample.x, sample.y, pattern)
        tracker.init(grey, box)
        self._boxes[name] = _Box(tracker, _pixels(grey, box), pattern)

    def drop(self, name: str) -> None:
        self._boxes.pop(name, None)

    def advance(self, grey: np.ndarray) -> dict[str, TrackSample]:
        found: dict[str, TrackSample] = {}
        for name, box in self._boxes.items():
            if box.stopped:
                continue
            ok, (left, top, width, height) = box.tracker.update(grey)
            x, y = left + width / 2.0, top + height / 2.0
            confidence = _correlation(_pixels(grey, (left, top, width, height)), box.template) if ok else 0.0
            if confidence < self.settings.min_confidence and self.settings.on_low == "stop":
                box.stopped = True
            found[name] = TrackSample.square(x, y, box.size, confidence=max(0.0, confidence))
        return found


def _box(x: float, y: float, size: int) -> tuple[int, int, int, int]:
    left, top = round(x - size / 2.0), round(y - size / 2.0)
    return (left, top, size, size)


def _pixels(grey: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    left, top, width, height = (int(v) for v in box)
    centre = (left + (width - 1) / 2.0, top + (height - 1) / 2.0)
    return cv2.getRectSubPix(grey, (width, height), centre).astype(np.float32)


def _correlation(seen: np.ndarray, template: np.ndarray) -> float:
    if seen.shape != template.shape:
        seen = cv2.resize(seen, template.shape[::-1], interpolation=cv2.INTER_AREA)
    if float(seen.std()) < 1e-3 or float(template.std()) < 1e-3:
        return 0.0
    score = float(cv2.matchTemplate(seen, template, cv2.TM_CCOEFF_NORMED)[0, 0])
    return score if np.isfinite(score) else 0.0
