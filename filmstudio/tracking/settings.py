"""What a tracking pass is told: the choices the Tracker node offers and the settings they make.
Light to import (no OpenCV): node modules list these choices at class definition."""

from __future__ import annotations

from dataclasses import dataclass

from filmstudio.core.track import TrackError

MOTION_MODELS = ("translation", "rotation+scale", "affine", "perspective")
MATCH_MODES = ("keyframe", "previous frame")
LOW_CONFIDENCE_ACTIONS = ("extrapolate", "continue", "stop")
TRACK_CHANNELS = ("luminance", "highest contrast", "red", "green", "blue")
TRACK_METHODS = ("pattern", "box (MIL)")


@dataclass(frozen=True)
class TrackerSettings:
    """How patterns are tracked (the Tracker node's parameters).

    ``motion``: one of :data:`MOTION_MODELS`; ``match``: one of :data:`MATCH_MODES` (what the
    pattern is compared with); ``min_confidence``: correlation below which a frame is weak;
    ``on_low``: one of :data:`LOW_CONFIDENCE_ACTIONS` (what a weak frame does); ``levels``: pyramid
    levels of the prediction (each doubles the motion it follows; 3 follows about 8 pattern widths
    per frame)."""

    motion: str = "translation"
    match: str = "keyframe"
    min_confidence: float = 0.7
    on_low: str = "extrapolate"
    levels: int = 3

    def __post_init__(self) -> None:
        for what, value, allowed in (
            ("motion model", self.motion, MOTION_MODELS),
            ("match", self.match, MATCH_MODES),
            ("on low confidence", self.on_low, LOW_CONFIDENCE_ACTIONS),
        ):
            if value not in allowed:
                raise TrackError(f"unknown {what} {value!r}: use one of {', '.join(allowed)}")
        if not 0.0 <= self.min_confidence <= 1.0:
            raise TrackError(f"the minimum confidence must lie in 0..1, not {self.min_confidence}")
