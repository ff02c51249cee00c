"""Frames, frame ranges, rates, formats and timecode: the project's sense of time and size."""

from __future__ import annotations

import numbers
import re
from dataclasses import dataclass
from fractions import Fraction

# Limits no real project reaches; beyond them numbers stop being usable (Qt's int widgets, pixel
# buffers, Fraction arithmetic) long before they stop being valid JSON, so files are refused.
MAX_FRAME = 10**9  # frame numbers: 1.3 years at 24 fps; the timeline's int32 slider holds 2.1e9
MAX_FPS = 10_000  # beyond any playback rate (high-speed footage is conformed to a real rate)
MAX_IMAGE_SIZE = 65_536  # pixels a side: four times a 16K frame; one such RGBA float frame is 64 GB
PIXEL_ASPECT_RANGE = (0.01, 100.0)  # real squeezes are 0.9 (NTSC) to 2.0 (anamorphic)

_RANGE = re.compile(r"^\s*(-?\d{1,12})\s*(?:-\s*(-?\d{1,12})\s*(?:x\s*(\d{1,12})\s*)?)?$")
# "24", "23.976", "2.4e1", "30000/1001": short and with a small exponent, because Fraction("1e999999999")
# computes the ten-to-the-billion it is asked for (minutes) before anything can check its size
_FPS_DECIMAL = re.compile(r"\s*\+?(\d{1,20}(?:\.\d{0,20})?|\.\d{1,20})(?:[eE][+-]?\d{1,2})?\s*")
_FPS_RATIO = re.compile(r"\s*\+?\d{1,20}\s*/\s*\d{1,20}\s*")


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
        if not -MAX_FRAME <= self.first <= self.last <= MAX_FRAME or self.step > MAX_FRAME:
            raise ValueError(f"frame numbers must lie within ±{MAX_FRAME:,}")

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
        if self.width > MAX_IMAGE_SIZE or self.height > MAX_IMAGE_SIZE:
            raise ValueError(
                f"a format is at most {MAX_IMAGE_SIZE} pixels a side, not {self.width}x{self.height}"
            )
        low, high = PIXEL_ASPECT_RANGE
        if not low <= self.pixel_aspect <= high:
            raise ValueError(f"pixel aspect must lie between {low} and {high}, not {self.pixel_aspect}")

    def scaled(self, scale: float) -> tuple[int, int]:
        """Width and height at a proxy ``scale`` (never below one pixel)."""
        return max(1, round(self.width * scale)), max(1, round(self.height * scale))


def parse_fps(value: object) -> Fraction:
    """Frames per second as an exact fraction: 24, 25.0, "30000/1001" or "23.976" (NTSC guessed).
    Raises ValueError for anything else, and for rates outside 1/1001 to :data:`MAX_FPS`."""
    ntsc = {"23.976": Fraction(24000, 1001), "29.97": Fraction(30000, 1001), "59.94": Fraction(60000, 1001)}
    if isinstance(value, str) and value.strip() in ntsc:
        return ntsc[value.strip()]
    fps = None
    if isinstance(value, str):
        if _FPS_DECIMAL.fullmatch(value) or _FPS_RATIO.fullmatch(value):
            fps = _fraction(value.strip())
    elif isinstance(value, numbers.Rational | float) and not isinstance(value, bool):
        fps = _fraction(value)
    if fps is not None and 0 < fps <= MAX_FPS:
        fps = fps.limit_denominator(1001)
    if fps is None or not 0 < fps <= MAX_FPS:
        raise ValueError(
            f"{_shown(value)} is not a frame rate: write 24, 25, 30000/1001 or 23.976 (at most {MAX_FPS:,})"
        )
    return fps


def _shown(value: object) -> str:
    """``value`` for a message: long text cut short, and no 5,000-digit number (its repr fails)."""
    if isinstance(value, int) and value.bit_length() > 64:
        return "a number that large"
    shown = repr(value)
    return shown if len(shown) <= 40 else shown[:40] + "..."


def _fraction(value: str | numbers.Rational | float) -> Fraction | None:
    try:
        return Fraction(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):  # "1/0", inf, nan
        return None


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
