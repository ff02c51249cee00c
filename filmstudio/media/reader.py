"""``VideoReader``: frame-exact random access to a video file (a still image reads as a one-frame clip).

Frame ``k`` is the ``k``-th frame in presentation order (by pts), whatever the frame rate does. On open the
reader demuxes the file once to index every frame's pts. A read seeks to the keyframe at or before the
frame and decodes forward; decoded frames stay in a small window (the longest GOP plus 16 frames, within
a memory budget), so stepping backwards and scrubbing near the playhead are cheap. Sequential reads
schedule read-ahead on the executor given to the constructor.

Threads: every public method may be called from any thread. One lock guards the container and decoder;
conversion to RGB runs outside it. Read-ahead never seeks and gives up as soon as a read jumps elsewhere.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from concurrent.futures import Executor, Future
from typing import TYPE_CHECKING, Any

import av
import numpy as np
from av.video.reformatter import VideoReformatter

from filmstudio.core.errors import MediaError
from filmstudio.media.convert import (
    PLANAR_FORMATS,
    PixelLayout,
    array_to_tensor,
    frame_to_array,
    frame_to_planes,
    upright,
)
from filmstudio.media.failures import FrameOutOfRangeError, check_readable_file, reading
from filmstudio.media.index import FrameIndex
from filmstudio.media.info import MediaInfo
from filmstudio.media.inspection import inspect_video, open_input

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    import torch

__all__ = ["VideoReader"]

_WINDOW_BUDGET_BYTES = 1 << 30
_MAX_SEEK_ATTEMPTS = 4


class _Decoded:
    """One decoded frame in the window; converted to an upright array on first use, then kept as that."""

    __slots__ = ("array", "frame")

    def __init__(self, frame: av.VideoFrame) -> None:
        self.frame: av.VideoFrame | None = frame
        self.array: np.ndarray | None = None

    def to_array(self, convert: Callable[[av.VideoFrame], np.ndarray]) -> np.ndarray:
        frame = self.frame  # read before ``array``: another thread may finish converting in between
        array = self.array
        if array is None:
            assert frame is not None
            array = convert(frame)
            array.flags.writeable = False
            self.array, self.frame = array, None
        return array


class VideoReader:
    """Random access to the frames of one video file, by frame index.

    ``read(k)`` gives an ``HxWxC`` array in the file's depth (uint8, or uint16 above 8 bits; float32 for
    float images), C = 3, or 4 when the file has alpha (straight, as stored). ``read_tensor(k)`` gives a
    new float32 ``[4,H,W]`` RGBA tensor in 0..1 with colour premultiplied by alpha (alpha 1 where the file
    has none). Both are rotated upright. Arrays are shared with the window and read-only: copy to modify.
    Every failure is a :class:`MediaError` naming the file.

    ``executor`` runs read-ahead when reads are sequential (None: decode only what is asked, inline).
    ``window`` is how many decoded frames to keep (default: the longest GOP + 16, within 1 GiB of RGB);
    ``read_ahead`` how many frames to decode ahead of a sequential reader. ``threads``: how many
    threads the decoder uses (0: FFmpeg's choice); an export sizes it with its encoder's.
    ``hwaccel``: decode on a GPU (a PyAV ``HWAccel``, :func:`filmstudio.media.hardware.hardware_decoding`;
    frames arrive in host memory, bit-exact with software decoding).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        executor: Executor | None = None,
        *,
        window: int | None = None,
        read_ahead: int = 8,
        threads: int = 0,
        hwaccel: Any = None,
    ) -> None:
        self._path = check_readable_file(path)
        self._executor = executor
        self._read_ahead = max(0, read_ahead)
        self._threads, self._hwaccel = threads, hwaccel
        self._lock = threading.RLock()
        self._container = open_input(self._path, hwaccel)
        try:
            inspection = inspect_video(self._container, self._path, threads)
        except BaseException:
            self._container.close()
            raise
        self._info = inspection.info
        self._index = inspection.index
        self._layout = inspection.layout
        self._stream_index = inspection.stream_index
        self._stream = self._container.streams[self._stream_index]
        self._convert_lock = threading.Lock()  # one swscale context, used by one thread at a time
        self._reformatter = VideoReformatter()
        self._window = window if window is not None else self._default_window()
        self._cache: OrderedDict[int, _Decoded] = OrderedDict()
        self._frames: Iterator[av.VideoFrame] | None = None
        self._decoded_position: int | None = None
        self._accept_from = 0
        self._fresh = False
        self._ordinal = 0
        self._last_request: int | None = None
        self._generation = 0
        self._ahead: Future[None] | None = None
        self._closed = False

    # ---- facts ---------------------------------------------------------------------------------------

    @property
    def info(self) -> MediaInfo:
        return self._info

    @property
    def path(self) -> str:
        return str(self._path)

    @property
    def index(self) -> FrameIndex:
        """Every frame's presentation timestamp (immutable; what time-based placement reads)."""
        return self._index

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def layout(self) -> PixelLayout:
        """How decoded frames become arrays (format, depth, YUV matrix and range)."""
        return self._layout

    def __len__(self) -> int:
        return self._info.frame_count

    def time_of(self, index: int) -> float:
        """Presentation time of frame ``index`` in seconds from the clip's first frame."""
        position = self._check_index(index)
        return float((int(self._index.pts[position]) - int(self._index.pts[0])) * self._index.time_base)

    def frame_at_time(self, seconds: float) -> int:
        """Index of the frame on screen ``seconds`` after the first frame (clamped to the clip)."""
        ticks = int(self._index.pts[0]) + round(seconds / self._index.time_base)
        position = int(np.searchsorted(self._index.pts, ticks, side="right")) - 1
        return min(max(position, 0), len(self) - 1)

    # ---- reading -------------------------------------------------------------------------------------

    def read(self, index: int) -> np.ndarray:
        """Frame ``index`` as a read-only ``HxWxC`` array (see the class docstring)."""
        position = self._check_index(index)
        entry = self._entry(position)
        with reading(self._path, "converting a frame"):
            array = entry.to_array(self._convert)
        self._schedule_read_ahead(position)
        return array

    def read_tensor(self, index: int) -> torch.Tensor:
        """Frame ``index`` as a new float32 ``[4,H,W]`` premultiplied RGBA tensor in 0..1, on the CPU."""
        return array_to_tensor(self.read(index), self._layout)

    def read_planes(self, index: int, reformatter: VideoReformatter) -> av.VideoFrame:
        """Frame ``index`` as a planar RGB frame (:func:`~filmstudio.media.convert.frame_to_planes`:
        the values :meth:`read` gives, not rotated) converted with the caller's ``reformatter``,
        for a reader that one export uses alone: the window keeps decoded frames, never arrays."""
        position = self._check_index(index)
        entry = self._entry(position)
        frame = entry.frame
        if frame is None:  # read() converted it already: the same values, repacked
            array = entry.to_array(self._convert)
            packed = av.VideoFrame.from_ndarray(np.ascontiguousarray(array), format=self._layout.av_format)
            return packed.reformat(format=PLANAR_FORMATS[self._layout.dtype])
        with reading(self._path, "converting a frame"):
            return frame_to_planes(frame, self._layout, reformatter)

    def close(self) -> None:
        """Stop read-ahead and release the file; later reads raise :class:`MediaError`. Idempotent."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._generation += 1
            ahead, self._ahead = self._ahead, None
            self._frames = None
            self._cache.clear()
            self._container.close()
        if ahead is not None:
            ahead.cancel()

    def __enter__(self) -> VideoReader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"VideoReader({self.path!r}, {len(self)} frames)"

    # ---- internals: all called with the lock held unless noted ---------------------------------------

    def _convert(self, frame: av.VideoFrame) -> np.ndarray:
        """Any thread, without the container lock: decoded frame -> upright array."""
        with self._convert_lock:
            array = frame_to_array(frame, self._layout, self._reformatter)
        return upright(array, self._info.rotation)

    def _default_window(self) -> int:
        frame_bytes = max(1, self._info.width * self._info.height * self._layout.channels * 2)
        budget = max(4, _WINDOW_BUDGET_BYTES // frame_bytes)
        return int(min(budget, max(16, min(self._index.longest_gop + 16, 160))))

    def _check_index(self, index: int) -> int:
        count = len(self)
        if not isinstance(index, int | np.integer) or isinstance(index, bool):
            raise TypeError(f"frame index must be an int, not {type(index).__name__}")
        if not 0 <= index < count:
            raise FrameOutOfRangeError(
                self._path, f"frame {index} is out of range: the clip has {count} frames (0 to {count - 1})"
            )
        return int(index)

    def _entry(self, position: int) -> _Decoded:
        with self._lock:
            if self._closed:
                raise MediaError(self._path, "the reader is closed; open the clip again")
            entry = self._cache.get(position)
            if entry is not None:
                self._cache.move_to_end(position)
                return entry
            with reading(self._path, f"decoding frame {position}"):
                return self._decode_until(position)

    def _decode_until(self, position: int) -> _Decoded:
        attempt = 0
        if not self._can_continue_to(position):
            self._begin(position, attempt)
        try:
            while True:
                assert self._frames is not None
                frame = next(self._frames, None)
                if frame is None and self._fresh and attempt + 1 < _MAX_SEEK_ATTEMPTS:
                    attempt += 1  # the seek gave nothing at all: start further back
                    self._begin(position, attempt)
                    continue
                if frame is None:
                    raise self._undecodable(position)
                found = self._position_of(frame)
                if found is None:
                    continue
                if self._fresh:
                    self._fresh = False
                    if found > position:  # the demuxer landed after the frame: start further back
                        attempt += 1
                        if attempt >= _MAX_SEEK_ATTEMPTS:
                            raise self._undecodable(position)
                        self._begin(position, attempt)
                        continue
                if found < self._accept_from:
                    continue  # leading frames of an open GOP: not decodable after this seek
                entry = self._remember(found, frame)
                self._decoded_position = found
                if found == position:
                    return entry
                if found > position:
                    raise self._undecodable(position)
        except BaseException:
            self._frames = None
            raise

    def _undecodable(self, position: int) -> MediaError:
        seconds = self._info.duration_s * position / max(1, len(self))
        return MediaError(
            self._path,
            f"frame {position} (near {seconds:.2f} s) could not be decoded: the file is damaged there; "
            "export or copy it again",
        )

    def _can_continue_to(self, position: int) -> bool:
        """Decoding on from where the decoder is costs no more than seeking."""
        if self._frames is None or self._decoded_position is None or position <= self._decoded_position:
            return False
        return self._decoded_position >= self._index.keyframe_at_or_before(position) - 2

    def _begin(self, position: int, attempt: int) -> None:
        """Position the demuxer so decoding reaches ``position``; later attempts start further back."""
        index = self._index
        keyframe = index.keyframe_at_or_before(position)
        slot = max(index.keyframe_slot(keyframe), 0)
        self._decoded_position = None
        single = self._info.kind == "image"
        if single or not index.has_timestamps or attempt >= 3 or (attempt == 2 and slot == 0):
            self._restart()
            return
        if attempt == 2:
            slot -= 1
        start = int(index.keyframes[slot])
        stamp = int(index.keyframe_dts[slot]) if attempt == 1 else int(index.pts[start])
        try:
            self._container.seek(stamp, stream=self._stream, backward=True, any_frame=False)
        except av.error.FFmpegError:
            self._restart()
            return
        self._frames = self._decode_frames()
        self._accept_from = start
        self._fresh = True

    def _restart(self) -> None:
        """Open the file again and decode from its very first frame (the fallback that always works)."""
        self._container.close()
        self._container = open_input(self._path, self._hwaccel)
        self._stream = self._container.streams[self._stream_index]
        self._stream.codec_context.thread_type = "AUTO"
        if self._threads:
            self._stream.codec_context.thread_count = self._threads
        self._frames = self._decode_frames()
        self._accept_from = 0
        self._ordinal = 0
        self._fresh = True

    def _decode_frames(self) -> Iterator[av.VideoFrame]:
        for packet in self._container.demux(self._stream):
            try:
                yield from packet.decode()
            except av.error.InvalidDataError:
                continue  # a damaged packet: the frames it spoils are reported when asked for

    def _position_of(self, frame: av.VideoFrame) -> int | None:
        if not self._index.has_timestamps:
            self._ordinal += 1
            return self._ordinal - 1
        return self._index.position_of(frame.pts)

    def _remember(self, position: int, frame: av.VideoFrame) -> _Decoded:
        entry = self._cache.get(position)
        if entry is None:
            entry = _Decoded(frame)
            self._cache[position] = entry
        self._cache.move_to_end(position)
        while len(self._cache) > self._window:
            self._cache.popitem(last=False)
        return entry

    # ---- read-ahead ----------------------------------------------------------------------------------

    def _schedule_read_ahead(self, position: int) -> None:
        """Called without the lock after a read; sequential reads start read-ahead on the executor."""
        with self._lock:
            sequential = self._last_request is not None and position == self._last_request + 1
            self._last_request = position
            if not sequential:
                self._generation += 1
            running = self._ahead is not None and not self._ahead.done()
            if self._closed or self._executor is None or not sequential or running or not self._read_ahead:
                return
            stop = min(len(self), position + 1 + self._read_ahead)
            if position + 1 >= stop:
                return
            try:
                self._ahead = self._executor.submit(
                    self._read_ahead_task, position + 1, stop, self._generation
                )
            except RuntimeError:  # the executor is shutting down: read inline from now on
                self._executor = None

    def _read_ahead_task(self, start: int, stop: int, generation: int) -> None:
        """Runs on the executor: decode (and convert) the next frames while the caller works on this one."""
        for position in range(start, stop):
            with self._lock:
                if self._closed or generation != self._generation:
                    return
                entry: Any = self._cache.get(position)
                if entry is None:
                    if not self._can_continue_to(position):
                        return
                    try:
                        entry = self._decode_until(position)
                    except (MediaError, av.error.FFmpegError, OSError):
                        return  # the foreground read of that frame reports the problem
            try:
                entry.to_array(self._convert)
            except (av.error.FFmpegError, ValueError):
                return
