"""Open media shared by every Read node, viewer and render in the process.

Opening a clip means probing it and indexing its packets; a Read node evaluated per frame must not
pay that per frame. :class:`MediaPool` keeps the most recently used clips open (and re-opens a file
that changed on disk), so sequential frames decode forward from where the last one stopped.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from filmstudio.core.errors import MediaError
from filmstudio.media.info import MediaInfo
from filmstudio.media.probe import probe
from filmstudio.media.reader import VideoReader
from filmstudio.media.sequence import ImageSequence, is_sequence_pattern
from filmstudio.media.stills import read_image_tensor

_STILL_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".exr", ".bmp", ".webp", ".dpx"}


def file_identity(path: str | os.PathLike[str]) -> tuple[str, int, int]:
    """(path, size, modification time): changes when the file is replaced; for cache keys."""
    try:
        stat = os.stat(path)
    except OSError:
        return (str(path), -1, -1)
    return (str(path), stat.st_size, stat.st_mtime_ns)


@dataclass
class Clip:
    """One open clip with frames numbered the clip's own way: 0..n-1 for movies, the numbers on disk
    for sequences, any number for a still (it has one frame)."""

    path: str
    info: MediaInfo
    first: int
    last: int
    source: Any

    def read_tensor(self, number: int, missing: str = "error") -> Any:
        """Frame ``number`` as float32 premultiplied RGBA ``[4, H, W]`` in the file's own encoding."""
        if isinstance(self.source, VideoReader):
            return self.source.read_tensor(number - self.first)
        if isinstance(self.source, ImageSequence):
            return self.source.read_tensor(number, missing)  # type: ignore[arg-type]
        return self.source.clone()

    def close(self) -> None:
        if isinstance(self.source, VideoReader):
            self.source.close()


class MediaPool:
    """Up to ``capacity`` open clips, least recently used closed first. Thread-safe."""

    def __init__(self, capacity: int = 16) -> None:
        self.capacity = capacity
        self._clips: OrderedDict[tuple[str, int, int], Clip] = OrderedDict()
        self._lock = threading.Lock()

    def open(self, path: str | os.PathLike[str]) -> Clip:
        identity = file_identity(path) if not is_sequence_pattern(path) else (str(path), 0, 0)
        with self._lock:
            clip = self._clips.get(identity)
            if clip is not None:
                self._clips.move_to_end(identity)
                return clip
        clip = _open_clip(Path(path))  # outside the lock: opening a long clip takes a while
        with self._lock:
            existing = self._clips.get(identity)
            if existing is not None:
                clip.close()
                return existing
            self._clips[identity] = clip
            while len(self._clips) > self.capacity:
                _identity, oldest = self._clips.popitem(last=False)
                oldest.close()
            return clip

    def close_all(self) -> None:
        with self._lock:
            clips, self._clips = list(self._clips.values()), OrderedDict()
        for clip in clips:
            clip.close()


def _open_clip(path: Path) -> Clip:
    if is_sequence_pattern(path):
        sequence = ImageSequence.from_pattern(path)
        return Clip(str(path), sequence.info, sequence.first_frame, sequence.last_frame, sequence)
    if path.suffix.lower() in _STILL_SUFFIXES:
        image = read_image_tensor(path)
        return Clip(str(path), probe(path), 0, 0, image)
    if not path.exists():
        raise MediaError(path, "the file does not exist; check the path or relink the Read node")
    reader = VideoReader(path)
    return Clip(str(path), reader.info, 0, len(reader) - 1, reader)


shared_pool = MediaPool()
