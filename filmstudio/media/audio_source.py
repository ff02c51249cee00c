"""A Read's sound as an Audio value: one audio stream of a file, decoded on demand by sample range.

Placement follows the picture (:mod:`filmstudio.media.timing`): the moment the Read's first used
frame appears on the timeline (``start_frame``) plays the sound at that frame's time in the clip,
and sound stops where the used frames end (``trim_out``); outside, silence. The offset is
computed once in exact Fractions and rounded to a whole number of project samples, so the sound
lies on the project's sample grid (:mod:`filmstudio.audio.clip`) with no drift. Times in the file
are counted from the container's start, as :mod:`filmstudio.media.audio` counts them.

Other sample rates are brought to the project's by polyphase filtering aligned to absolute sample
positions in the file, so any range decodes to the same samples however it is split. Mono stays
mono; more than two channels are mixed down to stereo by FFmpeg's resampler. Each render opens the
file itself: renders run on any thread.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import av
import numpy as np

from filmstudio.audio.clip import PROJECT_RATE, Audio, AudioError, frame_sample, sample_at
from filmstudio.core.errors import MediaError
from filmstudio.media.failures import reading

__all__ = ["FileAudio", "UnavailableAudio", "read_audio"]

_PAD = 64  # input samples decoded beyond a range on each side: more than the resampling filter reaches
_MOST_TERMS = 2000  # the largest term of a conform's speed ratio (resample_poly's filter grows with it)
_INTEGER_SCALE = {"u8": None, "s16": 32768.0, "s32": 2147483648.0, "s64": 9223372036854775808.0}


class UnavailableAudio(Audio):
    """Sound a Read cannot give (a missing stream): asking for it raises ``problem``; the Read's
    picture is unaffected."""

    def __init__(self, problem: str, rate: int = PROJECT_RATE) -> None:
        self.problem = problem
        super().__init__(rate, 2, "unavailable:" + problem)

    def extent(self) -> tuple[int, int] | None:
        raise AudioError(self.problem)

    def render(self, start: int, stop: int) -> np.ndarray:
        raise AudioError(self.problem)


class FileAudio(Audio):
    """Audio stream ``stream`` (its index in the container) of the file at ``path``, played so
    that file time ``m * speed / rate`` (from the container's start) sounds at project sample
    ``m + shift``, heard only within project samples ``used``. ``speed`` (file seconds a project
    second; 1: as recorded) conforms the sound to a picture placed frame for frame. ``identity``
    (the file's identity for cache keys) goes into the key, so a replaced file is decoded again."""

    def __init__(
        self,
        path: str,
        identity: Any,
        stream: int,
        channels: int,
        source_rate: int,
        shift: int,
        used: tuple[int, int],
        rate: int = PROJECT_RATE,
        speed: Fraction = Fraction(1),
    ) -> None:
        self.path, self.stream, self.source_rate = path, stream, source_rate
        self.shift, self.used, self.speed = shift, used, speed
        conformed = f":x{speed}" if speed != 1 else ""
        key = f"file:{identity!r}:{stream}:{shift}:{used}:{min(channels, 2)}{conformed}"
        super().__init__(rate, min(channels, 2), key)

    def extent(self) -> tuple[int, int] | None:
        return self.used if self.used[1] > self.used[0] else None

    def render(self, start: int, stop: int) -> np.ndarray:
        first, last = start - self.shift, stop - self.shift  # file samples at the project rate
        ratio = Fraction(self.rate) / (self.source_rate * self.speed)  # output samples an input sample
        if self.speed != 1:  # a conform: small terms keep the filter small (see conform_speed)
            ratio = ratio.limit_denominator(_MOST_TERMS)
        if ratio == 1:
            return _decode(self, first, last)
        from scipy.signal import resample_poly

        up, down = ratio.numerator, ratio.denominator
        # input position of output sample m is m * down / up; starting at a multiple of `down`
        # keeps every range on one phase of the filter, so ranges agree sample for sample
        pad = max(_PAD, math.ceil(10 * max(up, down) / up) + 1)  # the filter's reach, in input samples
        begin = (math.floor(first * down / up) - pad) // down * down
        end = math.ceil(last * down / up) + pad
        sound = resample_poly(_decode(self, begin, end), up, down, axis=1)
        offset = first - begin * up // down
        return np.ascontiguousarray(sound[:, offset : offset + (last - first)], dtype=np.float32)


def read_audio(path: str, identity: Any, clip: Any, placement: Any, fps: Fraction) -> Audio:
    """The Audio of a Read showing ``clip`` (an open :class:`~filmstudio.media.pool.Clip`) with
    ``placement`` (start_frame, trim_in, trim_out, audio_stream) in a project at ``fps``."""
    streams = clip.info.audio
    if clip.info.kind != "video" or not streams:
        from filmstudio.audio.clip import Silence

        return Silence()
    chosen = int(getattr(placement, "audio_stream", 0))
    if not 0 <= chosen < len(streams):
        return UnavailableAudio(
            f"{path} has {len(streams)} audio stream(s): set the Read's audio_stream to 0..{len(streams) - 1}"
        )
    info = streams[chosen]
    speed = conform_speed(clip, placement, fps)
    if speed == 1:
        first_used, used_seconds = _used_span(clip, placement)
    else:  # frame for frame at the clip's own rate, which the speed came from
        start, end = _used_frames(clip, placement)
        rate = clip_rate(clip)
        first_used, used_seconds = Fraction(start - clip.first) / rate, Fraction(end - start + 1) / rate
    appears = Fraction(placement.start_frame) / Fraction(fps)
    shift = sample_at(appears - first_used / speed, PROJECT_RATE)
    begin = frame_sample(placement.start_frame, fps, PROJECT_RATE)
    used = (begin, sample_at(appears + used_seconds / speed, PROJECT_RATE))
    return FileAudio(path, identity, info.index, info.channels, info.sample_rate, shift, used, speed=speed)


def conform_speed(clip: Any, placement: Any, fps: Fraction) -> Fraction:
    """How many seconds of ``clip``'s sound play in a second of the timeline so that it keeps
    pace with the picture: 1 where the picture is placed by time or the clip runs at the
    project's rate (within 0.02%: timestamps are rounded); frame for frame at another rate, the
    project's rate over the clip's (a 30 fps clip in a 24 fps project: 4/5, its sound slowed, and
    its pitch with it, as film conforms do; 23.976 in 24: 1001/1000). Kept to a ratio with terms
    under 2,000 (a resampler's size): a drift of well under a millisecond an hour."""
    if clip.info.kind != "video" or clip.placed_by(placement) is not None:
        return Fraction(1)
    rate = clip_rate(clip)
    if not rate or same_rate(rate, fps):
        return Fraction(1)
    return (Fraction(fps) / rate).limit_denominator(_MOST_TERMS)


def same_rate(rate: Fraction, fps: Fraction) -> bool:
    """Whether a clip running at ``rate`` runs at a project's ``fps`` (within 0.02%: timestamps
    are rounded to their time base)."""
    return abs(Fraction(fps) / rate - 1) < Fraction(1, 5000)


def clip_rate(clip: Any) -> Fraction | None:
    """A movie's frames a second, from its timestamps where it has them (a container's average
    rate can be off: 29.896 for a clip whose frames are exactly 1/30 s apart), snapped to the
    nearest rate with a denominator up to 1001 (24000/1001 for 23.976)."""
    index = clip.timing if clip.timing is not None else getattr(clip.source, "index", None)
    rate = Fraction(clip.info.fps) if clip.info.fps else None
    if index is not None and index.has_timestamps and len(index) > 1:
        span = int(index.pts[-1]) - int(index.pts[0])  # first to last frame: no guessed last duration
        if span > 0:
            rate = Fraction(len(index) - 1) / (span * index.time_base)
    return rate.limit_denominator(1001) if rate else None


def _used_frames(clip: Any, placement: Any) -> tuple[int, int]:
    start = clip.first + placement.trim_in
    end = clip.last if placement.trim_out < 0 else min(clip.last, clip.first + placement.trim_out)
    if end < start:
        raise MediaError(clip.path, f"trim_in {placement.trim_in} is after trim_out {placement.trim_out}")
    return start, end


def _used_span(clip: Any, placement: Any) -> tuple[Fraction, Fraction]:
    """(when the first used frame appears in the clip, how long the used frames last), seconds."""
    start, end = _used_frames(clip, placement)
    index = clip.timing
    if index is None:
        rate = Fraction(clip.info.fps)
        return Fraction(start - clip.first) / rate, Fraction(end - start + 1) / rate
    origin = int(index.pts[0])
    begin = int(index.pts[start - clip.first]) - origin
    if end < clip.last:
        stop_pts = int(index.pts[end - clip.first + 1])
    else:
        stop_pts = int(index.pts[-1]) + index.last_duration
    return begin * index.time_base, (stop_pts - origin - begin) * index.time_base


def _decode(audio: FileAudio, first: int, last: int) -> np.ndarray:
    """File samples ``[first, last)`` at the stream's own rate (zeros where the stream has none)."""
    rate, channels = audio.source_rate, audio.channels
    out = np.zeros((channels, max(0, last - first)), np.float32)
    if last <= max(first, 0):
        return out
    with reading(audio.path, "decoding its sound"):
        container = av.open(audio.path, mode="r")
        try:
            stream = next(s for s in container.streams.audio if s.index == audio.stream)
            origin = Fraction(container.start_time or 0, av.time_base)
            time_base = stream.time_base or Fraction(1, rate)
            margin = Fraction(1, 5)
            for _attempt in range(4):
                seek = max(Fraction(0), Fraction(max(first, 0), rate) + origin - margin)
                container.seek(math.floor(seek / time_base), stream=stream, backward=True, any_frame=False)
                reached = _place(container, stream, origin, time_base, out, first, last, channels)
                if reached is None or reached <= max(first, 0):
                    return out
                margin *= 4  # the seek landed after the range's start: look further back
            return out
        finally:
            container.close()


def _place(
    container: Any,
    stream: Any,
    origin: Fraction,
    time_base: Fraction,
    out: np.ndarray,
    first: int,
    last: int,
    channels: int,
) -> int | None:
    """Decode from the current position, writing each frame's samples where its time puts them;
    returns the file sample the first decoded frame started at (None: nothing decoded)."""
    rate = stream.codec_context.sample_rate
    downmix = av.AudioResampler(format="fltp", layout="stereo", rate=rate) if channels == 2 else None
    started: int | None = None
    for packet in container.demux(stream):
        try:
            frames = packet.decode()
        except av.error.InvalidDataError:
            continue
        for frame in frames:
            if frame.pts is None:
                continue
            at = round((frame.pts * time_base - origin) * rate)
            if started is None:
                started = at
            if at >= last:
                return started
            data = _planar(frame, downmix)
            lo, hi = max(first, at), min(last, at + data.shape[1])
            if hi > lo:
                out[:, lo - first : hi - first] = data[:, lo - at : hi - at]
    return started


def _planar(frame: Any, downmix: Any) -> np.ndarray:
    """A decoded frame as float32 ``[channels, n]``: mono kept, stereo as is, more mixed down."""
    count = len(frame.layout.channels)
    if count > 2 and downmix is not None:
        parts = [f.to_ndarray() for f in downmix.resample(frame)]
        return np.concatenate(parts, axis=1) if parts else np.zeros((2, 0), np.float32)
    data = frame.to_ndarray()
    if not frame.format.is_planar:
        data = data.reshape(-1, count).T
    name = frame.format.name.rstrip("p")
    if name == "u8":
        data = (data.astype(np.float32) - 128.0) / 128.0
    elif name in _INTEGER_SCALE:
        data = data.astype(np.float64) / _INTEGER_SCALE[name]
    return np.asarray(data, dtype=np.float32)
