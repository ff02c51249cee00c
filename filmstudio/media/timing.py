"""Where a clip sits on the timeline: which of its frames a timeline frame shows.

Shared by the Read node (which frame to decode) and renders (which seconds of the clip's sound go
with the rendered frames), so the picture and its sound are placed by the same arithmetic.

Constant-rate clips and sequences are placed frame for frame (:func:`clip_frame_number`): timeline
frame ``start_frame + n`` shows the ``n``-th used frame, whatever the clip's rate. A variable-rate
movie is placed by time (:func:`clip_frame_at_time`): a timeline frame shows the frame that is on
screen at that moment of the clip, so a 10 fps stretch of a phone clip holds each frame for 2.4
frames of a 24 fps project instead of playing 2.4x fast, and its sound stays in sync.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from filmstudio.core.errors import MediaError
from filmstudio.media.index import FrameIndex

__all__ = ["TimedFrame", "clip_frame_at_time", "clip_frame_number"]


def clip_frame_number(first: int, last: int, placement: Any, frame: int) -> int | None:
    """The frame number of a clip numbered ``first..last`` shown at timeline ``frame``.

    ``placement`` has the Read's fields: ``start_frame`` (the timeline frame that shows the first
    used frame), ``trim_in``/``trim_out`` (clip frames counted from ``first``; ``trim_out`` -1: to
    the end) and ``outside`` (``hold`` the nearest used frame, ``black``: None, ``error``).
    Raises :class:`MediaError` for a trim that leaves no frames, or a frame outside with ``error``.
    """
    start, end = _used_frames(first, last, placement)
    number = start + (frame - placement.start_frame)
    if start <= number <= end:
        return number
    if placement.outside == "hold":
        return min(max(number, start), end)
    if placement.outside == "black":
        return None
    raise MediaError(
        "(timeline)",
        f"frame {frame} is outside the clip (frames {placement.start_frame}-"
        f"{placement.start_frame + end - start}); set outside to hold or black",
    )


@dataclass(frozen=True)
class TimedFrame:
    """What a timeline frame shows of a variable-rate clip: clip frame ``number`` (numbered from
    the clip's ``first``), and the moment ``seconds`` after the clip's first frame that the
    timeline frame stands for (where its sound starts)."""

    number: int
    seconds: Fraction


def clip_frame_at_time(
    first: int, index: FrameIndex, placement: Any, frame: int, fps: Fraction
) -> TimedFrame | None:
    """The frame of a clip numbered ``first..`` (one per entry of ``index``) on screen at timeline
    ``frame`` of a project at ``fps``, placed by time.

    ``placement`` is as for :func:`clip_frame_number`: ``start_frame`` shows the first used frame
    (``trim_in``, counted in clip frames), and timeline frame ``start_frame + n`` shows the clip
    ``n / fps`` seconds later: the frame whose display interval ``[pts[k], pts[k+1])`` holds that
    moment, computed exactly in the stream's time base. The used part ends when the last used
    frame (``trim_out``) stops showing; frames beyond it follow ``outside`` as for frame placement.
    """
    last = first + len(index) - 1
    start, end = _used_frames(first, last, placement)
    origin = int(index.pts[0])
    begin = int(index.pts[start - first]) - origin
    stop = (
        int(index.pts[end - first + 1]) if end < last else int(index.pts[-1]) + index.last_duration
    ) - origin
    offset = Fraction(frame - placement.start_frame) / Fraction(fps)
    if offset >= 0:
        # Exact: pts[k] * time_base <= moment  <=>  pts[k] <= floor(moment / time_base) for integer pts.
        ticks = begin + math.floor(offset / index.time_base)
        if ticks < stop:
            position = int(np.searchsorted(index.pts, origin + ticks, side="right")) - 1
            return TimedFrame(first + position, begin * index.time_base + offset)
    if placement.outside == "hold":
        number = start if offset < 0 else end
        return TimedFrame(number, (int(index.pts[number - first]) - origin) * index.time_base)
    if placement.outside == "black":
        return None
    shown = max(1, math.ceil((stop - begin) * index.time_base * Fraction(fps)))
    raise MediaError(
        "(timeline)",
        f"frame {frame} is outside the clip (frames {placement.start_frame}-"
        f"{placement.start_frame + shown - 1}); set outside to hold or black",
    )


def _used_frames(first: int, last: int, placement: Any) -> tuple[int, int]:
    """The first and last clip frame numbers the trim keeps."""
    start = first + placement.trim_in
    end = last if placement.trim_out < 0 else min(last, first + placement.trim_out)
    if end < start:
        raise MediaError("(trim)", f"trim_in {placement.trim_in} is after trim_out {placement.trim_out}")
    return start, end
