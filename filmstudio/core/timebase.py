"""Frames, frame ranges, rates, formats and timecode: the project's sense of time and size."""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

_RANGE = re.compile(r"^\s*(-?\d+)\s*(?:-\s*(-?\d+)\s*(?:x\s*(\d+)\s*)?)?$")


@dataclass(frozen=True)
class FrameRange:
    """An inclusive range of frames with a step, written ``1-100`` or ``1-100x2`` (Nuke's syntax)."""

    first: int
    last: int
    step: int = 1

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError(f"frame range {self.first}-{self.last} ends before it starts")
        if self.step < 1:
            raise ValueError(f"frame step must be 1 or more, not {self.step}")

    @classmethod
    def parse(cls, text: str) -> FrameRange:
        """Parse ``"12"``, ``"1-100"`` or ``"1-100x2"``; raises ValueError with the accepted forms."""
        match = _RANGE.match(text)
        if not match:
            raise ValueError(f"{text!r} is not a frame range: write 12, 1-100 or 1-100x2")
        first = int(match.group(1))
        last = int(match.group(2)) if match.group(2) is not None else first
        step = int(match.group(3)) if match.group(3) is not None else 1
        return cls(first, last, step)

    def __iter__(self):
        return iter(range(self.first, self.last + 1, self.step))

    def __len__(self) -> int:
        return len(range(self.first, self.last + 1, self.step))

    def __contains__(self, frame: object) -> bool:
        return frame in range(self.first, self.last + 1, self.step)

    def __str__(self) -> str:
        text = f"{self.first}-{self.last}"
        return text + (f"x{self.step}" if self.step != 1 else "")


@dataclass(frozen=True)
class Format:
    """Image size in pixels and pixel aspect ratio (2.0 for anamorphic squeeze)."""

    width: int = 1920
    height: int = 1080
    pixel_aspect: float = 1.0
    name: str = ""

    def __post_init__(self) -> None:
        if self.width < 1 or self.height < 1:
            raise ValueError(f"a format needs a positive size, not {self.width}x{self.height}")
        if not self.pixel_aspect > 0:
            raise ValueError(f"pixel aspect must be positive, not {self.pixel_aspect}")

    def scaled(self, scale: float) -> tuple[int, int]:
        """Width and height at a proxy ``scale`` (never below one pixel)."""
        return max(1, round(self.width * scale)), max(1, round(self.height * scale))


def parse_fps(value: object) -> Fraction:
    """Frames per second as an exact fraction: 24, 25.0, "30000/1001" or "23.976" (NTSC guessed)."""
    ntsc = {"23.976": Fraction(24000, 1001), "29.97": Fraction(30000, 1001), "59.94": Fraction(60000, 1001)}
    if isinstance(value, str) and value.strip() in ntsc:
        return ntsc[value.strip()]
    try:
        fps = Fraction(value).limit_denominator(1001) if not isinstance(value, bool) else None
    except (TypeError, ValueError, ZeroDivisionError):
        fps = None
    if fps is None or fps <= 0:
        raise ValueError(f"{value!r} is not a frame rate: write 24, 25, 30000/1001 or 23.976")
    return fps


def format_fps(fps: Fraction) -> str:
    return str(fps.numerator) if fps.denominator == 1 else f"{fps.numerator}/{fps.denominator}"


def timecode(frame: int, fps: Fraction) -> str:
    """SMPTE-style non-drop timecode ``HH:MM:SS:FF`` for a frame counted from 0 at 00:00:00:00."""
    base = round(fps)
    sign = "-" if frame < 0 else ""
    frame = abs(frame)
    seconds, frames = divmod(frame, base)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{sign}{hours:02d}:{minutes:02d}:{seconds:02d}:{frames:02d}"
