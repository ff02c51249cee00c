"""Playback of the viewed node between the in and out points, honest about what it can show. GUI thread.

A clock (started when play starts) says which frame is due; a QTimer at the project's rate looks
at it. A due frame is shown only once it is delivered — from the display cache, filled ahead of
the clock by prefetch requests on the engine's threads — so the GUI never waits for a frame.

When the next frame is not ready when it is due, playback *holds*: the picture stays on the last
ready frame, the clock waits for that frame (the sound pauses with it: ``holdingChanged``) and each
frame interval spent waiting counts as a *held* frame; when the frame arrives it is shown and the
clock goes on from there. So a range that cannot be computed in real time plays every frame,
slower, saying so (``statusChanged``), and never stops on its own: only the out point without
loop, the artist, or a frame that fails (the viewer then shows why) stops it. Render to cache
makes a range play in real time. Frames that are ready but whose slot a late timer tick missed
are skipped and counted as *dropped* (the clock stays with the sound).
"""

from __future__ import annotations

import math
import time
from concurrent.futures import Future
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from filmstudio.ui.session import EditorSession
from filmstudio.ui.viewer.frames import FrameRequester

LOOK_AHEAD = 8  # frames after the last shown one that prefetching keeps an eye on
MAX_IN_FLIGHT = 3  # prefetch requests running at once (the engine runs two request drivers)
_LATENCY_WEIGHT = 0.3  # of a new sample in the running prefetch latency


