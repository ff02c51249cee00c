"""The Audio port's value: sound placed in project time, rendered on demand by sample range.

This docstring is the contract every producer (Read, Audio Mix, Audio Offset, Speech, plugins) and
every consumer (Write, the timeline's waveform, playback) relies on.

Time. Project time is counted in seconds from the start of frame 0, with :class:`~fractions.Fraction`
arithmetic, never floats: frame ``f`` of a project at ``fps`` starts at ``f / fps`` seconds. Sound
is sampled on one grid for the whole project: sample ``n`` plays at ``n / rate`` seconds, where
``rate`` is :data:`PROJECT_RATE` (48 kHz, the film and video standard). Times become samples by
one exact rule, :func:`sample_at` (``floor(t * rate + 1/2)``), so frame ``f`` starts at sample
:func:`frame_sample` and frames ``first..last`` own samples ``[frame_sample(first),
frame_sample(last + 1))`` — the same count however a range is split, so sound never drifts from
the frames (10 minutes at 23.976 fps is 2002 samples a frame, exactly).

Values. An :class:`Audio` is immutable and *frame-invariant*: a node evaluated at any frame hands
out an equal value (the same ``key``), describing the sound over all time; consumers pull only the
samples they need with :meth:`Audio.samples`. It has:

- ``rate``: samples per second (every Audio on a port is at the project rate);
- ``channels``: 1 (mono) or 2 (stereo: left, right);
- ``key``: a string naming the content: equal keys mean equal samples everywhere (a Read's key
  holds the file's identity and placement, a mix its inputs' keys and its parameter curves). The
  sample cache (:mod:`filmstudio.audio.cache`) is keyed by ``(key, block of samples)``;
- :meth:`Audio.extent`: the samples ``[start, stop)`` outside which it is silent (None: silent
  everywhere), so writers and the waveform know where sound is;
- :meth:`Audio.samples` ``(start, stop)``: a read-only float32 array ``[channels, stop - start]``,
  nominally within -1..1 (louder is allowed; writers clip), silence (zeros) where there is no
  sound, negative ``start`` included. Any thread; cached by block.

A producer subclasses :class:`Audio` and implements :meth:`Audio.render` (uncached, any thread,
pure: each sample depends only on its index, so rendering ``[a, c)`` equals rendering ``[a, b)``
then ``[b, c)``) and :meth:`Audio.extent`. :class:`SampleClip` places samples held in memory (a
speech line) and :class:`Silence` is nothing at all.
"""

from __future__ import annotations

import hashlib
import math
from abc import ABC, abstractmethod
from fractions import Fraction

import numpy as np

from filmstudio.core.errors import FilmStudioError

__all__ = [
    "PROJECT_RATE",
    "Audio",
    "AudioError",
    "SampleClip",
    "Silence",
    "frame_sample",
    "frames_samples",
    "sample_at",
    "sample_time",
]

PROJECT_RATE = 48_000
"""The project's sample rate: every Audio on a port is sampled at it."""


class AudioError(FilmStudioError):
    """Sound that cannot be made or combined as asked; the message says what to change."""


def sample_at(seconds: Fraction | int, rate: int) -> int:
    """The sample playing at project time ``seconds``: ``floor(seconds * rate + 1/2)``, exactly."""
    return math.floor(Fraction(seconds) * rate + Fraction(1, 2))


def sample_time(sample: int, rate: int) -> Fraction:
    """When sample ``sample`` plays, in project seconds."""
    return Fraction(sample, rate)


def frame_sample(frame: int, fps: Fraction, rate: int) -> int:
    """The first sample of project frame ``frame`` (frame ``f`` starts at ``f / fps`` seconds)."""
    return sample_at(Fraction(frame) / Fraction(fps), rate)


def frames_samples(first: int, last: int, fps: Fraction, rate: int) -> tuple[int, int]:
    """The samples ``[start, stop)`` of frames ``first..last`` (inclusive)."""
    return frame_sample(first, fps, rate), frame_sample(last + 1, fps, rate)


