"""One chunk of a farm render, as a Dask worker runs it: load the shipped project, map its paths,
render the chunk's frames with :func:`filmstudio.render.export.render` (video only) and describe
what was written in a :class:`ChunkManifest`.

Runs in a Dask worker process (any machine with FilmStudio installed): :func:`render_chunk` is the
task. It reports to the coordinator through Dask's event stream (topic ``ChunkJob.topic``):
``started`` (worker, host, pid), ``progress`` (frames done, a few times a second) and ``ended``.
A chunk stops at once when its Dask task is cancelled (the coordinator's Ctrl+C, or a time
limit): a watcher thread fires the render's cancel token, and the writer removes what it wrote.

Failures reach the coordinator as :class:`ChunkFailed` carrying the message a user would have
seen on one machine (a missing model or file names the node, the file and the folders searched):
exceptions of our own with their own constructors do not always survive Dask's pickling.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import socket
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from filmstudio.core.context import CancelToken
from filmstudio.core.errors import FilmStudioError
from filmstudio.core.params import AnimCurve, ParamKind
from filmstudio.core.project import Project
from filmstudio.core.timebase import FrameRange
from filmstudio.render.farm_plan import PathMap, map_path

__all__ = ["ChunkFailed", "ChunkJob", "ChunkManifest", "project_hash", "render_chunk", "settings_record"]

_PROGRESS_EVERY_S = 0.25  # progress events a chunk sends at most this often (they go through the scheduler)


class ChunkFailed(FilmStudioError):
    """A chunk could not be rendered on its worker; the message is the one to show the user."""


@dataclass(frozen=True)
class ChunkJob:
    """Everything a worker needs for one run of one chunk. Paths are as the coordinator sees them;
    the worker maps them through ``path_map``. ``output``: the movie segment, or the sequence's
    pattern (``frames.####.png``) inside the chunk's own folder."""

    run: str
    index: int
    attempt: int
    project_json: str
    project_path: str | None
    write: str
    first: int
    last: int
    step: int
    scale: float
    output: str
    path_map: PathMap = ()

    @property
    def frames(self) -> FrameRange:
        return FrameRange(self.first, self.last, self.step)

    @property
    def topic(self) -> str:
        return f"filmstudio-farm-{self.run}"

    @property
    def key(self) -> str:
        """The Dask task key of this run (unique per attempt, so a retry is a new task)."""
        return f"filmstudio-farm-{self.run}-chunk{self.index:05d}-try{self.attempt}"


@dataclass(frozen=True)
class ChunkManifest:
    """What a chunk wrote, for the coordinator to verify: its frames, the project it rendered
    (``graph_hash``), the encoder settings it used, and each file's name, size and sha256 (one
    segment for a movie, the images in render order for a sequence), as the worker saw them."""

    index: int
    attempt: int
    first: int
    last: int
    step: int
    frame_count: int
    graph_hash: str
    settings: tuple[tuple[str, str], ...]
    files: tuple[tuple[str, int, str], ...]
    worker: str
    host: str
    pid: int
    seconds: float


def project_hash(project_json: str) -> str:
    """The identity of a shipped project: sha256 of its JSON text, as sent."""
    return hashlib.sha256(project_json.encode()).hexdigest()


def settings_record(settings: Any) -> tuple[tuple[str, str], ...]:
    """Encode settings as comparable text pairs, without the first frame (each chunk numbers its
    own); two chunks encoded alike have equal records."""
    return tuple(sorted((k, str(v)) for k, v in asdict(settings).items() if k != "first_frame"))


def file_digest(path: Path) -> str:
    with path.open("rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


def render_chunk(job: ChunkJob) -> ChunkManifest:
    """The Dask task: render ``job``'s frames and return their manifest (see the module)."""
    from distributed import get_worker

    worker = get_worker()
    key = worker.get_current_task()
    started = time.perf_counter()
    events = _Events(worker, job)
    events.send("started", host=socket.gethostname(), pid=os.getpid(), name=str(worker.name))
    token = CancelToken()
    watcher = threading.Thread(
        target=_watch_cancel, args=(worker, key, token), name="filmstudio-farm-cancel", daemon=True
    )
    watcher.start()
    outcome = "failed"
    try:
        manifest = _render(job, token, events, str(worker.address), started, _threads_of(worker))
        outcome = "done"
        return manifest
    except FilmStudioError as error:
        if token.cancelled:
            outcome = "cancelled"
        raise ChunkFailed(str(error)) from None
    finally:
        token.cancel("the chunk ended")  # stops the watcher
        watcher.join()
        events.send("ended", outcome=outcome)


def _threads_of(worker: Any) -> int | None:
    """The threads the Dask scheduler gave this worker (None: unknown, use the process's cores)."""
    state = getattr(worker, "state", None)
    count = getattr(state, "nthreads", None) or getattr(worker, "nthreads", None)
    return int(count) if count else None


def _render(
    job: ChunkJob, token: CancelToken, events: _Events, worker: str, started: float, cores: int | None
) -> ChunkManifest:
    from filmstudio.render.export import find_write, render
    from filmstudio.render.settings import encode_settings

    project = _load(job)
    node = find_write(project, job.write)
    output = Path(map_path(job.output, job.path_map))
    output.parent.mkdir(parents=True, exist_ok=True)
    frames = job.frames
    result = render(
        project,
        node,
        output,
        frames,
        job.scale,
        progress=events.progress,
        cancel=token,
        video_only=True,
        cores=cores,  # a single-threaded worker keeps one core busy, not the machine's
    )
    files = _written(output, frames)
    return ChunkManifest(
        job.index,
        job.attempt,
        job.first,
        job.last,
        job.step,
        result.frames,
        project_hash(job.project_json),
        settings_record(encode_settings(project, node, frames)),
        tuple((path.name, path.stat().st_size, file_digest(path)) for path in files),
        worker,
        socket.gethostname(),
        os.getpid(),
        time.perf_counter() - started,
    )


def _load(job: ChunkJob) -> Project:
    """The shipped project, read with this worker's registry (the same entry points), its file
    location and absolute path parameters mapped (media, models, LUTs), so relative paths resolve
    against the mapped project folder and the model store searches it as on the coordinator."""
    where = Path(map_path(job.project_path, job.path_map)) if job.project_path else None
    project = Project.from_json(job.project_json, path=where)
    project.path = where
    if not job.path_map:
        return project
    for node in project.graph.nodes.values():
        for param in node.type.params:
            value = node.params.get(param.name)
            if param.kind is not ParamKind.PATH or isinstance(value, AnimCurve) or not value:
                continue
            mapped = map_path(os.path.expanduser(str(value)), job.path_map)
            if mapped != os.path.expanduser(str(value)):
                node.set(param.name, mapped)
    return project


def _written(output: Path, frames: FrameRange) -> list[Path]:
    """The files a render to ``output`` made: the movie, or the images in frame order."""
    from filmstudio.media.sequence import SequencePattern, is_sequence_pattern

    if not is_sequence_pattern(output):
        return [output]
    pattern = SequencePattern.parse(output)
    return [pattern.path_for(frames.first + index) for index in range(len(frames))]


def _watch_cancel(worker: Any, key: str, token: CancelToken) -> None:
    """Fire ``token`` when Dask no longer wants the task (cancelled, released, worker closing).
    Reads the worker's task table from this thread: one dict look-up, a few times a second."""
    while not token.wait(0.1):
        state = worker.state.tasks.get(key)
        if state is None or state.state not in ("executing", "long-running"):
            token.cancel("the farm cancelled this chunk")


class _Events:
    """A chunk's messages to the coordinator, through the scheduler's event log."""

    def __init__(self, worker: Any, job: ChunkJob) -> None:
        self._worker, self._job = worker, job
        self._last_progress = 0.0

    def send(self, kind: str, **fields: Any) -> None:
        message = {"kind": kind, "chunk": self._job.index, "attempt": self._job.attempt, **fields}
        # a lost event only costs the progress bar a step
        with contextlib.suppress(Exception):
            self._worker.log_event(self._job.topic, message)

    def progress(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done == total or now - self._last_progress >= _PROGRESS_EVERY_S:
            self._last_progress = now
            self.send("progress", done=done)
