"""The frame loop of an export: frames made on a worker thread while the render's thread encodes.

Two ways a frame is made, chosen per frame:

* fused (:class:`~filmstudio.render.fused.FusedSource`): decoded and mapped through the run's
  compiled colour operation into the writer's file values;
* evaluated: the engine evaluates the writer's input (requests planned here, on the render's
  thread, ``look_ahead`` frames ahead; model nodes that batch get their batches), then the worker
  applies the writer's output transform and quantises (:meth:`VideoWriter.prepare`).

The worker runs at most ``look_ahead`` frames ahead of the encoder, so memory stays flat however
long the clip. Stage times are added to ``times``: "decode+colour" (fused), "evaluate" (waiting for
the engine), "output transform" and "encode".
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

from filmstudio.core.context import CancelToken
from filmstudio.core.errors import FilmStudioError
from filmstudio.core.graph import NodeInstance
from filmstudio.core.timebase import FrameRange
from filmstudio.engine.engine import Engine, Request
from filmstudio.render.stages import Overlap, StageTimes


def stream_frames(
    engine: Engine,
    node: NodeInstance,
    frames: FrameRange,
    writer: Any,
    target: Path,
    *,
    scale: float,
    cancel: CancelToken,
    progress: Callable[[int, int], None] | None,
    look_ahead: int,
    batch: int,
    source: Any,
    times: StageTimes,
) -> int:
    """Encode ``node``'s frames over ``frames`` into ``writer``; returns how many were written.
    On any failure (a cancel too) the requests and the worker are stopped before it raises."""
    values = node.values_at(frames.first)
    overlap = Overlap(look_ahead if batch == 1 else max(2, look_ahead // batch), cancel)
    running: dict[int, Request] = {}  # requests not yet waited for (stopped on failure)

    def evaluated(request: Request) -> list[Any]:
        images = times.timed("evaluate", _wait, request, cancel)
        running.pop(id(request), None)
        out = []
        for image in images:
            if image is None:
                raise FilmStudioError(f"{node.name} has nothing connected to render")
            out.append(times.timed("output transform", _output, writer, image, node, values, target))
        return out

    def fused(frame: int) -> list[Any]:
        return [times.timed("decode+colour", source.frame, frame)]

    def jobs() -> Iterator[Callable[[], list[Any]]]:
        for chunk in _chunks(frames, batch):
            if source is not None and all(source.covers(frame) for frame in chunk):
                yield from (partial(fused, frame) for frame in chunk)
                continue
            request = engine.submit_frames(node, chunk, scale=scale, cache_frames=False)
            running[id(request)] = request
            yield partial(evaluated, request)

    written = 0
    try:
        upcoming = jobs()
        for job in upcoming:
            overlap.submit(job)
            if overlap.full:
                break
        while len(overlap):
            made = overlap.take()
            job = next(upcoming, None)
            if job is not None:
                overlap.submit(job)
            for item in made:
                times.timed("encode", _encode, writer, item)
                written += 1
                if progress is not None:
                    progress(written, len(frames))
    except BaseException:
        for request in list(running.values()):
            request.cancel()
        raise
    finally:
        overlap.close()
    return written


def _output(writer: Any, image: Any, node: NodeInstance, values: Any, target: Path) -> Any:
    from filmstudio.core.errors import MediaError
    from filmstudio.render.settings import output_image

    try:
        return writer.prepare(output_image(image, node, values, target))
    except ValueError as exc:
        raise MediaError(target, f"a frame cannot be written: {exc}") from exc


def _encode(writer: Any, item: Any) -> None:
    import av

    if isinstance(item, av.VideoFrame):
        writer.write_frame(item)
    else:
        writer.write(item)


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
    from filmstudio.core.errors import Cancelled

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
