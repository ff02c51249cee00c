"""Render farm on Dask: the same render split into chunks across machines, retried when a worker
dies, joined into the output one machine would have written.

    filmstudio render shot.fsproj --workers 4              # a LocalCluster on this machine
    filmstudio render shot.fsproj --cluster tcp://head:8786 --chunk 48 --map /studio=/mnt/studio

:func:`render_on_farm` is the coordinator. It checks the render as :func:`~filmstudio.render.export.render`
does (writer, target, settings), refuses graphs a chunk could not render from the saved project
alone (:mod:`filmstudio.render.farm_plan`), splits the range (at cuts when the graph knows them),
ships the project's JSON to the workers, each of which renders its frames with the same
``render()`` (:mod:`filmstudio.render.farm_chunk`: a closed-GOP video-only segment in the final
codec, or the final images of a sequence) and returns a manifest. The coordinator follows and
retries the chunks (:mod:`filmstudio.render.farm_dispatch`), verifies every manifest, joins the
segments by stream copy with the sound encoded once for the whole range, or moves the images into
place (:mod:`filmstudio.render.farm_join`).

Intermediates live in one hidden folder beside the output (``.shot.<pid>@<host>.<token>.farm``),
which the workers must reach (shared storage; ``--map`` when they mount it elsewhere). It is
removed when the render ends in any way; a coordinator killed outright leaves it for the next
render into that folder to remove (:mod:`filmstudio.core.leftovers`). The output appears under its
final name only when complete: a cancel (Ctrl+C, SIGTERM, the editor's Stop) or a failure leaves
no output and no segments.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from filmstudio.core.context import CancelToken
from filmstudio.core.graph import NodeInstance
from filmstudio.core.leftovers import owned_temporary, remove_stale
from filmstudio.core.project import Project
from filmstudio.core.timebase import FrameRange
from filmstudio.render.farm_chunk import ChunkJob, ChunkManifest, project_hash, settings_record
from filmstudio.render.farm_plan import (
    FarmError,
    FarmSettings,
    chunk_costs,
    cut_frames,
    default_chunk,
    refuse_unshippable,
    split_range,
)
from filmstudio.render.preflight import check_models

__all__ = ["FarmError", "FarmResult", "FarmSettings", "render_on_farm"]

CONNECT_TIMEOUT_S = 30.0
_log = logging.getLogger("filmstudio.render.farm")


@dataclass(frozen=True)
class FarmResult:
    """A finished farm render: the output, its frames, the wall time, how many chunks it took and
    how many runs of them were lost and run again."""

    path: Path
    frames: int
    seconds: float
    chunks: int
    lost_runs: int

    @property
    def fps(self) -> float:
        return self.frames / self.seconds if self.seconds > 0 else 0.0


def render_on_farm(
    project: Project,
    farm: FarmSettings,
    write: str | NodeInstance | None = None,
    output: str | Path | None = None,
    frames: FrameRange | None = None,
    scale: float = 1.0,
    progress: Callable[[int, int], None] | None = None,
    cancel: CancelToken | None = None,
    log: Callable[[str], None] | None = None,
) -> FarmResult:
    """Render ``write`` over ``frames`` on ``farm``; arguments as :func:`~filmstudio.render.export.render`.

    ``progress(done, total)`` counts frames over all chunks; ``log`` gets each lost chunk and
    why (default: the ``filmstudio.render.farm`` logger). Raises :class:`Cancelled` (or lets a
    KeyboardInterrupt through) with every chunk stopped and nothing left behind; a
    :class:`FarmError` when a chunk failed too often or the graph cannot be split."""
    from filmstudio.media.settings import plan_encode
    from filmstudio.render.export import check_target, find_write, output_path

    node = write if isinstance(write, NodeInstance) else find_write(project, write)
    frames = frames or project.settings.frame_range
    cancel = cancel or CancelToken()
    target = output_path(project, node, output)
    settings = check_target(project, node, target, frames)
    refuse_unshippable(project, node, frames)
    check_models(project, node, frames.first)  # here, not once per chunk on the workers
    movie = not plan_encode(settings).sequence
    started = time.perf_counter()
    remove_stale(target.parent, "farm")  # what coordinators killed outright left here
    stem = target.stem.split("#")[0].split("%")[0].rstrip("._") or "render"
    folder = owned_temporary(target.parent, stem, "farm")
    folder.mkdir()
    try:
        with _engine(project) as engine:
            extras = _RangeExtras.of(project, node, frames, target, movie, engine)  # checked up front
            with connect(farm) as client:
                workers = max(1, len(client.scheduler_info().get("workers", {})))
                chunk = farm.chunk or default_chunk(len(frames), workers)
                ranges = split_range(frames, chunk, cut_frames(project, node, frames, engine))
                jobs = _jobs(project, node, ranges, scale, folder, target, movie, farm)
                costs = chunk_costs(node, ranges, engine)
                jobs.sort(key=lambda job: -costs[job.index])  # the heaviest first (see farm_plan)
                dispatcher = _dispatcher(client, farm, jobs, folder, settings, movie, progress, cancel, log)
                manifests = dispatcher.run()
            cancel.raise_if_cancelled()
            chunks = [(Path(job.output).parent, manifests[job.index]) for job in sorted(jobs, key=_index)]
            _finish(chunks, frames, target, settings, movie, extras)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return FarmResult(target, len(frames), time.perf_counter() - started, len(jobs), dispatcher.lost_runs)


def _index(job: ChunkJob) -> int:
    return job.index


def _jobs(
    project: Project,
    node: NodeInstance,
    ranges: list[FrameRange],
    scale: float,
    folder: Path,
    target: Path,
    movie: bool,
    farm: FarmSettings,
) -> list[ChunkJob]:
    """A first run of each chunk, each writing into its own folder inside ``folder``."""
    text = project.to_json()
    # absolute, so relative paths resolve against the same folder on every worker (never saved: here)
    where = str(Path(project.path).resolve() if project.path else Path.cwd() / "untitled.fsproj")
    run = uuid.uuid4().hex[:12]
    name = f"segment{target.suffix}" if movie else target.name
    jobs = []
    for index, chunk in enumerate(ranges):
        output = folder / f"chunk{index:05d}" / name
        jobs.append(
            ChunkJob(
                run, index, 1, text, where, node.name, chunk.first, chunk.last, chunk.step, scale, str(output)
            )
        )
    return [replace(job, path_map=farm.path_map) for job in jobs]


def _dispatcher(
    client: Any,
    farm: FarmSettings,
    jobs: list[ChunkJob],
    folder: Path,
    settings: Any,
    movie: bool,
    progress: Callable[[int, int], None] | None,
    cancel: CancelToken,
    log: Callable[[str], None] | None,
) -> Any:
    from filmstudio.render.farm_dispatch import Dispatcher
    from filmstudio.render.farm_join import verify_manifest

    graph_hash, record = project_hash(jobs[0].project_json), settings_record(settings)

    def verify(job: ChunkJob, manifest: ChunkManifest) -> None:
        verify_manifest(manifest, job.frames, Path(job.output).parent, graph_hash, record, movie)

    return Dispatcher(client, farm, jobs, verify, progress, log or _log.warning, cancel)


@dataclass(frozen=True)
class _RangeExtras:
    """What the whole range carries besides pictures, made once on the coordinator: the sound to
    pass through or the linked mix (movies), and the subtitle track or sidecar."""

    subtitles: Any
    audio: tuple[str, tuple[float, float]] | None = None
    sound: Any = None

    @classmethod
    def of(
        cls, project: Project, node: NodeInstance, frames: FrameRange, target: Path, movie: bool, engine: Any
    ) -> _RangeExtras:
        from filmstudio.render.settings import audio_source, audio_to_write
        from filmstudio.render.subtitles import subtitle_output

        subtitles = subtitle_output(project, node, frames, engine, target)
        if not movie:
            return cls(subtitles)
        return cls(
            subtitles, audio_source(project, node, frames), audio_to_write(project, node, frames, engine)
        )


def _finish(
    chunks: list[tuple[Path, ChunkManifest]],
    frames: FrameRange,
    target: Path,
    settings: Any,
    movie: bool,
    extras: _RangeExtras,
) -> None:
    """Join (movies) or move (sequences) the verified chunks into place, with the sound and
    subtitles of the whole range, as one machine's render writes them."""
    import os

    from filmstudio.media.sequence import is_sequence_pattern
    from filmstudio.render.farm_join import join_movie, move_sequence

    if movie:
        segments = [folder / manifest.files[0][0] for folder, manifest in chunks]
        counts = [manifest.frame_count for _folder, manifest in chunks]
        join_movie(segments, counts, target, settings, extras.audio, extras.sound, extras.subtitles)
    elif is_sequence_pattern(target):
        move_sequence(chunks, frames, target, settings.first_frame)
    else:  # one image under a plain name
        folder, manifest = chunks[0]
        os.replace(folder / manifest.files[0][0], target)
    extras.subtitles.finish()


