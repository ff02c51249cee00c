"""An export's stages running at once: frames are made (decoded and evaluated, or decoded and fused)
on a worker thread while the calling thread encodes earlier ones, through a bounded queue.

The work is sized to the machine as a whole (:class:`ThreadPlan`): the encoder's threads, the
decoder's threads and torch's intra-op threads share the cores instead of each taking all of them,
which on a 2-core machine costs more in switching than it overlaps.

Threads: :class:`Overlap` is driven by one thread (the render's); the jobs it is given run in order
on its one worker thread; results come back in the order the jobs were given.
"""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from filmstudio.core.context import CancelToken
from filmstudio.core.errors import Cancelled


def cpu_cores() -> int:
    """The cores this process may run on (its affinity, not the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class ThreadPlan:
    """How many threads each part of an export uses (0: the library's own choice)."""

    encoder: int
    decoder: int
    torch: int

    @classmethod
    def for_export(cls, cores: int, fused: bool) -> ThreadPlan:
        """A fused export decodes, converts and encodes: the encoder and the decoder get a
        thread per core (at most 4 for decoding, where H.264 stops scaling), torch one. An
        evaluated one runs its nodes in torch on every core too: a model node is most of such a
        render, and holding torch to one core made an Upscaler render 0.60x a bare loop of the
        same model on 2 cores (1.06x with both). Measured on 2 cores (120 noisy 1080p frames,
        CPU time): 2 encoder + 2 decoder threads spent 6.26 s, FFmpeg's own choice (3 + 3)
        6.60 s, 2 + 1 6.40 s."""
        decoder = min(4, cores)
        if fused:
            return cls(encoder=cores, decoder=decoder, torch=1)
        return cls(encoder=cores, decoder=decoder, torch=cores)


@dataclass
class StageTimes:
    """Seconds each stage was busy (they overlap, so they may add up to more than the render)."""

    seconds: dict[str, float] = field(default_factory=dict)

    def add(self, stage: str, seconds: float) -> None:
        self.seconds[stage] = self.seconds.get(stage, 0.0) + seconds

    def timed(self, stage: str, function: Callable[..., Any], *args: Any) -> Any:
        started = time.perf_counter()
        try:
            return function(*args)
        finally:
            self.add(stage, time.perf_counter() - started)


class Overlap:
    """Jobs run in order on one worker thread, at most ``depth`` ahead of the consumer.

    ``submit`` a job (a callable), ``take`` the oldest one's result (waiting for it, while checking
    ``cancel``); ``close`` stops the worker, dropping what has not started."""

    def __init__(self, depth: int, cancel: CancelToken, name: str = "filmstudio-export") -> None:
        self.depth = max(1, depth)
        self._cancel = cancel
        self._pending: deque[Future[Any]] = deque()
        self._worker = ThreadPoolExecutor(1, thread_name_prefix=name)

    @property
    def full(self) -> bool:
        return len(self._pending) >= self.depth

    def __len__(self) -> int:
        return len(self._pending)

    def submit(self, job: Callable[[], Any]) -> None:
        self._pending.append(self._worker.submit(job))

    def take(self) -> Any:
        future = self._pending.popleft()
        while True:
            if self._cancel.cancelled:
                future.cancel()
                raise Cancelled(self._cancel.reason)
            try:
                return future.result(timeout=0.05)
            except TimeoutError:
                continue

    def close(self) -> None:
        for future in self._pending:
            future.cancel()
        self._pending.clear()
        self._worker.shutdown(wait=True, cancel_futures=True)
