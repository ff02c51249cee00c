"""Audio passthrough for renders: the first audio stream of a source file, trimmed, into the output file.

'copy' remuxes whole packets (no quality loss; the cut falls on packet boundaries, so the trimmed length
is right to within one audio frame, e.g. 1024 samples for AAC). 'aac' decodes, cuts to the sample and
re-encodes to AAC. Times are seconds from the start of the source file. Not thread-safe: one
:class:`AudioPassthrough` belongs to one writer and is fed from the thread that writes video.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np

from filmstudio.core.errors import MediaError
from filmstudio.media.failures import check_readable_file, reading

__all__ = ["AudioPassthrough", "PacketFeed"]

_CONTAINER_CODECS = {  # codecs a container accepts as copied audio, by output extension
    ".mp4": {"aac", "mp3", "ac3", "eac3", "alac", "opus", "flac"},
    ".m4v": {"aac", "mp3", "ac3", "eac3", "alac"},
    ".mov": {"aac", "mp3", "ac3", "eac3", "alac", "pcm_s16le", "pcm_s24le", "pcm_s16be", "pcm_s24be"},
    ".mkv": None,  # Matroska takes anything
    ".mxf": {"pcm_s16le", "pcm_s24le"},
}


class PacketFeed:
    """A render's sound as (output time in seconds, packet) pairs, muxed in order as its video is
    written: everything up to a time, the next packet held back. The file stays interleaved and
    memory flat however long the range. ``reading()`` (optional) is the context each packet is
    read in, so a failing source is reported by name."""

    def __init__(
        self,
        packets: Iterator[tuple[float, Any]],
        reading: Callable[[], AbstractContextManager[Any]] = nullcontext,
    ) -> None:
        self._packets = packets
        self._reading = reading
        self._next: tuple[float, Any] | None = None

    def mux_until(self, container: av.container.OutputContainer, seconds: float | None) -> None:
        """Mux the packets up to ``seconds`` of output time (None: all that are left)."""
        while True:
            if self._next is None:
                with self._reading():
                    self._next = next(self._packets, None)
                if self._next is None:
                    return
            when, packet = self._next
            if seconds is not None and when > seconds:
                return
            container.mux(packet)  # write failures are the writer's to report, naming the output
            self._next = None


class AudioPassthrough:
    """Feeds one output container with the trimmed first audio stream of ``source``.

    Call :meth:`add_stream` before the container's header is written, :meth:`feed_until` as video is
    written (keeps the file interleaved and memory flat), then :meth:`finish` and :meth:`close`.
    """

    def __init__(
        self, source: str | os.PathLike[str], range_s: tuple[float, float] | None, mode: str, output: Path
    ) -> None:
        self._source = check_readable_file(source)
        start, end = (0.0, None) if range_s is None else (float(range_s[0]), float(range_s[1]))
        if start < 0 or (end is not None and end <= start):
            raise MediaError(
                self._source,
                f"audio range {range_s} is not valid: give (start, end) with 0 <= start < end, in seconds",
            )
        self._start, self._end = start, end
        with reading(self._source, "opening the audio source"):
            self._input = av.open(str(self._source), mode="r")
        if not self._input.streams.audio:
            self._input.close()
            raise MediaError(self._source, "has no audio stream to pass through; leave audio_from empty")
        self._in_stream = self._input.streams.audio[0]
        self._origin = (self._input.start_time or 0) / av.time_base
        accepted = _CONTAINER_CODECS.get(output.suffix.lower(), set())
        can_copy = accepted is None or self._in_stream.codec_context.name in accepted
        if mode == "copy" and not can_copy:
            self._input.close()
            raise MediaError(
                output,
                f"a {output.suffix} file cannot hold copied "
                f"{self._in_stream.codec_context.name} audio; use audio='aac'",
            )
        self._copy = mode == "copy" or (mode == "auto" and can_copy and range_s is None)
        self._output = output
        self._out_stream: av.AudioStream | None = None
        self._feed: PacketFeed | None = None
        self._written_samples = 0

    def add_stream(self, container: av.container.OutputContainer, bitrate: int) -> None:
        """Create the output audio stream (before any packet is muxed)."""
        context = self._in_stream.codec_context
        if self._copy:
            self._out_stream = container.add_stream_from_template(self._in_stream)
        else:
            stream = container.add_stream("aac", rate=context.sample_rate, layout=context.layout)
            stream.bit_rate = bitrate
            self._out_stream = stream
        packets = self._packets() if self._copy else self._encoded()
        self._feed = PacketFeed(packets, lambda: reading(self._source, "reading audio"))

    def feed_until(self, container: av.container.OutputContainer, seconds: float | None) -> None:
        """Mux audio up to ``seconds`` of output time (None: everything left in the range)."""
        assert self._feed is not None, "add_stream first"
        self._feed.mux_until(container, seconds)

    def finish(self, container: av.container.OutputContainer) -> None:
        """Mux the rest of the range and flush the AAC encoder."""
        self.feed_until(container, None)

    def close(self) -> None:
        self._input.close()

    # ---- sources of packets: (output time in seconds, packet) ----------------------------------------

    def _seek_to_start(self) -> None:
        if self._start > 0:
            tb = self._in_stream.time_base or Fraction(1, 1)
            target = int((self._start + self._origin) / tb)
            self._input.seek(max(0, target), stream=self._in_stream, backward=True)

    def _packets(self) -> Iterator[tuple[float, object]]:
        """Whole packets whose start lies in the range, shifted so the first starts at zero."""
        assert self._out_stream is not None
        self._seek_to_start()
        tb = self._in_stream.time_base or Fraction(1, 1)
        shift: int | None = None
        for packet in self._input.demux(self._in_stream):
            if packet.size == 0 or packet.pts is None or packet.is_discard:
                continue
            when = float(packet.pts * tb) - self._origin
            if when < self._start - 1e-6:
                continue
            if self._end is not None and when >= self._end - 1e-6:
                return
            if shift is None:
                shift = packet.pts
            packet.pts -= shift
            packet.dts = (packet.dts - shift) if packet.dts is not None else packet.pts
            packet.stream = self._out_stream
            yield float(packet.pts * tb), packet

    def _encoded(self) -> Iterator[tuple[float, object]]:
        """Decoded samples cut exactly to the range, re-encoded to AAC."""
        stream = self._out_stream
        assert stream is not None
        rate = self._in_stream.codec_context.sample_rate
        layout = self._in_stream.codec_context.layout
        resampler = av.AudioResampler(format="fltp", layout=layout, rate=rate)
        self._seek_to_start()
        first = round(self._start * rate)
        last = None if self._end is None else round(self._end * rate)
        for decoded in self._decoded_frames():
            for frame in resampler.resample(decoded):
                if frame.pts is None:
                    continue
                begin = round((float(frame.pts * frame.time_base) - self._origin) * rate)
                samples = frame.to_ndarray()
                lo = max(0, first - begin)
                hi = samples.shape[1] if last is None else min(samples.shape[1], last - begin)
                if last is not None and begin >= last:
                    yield from self._flush(stream, rate)
                    return
                if hi <= lo:
                    continue
                cut = av.AudioFrame.from_ndarray(
                    np.ascontiguousarray(samples[:, lo:hi]), format="fltp", layout=layout
                )
                cut.sample_rate = rate
                cut.pts = self._written_samples
                cut.time_base = Fraction(1, rate)
                self._written_samples += hi - lo
                for packet in stream.encode(cut):
                    yield self._packet_time(packet), packet
        yield from self._flush(stream, rate)

    def _decoded_frames(self) -> Iterator[av.AudioFrame]:
        for packet in self._input.demux(self._in_stream):
            try:
                yield from packet.decode()
            except av.error.InvalidDataError:
                continue

    def _flush(self, stream: av.AudioStream, rate: int) -> Iterator[tuple[float, object]]:
        for packet in stream.encode(None):
            yield self._packet_time(packet), packet

    @staticmethod
    def _packet_time(packet: av.Packet) -> float:
        if packet.pts is None or packet.time_base is None:
            return 0.0
        return float(packet.pts * packet.time_base)
