"""Open media shared by every Read node, viewer and render in the process.

Opening a clip means probing it and indexing its packets; a Read node evaluated per frame must not
pay that per frame. :class:`MediaPool` keeps the most recently used clips open, so sequential frames
decode forward from where the last one stopped.

Media on disk may change while the editor runs: a movie is re-opened when the file changes (size,
time, inode), an image sequence is re-scanned when its folder changes (a frame added, removed or
renamed into place), and a frame missing from the scan is looked for again when asked for. Cache
keys follow the files (:func:`footage_identity`): for a sequence, a timeline frame's key holds the
identity of the one image it shows, so re-rendering frame 12 invalidates only what shows frame 12.
:func:`reload_media` (the editor's Reload Media) forgets everything and changes every such key:
the remedy where a stat cannot tell (a file rewritten in place with its old size and time, or a
folder changed twice within one tick of a coarse file-system clock).
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from filmstudio.core.errors import FilmStudioError, MediaError
from filmstudio.media.index import FrameIndex
from filmstudio.media.info import MediaInfo
from filmstudio.media.probe import probe
from filmstudio.media.reader import VideoReader
from filmstudio.media.sequence import ImageSequence, is_sequence_pattern
from filmstudio.media.stills import read_image_tensor
from filmstudio.media.timing import clip_frame_at_time, clip_frame_number

_STILL_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".exr", ".bmp", ".webp", ".dpx"}
_SEQUENCE = "sequence"
_reloads = 0  # how often media was reloaded in this process: part of every identity below


def file_identity(path: str | os.PathLike[str]) -> tuple[str, int, int, int, int]:
    """(path, size, modification time, inode, reload count), for cache keys.

    Changes when the file is rewritten or replaced (an atomic save makes a new inode even within
    one tick of the file system's clock) and after :func:`reload_media`; a missing file has -1s.
    """
    try:
        stat = os.stat(path)
    except OSError:
        return (str(path), -1, -1, -1, _reloads)
    return (str(path), stat.st_size, stat.st_mtime_ns, stat.st_ino, _reloads)


def reload_media() -> None:
    """Forget what this process knows of media on disk: clips are re-opened and sequences
    re-scanned on next use, and every :func:`file_identity` (so every key of a frame that
    depends on media) changes. Any thread; frames being read meanwhile finish from the old state."""
    global _reloads
    _reloads += 1
    shared_pool.forget()


def reload_count() -> int:
    """How often :func:`reload_media` ran in this process (what remembered keys are checked against)."""
    return _reloads


@dataclass
class Clip:
    """One open clip with frames numbered the clip's own way: 0..n-1 for movies, the numbers on disk
    for sequences, any number for a still (it has one frame).

    ``stamp`` is what the pool compares to know the clip is still what is on disk. ``timing`` is
    the frame index of a variable-rate movie, which is placed on the timeline by time (None:
    placed frame for frame, see :mod:`filmstudio.media.timing`). A Read's ``timing`` parameter
    may choose otherwise (:meth:`placed_by`).
    """

    path: str
    info: MediaInfo
    first: int
    last: int
    source: Any
    stamp: tuple[Any, ...] = ()
    timing: FrameIndex | None = None

    def placed_by(self, placement: Any) -> FrameIndex | None:
        """The frame index that places this clip on the timeline by time, or None: frame for frame.
        A Read's ``timing`` (``placement.timing``, default "auto"): "auto" places a variable-rate
        movie by time and anything else frame for frame; "time" places any movie by time (a
        30 fps clip in a 24 fps project plays at its own pace, its sound as recorded); "frames"
        places even a variable-rate movie frame for frame (its sound conformed to the average
        pace, :func:`~filmstudio.media.audio_source.conform_speed`)."""
        timing = getattr(placement, "timing", "auto")
        if timing == "frames":
            return None
        if timing == "time" and self.timing is None and self.info.kind == "video":
            return getattr(self.source, "index", None)
        return self.timing

    def frame_at(self, placement: Any, frame: int, fps: Fraction) -> int | None:
        """The clip frame shown at timeline ``frame`` of a project at ``fps`` (None: black), for a
        Read's ``placement`` (start_frame, trim_in, trim_out, outside, timing)."""
        index = self.placed_by(placement)
        if index is None:
            return clip_frame_number(self.first, self.last, placement, frame)
        timed = clip_frame_at_time(self.first, index, placement, frame, fps)
        return None if timed is None else timed.number

    def seconds_at(self, placement: Any, frame: int, fps: Fraction) -> float | None:
        """Seconds after the clip's first frame that timeline ``frame`` shows (where its sound is);
        None where nothing is shown."""
        index = self.placed_by(placement)
        if index is None:
            number = clip_frame_number(self.first, self.last, placement, frame)
            return None if number is None else self.seconds_of(number)
        timed = clip_frame_at_time(self.first, index, placement, frame, fps)
        return None if timed is None else float(timed.seconds)

    def seconds_of(self, number: int) -> float:
        """When clip frame ``number`` appears, in seconds after the clip's first frame."""
        if self.timing is not None:
            return float(
                (int(self.timing.pts[number - self.first]) - int(self.timing.pts[0])) * self.timing.time_base
            )
        return float((number - self.first) / self.info.fps) if self.info.fps else 0.0

    def identity_of(self, number: int, missing: str = "error") -> Any:
        """What reading clip frame ``number`` depends on, for cache keys: the file it comes from (for
        a sequence the one image shown under the ``missing`` policy), checked with one ``stat``."""
        if not isinstance(self.source, ImageSequence):
            return file_identity(self.path)
        try:
            path = self.source.resolve(number, missing)  # type: ignore[arg-type]
        except MediaError:  # missing under 'error': evaluating says so; the key changes when it appears
            path = self.source.path_for(number)
        if path is None:  # a black frame the size of the first image
            return ["black", file_identity(self.source.path_for(self.first))]
        return file_identity(path)

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
    """Up to ``capacity`` open clips by path, least recently used closed first. Thread-safe.

    Each :meth:`open` checks the clip is current with one ``stat`` (two for a sequence: the
    pattern, then its folder) and opens it again when it is not.
    """

    def __init__(self, capacity: int = 16) -> None:
        self.capacity = capacity
        self._clips: OrderedDict[str, Clip] = OrderedDict()
        self._lock = threading.Lock()

    def open(self, path: str | os.PathLike[str], stamp: tuple[Any, ...] | None = None) -> Clip:
        """The clip at ``path`` as it is on disk now (``stamp``: its :func:`media_stamp`, if known)."""
        key = str(path)
        stamp = stamp or media_stamp(path)
        with self._lock:
            clip = self._clips.get(key)
            if clip is not None and clip.stamp == stamp:
                self._clips.move_to_end(key)
                return clip
        clip = _open_clip(Path(path), stamp)  # outside the lock: opening a long clip takes a while
        with self._lock:
            existing = self._clips.get(key)
            if existing is not None and existing.stamp == stamp:
                clip.close()
                return existing
            # A stale clip is dropped, not closed: another thread may still be reading a frame
            # from it, and its file closes when the last reference goes.
            self._clips[key] = clip
            self._clips.move_to_end(key)
            while len(self._clips) > self.capacity:
                _key, oldest = self._clips.popitem(last=False)
                oldest.close()
            return clip

    def forget(self) -> None:
        """Drop every clip without closing it (reads in flight finish); the next open looks again."""
        with self._lock:
            self._clips = OrderedDict()

    def close_all(self) -> None:
        with self._lock:
            clips, self._clips = list(self._clips.values()), OrderedDict()
        for clip in clips:
            clip.close()


def footage_identity(path: str | os.PathLike[str], placement: Any, frame: int, fps: Fraction) -> Any:
    """What timeline ``frame`` of the footage at ``path`` depends on, for a Read's cache key, found
    without decoding: a movie's or still's file identity (and the project rate, which places a
    variable-rate movie), or for a sequence the identity of the one image this frame shows, so
    re-rendering or adding one image changes only the keys of the frames that show it.

    ``placement`` has a Read's fields (start_frame, trim_in, trim_out, outside, missing). Never
    raises: footage that cannot be opened gives a key that changes when it appears, and
    evaluating the frame reports the problem.
    """
    stamp = media_stamp(path)
    if stamp[0] != _SEQUENCE:
        return [stamp, str(fps)]
    try:
        clip = shared_pool.open(path, stamp)
        number = clip.frame_at(placement, frame, fps)
    except FilmStudioError as error:
        return ["unreadable", file_identity(Path(path).parent), str(error)]
    if number is None:
        return ["outside", clip.stamp, clip.info.width, clip.info.height]
    return [number, clip.identity_of(number, placement.missing)]


def media_stamp(path: str | os.PathLike[str]) -> tuple[Any, ...]:
    """What tells whether the media at ``path`` changed: a file's :func:`file_identity`, or for a
    sequence pattern its folder's (adding, removing or renaming a frame into place updates the
    folder's time; an image rewritten in place does not, but its own identity is in the keys)."""
    identity = file_identity(path)
    if identity[1] == -1 and is_sequence_pattern(path):  # one stat for a file, two for a sequence
        return (_SEQUENCE, *file_identity(os.path.dirname(os.fspath(path)) or "."))
    return identity


def _open_clip(path: Path, stamp: tuple[Any, ...]) -> Clip:
    if stamp[0] == _SEQUENCE:
        sequence = ImageSequence.from_pattern(path)
        return Clip(str(path), sequence.info, sequence.first_frame, sequence.last_frame, sequence, stamp)
    if path.suffix.lower() in _STILL_SUFFIXES:
        image = read_image_tensor(path)
        return Clip(str(path), probe(path), 0, 0, image, stamp)
    if not path.exists():
        raise MediaError(path, "the file does not exist; check the path or relink the Read node")
    reader = VideoReader(path)
    timing = reader.index if reader.info.variable_frame_rate else None
    return Clip(str(path), reader.info, 0, len(reader) - 1, reader, stamp, timing)


shared_pool = MediaPool()
