"""Headless export: stream a Write node's frames into a file with flat memory.

decode -> evaluate -> encode, overlapped (:mod:`.streaming`): up to ``look_ahead`` frames are made
on a worker thread ahead of the encoder, and nothing else is held, so memory stays flat however
long the clip. When the writer's input is a run of per-pixel nodes from a reader that nothing else
needs (:mod:`filmstudio.engine.fusion`), the run is evaluated as one compiled colour operation on
the decoded 8-bit pixels (:mod:`.fused`); otherwise the engine evaluates every node. Encoder,
decoder and torch threads are sized together (:class:`~filmstudio.render.stages.ThreadPlan`).
The file appears under its final name only when complete; a cancel, a Ctrl+C or an error leaves
no partial file behind. The CLI, the editor's export dialog and the farm's chunk renders all call
:func:`render`.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from filmstudio.core.context import CancelToken
from filmstudio.core.errors import FilmStudioError, MediaError
from filmstudio.core.graph import NodeInstance
from filmstudio.core.project import Project
from filmstudio.core.timebase import FrameRange
from filmstudio.engine.engine import Engine
from filmstudio.render.preflight import check_models
from filmstudio.render.stages import StageTimes, ThreadPlan, cpu_cores
from filmstudio.render.streaming import stream_frames

RENDER_CACHE_BYTES = 256 << 20  # for what is the same on every frame; frames stream through uncached


@dataclass(frozen=True)
class RenderResult:
    """What a render did. ``fusion``: which nodes were fused, or why none were. ``stages``:
    seconds each stage was busy (stages overlap, so they may add up to more than ``seconds``)."""

    path: Path
    frames: int
    seconds: float
    fusion: str = ""
    stages: tuple[tuple[str, float], ...] = ()

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
    viewed: Collection[str] = (),
    cores: int | None = None,
) -> RenderResult:
    """Render ``write`` (default: the only Write) over ``frames`` (default: the project range).

    ``video_only`` leaves the sound and subtitles out (a farm chunk: the farm adds them once for
    the whole range when it joins the chunks, see :mod:`filmstudio.render.farm`). ``viewed``:
    nodes an editor shows meanwhile, never fused away (see :mod:`filmstudio.engine.fusion`).
    ``cores``: how many cores the render may keep busy (default: those the process may run on);
    the encoder, decoder, torch and the engine's pool are sized to it. A farm worker passes the
    threads its scheduler gave it, so two single-threaded workers do not fight over two cores.

    Raises :class:`Cancelled` when ``cancel`` fires and :class:`FilmStudioError` subclasses for
    everything a user can fix; in every failure the output file is left as it was.
    """
    from filmstudio.media.writer import VideoWriter
    from filmstudio.render.settings import audio_source, audio_to_write
    from filmstudio.render.subtitles import SubtitleOutput, subtitle_output

    node = write if isinstance(write, NodeInstance) else find_write(project, write)
    frames = frames or project.settings.frame_range
    cancel = cancel or CancelToken()
    target = output_path(project, node, output)
    settings = check_target(project, node, target, frames)
    check_models(project, node, frames.first)  # every missing model in one message, before frame 1
    own_engine = engine is None
    cores = cores or cpu_cores()
    engine = engine or Engine(project, cache_bytes=RENDER_CACHE_BYTES, cpu_workers=cores)
    started = time.perf_counter()
    source, fusion = _fused_source(project, node, frames, settings, scale, viewed)
    threads = ThreadPlan.for_export(cores, fused=source is not None)
    times = StageTimes()
    try:
        audio = None if video_only else audio_source(project, node, frames)
        subtitles = (  # a track, a sidecar, or nothing
            SubtitleOutput() if video_only else subtitle_output(project, node, frames, engine, target)
        )
        sound = None if video_only else audio_to_write(project, node, frames, engine)  # mixed, conformed
        writer = VideoWriter(
            target,
            settings,
            audio_from=audio[0] if audio else None,
            audio_range_s=audio[1] if audio else None,
            frames=len(frames),
            subtitles=subtitles.track,
            audio=sound[0] if sound else None,
            audio_span=sound[1] if sound else None,
            threads=threads.encoder,
        )
        try:
            with torch_threads(threads.torch):
                written = stream_frames(
                    engine,
                    node,
                    frames,
                    writer,
                    target,
                    scale=scale,
                    cancel=cancel,
                    progress=progress,
                    look_ahead=look_ahead,
                    # model nodes that batch get `batch` frames per request
                    batch=batch_size_upstream(project, node, engine.compute_device),
                    source=source,
                    times=times,
                )
            path = writer.close()
            subtitles.finish()
        except BaseException:
            writer.abort()
            raise
    finally:
        if source is not None:
            source.close()
        if own_engine:
            engine.close()
    stages = tuple(sorted(times.seconds.items()))
    return RenderResult(path, written, time.perf_counter() - started, fusion, stages)


def _fused_source(
    project: Project,
    write: NodeInstance,
    frames: FrameRange,
    settings: Any,
    scale: float,
    viewed: Collection[str],
) -> tuple[Any, str]:
    """The fused frame source of this render and its description, or (None, why not)."""
    from filmstudio.engine.fusion import Unfused, plan_fusion
    from filmstudio.media.settings import plan_encode
    from filmstudio.render.fused import FusedSource

    run = plan_fusion(project, write, frames, viewed=viewed, scale=scale)
    if isinstance(run, Unfused):
        return None, f"not fused: {run.reason}"
    cores = cpu_cores()
    decoder = ThreadPlan.for_export(cores, fused=True).decoder
    source = FusedSource.open(project, run, plan_encode(settings), frames.first, decoder)
    if isinstance(source, Unfused):
        return None, f"not fused: {source.reason}"
    return source, source.describe()


@contextmanager
def torch_threads(count: int) -> Iterator[None]:
    """torch's intra-op threads set to ``count`` while rendering (when torch is in use at all)."""
    torch = sys.modules.get("torch")
    before = torch.get_num_threads() if torch is not None else count
    if torch is not None and before != count:
        torch.set_num_threads(count)
    try:
        yield
    finally:
        if torch is not None and before != count:
            torch.set_num_threads(before)


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
