"""Frames <-> a format's clock ticks (SRT/WebVTT milliseconds, ASS centiseconds, a movie stream's
time base), so that a cue lands on the same frames after any number of round trips.

The rule is the one players apply: a cue is on screen on frame ``k`` when
``start <= time(k) < end``, where ``time(k)`` is when frame ``k`` appears (``k / fps`` after the
first frame). So

- **writing** a cue boundary at frame ``k`` gives the latest tick not after ``time(k)``
  (``floor``). It lies after ``time(k - 1)`` as long as a tick is no longer than a frame, so a
  player shows the cue from frame ``k`` exactly, never a frame late (rounding to the nearest
  millisecond would put half the cues at 23.976 fps one frame late: frame 1 is at 41.708 ms);
- **reading** a time gives the first frame that appears at or after it (``ceil``): the frame a
  player starts showing the cue on. Reading what was written gives ``k`` back, exactly.

Everything is exact :class:`~fractions.Fraction` arithmetic: no float seconds anywhere.
Frames here count from the file's time zero (``k = frame - origin``); the caller adds the
project frame that time zero stands for.
"""

from __future__ import annotations

import math
from fractions import Fraction

from filmstudio.subtitles.cues import SubtitleError

MILLISECOND = Fraction(1, 1000)  # SRT, WebVTT, Matroska
CENTISECOND = Fraction(1, 100)  # ASS/SSA


def check_tick(fps: Fraction, tick: Fraction, what: str) -> None:
    """Refuse a clock too coarse for the frame rate: with a tick longer than a frame, two frames
    could share one time and a cue could not keep its frame."""
    if Fraction(tick) * Fraction(fps) > 1:
        raise SubtitleError(
            f"{what} counts time in steps of {float(tick) * 1000:g} ms, longer than a frame at "
            f"{float(fps):g} fps, so cues could not keep their frames: write SRT or WebVTT instead"
        )


def frame_to_ticks(frame: int, fps: Fraction, tick: Fraction) -> int:
    """The tick a cue boundary at ``frame`` (from time zero, >= 0) is written at: the latest tick
    not after the frame's time."""
    if frame < 0:
        raise SubtitleError(f"frame {frame} lies before the file's time zero")
    return math.floor(Fraction(frame) / (Fraction(fps) * Fraction(tick)))


def ticks_to_frame(ticks: int, fps: Fraction, tick: Fraction) -> int:
    """The frame (from time zero) a cue boundary at ``ticks`` lands on: the first frame that
    appears at or after that time."""
    return math.ceil(Fraction(ticks) * Fraction(tick) * Fraction(fps))


def frame_to_ms(frame: int, fps: Fraction, tick: Fraction = MILLISECOND) -> int:
    """:func:`frame_to_ticks` in milliseconds, for a format whose clock is ``tick`` (a whole
    number of milliseconds, e.g. ASS's centisecond)."""
    return frame_to_ticks(frame, fps, tick) * int(tick * 1000)


def ms_to_frame(ms: int, fps: Fraction) -> int:
    """:func:`ticks_to_frame` of a time in milliseconds."""
    return ticks_to_frame(ms, fps, MILLISECOND)