class Playback(QObject):
    """Plays, loops or stops at the out point; holds on frames that are not ready and counts them.

    Signals: ``playingChanged(bool)``, ``holdingChanged(bool)`` (the picture waits for a frame),
    ``heldChanged(int)`` and ``droppedChanged(int)`` (counts since play started),
    ``statusChanged(str)`` (one line for the timeline: what playback waits for, or why it stopped).
    """

    playingChanged = Signal(bool)
    holdingChanged = Signal(bool)
    heldChanged = Signal(int)
    droppedChanged = Signal(int)
    statusChanged = Signal(str)

    def __init__(
        self, session: EditorSession, requester: FrameRequester, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.requester = requester
        self.loop = True
        self.dropped = 0
        self.held = 0  # frame intervals spent holding, in holds that ended
        self.shown = 0  # frames shown since play started
        self.holding = False
        self.status = ""
        self.timer = QTimer(self)
        self.timer.setObjectName("viewer playback clock")
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self._tick)
        self._base_time = 0.0  # when the clock was at ordinal _base_ordinal
        self._base_ordinal = 0
        self._offset = 0  # the first frame's position inside in..out
        self._last_ordinal = 0  # ordinal (frames since start, on the clock) of the frame last shown
        self._in_flight: dict[int, tuple[Future[Any], float]] = {}  # frame -> job, start
        self.latency = 0.0  # seconds a prefetch takes, learned while playing
        requester.prefetched.connect(self._prefetched)
        session.projectReplaced.connect(self._project_replaced)

    @property
    def playing(self) -> bool:
        return self.timer.isActive()

    @property
    def fps(self) -> float:
        return float(self.session.project.settings.fps)

    @property
    def summary(self) -> str:
        """The timeline's line: :attr:`status` and the frames dropped, if any."""
        dropped = f"dropped {self.dropped}" if self.dropped else ""
        return " · ".join(part for part in (self.status, dropped) if part)

    @property
    def held_now(self) -> int:
        """Held frames so far, the hold going on now included."""
        return self.held + (self._waited() if self.holding else 0)

    def play(self) -> None:
        """Start from the current frame (from the in point if the playhead is outside in/out)."""
        if self.playing:
            return
        session = self.session
        first, last = session.in_point, session.out_point
        if not first <= session.current_frame <= last or (session.current_frame == last and not self.loop):
            session.set_frame(first)
        self._offset = session.current_frame - first
        self._base_time, self._base_ordinal = time.perf_counter(), 0
        self._last_ordinal = 0
        self.shown = 0
        self.latency = 0.0
        self.holding = False
        self._reset_counts()
        self._set_status("")
        self.timer.start(max(1, int(1000 / self.fps)))
        self.playingChanged.emit(True)
        self._look_ahead()

    def stop(self, reason: str = "") -> None:
        """Stop the clock and cancel the look-ahead (also on project change, hide and close);
        ``reason`` stays on the timeline (why playback stopped when the artist did not stop it)."""
        for future, _started in self._in_flight.values():
            self.requester.cancel_prefetch(future)
        self._in_flight.clear()
        if self.holding:
            self.held = self.held_now
            self.holding = False
            self.holdingChanged.emit(False)
        if self.timer.isActive():
            self.timer.stop()
            self.playingChanged.emit(False)
        self._set_status(reason)

    def shutdown(self) -> None:
        """Stop and let go of the session and the requester (the viewer panel's shutdown)."""
        self.stop()
        self.session.projectReplaced.disconnect(self._project_replaced)
        self.requester.prefetched.disconnect(self._prefetched)

    def toggle(self) -> None:
        if self.playing:
            self.stop()
        else:
            self.play()

    def _project_replaced(self) -> None:
        self.stop()
        self._reset_counts()  # a new project starts with clean counters

    # --- the clock -------------------------------------------------------------------------------

    def _ordinal_now(self) -> int:
        return self._base_ordinal + math.floor((time.perf_counter() - self._base_time) * self.fps)

    def _waited(self) -> int:
        """Frame intervals the frame after the last shown one is overdue by."""
        return max(0, self._ordinal_now() - self._last_ordinal - 1)

    def _frame_of(self, ordinal: int) -> int | None:
        first, last = self.session.in_point, self.session.out_point
        position = self._offset + ordinal
        length = last - first + 1
        if self.loop:
            return first + position % length
        return first + position if position < length else None

    def _tick(self) -> None:
        due = self._ordinal_now()
        following = self._last_ordinal + 1
        if due >= following:
            frame = self._frame_of(following)
            if frame is None:  # past the out point, not looping
                self.stop("played to the out point (loop is off)")
                return
            if not self.requester.is_ready(frame):
                self._hold(frame)
            elif self.holding:
                self._show(following)  # arrived after its slot: on from here, no jump ahead
            else:
                # Late timer ticks: skip to the newest due frame among those ready in a row.
                newest = following
                while newest < due and (ahead := self._frame_of(newest + 1)) is not None:
                    if not self.requester.is_ready(ahead):
                        break
                    newest += 1
                self._show(newest)
        self._look_ahead()

    def _hold(self, frame: int) -> None:
        if not self.holding:
            self.holding = True
            self.holdingChanged.emit(True)
        held = self.held_now
        self.heldChanged.emit(held)
        self._set_status(f"waiting for frame {frame}: slower than real time · held {held}")

    def _show(self, ordinal: int) -> None:
        frame = self._frame_of(ordinal)
        assert frame is not None
        resumed = self.holding
        if resumed:
            # The wait is over: count it, and let the clock go on from this frame, now.
            self.held = self.held_now
            self.holding = False
            self._base_time, self._base_ordinal = time.perf_counter(), ordinal
            self.heldChanged.emit(self.held)
        elif ordinal - self._last_ordinal > 1:
            self._set_dropped(self.dropped + ordinal - self._last_ordinal - 1)
        self._last_ordinal = ordinal
        self.shown += 1
        self.session.set_frame(frame)  # ready: the requester shows it synchronously
        if resumed:
            self.holdingChanged.emit(False)  # after set_frame: the sound starts at this frame
            self._set_status(f"playing slower than real time · held {self.held}")

    def _prefetched(self, frame: int, ok: bool) -> None:
        if not self.playing:
            return
        entry = self._in_flight.pop(frame, None)
        if entry is not None:
            self.latency += (time.perf_counter() - entry[1] - self.latency) * _LATENCY_WEIGHT
        if not ok:  # a node fails on this frame: stop there; the viewer says why
            self.stop(f"stopped at frame {frame}: it cannot be computed (see the viewer)")
            self.session.set_frame(frame)
            return
        following = self._last_ordinal + 1
        if self._frame_of(following) == frame and (self.holding or self._ordinal_now() >= following):
            self._show(following)  # the frame waited for, or due now: show it, not at the next tick
        self._look_ahead()

    def _look_ahead(self) -> None:
        """Keep up to MAX_IN_FLIGHT prefetches running for the next frames, nearest first; cancel
        the ones no longer among them (the in/out points moved, a loop wrapped past them)."""
        wanted = []
        for ahead in range(self._last_ordinal + 1, self._last_ordinal + 1 + LOOK_AHEAD):
            frame = self._frame_of(ahead)
            if frame is None:
                break
            if frame not in wanted:
                wanted.append(frame)
        for frame, (future, _started) in list(self._in_flight.items()):
            if future.done():
                del self._in_flight[frame]
            elif frame not in wanted:
                self.requester.cancel_prefetch(future)
                del self._in_flight[frame]
        now = time.perf_counter()
        for frame in wanted:
            if len(self._in_flight) >= MAX_IN_FLIGHT:
                break
            if frame in self._in_flight:
                continue
            future = self.requester.prefetch(frame)  # None: ready already (or cannot be planned)
            if future is not None:
                self._in_flight[frame] = (future, now)

    def _reset_counts(self) -> None:
        self.held = 0
        self.heldChanged.emit(0)
        self._set_dropped(0)

    def _set_dropped(self, count: int) -> None:
        if count != self.dropped:
            self.dropped = count
            self.droppedChanged.emit(count)

    def _set_status(self, text: str) -> None:
        if text != self.status:
            self.status = text
            self.statusChanged.emit(text)
