"""Generate a take: run a generative node's ``generate_take`` with streaming and cancel, then
store the result as a new active take — or, on any failure or cancel, store nothing.

::

    from filmstudio.llm import generate
    take_id = generate(project, "LLMScript1", on_text=lambda piece: print(piece, end=""))

Threads: call from the thread that edits the graph (the GUI's, the script's). The node's inputs
are evaluated there, then a local model runs on the compute device's model worker (which owns
loaded models) while a server request runs on the calling thread (it only waits on the network);
either way this call blocks until the take is stored. ``on_text`` receives each new piece of text
on the thread that generates (the model worker for a local model): a UI hands it on to its own
thread.
``cancel`` (a :class:`~filmstudio.core.context.CancelToken`) may be set from any thread; the
generation stops within one token and :class:`~filmstudio.core.errors.Cancelled` is raised. An
interrupt (Ctrl+C) while waiting for the model worker cancels it the same way.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from filmstudio.core.context import CancelToken, EvalContext
from filmstudio.core.graph import NodeInstance
from filmstudio.core.node import Device
from filmstudio.core.project import Project
from filmstudio.core.takes import add_take
from filmstudio.engine.engine import Engine
from filmstudio.engine.planner import Plan
from filmstudio.engine.request import FrameRequest
from filmstudio.llm.request import TextSink, streaming_to


@dataclass
class PlannedGeneration:
    """A take generation planned on the graph's thread (:func:`plan_generation`): the node's
    context at the frame with its inputs' plans captured, so :func:`run_generation` may run on a
    job thread while the artist goes on editing (it generates from the graph as it was)."""

    engine: Engine
    node: str  # uuid
    name: str
    implementation: Any  # the node type's shared instance (its generate_take)
    plan: Plan
    cancel: CancelToken


def plan_generation(
    engine: Engine, node: str | NodeInstance, frame: int | None = None, cancel: CancelToken | None = None
) -> PlannedGeneration:
    """Plan a take of ``node`` at ``frame`` (default: the current frame); the graph's thread."""
    instance = engine.project.graph.node(node)
    cancel = cancel or CancelToken()
    frame = engine.project.settings.current_frame if frame is None else frame
    plan = engine.plan_context(FrameRequest.at(instance, frame, cancel=cancel))
    return PlannedGeneration(engine, instance.uuid, instance.name, instance.type.shared(), plan, cancel)


def run_generation(planned: PlannedGeneration, on_text: TextSink | None = None) -> dict[str, Any]:
    """Compute a planned take's data (any thread; blocks until done): the inputs, then the
    node's ``generate_take`` — on the model worker for model work, else here. Raises
    :class:`~filmstudio.core.errors.Cancelled` once the plan's token is cancelled, even when the
    answer finished meanwhile; stores nothing (see :func:`generate`)."""
    engine, cancel = planned.engine, planned.cancel
    ctx = engine.context_of(planned.plan)
    implementation = planned.implementation
    if _on_model_worker(implementation, ctx):
        ctx.device = engine.compute_device  # a CPU node's context says "cpu": models go on the device
        worker = engine.model_worker()
        data = _wait(worker.submit(_streamed, on_text, implementation.generate_take, ctx), cancel)
    else:
        data = _streamed(on_text, implementation.generate_take, ctx)
    cancel.raise_if_cancelled()  # a cancel that came as the answer finished still stores nothing
    return data


def generate(
    target: Engine | Project,
    node: str | NodeInstance,
    *,
    frame: int | None = None,
    on_text: TextSink | None = None,
    cancel: CancelToken | None = None,
    name: str | None = None,
) -> str:
    """Make a new take of ``node`` (by name or instance) and make it active, as one undo step;
    returns the take's id. ``target`` is the project's running engine, or the project (an engine
    is started for the call). ``frame`` is where the node's inputs are evaluated (default: the
    project's current frame)."""
    if isinstance(target, Project):
        with Engine(target) as engine:
            return generate(engine, node, frame=frame, on_text=on_text, cancel=cancel, name=name)
    planned = plan_generation(target, node, frame, cancel)
    data = run_generation(planned, on_text)
    return add_take(target.project.graph.node(planned.node), data, name=name)


def _on_model_worker(implementation: Any, ctx: EvalContext) -> bool:
    """Model work generates on the model worker: a GPU node's, or a node running a local model
    (an LLM Script renders on the CPU, but its local back end is a model); waiting on a server
    does not hold the model worker up."""
    backend = ctx.params.get("backend")
    return backend == "local" or (implementation.device is Device.GPU and backend != "server")


def _streamed(on_text: TextSink | None, function: Callable[[EvalContext], Any], ctx: EvalContext) -> Any:
    with streaming_to(on_text):
        return function(ctx)


def _wait(future: Future[Any], cancel: CancelToken) -> Any:
    """The worker's result; an interrupt while waiting cancels the work and waits for it to stop
    (within a token), so nothing runs on after the caller has given up."""
    try:
        return future.result()
    except BaseException:
        if not future.done():
            cancel.cancel("interrupted")
            with contextlib.suppress(BaseException):
                future.result()
        raise


# The name filmstudio.api exports it under (node types' scripting methods call it from there).
generate_take_streaming = generate
