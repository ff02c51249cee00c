"""``probe(path)``: what a video file, still image or image sequence holds, as a :class:`MediaInfo`.

Probing a video demuxes the whole file once (no decoding beyond the first frame) so the frame count,
the VFR flag and the duration are exact. Safe to call from any thread; each call opens its own file.
"""

from __future__ import annotations

import os
from pathlib import Path

from filmstudio.media.info import MediaInfo
from filmstudio.media.inspection import probe_file
from filmstudio.media.sequence import ImageSequence, is_sequence_pattern

__all__ = ["probe"]


def probe(path: str | os.PathLike[str]) -> MediaInfo:
    """Describe a video file, a still image, or an image sequence given as a pattern.

    Raises :class:`MediaError` naming the file for anything that cannot be read: a missing or empty
    file, a truncated or damaged one, one that is not media at all, or one without a video stream.
    """
    if is_sequence_pattern(path) and not Path(path).is_file():  # 'take#2.mp4' is a file, not a pattern
        return ImageSequence.from_pattern(path).info
    return probe_file(path)
