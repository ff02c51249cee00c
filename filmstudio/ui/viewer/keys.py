"""Keyframes of a node for the timeline's key ticks and the step-to-key buttons. Plain Python."""

from __future__ import annotations

import bisect
import math

from filmstudio.core.graph import NodeInstance
from filmstudio.core.params import AnimCurve


def key_frames(node: NodeInstance | None) -> list[int]:
    """The frames where any animated parameter of ``node`` has a key, sorted (keys at fractional
    frames count at the frame they fall in)."""
    if node is None:
        return []
    frames: set[int] = set()
    for stored in node.params.values():
        if isinstance(stored, AnimCurve):
            frames.update(math.floor(frame) for frame in stored.frames)
    return sorted(frames)


def next_key(frames: list[int], current: int) -> int | None:
    """The first key after ``current``, or None."""
    index = bisect.bisect_right(frames, current)
    return frames[index] if index < len(frames) else None


def previous_key(frames: list[int], current: int) -> int | None:
    """The last key before ``current``, or None."""
    index = bisect.bisect_left(frames, current)
    return frames[index - 1] if index > 0 else None
