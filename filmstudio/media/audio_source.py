"""A Read's sound as an Audio value: one audio stream of a file, decoded on demand by sample range.

Placement follows the picture (:mod:`filmstudio.media.timing`): the moment the Read's first used
frame appears on the timeline (``start_frame``) plays the sound at that frame's time in the clip,
and sound stops where the used frames end (``trim_out``); outside, silence. The offset is
computed once in exact Fractions and rounded to a whole number of project samples, so the sound
lies on the project's sample grid (:mod:`filmstudio.audio.clip`) with no drift. Times in the file
are counted from the container's start, as :mod:`filmstudio.media.audio` counts them.

Other sample rates are brought to the project's by polyphase filtering aligned to absolute sample
positions in the file, so any range decodes to the same samples however it is split. A conform that
keeps the pitch (a Read's ``keep_pitch``) time-stretches the sound in blocks laid on a fixed grid of
project samples, each rendered with a lead-in and spliced onto the last in phase (:func:`_spliced`),
so it too gives the same samples however a range is split. Mono stays mono; more than two channels
are mixed down to stereo by FFmpeg's resampler. Each render opens the file itself: renders run on
any thread.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import av
import numpy as np

from filmstudio.audio.clip import PROJECT_RATE, Audio, AudioError, frame_sample, sample_at
from filmstudio.core.errors import MediaError
from filmstudio.core.memo import KeyedMemo
from filmstudio.media.failures import reading

__all__ = ["FileAudio", "UnavailableAudio", "read_audio"]

_PAD = 64  # input samples decoded beyond a range on each side: more than the resampling filter reaches
_MOST_TERMS = 2000  # the largest term of a conform's speed ratio (resample_poly's filter grows with it)
_INTEGER_SCALE = {"u8": None, "s16": 32768.0, "s32": 2147483648.0, "s64": 9223372036854775808.0}
# A pitch-kept conform's blocks: project samples a block, the lead-in rendered before it and dropped
# (the stretch settles), the splice's cross-fade and how far it may slide to stay in phase, and how
# many blocks are kept for the next renders.
_BLOCK = 4 * PROJECT_RATE
_LEAD_IN = PROJECT_RATE // 4
_FADE = 1024
_SLIP = 1024  # a period of 47 Hz
_KEPT_BLOCKS = 16


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
    second; 1: as recorded) conforms the sound to a picture placed frame for frame, its pitch
    with it, or kept with ``keep_pitch`` (a time-stretch). ``identity`` (the file's identity for
    cache keys) goes into the key, so a replaced file is decoded again."""

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
        keep_pitch: bool = False,
    ) -> None:
        self.path, self.stream, self.source_rate = path, stream, source_rate
        self.shift, self.used, self.speed = shift, used, speed
        self.keep_pitch = keep_pitch and speed != 1
        conformed = (f":x{speed}" if speed != 1 else "") + (":pitch kept" if self.keep_pitch else "")
        key = f"file:{identity!r}:{stream}:{shift}:{used}:{min(channels, 2)}{conformed}"
        super().__init__(rate, min(channels, 2), key)

    def extent(self) -> tuple[int, int] | None:
        return self.used if self.used[1] > self.used[0] else None

    def render(self, start: int, stop: int) -> np.ndarray:
        first, last = start - self.shift, stop - self.shift  # file samples at the project rate
        if self.keep_pitch:
            return self._stretched(first, last)
        return self._resampled(first, last, self.speed)

    def _resampled(self, first: int, last: int, speed: Fraction) -> np.ndarray:
        """Project samples ``[first, last)`` of the file's sound played at ``speed``, counted
        from the file's start."""
        ratio = Fraction(self.rate) / (self.source_rate * speed)  # output samples an input sample
        if speed != 1:  # a conform: small terms keep the filter small (see conform_speed)
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

    def _stretched(self, first: int, last: int) -> np.ndarray:
        """``[first, last)`` of the pitch-kept conform, from the blocks it falls in."""
        out = np.zeros((self.channels, max(0, last - first)), np.float32)
        for index in range(first // _BLOCK, (last - 1) // _BLOCK + 1):
            origin = index * _BLOCK
            lo, hi = max(first, origin), min(last, origin + _BLOCK)
            out[:, lo - first : hi - first] = self._heard(index)[:, lo - origin : hi - origin]
        return out

    def _heard(self, index: int) -> np.ndarray:
        """Block ``index`` as it is heard, ``[channels, _BLOCK]``: its stretch, spliced onto the
        last block's (see :func:`_spliced`)."""
        return _blocks.get(
            (self.key, index, "heard"), lambda: _spliced(self._block(index - 1), self._block(index))
        )

    def _block(self, index: int) -> np.ndarray:
        """Block ``index``'s own stretch: project samples from ``index * _BLOCK - _SLIP`` to
        ``(index + 1) * _BLOCK + _FADE``, rendered from :data:`_LEAD_IN` samples before (dropped:
        the stretch settles there)."""
        return _blocks.get((self.key, index, "stretch"), lambda: self._stretch(index))

    def _stretch(self, index: int) -> np.ndarray:
        from filmstudio.audio.tempo import change_tempo

        begin = index * _BLOCK - _SLIP - _LEAD_IN
        kept = _SLIP + _BLOCK + _FADE
        # the sound at its own pace (project rate), from where the block's lead-in begins (and a
        # lead-out as long as the lead-in: the stretch's last moments come out short)
        start = math.floor(begin * self.speed)
        end = math.ceil((begin + _LEAD_IN + kept + _LEAD_IN) * self.speed)
        stretched = change_tempo(self._resampled(start, end, Fraction(1)), self.rate, float(self.speed))
        skip = _LEAD_IN + round(begin - start / self.speed)  # output sample 0 is input `start`
        block = np.zeros((self.channels, kept), np.float32)
        usable = stretched[:, skip : skip + kept]
        block[:, : usable.shape[1]] = usable
        return block


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
    keep_pitch = bool(getattr(placement, "keep_pitch", False))
    return FileAudio(
        path,
        identity,
        info.index,
        info.channels,
        info.sample_rate,
        shift,
        used,
        speed=speed,
        keep_pitch=keep_pitch,
    )


_blocks = KeyedMemo(_KEPT_BLOCKS)  # a pitch-kept conform's stretches and what is heard of them


def _spliced(before: np.ndarray, block: np.ndarray) -> np.ndarray:
    """``block``'s stretch as heard after ``before``'s (both as :meth:`FileAudio._block` makes
    them), ``[channels, _BLOCK]``.

    Two stretches started at different places agree in time but may disagree in phase by up to
    half a period: cross-faded as they are, a steady tone would dip where they cancel. So, as the
    stretch itself splices its grains, the block is read ``lag`` samples off where it best
    continues the last one (cross-correlation within :data:`_SLIP`; of matches within 10% of the
    best, the nearest, as a steady sound matches as well a period further on), cross-faded over
    :data:`_FADE` samples, then slid back onto its own place over the next ``_BLOCK // 8``: for
    a steady sound a glide of at most half a period (under 1% of the pitch, for a moment, for
    voices in a 4 s block), for any sound at most :data:`_SLIP` samples (4%)."""
    channels = len(block)
    heard = block[:, _SLIP : _SLIP + _BLOCK].copy()
    tail = before[:, _SLIP + _BLOCK : _SLIP + _BLOCK + _FADE]  # the last block over the fade
    if not tail.any() or not block.any():
        return heard
    scores = sum(np.correlate(block[c, : 2 * _SLIP + _FADE], tail[c], "valid") for c in range(channels))
    if scores.max() <= 0:  # nothing alike within reach (a click, a cut): fade them as they lie
        lag = 0
    else:
        best = np.arange(-_SLIP, _SLIP + 1)[scores >= 0.9 * scores.max()]
        lag = int(best[np.argmin(np.abs(best))])
    fade_in = (np.arange(_FADE, dtype=np.float32) + 0.5) / _FADE
    shifted = block[:, _SLIP + lag : _SLIP + lag + _FADE]
    heard[:, :_FADE] = tail * (1.0 - fade_in) + shifted * fade_in
    glide = _BLOCK // 8
    where = np.arange(_FADE, _FADE + glide, dtype=np.float64)
    reading = _SLIP + where + lag * (1.0 - (where - _FADE) / glide)  # from `lag` off back to 0
    for c in range(channels):
        heard[c, _FADE : _FADE + glide] = np.interp(reading, np.arange(block.shape[1]), block[c])
    return heard


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