@contextlib.contextmanager
def _engine(project: Project) -> Iterator[Any]:
    """The coordinator's engine: the sound, the subtitles and the scripts whose cuts chunk the range."""
    from filmstudio.engine.engine import Engine
    from filmstudio.render.export import RENDER_CACHE_BYTES

    with Engine(project, cache_bytes=RENDER_CACHE_BYTES) as engine:
        yield engine


@contextlib.contextmanager
def connect(farm: FarmSettings) -> Iterator[Any]:
    """A Dask client for ``farm``: connected to its scheduler, or to a LocalCluster of
    ``farm.workers`` single-threaded worker processes on 127.0.0.1 (closed afterwards)."""
    from distributed import Client, LocalCluster

    if farm.cluster is not None:
        try:
            client = Client(farm.cluster, timeout=CONNECT_TIMEOUT_S)
        except (OSError, TimeoutError, ValueError) as error:
            raise FarmError(
                f"cannot reach the Dask scheduler at {farm.cluster} ({error}): start one with "
                f"`dask scheduler` and workers with `dask worker {farm.cluster}`"
            ) from None
        try:
            try:
                client.wait_for_workers(1, timeout=CONNECT_TIMEOUT_S)
            except TimeoutError:
                raise FarmError(
                    f"the Dask scheduler at {farm.cluster} has no workers: start some with "
                    f"`dask worker {farm.cluster}` on machines with FilmStudio installed"
                ) from None
            yield client
        finally:
            client.close()
        return
    cluster = LocalCluster(
        n_workers=farm.workers,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=":0",  # any free port: 8787 may be another cluster's
        silence_logs=logging.CRITICAL,  # a chunk's error is reported once, by the coordinator
    )
    try:
        with Client(cluster) as client:
            yield client
    finally:
        cluster.close()
