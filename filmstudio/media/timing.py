"""Where a clip sits on the timeline: which of its frames a timeline frame shows.

Shared by the Read node (which frame to decode) and renders (which seconds of the clip's sound go
with the rendered frames), so the picture and its sound are placed by the same arithmetic.
"""

from __future__ import annotations

from typing import Any

from filmstudio.core.errors import MediaError

__all__ = ["clip_frame_number"]


def clip_frame_number(first: int, last: int, placement: Any, frame: int) -> int | None:
    """The frame number of a clip numbered ``first..last`` shown at timeline ``frame``.

    ``placement`` has the Read's fields: ``start_frame`` (the timeline frame that shows the first
    used frame), ``trim_in``/``trim_out`` (clip frames counted from ``first``; ``trim_out`` -1: to
    the end) and ``outside`` (``hold`` the nearest used frame, ``black``: None, ``error``).
    Raises :class:`MediaError` for a trim that leaves no frames, or a frame outside with ``error``.
    """
    start = first + placement.trim_in
    end = last if placement.trim_out < 0 else min(last, first + placement.trim_out)
    if end < start:
        raise MediaError("(trim)", f"trim_in {placement.trim_in} is after trim_out {placement.trim_out}")
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
