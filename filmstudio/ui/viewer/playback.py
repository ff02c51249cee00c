"""Real-time playback of the viewed node between the in and out points. GUI thread.

A clock (started when play starts) says which frame is due; a QTimer at the project's rate looks
at it. A due frame is shown only once it is delivered — from the display cache, filled ahead of
the clock by prefetch requests on the engine's threads — so the GUI never waits for a frame. A
frame whose display slot passes before it arrives is *dropped* and counted (Nuke's and Resolve's
playback readout).
"""

from __future__ import annotations

import math
import time
from concurrent.futures import Future
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from filmstudio.ui.session import EditorSession
from filmstudio.ui.viewer.frames import FrameRequester

LOOK_AHEAD = 8  # how far past the first frame that can arrive in time prefetching looks
MAX_IN_FLIGHT = 3  # prefetch requests running at once (the engine runs two request drivers)
_LATENCY_WEIGHT = 0.3  # of a new sample in the running prefetch latency


class Playback(QObject):
    """Plays, loops or stops at the out point; counts dropped frames.

    Signals: ``playingChanged(bool)``, ``droppedChanged(int)`` (the count since play started).
    """

    playingChanged = Signal(bool)
    droppedChanged = Signal(int)

    def __init__(
        self, session: EditorSession, requester: FrameRequester, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.requester = requester
        self.loop = True
        self.dropped = 0
        self.shown = 0  # frames shown since play started
        self.timer = QTimer(self)
        self.timer.setObjectName("viewer playback clock")
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self._tick)
        self._started = 0.0
        self._offset = 0  # the first frame's position inside in..out
        self._last_ordinal = 0  # ordinal (frames since start, on the clock) of the frame last shown
        self._in_flight: dict[int, tuple[int, Future[Any], float]] = {}  # ordinal -> frame, job, start
        self.latency = 0.0  # seconds a prefetch takes, learned while playing
        requester.prefetched.connect(self._prefetched)
        session.projectReplaced.connect(self.stop)

    @property
    def playing(self) -> bool:
        return self.timer.isActive()

    @property
    def fps(self) -> float:
        return float(self.session.project.settings.fps)

    def play(self) -> None:
        """Start from the current frame (from the in point if the playhead is outside in/out)."""
        if self.playing:
            return
        session = self.session
        first, last = session.in_point, session.out_point
        if not first <= session.current_frame <= last or (session.current_frame == last and not self.loop):
            session.set_frame(first)
        self._offset = session.current_frame - first
        self._started = time.perf_counter()
        self._last_ordinal = 0
        self.shown = 0
        self.latency = 0.0
        self._set_dropped(0)
        self.timer.start(max(1, int(1000 / self.fps)))
        self.playingChanged.emit(True)
        self._look_ahead(0)

    def stop(self) -> None:
        """Stop the clock and cancel the look-ahead (also on project change, hide and close)."""
        for _frame, future, _started in self._in_flight.values():
            self.requester.cancel_prefetch(future)
        self._in_flight.clear()
        if self.timer.isActive():
            self.timer.stop()
            self.playingChanged.emit(False)

    def toggle(self) -> None:
        if self.playing:
            self.stop()
        else:
            self.play()

    # --- the clock -------------------------------------------------------------------------------

    def _ordinal_now(self) -> int:
        return math.floor((time.perf_counter() - self._started) * self.fps)

    def _frame_of(self, ordinal: int) -> int | None:
        first, last = self.session.in_point, self.session.out_point
        position = self._offset + ordinal
        length = last - first + 1
        if self.loop:
            return first + position % length
        return first + position if position < length else None

    def _tick(self) -> None:
        ordinal = self._ordinal_now()
        frame = self._frame_of(ordinal)
        if frame is None:  # past the out point, not looping
            last_ordinal = self.session.out_point - self.session.in_point - self._offset
            self._set_dropped(self.dropped + max(0, last_ordinal - self._last_ordinal))
            self.stop()
            return
        if ordinal > self._last_ordinal and self.requester.is_ready(frame):
            self._show(ordinal, frame)
        self._look_ahead(ordinal)

    def _show(self, ordinal: int, frame: int) -> None:
        missed = ordinal - self._last_ordinal - 1
        if missed > 0:
            self._set_dropped(self.dropped + missed)
        self._last_ordinal = ordinal
        self.shown += 1
        self.session.set_frame(frame)  # ready: the requester shows it synchronously

    def _prefetched(self, frame: int, ok: bool) -> None:
        if not self.playing:
            return
        now = time.perf_counter()
        for ordinal, (wanted, _future, started) in list(self._in_flight.items()):
            if wanted == frame:
                del self._in_flight[ordinal]
                self.latency += (now - started - self.latency) * _LATENCY_WEIGHT
        if not ok:  # a node fails on this frame: stop there and let the viewer say why
            self.stop()
            self.session.set_frame(frame)
            return
        ordinal = self._ordinal_now()
        if ordinal > self._last_ordinal and self._frame_of(ordinal) == frame:
            self._show(ordinal, frame)  # arrived within its slot: show it now, not at the next tick
        self._look_ahead(ordinal)

    def _look_ahead(self, ordinal: int) -> None:
        """Keep up to MAX_IN_FLIGHT prefetches running for frames that can arrive before they are
        due; cancel the ones the clock has overtaken (they would only be dropped)."""
        now = time.perf_counter()
        for ahead, (_frame, future, started) in list(self._in_flight.items()):
            if future.done():
                del self._in_flight[ahead]
            elif ahead <= ordinal:
                self.requester.cancel_prefetch(future)
                del self._in_flight[ahead]
                self.latency = max(self.latency, now - started)  # it takes at least this long
        first = ordinal + 1 + math.ceil(self.latency * self.fps)
        planned = {frame for frame, _future, _started in self._in_flight.values()}
        for ahead in range(first, first + LOOK_AHEAD):
            if len(self._in_flight) >= MAX_IN_FLIGHT:
                break
            frame = self._frame_of(ahead)
            if frame is None:
                break
            if frame in planned:
                continue
            future = self.requester.prefetch(frame)
            planned.add(frame)
            if future is not None:
                self._in_flight[ahead] = (frame, future, now)

    def _set_dropped(self, count: int) -> None:
        if count != self.dropped:
            self.dropped = count
            self.droppedChanged.emit(count)
