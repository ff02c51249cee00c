"""Work in flight: the computations running on the engine's threads, one future per cache key.

The scheduler hands a step here when it must leave the request's thread: ``Device.CPU`` nodes go
to the CPU pool, ``Device.GPU`` nodes (and batches of them) to the device's model worker; a
batch whose node hands back a :class:`~filmstudio.core.node.FinishLater` is finished on the CPU
pool while the model worker starts the next batch. A request that needs a key another request
is computing joins that future instead of computing it again (two viewers, playback + export).
Whatever way a computation ends — a result, an error, a cancel, the engine closing before it ran
— its futures are finished and forgotten, so no request waits forever.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from filmstudio.core.errors import Cancelled
from filmstudio.core.node import Device, FinishLater
from filmstudio.engine.executors import Executors
from filmstudio.engine.planner import Step


class InFlight:
    """Futures of the computations running now, by cache key. Thread-safe: requests start and
    join work from their own threads; the work finishes its futures on the executors' threads."""

    def __init__(self, executors: Executors) -> None:
        self._executors = executors
        self._futures: dict[str, Future[Any]] = {}
        self._lock = threading.Lock()

    def __contains__(self, key: object) -> bool:
        """Whether a computation of ``key`` is running (a lock-free peek: a hint, not a promise)."""
        return key in self._futures

    def start(self, step: Step, compute: Callable[[Step], Any]) -> Future[Any]:
        """Run ``compute(step)`` on the step's executor, or join the same key already running."""
        key = step.key or ""
        with self._lock:
            future = self._futures.get(key)
            if future is not None:
                return future
            future = Future()
            self._futures[key] = future
        executors = self._executors
        try:
            executor = executors.model_worker() if _on_model_worker(step) else executors.cpu
            work = executor.submit(self._compute_into, future, step, compute)
        except RuntimeError as error:  # the engine is shutting down
            self._finish(key, future, error=Cancelled(str(error)))
        else:
            self._follow(work, [(key, future)])
        return future

    def start_batch(
        self, steps: list[Step], compute_batch: Callable[[list[Step]], list[Any] | FinishLater]
    ) -> list[Future[Any]]:
        """Run steps of one batchable node as one ``compute_batch(steps)`` call on the model worker;
        one future per step (a step whose key another request is computing joins that instead)."""
        futures: list[Future[Any]] = []
        mine: list[tuple[Step, Future[Any]]] = []
        with self._lock:
            for step in steps:
                future = self._futures.get(step.key or "")
                if future is None:
                    future = self._futures[step.key or ""] = Future()
                    mine.append((step, future))
                futures.append(future)
        if mine:
            try:
                work = self._executors.model_worker().submit(self._compute_batch_into, mine, compute_batch)
            except RuntimeError as error:  # the engine is shutting down
                for step, future in mine:
                    self._finish(step.key or "", future, error=Cancelled(str(error)))
            else:
                self._follow(work, [(step.key or "", future) for step, future in mine])
        return futures

    def _follow(self, work: Future[Any], futures: list[tuple[str, Future[Any]]]) -> None:
        """If the executor drops ``work`` before it starts (the engine closing cancels queued work),
        fail ``futures`` with :class:`Cancelled` so that no request waits on them forever."""

        def dropped(done: Future[Any]) -> None:
            if done.cancelled():
                for key, future in futures:
                    self._finish(key, future, error=Cancelled("the engine closed before this work ran"))

        work.add_done_callback(dropped)

    def _compute_into(self, future: Future[Any], step: Step, compute: Callable[[Step], Any]) -> None:
        if not future.set_running_or_notify_cancel():
            self._finish(step.key or "", future)
            return
        try:
            result = compute(step)
        except BaseException as error:
            self._finish(step.key or "", future, error=error)
        else:
            self._finish(step.key or "", future, result=result)

    def _compute_batch_into(
        self,
        work: list[tuple[Step, Future[Any]]],
        compute_batch: Callable[[list[Step]], list[Any] | FinishLater],
    ) -> None:
        live = []
        for step, future in work:
            if future.set_running_or_notify_cancel():
                live.append((step, future))
            else:
                self._finish(step.key or "", future)
        if not live:
            return
        try:
            results = compute_batch([step for step, _future in live])
        except BaseException as error:
            for step, future in live:
                self._finish(step.key or "", future, error=error)
            return
        if isinstance(results, FinishLater):
            if not self._executors.finishes_off_worker:
                self._finish_later_into(live, results)
                return
            # the model's part is done: finishing goes to the CPU pool, the model worker goes on
            keyed = [(step.key or "", future) for step, future in live]
            try:
                work = self._executors.cpu.submit(self._finish_later_into, live, results)
            except RuntimeError as error:  # the engine is shutting down
                for key, future in keyed:
                    self._finish(key, future, error=Cancelled(str(error)))
            else:
                self._follow(work, keyed)
            return
        for (step, future), result in zip(live, results, strict=True):
            self._finish(step.key or "", future, result=result)

    def _finish_later_into(self, live: list[tuple[Step, Future[Any]]], later: FinishLater) -> None:
        try:
            results = later.finish()
        except BaseException as error:
            for step, future in live:
                self._finish(step.key or "", future, error=error)
        else:
            for (step, future), result in zip(live, results, strict=True):
                self._finish(step.key or "", future, result=result)

    def _finish(
        self, key: str, future: Future[Any], result: Any = None, error: BaseException | None = None
    ) -> None:
        with self._lock:
            if self._futures.get(key) is future:
                del self._futures[key]
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)


def _on_model_worker(step: Step) -> bool:
    """Model nodes run on the model worker; their stand-ins only when they declare they need it."""
    node_type = step.node.type
    if step.standin:
        return node_type.standin_device is Device.GPU
    return node_type.device is Device.GPU
