"""Sending a farm render's chunks to Dask and getting every one back, whatever the workers do.

Runs on the coordinator's calling thread (the CLI's main thread, so Ctrl+C/SIGTERM land here as
:class:`KeyboardInterrupt`); Dask's client thread only puts what happens into a queue: chunk
events from the workers (started, progress, ended: :mod:`filmstudio.render.farm_chunk`), the
scheduler's ``remove-worker`` events (which tasks were processing on a worker that went away) and
``worker-restart-memory`` (a nanny killed its worker for memory), and finished futures.

Failure handling, in two layers:

* **Dask's own retry**: a chunk whose worker dies is put back by the scheduler and re-run on
  another worker (``distributed.scheduler.allowed-failures`` times at most).
* **Ours**: a chunk that raised, returned a manifest that does not verify (wrong frame count,
  wrong hash), ran past ``max_chunk_seconds`` or finished under ``min_chunk_seconds`` is sent
  again as a new task, away from the worker that failed it. Every failed run of a chunk counts,
  lost ones included; at ``max_attempts`` the render fails with each run's reason. A worker that
  failed ``worker_failures`` runs gets no more chunks (task restrictions to the other workers).

Every lost run is logged with the worker (name, address, pid), the chunk and why: killed (the
process died), out of memory (its nanny restarted it), left the cluster, an error, a timeout.
"""

from __future__ import annotations

import contextlib
import queue
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from filmstudio.core.context import CancelToken
from filmstudio.render.farm_chunk import ChunkFailed, ChunkJob, ChunkManifest, render_chunk
from filmstudio.render.farm_plan import FarmError, FarmSettings

__all__ = ["Dispatcher"]

STOP_WAIT_S = 15.0  # how long a cancel waits for running chunks to stop and remove what they wrote


@dataclass
class _Run:
    """One task (one key) of a chunk; Dask may run it again elsewhere after its worker died."""

    job: ChunkJob
    future: Any
    worker: str | None = None
    name: str | None = None
    pid: int | None = None
    started: float | None = None
    done_frames: int = 0
    running: bool = False
    finished: bool = False


@dataclass
class _Chunk:
    frames: int
    failures: list[str] = field(default_factory=list)
    current: str = ""  # key of the run that counts now


