"""Headless export: stream a Write node's frames into a file with flat memory.

decode -> evaluate -> encode, with a bounded look-ahead: up to ``look_ahead`` frames are requested
ahead of the encoder (decode and GPU work overlap encoding), and nothing else is held, so memory
stays flat however long the clip. The file appears under its final name only when complete; a
cancel, a Ctrl+C or an error leaves no partial file behind. The CLI, the editor's export dialog and
the farm's chunk renders all call :func:`render`.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from filmstudio.core.context import CancelToken
from filmstudio.core.errors import Cancelled, FilmStudioError, MediaError
from filmstudio.core.graph import NodeInstance
from filmstudio.core.project import Project
from filmstudio.core.timebase import FrameRange
from filmstudio.engine.engine import Engine, Request

RENDER_CACHE_BYTES = 256 << 20  # for what is the same on every frame; frames stream through uncached


@dataclass(frozen=True)
class RenderResult:
    path: Path
    frames: int
    seconds: float

    @property
    def fps(self) -> float:
        return self.frames / self.seconds if self.seconds > 0 else 0.0


def find_write(project: Project, name: str | None = None) -> NodeInstance:
    """The writer node (a Write, or any node type declaring ``output_file``) to render: by name,
    or the project's only enabled one."""
    from filmstudio.render.settings import writers

    if name is not None:
        node = project.graph.node(name)
        if node.type.output_file is None:
            raise FilmStudioError(f"{name} is a {node.type.id} node, which does not write files")
        return node
    writes = [n for n in writers(project) if not n.disabled]
    if not writes:
        raise FilmStudioError("the project has no enabled Write node: add one (or name it with --write)")
    if len(writes) > 1:
        names = ", ".join(n.name for n in writes)
        raise FilmStudioError(f"the project has several Write nodes ({names}): choose one with --write NAME")
    return writes[0]


def output_path(project: Project, write: NodeInstance, override: str | Path | None) -> Path:
    """``override`` as given (relative to the working folder), else the writer's file, relative to
    the project's folder."""
    from filmstudio.render.settings import output_file

    if override is not None:
        return Path(override).expanduser().resolve()
    return project.resolve_path(output_file(write)).resolve()


def check_target(project: Project, write: NodeInstance, target: Path, frames: FrameRange) -> Any:
    """The writer's encode settings for ``frames``, after refusing what the render could not write,
    before any frame is rendered: a missing folder, a folder given as the file, a preset the file's
    extension does not fit, several frames for a plain image name. :class:`FilmStudioError`s."""
    from filmstudio.media.settings import check_output
    from filmstudio.render.settings import encode_settings

    if not target.parent.is_dir():
        raise MediaError(target, "the output folder does not exist; create it or choose another path")
    settings = encode_settings(project, write, frames)
    check_output(settings, target, len(frames))
    return settings


def render(
    project: Project,
    write: str | NodeInstance | None = None,
    output: str | Path | None = None,
    frames: FrameRange | None = None,
    scale: float = 1.0,
    progress: Callable[[int, int], None] | None = None,
    cancel: CancelToken | None = None,
    engine: Engine | None = None,
    look_ahead: int = 6,
    video_only: bool = False,
) -> RenderResult:
    """Render ``write`` (default: the only Write) over ``frames`` (default: the project range).

    ``video_only`` leaves the sound and subtitles out (a farm chunk: the farm adds them once for
    the whole range when it joins the chunks, see :mod:`filmstudio.render.farm`).

    Raises :class:`Cancelled` when ``cancel`` fires and :class:`FilmStudioError` subclasses for
    everything a user can fix; in every failure the output file is left as it was.
    """
    from filmstudio.media.writer import VideoWriter
    from filmstudio.render.settings import audio_source, audio_to_write, output_image
    from filmstudio.render.subtitles import SubtitleOutput, subtitle_output

    node = write if isinstance(write, NodeInstance) else find_write(project, write)
    frames = frames or project.settings.frame_range
    cancel = cancel or CancelToken()
    target = output_path(project, node, output)
    settings = check_target(project, node, target, frames)
    own_engine = engine is None
    engine = engine or Engine(project, cache_bytes=RENDER_CACHE_BYTES)
    started = time.perf_counter()
    try:
        audio = None if video_only else audio_source(project, node, frames)
        subtitles = (  # a track, a sidecar, or nothing
            SubtitleOutput() if video_only else subtitle_output(project, node, frames, engine, target)
        )
        sound = None if video_only else audio_to_write(project, node, frames, engine)  # a linked mix
        write_values = node.values_at(frames.first)
        writer = VideoWriter(
            target,
            settings,
            audio_from=audio[0] if audio else None,
            audio_range_s=audio[1] if audio else None,
            frames=len(frames),
            subtitles=subtitles.track,
            audio=sound[0] if sound else None,
            audio_span=sound[1] if sound else None,
        )
        # Model nodes that batch get `batch` frames per request; other graphs go frame by frame.
        batch = batch_size_upstream(project, node, engine.compute_device)
        in_flight = look_ahead if batch == 1 else max(2, look_ahead // batch)
        pending: deque[Request] = deque()
        upcoming = _chunks(frames, batch)
        written = 0
        try:
            for chunk in upcoming:
                pending.append(engine.submit_frames(node, chunk, scale=scale, cache_frames=False))
                if len(pending) >= in_flight:
                    break
            while pending:
                cancel.raise_if_cancelled()
                images = _wait(pending.popleft(), cancel)
                next_chunk = next(upcoming, None)
                if next_chunk is not None:
                    pending.append(engine.submit_frames(node, next_chunk, scale=scale, cache_frames=False))
                for image in images:
                    if image is None:
                        raise FilmStudioError(f"{node.name} has nothing connected to render")
                    writer.write(output_image(image, node, write_values, target))
                    written += 1
                    if progress is not None:
                        progress(written, len(frames))
            path = writer.close()
            subtitles.finish()
        except BaseException:
            for request in pending:
                request.cancel()
            writer.abort()
            raise
    finally:
        if own_engine:
            engine.close()
    return RenderResult(path, written, time.perf_counter() - started)


def batch_size_upstream(project: Project, write: NodeInstance, device: str = "cuda") -> int:
    """The largest batch a model node feeding ``write`` takes on ``device`` (1: none batches).

    Batches pay on accelerators. On the CPU every op already uses every core, and requesting
    several frames at once only makes their decoding compete with the model: 1 there."""
    from filmstudio.engine.batching import batch_size_of

    if device == "cpu":
        return 1
    upstream = project.graph.upstream(write.uuid)
    nodes = project.graph.nodes.values()
    return max((batch_size_of(n.type) for n in nodes if n.uuid in upstream and not n.disabled), default=1)


def _chunks(frames: FrameRange, size: int) -> Iterator[list[int]]:
    chunk: list[int] = []
    for frame in frames:
        chunk.append(frame)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _wait(request: Request, cancel: CancelToken) -> Any:
    try:
        while True:
            if cancel.cancelled:
                raise Cancelled(cancel.reason)
            try:
                return request.result(timeout=0.05)
            except TimeoutError:
                continue
    except BaseException:
        # Ctrl+C lands here most often: the request being waited on must stop too, or its thread
        # keeps the process alive after the engine has closed.
        request.cancel()
        raise
