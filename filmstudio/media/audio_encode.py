"""A linked Audio encoded into a render's file: mixed once for the whole range, block by block.

The writer asks for sound up to the time of each video frame it writes (:meth:`feed_until`), so
the file stays interleaved and memory flat however long the range. The stream holds exactly the
range's samples (``[start, stop)`` of the project's sample grid, see :mod:`filmstudio.audio.clip`):
the first plays with the first frame. AAC (MP4, MOV, MKV) or 24-bit PCM (MOV, MKV); samples are
clipped to -1..1. Not thread-safe: one encoder belongs to one writer, fed from its thread.
"""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np

from filmstudio.audio.clip import Audio
from filmstudio.core.errors import MediaError
from filmstudio.media.audio import PacketFeed

__all__ = ["AUDIO_CODECS", "AudioEncoder"]

AUDIO_CODECS = ("aac", "pcm")
_PCM_CONTAINERS = (".mov", ".mkv")
_CHUNK = 1 << 14  # samples rendered per step (a third of a second at 48 kHz)


class AudioEncoder:
    """Feeds one output container with ``audio``'s samples ``span`` (project samples [start, stop)),
    encoded as ``codec`` ('aac' or 'pcm'). Same calls as :class:`~filmstudio.media.audio.AudioPassthrough`:
    :meth:`add_stream` before the header, :meth:`feed_until` while video is written, then
    :meth:`finish` and :meth:`close`."""

    def __init__(self, audio: Audio, span: tuple[int, int], codec: str, output: Path) -> None:
        if codec not in AUDIO_CODECS:
            raise MediaError(output, f"audio codec {codec!r} is not one of {', '.join(AUDIO_CODECS)}")
        if codec == "pcm" and output.suffix.lower() not in _PCM_CONTAINERS:
            raise MediaError(
                output, f"a {output.suffix} file cannot hold PCM sound; write a .mov or .mkv, or choose AAC"
            )
        self._audio, self._codec, self._output = audio, codec, output
        self._start, self._stop = int(span[0]), int(span[1])
        self._stream: Any = None
        self._feed: PacketFeed | None = None

    @property
    def rate(self) -> int:
        return self._audio.rate

    @property
    def samples(self) -> int:
        """How many samples the stream holds (the range's exact count)."""
        return self._stop - self._start

    def add_stream(self, container: av.container.OutputContainer, bitrate: int) -> None:
        layout = "mono" if self._audio.channels == 1 else "stereo"
        rate = self._audio.rate
        if self._codec == "aac":
            stream = container.add_stream("aac", rate=rate, layout=layout)
            stream.bit_rate = bitrate
        else:
            stream = container.add_stream("pcm_s24le", rate=rate, layout=layout)
        stream.time_base = Fraction(1, rate)
        self._stream = stream
        self._feed = PacketFeed(self._packets())

    def feed_until(self, container: av.container.OutputContainer, seconds: float | None) -> None:
        """Mux sound up to ``seconds`` of output time (None: the rest of the range)."""
        assert self._feed is not None, "add_stream first"
        self._feed.mux_until(container, seconds)

    def finish(self, container: av.container.OutputContainer) -> None:
        self.feed_until(container, None)

    def close(self) -> None:
        self._feed = None

    def _packets(self) -> Iterator[tuple[float, Any]]:
        stream, rate = self._stream, self._audio.rate
        layout = "mono" if self._audio.channels == 1 else "stereo"
        written = 0
        for begin in range(self._start, self._stop, _CHUNK):
            end = min(begin + _CHUNK, self._stop)
            sound = np.clip(self._audio.samples(begin, end), -1.0, 1.0)
            frame = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(sound, np.float32), format="fltp", layout=layout
            )
            frame.sample_rate, frame.pts, frame.time_base = rate, written, Fraction(1, rate)
            written += end - begin
            for packet in stream.encode(frame):
                yield _time(packet), packet
        for packet in stream.encode(None):
            yield _time(packet), packet


def _time(packet: Any) -> float:
    if packet.pts is None or packet.time_base is None:
        return 0.0
    return float(packet.pts * packet.time_base)
