"""Sound while playing and scrubbing: the viewed node's Audio through QtMultimedia's QAudioSink.

Playback (:class:`~filmstudio.ui.viewer.playback.Playback`) keeps its own clock; sound starts with
it at the playhead and follows the same loop arithmetic over in..out in samples (frame ``f``
starts at sample ``frame_sample(f)``), so picture and sound wrap together. While the ruler is
dragged, each new frame plays a short grain (:data:`GRAIN_S`) from that frame: the artist hears
where the cut is.

The sink pulls interleaved float32 stereo from a :class:`SampleFeed` (a QIODevice). Samples are
rendered off the GUI thread in chunks ahead of the read position (on the engine's request
threads); a chunk not ready when the sink asks plays as silence (counted in ``underruns``) rather
than stalling the GUI. ``force_sync`` renders on the calling thread (tests).

QtMultimedia ships in PySide6-Addons and on Linux needs the PulseAudio client library
(``libpulse0``); without it, or without an output device (a CI box, a server), the editor plays
silently and :attr:`SoundPlayer.problem` says why.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

import numpy as np
from PySide6.QtCore import QIODevice, QObject, QTimer

from filmstudio.audio.clip import Audio, frame_sample
from filmstudio.ui.session import EditorSession

CHANNELS = 2
CHUNK = 8192  # samples rendered at a time (0.17 s at 48 kHz)
AHEAD = 4  # chunks rendered ahead of the read position
GRAIN_S = 0.08  # seconds of sound a scrubbed frame plays


@dataclass(frozen=True)
class PlayPlan:
    """What a feed plays: ``audio`` from project sample ``start``, within ``[low, high)``; past
    ``high`` it goes on from ``low`` when ``loop``, else it is silent."""

    audio: Audio
    start: int
    low: int
    high: int
    loop: bool

    def project_sample(self, position: int) -> int | None:
        """The project sample heard ``position`` samples after play began (None: silence)."""
        sample = self.start + position
        if sample < self.high:
            return sample
        if not self.loop or self.high <= self.low:
            return None
        return self.low + (sample - self.high) % (self.high - self.low)

    def samples(self, position: int, count: int) -> np.ndarray:
        """``count`` samples from ``position``, ``[2, count]`` float32 (mono on both sides)."""
        out = np.zeros((CHANNELS, count), np.float32)
        done = 0
        while done < count:
            sample = self.project_sample(position + done)
            if sample is None:
                break
            run = min(count - done, self.high - sample)  # up to the wrap
            sound = self.audio.samples(sample, sample + run)
            out[:, done : done + run] = sound if sound.shape[0] == CHANNELS else sound[0]
            done += run
        return out


class SampleFeed(QIODevice):
    """The QIODevice a QAudioSink pulls from: interleaved float32 stereo of the current
    :class:`PlayPlan`, rendered ``AHEAD`` chunks ahead by ``submit`` (a function running a
    callable on a worker and returning its Future; None renders synchronously)."""

    def __init__(self, submit: Callable[[Callable[[], Any]], Future[Any]] | None = None) -> None:
        super().__init__()
        self.submit = submit
        self.plan: PlayPlan | None = None
        self.position = 0  # samples handed to the sink since the plan began
        self.underruns = 0
        self._chunks: dict[int, Future[np.ndarray]] = {}
        self._lock = threading.Lock()
        self.open(QIODevice.OpenModeFlag.ReadOnly)

    def play(self, plan: PlayPlan | None) -> None:
        """Play ``plan`` from its start (None: silence). GUI thread."""
        with self._lock:
            for future in self._chunks.values():
                future.cancel()
            self._chunks = {}
            self.plan, self.position = plan, 0
        self._render_ahead(0)

    def isSequential(self) -> bool:
        return True

    def bytesAvailable(self) -> int:
        return CHUNK * CHANNELS * 4 + super().bytesAvailable()

    def readData(self, maxlen: int) -> bytes:
        count = maxlen // (CHANNELS * 4)
        if count <= 0:
            return b""
        out = np.zeros((CHANNELS, count), np.float32)
        with self._lock:
            plan, position = self.plan, self.position
            self.position += count
        if plan is not None:
            done = 0
            while done < count:
                index, offset = divmod(position + done, CHUNK)
                run = min(count - done, CHUNK - offset)
                chunk = self._chunk(plan, index)
                if chunk is None:
                    self.underruns += 1
                else:
                    out[:, done : done + run] = chunk[:, offset : offset + run]
                done += run
            self._render_ahead(position + count)
        return out.T.tobytes()  # interleaved: L R L R ...

    def writeData(self, data: bytes) -> int:
        return -1

    def _chunk(self, plan: PlayPlan, index: int) -> np.ndarray | None:
        with self._lock:
            future = self._chunks.get(index)
        if future is None:
            future = self._start(plan, index)
        if not future.done() or future.cancelled() or future.exception() is not None:
            return None
        return future.result()

    def _start(self, plan: PlayPlan, index: int) -> Future[np.ndarray]:
        def render() -> np.ndarray:
            return plan.samples(index * CHUNK, CHUNK)

        if self.submit is None:
            future: Future[np.ndarray] = Future()
            try:
                future.set_result(render())
            except Exception as error:  # a broken source plays as silence; the loader reports it
                future.set_exception(error)
        else:
            future = self.submit(render)
        with self._lock:
            if self.plan is plan:
                self._chunks[index] = future
                for old in [i for i in self._chunks if i < index - 1]:
                    del self._chunks[old]
        return future

    def _render_ahead(self, position: int) -> None:
        plan = self.plan
        if plan is None:
            return
        first = position // CHUNK
        for index in range(first, first + AHEAD):
            with self._lock:
                known = index in self._chunks
            if not known:
                self._start(plan, index)


@functools.cache
def preload_multimedia() -> bool:
    """Load QtMultimedia now, on the GUI thread before playback starts engine threads (True when
    it loads). Its libraries log while they initialise, inside the dynamic loader: a Python Qt
    message handler (pytest-qt installs one) then waits for the GIL while holding the loader's
    lock, and an engine thread holding the GIL may be waiting for that lock (a thread's first
    C++ thread-local registers with it): loaded lazily mid-playback, that deadlocked."""
    try:
        import PySide6.QtMultimedia  # noqa: F401
    except ImportError:
        return False
    return True


class QtSoundSink:
    """The default sound output: a QAudioSink on the default device, 48 kHz float stereo."""

    def __init__(self, rate: int) -> None:
        self.rate = rate
        self.problem = ""
        self._sink: Any = None

    def start(self, feed: QIODevice) -> bool:
        """Start pulling from ``feed``; False (and :attr:`problem`) when sound cannot play here."""
        if self._sink is not None:
            return True
        try:
            from PySide6.QtMultimedia import QAudio, QAudioFormat, QAudioSink, QMediaDevices
        except ImportError as error:
            self.problem = (
                f"no sound: QtMultimedia cannot load ({error}); install PySide6-Addons and, on Linux, "
                "the PulseAudio client library (Debian: apt-get install libpulse0)"
            )
            return False
        device = QMediaDevices.defaultAudioOutput()
        if device.isNull():
            self.problem = "no sound: this computer has no sound output device"
            return False
        audio_format = QAudioFormat()
        audio_format.setSampleRate(self.rate)
        audio_format.setChannelCount(CHANNELS)
        audio_format.setSampleFormat(QAudioFormat.SampleFormat.Float)
        sink = QAudioSink(device, audio_format)
        sink.start(feed)
        if sink.error() != QAudio.Error.NoError:
            self.problem = f"no sound: the sound output refused to start ({sink.error().name})"
            sink.stop()
            return False
        self._sink, self.problem = sink, ""
        return True

    def stop(self) -> None:
        if self._sink is not None:
            self._sink.stop()
            self._sink = None


class SoundPlayer(QObject):
    """Plays the viewed node's sound with playback and as grains while scrubbing. GUI thread.

    ``sink`` has ``start(feed) -> bool``, ``stop()`` and ``problem`` (default :class:`QtSoundSink`);
    tests give a fake one. ``audio`` is set by the owner (the :class:`SoundLoader`'s sound).
    """

    def __init__(
        self,
        session: EditorSession,
        sink: Any = None,
        parent: QObject | None = None,
        force_sync: bool = False,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.audio: Audio | None = None
        submit = None if force_sync else session.engine.run_in_background
        self.feed = SampleFeed(submit)
        self.sink = sink
        if sink is None:
            preload_multimedia()  # now, not when playback starts (see there)
        self.problem = ""
        self._grain_end = QTimer(self)
        self._grain_end.setObjectName("scrub grain end")
        self._grain_end.setSingleShot(True)
        self._grain_end.timeout.connect(self.stop)

    def set_audio(self, audio: Audio | None) -> None:
        self.audio = audio
        if audio is None:
            self.stop()

    def play(self, frame: int, first: int, last: int, loop: bool) -> None:
        """Sound from ``frame``, over frames ``first..last`` (looping or not), starting now."""
        self._grain_end.stop()
        self._start(self._plan(frame, first, last + 1, loop))

    def grain(self, frame: int) -> None:
        """A short grain of sound from ``frame`` (scrubbing)."""
        audio = self.audio
        if audio is None:
            return
        start = frame_sample(frame, self.session.project.settings.fps, audio.rate)
        count = round(GRAIN_S * audio.rate)
        self._start(PlayPlan(audio, start, start, start + count, False))
        self._grain_end.start(int(GRAIN_S * 1000) + 150)  # let the device play it out, then stop

    def stop(self) -> None:
        self._grain_end.stop()
        self.feed.play(None)
        if self.sink is not None:
            self.sink.stop()

    def _plan(self, frame: int, first: int, stop_frame: int, loop: bool) -> PlayPlan | None:
        audio = self.audio
        if audio is None:
            return None
        fps = self.session.project.settings.fps
        low, high = frame_sample(first, fps, audio.rate), frame_sample(stop_frame, fps, audio.rate)
        return PlayPlan(audio, frame_sample(frame, fps, audio.rate), low, high, loop)

    def _start(self, plan: PlayPlan | None) -> None:
        if plan is None:
            return
        self.feed.play(plan)
        if self.sink is None:
            self.sink = QtSoundSink(plan.audio.rate)
        if not self.sink.start(self.feed):
            self.problem = self.sink.problem
        else:
            self.problem = ""