class Dispatcher:
    """Renders ``jobs`` (one per chunk, attempt 1) on ``client``'s cluster; :meth:`run` returns
    each chunk's verified manifest. ``verify(job, manifest)`` raises :class:`ChunkFailed`."""

    def __init__(
        self,
        client: Any,
        farm: FarmSettings,
        jobs: list[ChunkJob],
        verify: Callable[[ChunkJob, ChunkManifest], None],
        progress: Callable[[int, int], None] | None,
        log: Callable[[str], None],
        cancel: CancelToken,
    ) -> None:
        self.client, self.farm, self.verify, self.log, self.cancel = client, farm, verify, log, cancel
        self._progress = progress
        self.jobs = {job.index: job for job in jobs}
        # the cluster runs them in the order given (the coordinator puts the heaviest first)
        self.priority = {job.index: len(jobs) - rank for rank, job in enumerate(jobs)}
        self.chunks = {job.index: _Chunk(len(job.frames)) for job in jobs}
        self.total = sum(c.frames for c in self.chunks.values())
        self.results: dict[int, ChunkManifest] = {}
        self.runs: dict[str, _Run] = {}
        self.worker_failures: Counter[str] = Counter()
        self.banned: set[str] = set()
        self.names: dict[str, str] = {}  # worker address -> name
        self.memory_killed: set[str] = set()
        self.lost_runs = 0
        self._events: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()
        self._shown = -1

    # --- the loop -------------------------------------------------------------------------------

    def run(self) -> dict[int, ChunkManifest]:
        topic = next(iter(self.jobs.values())).topic
        topics = {
            topic: "chunk",
            "all": "scheduler",
            "worker-restart-memory": "memory",
        }
        for name, kind in topics.items():
            self.client.subscribe_topic(name, lambda event, kind=kind: self._events.put((kind, event)))
        try:
            self._learn_workers()
            for job in self.jobs.values():
                self._submit(job)
            while len(self.results) < len(self.jobs):
                self.cancel.raise_if_cancelled()
                with contextlib.suppress(queue.Empty):
                    self._handle(*self._events.get(timeout=0.1))
                # polled, not a done-callback: Dask runs those on a thread of its own that outlives us
                for key in [c.current for c in self.chunks.values()]:
                    if self.runs[key].future.done():
                        self._finished(key)
                self._check_time_limits()
        except BaseException:
            self._stop_all()
            raise
        finally:
            for name in topics:
                self.client.unsubscribe_topic(name)
        return self.results

    def _handle(self, kind: str, event: Any) -> None:
        message = event[1] if isinstance(event, tuple) and len(event) == 2 else event
        if kind == "chunk":
            self._chunk_event(message)
        elif kind == "memory":
            self.memory_killed.add(str(message.get("worker")))
        elif kind == "scheduler" and message.get("action") == "remove-worker":
            self._worker_removed(message)

    # --- submitting -----------------------------------------------------------------------------

    def _submit(self, job: ChunkJob, avoid: str | None = None) -> None:
        workers = self._allowed(avoid)
        future = self.client.submit(
            render_chunk,
            job,
            key=job.key,
            pure=False,
            retries=0,
            workers=workers,
            allow_other_workers=False,
            priority=self.priority.get(job.index, 0),
        )
        self.runs[job.key] = _Run(job, future)
        self.chunks[job.index].current = job.key

    def _allowed(self, avoid: str | None) -> list[str] | None:
        """Worker addresses a new task may run on: None (any) until some worker is banned or a
        chunk failed on one; never a banned worker; the failing one only when nothing else is left."""
        if not self.banned and avoid is None:
            return None
        self._learn_workers()
        usable = {a: n for a, n in self.names.items() if n not in self.banned and a in self._live()}
        if not usable:
            last = next((c.failures[-1] for c in self.chunks.values() if c.failures), "")
            raise FarmError(
                f"every worker failed {self.farm.worker_failures} chunks and gets no more; the last "
                f"failure: {last}"
            )
        elsewhere = [a for a, n in usable.items() if n != avoid]
        return elsewhere or list(usable)

    def _live(self) -> set[str]:
        return set(self.client.scheduler_info().get("workers", {}))

    def _learn_workers(self) -> None:
        for address, info in self.client.scheduler_info().get("workers", {}).items():
            self.names.setdefault(address, str(info.get("name", address)))

    # --- what happens -------------------------------------------------------------------------------

    def _chunk_event(self, message: dict[str, Any]) -> None:
        job = self.jobs.get(message.get("chunk", -1))
        key = replace(job, attempt=message.get("attempt", 0)).key if job is not None else ""
        run = self.runs.get(key)
        if job is None or run is None:
            return
        what = message.get("kind")
        if what == "started":
            run.worker, run.name, run.pid = message.get("worker"), message.get("name"), message.get("pid")
            if run.worker and run.name:
                self.names[run.worker] = run.name
            run.started, run.running, run.done_frames = time.monotonic(), True, 0
        elif what == "progress" and self.chunks[job.index].current == key:
            run.done_frames = int(message.get("done", 0))
            self._report()
        elif what == "ended":
            run.running = False

    def _finished(self, key: str) -> None:
        run = self.runs.get(key)
        if run is None or run.finished:
            return
        run.finished, run.running = True, False
        chunk = self.chunks[run.job.index]
        if chunk.current != key or run.job.index in self.results:
            return  # a run we gave up on (timed out) that ended anyway
        future = run.future
        if future.status == "finished":
            manifest = future.result()
            run.name = run.name or self.names.get(manifest.worker, manifest.worker)
            run.worker, run.pid = manifest.worker, manifest.pid
            try:
                self.verify(run.job, manifest)
                if manifest.seconds < self.farm.min_chunk_seconds:
                    raise ChunkFailed(
                        f"finished in {manifest.seconds:.1f} s, under the minimum of "
                        f"{self.farm.min_chunk_seconds:g} s for a chunk"
                    )
            except ChunkFailed as failure:
                self._failed(run, f"error: {failure}")
                return
            self.results[run.job.index] = manifest
            run.done_frames = chunk.frames
            self._report()
        elif future.status == "error":
            error = future.exception()
            reason = str(error) if isinstance(error, ChunkFailed) else f"{type(error).__name__}: {error}"
            self._failed(run, f"error: {reason}")
        else:  # cancelled by the scheduler (not by us: we stop listening before we cancel)
            self._failed(run, "cancelled by the scheduler")

    def _worker_removed(self, message: dict[str, Any]) -> None:
        address = str(message.get("worker"))
        lost = [self.runs[k] for k in message.get("processing-tasks", ()) if k in self.runs]
        expected = bool(message.get("expected"))
        if address in self.memory_killed:
            reason = "out of memory (its nanny restarted it)"
        else:
            reason = "left the cluster" if expected else "killed (the worker process died)"
        for run in lost:
            if run.finished or self.chunks[run.job.index].current != run.job.key:
                continue
            if not (run.running and run.worker == address):
                continue  # only queued there: Dask sends it elsewhere, nothing was lost
            run.running, run.started, run.done_frames = False, None, 0
            # Dask puts the task back by itself: count the loss, send nothing new
            self._failed(run, reason, resubmit=False, counts_against_worker=not expected)
            self._report()

    def _check_time_limits(self) -> None:
        limit = self.farm.max_chunk_seconds
        if limit is None:
            return
        now = time.monotonic()
        for run in list(self.runs.values()):
            late = run.running and run.started is not None and now - run.started > limit
            if late and not run.finished and self.chunks[run.job.index].current == run.job.key:
                run.running = False
                self.client.cancel([run.future], force=True)  # its watcher stops the render
                self._failed(run, f"ran longer than the limit of {limit:g} s")

    def _failed(
        self, run: _Run, reason: str, resubmit: bool = True, counts_against_worker: bool = True
    ) -> None:
        job, chunk = run.job, self.chunks[run.job.index]
        who = self._who(run)
        chunk.failures.append(f"{who}: {reason}")
        self.lost_runs += 1
        self.log(f"{who} lost chunk {job.index + 1}/{len(self.jobs)} (frames {job.frames}): {reason}")
        if counts_against_worker and run.name is not None:
            self.worker_failures[run.name] += 1
            if self.worker_failures[run.name] == self.farm.worker_failures:
                self.banned.add(run.name)
                self.log(f"worker {run.name} failed {self.farm.worker_failures} chunks: it gets no more")
        if len(chunk.failures) >= self.farm.max_attempts:
            raise FarmError(
                f"chunk {job.index + 1} (frames {job.frames}) failed {len(chunk.failures)} times: "
                + "; ".join(chunk.failures)
            )
        if resubmit:
            self._submit(replace(job, attempt=job.attempt + 1), avoid=run.name)
        elif run.name in self.banned:
            # Dask would put it back with restrictions that still allow the banned worker
            self.client.cancel([run.future], force=True)
            run.finished = True
            self._submit(replace(job, attempt=job.attempt + 1), avoid=run.name)

    def _who(self, run: _Run) -> str:
        if run.worker is None:
            return "a worker"
        name = run.name or self.names.get(run.worker, "")
        pid = f", pid {run.pid}" if run.pid else ""
        return (
            f"worker {name} ({run.worker}{pid})"
            if name and name != run.worker
            else f"worker {run.worker}{pid}"
        )

    def _report(self) -> None:
        if self._progress is None:
            return
        done = 0
        for index, chunk in self.chunks.items():
            if index in self.results:
                done += chunk.frames
            elif (run := self.runs.get(chunk.current)) is not None:
                done += min(run.done_frames, chunk.frames)
        if done != self._shown:
            self._shown = done
            self._progress(done, self.total)

    # --- stopping -----------------------------------------------------------------------------------

    def _stop_all(self) -> None:
        """Cancel every task, then wait (bounded) until each running chunk has stopped and removed
        what it was writing, so the caller can remove the chunks' folder with nothing still
        writing into it."""
        futures = [run.future for run in self.runs.values() if not run.finished]
        if futures:
            self.client.cancel(futures, force=True)
        deadline = time.monotonic() + STOP_WAIT_S
        while any(run.running for run in self.runs.values()) and time.monotonic() < deadline:
            try:
                kind, event = self._events.get(timeout=0.1)
            except queue.Empty:
                continue
            message = event[1] if isinstance(event, tuple) and len(event) == 2 else event
            if kind == "chunk" and message.get("kind") == "ended":
                self._chunk_event(message)
            elif kind == "scheduler" and message.get("action") == "remove-worker":
                for key in message.get("processing-tasks", ()):
                    if key in self.runs:
                        self.runs[key].running = False
