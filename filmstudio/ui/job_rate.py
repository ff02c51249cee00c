"""What a job's progress line says: frames done, an honest rate, the time left, or that it is stuck.

The rate is frames per second over the last :attr:`RateMeter.window_s` seconds *up to now*, not
since the start and not up to the last report: a job stuck on one frame shows its rate falling,
and once a frame has taken three times as long as frames have lately (and at least
:attr:`RateMeter.stall_s`), the line says "stalled on frame N for X s" instead of a rate. Plain
Python; the clock is passed in (seconds, monotonic), so tests need no waiting.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable


class RateMeter:
    """Progress reports of one job in, a progress line out. ``frame_of(done)`` names the frame the
    job works on when ``done`` are finished (default: the ordinal, ``done + 1``)."""

    window_s = 10.0
    stall_s = 5.0

    def __init__(self, started: float, frame_of: Callable[[int], int] | None = None) -> None:
        self._frame_of = frame_of or (lambda done: done + 1)
        self._samples: deque[tuple[float, int]] = deque([(started, 0)])
        self.done = 0
        self.total = 0
        self.changed_at = started  # when ``done`` last grew

    def report(self, done: int, total: int, now: float) -> None:
        if done > self.done:
            self.changed_at = now
            self._samples.append((now, done))
        self.done, self.total = max(self.done, done), total
        # keep the window's samples, one before it, and always the last two reports
        while len(self._samples) > 2 and self._samples[1][0] <= now - self.window_s:
            self._samples.popleft()

    def rate(self, now: float) -> float | None:
        """Frames per second from the window's start to now; None before a frame was done. The
        window is the last :attr:`window_s` seconds, or back to the report before the last one
        when frames take longer than that (a model at 15 s a frame)."""
        if self.done == 0:
            return None
        latest = self._samples[-2][0] if len(self._samples) > 1 else self._samples[0][0]
        start = max(min(now - self.window_s, latest), self._samples[0][0])
        done_then = next(done for t, done in reversed(self._samples) if t <= start)
        return (self.done - done_then) / (now - start) if now > start else None

    def seconds_per_frame(self) -> float | None:
        """How long frames took lately (between the reports in the window), None before two reports."""
        (t0, d0), (t1, d1) = self._samples[0], self._samples[-1]
        return (t1 - t0) / (d1 - d0) if d1 > d0 and t1 > t0 else None

    def stalled_for(self, now: float) -> float | None:
        """Seconds on the current frame when that is far longer than frames took lately, else None."""
        if self.total and self.done >= self.total:
            return None
        waiting = now - self.changed_at
        usual = self.seconds_per_frame()
        limit = max(self.stall_s, 3 * usual) if usual is not None else None
        return waiting if limit is not None and waiting >= limit else None

    def text(self, now: float) -> str:
        """``37/100  2.4 fps  ETA 0:26``, ``37/100  stalled on frame 38 for 12 s``, or before the
        first frame is done ``0/100  frame 1: 12 s``."""
        count = f"{self.done}/{self.total}"
        stalled = self.stalled_for(now)
        if stalled is not None:
            return f"{count}  stalled on frame {self._frame_of(self.done)} for {stalled:.0f} s"
        rate = self.rate(now)
        if not rate:
            return f"{count}  frame {self._frame_of(self.done)}: {now - self.changed_at:.0f} s"
        speed = f"{rate:.1f} fps" if rate >= 0.95 else f"{1 / rate:.1f} s/frame"
        line = f"{count}  {speed}"
        left = self.total - self.done
        if left > 0:
            line += f"  ETA {_clock(left / rate)}"
        return line


def _clock(seconds: float) -> str:
    seconds = round(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"