class Audio(ABC):
    """Sound on an Audio port (see the module docstring for the contract)."""

    rate: int
    channels: int
    key: str

    def __init__(self, rate: int, channels: int, key: str) -> None:
        if not isinstance(rate, int) or rate <= 0:
            raise AudioError(f"a sample rate is a positive whole number of samples a second, not {rate!r}")
        if channels not in (1, 2):
            raise AudioError(f"Audio is mono or stereo (1 or 2 channels), not {channels!r}")
        self.rate, self.channels, self.key = rate, channels, key

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.channels}ch {self.rate} Hz {self.key[:12]}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Audio) and (self.key, self.rate, self.channels) == (
            other.key,
            other.rate,
            other.channels,
        )

    def __hash__(self) -> int:
        return hash((self.key, self.rate, self.channels))

    @abstractmethod
    def extent(self) -> tuple[int, int] | None:
        """The samples ``[start, stop)`` outside which this is silent; None when silent everywhere."""

    @abstractmethod
    def render(self, start: int, stop: int) -> np.ndarray:
        """Samples ``[start, stop)`` as float32 ``[channels, stop - start]`` (uncached; any thread).
        Called by :meth:`samples` with ranges inside :meth:`extent` only."""

    def samples(self, start: int, stop: int) -> np.ndarray:
        """Samples ``[start, stop)`` as a read-only float32 array ``[channels, stop - start]``,
        zeros where silent; through the shared sample cache. Any thread."""
        from filmstudio.audio.cache import audio_cache

        return audio_cache.samples(self, int(start), int(stop))

    def seconds(self, start: Fraction, end: Fraction) -> np.ndarray:
        """The samples from project time ``start`` to ``end`` (seconds, exact)."""
        return self.samples(sample_at(start, self.rate), sample_at(end, self.rate))

    def frames(self, first: int, last: int, fps: Fraction) -> np.ndarray:
        """The samples of project frames ``first..last`` (inclusive) at ``fps``."""
        return self.samples(*frames_samples(first, last, fps, self.rate))


class Silence(Audio):
    """No sound anywhere (a Read of a file without sound, an unconnected mix)."""

    def __init__(self, rate: int = PROJECT_RATE, channels: int = 2) -> None:
        super().__init__(rate, channels, f"silence:{channels}")

    def extent(self) -> None:
        return None

    def render(self, start: int, stop: int) -> np.ndarray:
        return np.zeros((self.channels, max(0, stop - start)), np.float32)


class SampleClip(Audio):
    """Samples held in memory, placed so their first plays at project sample ``start``.

    ``samples`` is ``[channels, n]`` (or ``[n]`` for mono) at ``rate``, which must be the project
    rate: bring other rates there with :func:`filmstudio.audio.resample.resample` first. The array
    is copied. ``key`` defaults to a hash of the samples and the placement.
    """

    def __init__(self, samples: np.ndarray, start: int = 0, rate: int = PROJECT_RATE, key: str = "") -> None:
        data = np.array(samples, dtype=np.float32, copy=True, order="C")
        if data.ndim == 1:
            data = data[None, :]
        if data.ndim != 2 or data.shape[0] not in (1, 2):
            raise AudioError(f"samples must be [channels, n] with 1 or 2 channels, not shape {data.shape}")
        if not np.isfinite(data).all():
            raise AudioError("the samples hold NaN or infinity; check what made them")
        data.flags.writeable = False
        self._data, self.start = data, int(start)
        if not key:
            digest = hashlib.blake2b(data.tobytes(), digest_size=16)
            digest.update(repr((data.shape, self.start, rate)).encode())
            key = "clip:" + digest.hexdigest()
        super().__init__(rate, data.shape[0], key)

    @property
    def data(self) -> np.ndarray:
        """The samples as given (read-only), the first at project sample :attr:`start`."""
        return self._data

    def extent(self) -> tuple[int, int] | None:
        count = self._data.shape[1]
        return (self.start, self.start + count) if count else None

    def render(self, start: int, stop: int) -> np.ndarray:
        out = np.zeros((self.channels, max(0, stop - start)), np.float32)
        lo, hi = max(start, self.start), min(stop, self.start + self._data.shape[1])
        if hi > lo:
            out[:, lo - start : hi - start] = self._data[:, lo - self.start : hi - self.start]
        return out
