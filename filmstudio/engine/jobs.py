"""Jobs that are not one frame: analysis passes and generative takes.

An analysis pass (a tracker, a deflicker) walks a frame range in order, carrying state from frame
to frame, and its per-frame results are stored in the node's saved state — so renders read them
per frame like any other parameter, and they are part of the cache key. A take is one result of a
generative node (a seed, a script draft) stored in the project; the active take is part of the
key, so regenerating never silently changes a render.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from filmstudio.core import commands as cmd
from filmstudio.core.context import CancelToken
from filmstudio.core.errors import EvaluationError, FilmStudioError
from filmstudio.core.graph import Graph, NodeInstance
from filmstudio.core.node import Device
from filmstudio.engine.scheduler import Scheduler


@dataclass(frozen=True)
class AnalysisJob:
    """The finished results of an analysis pass, ready to be stored in the node's state."""

    node: str
    state_key: str
    results: dict[str, Any]

    def apply(self, graph: Graph) -> None:
        """Merge the results into the node's state (frames outside the pass keep theirs); one undo
        step. Call on the thread that owns the graph."""
        instance = graph.nodes[self.node]
        state = dict(instance.state)
        section = dict(state.get(self.state_key) or {})
        section.update(self.results)
        state[self.state_key] = dict(sorted(section.items(), key=lambda item: int(item[0])))
        graph.perform(cmd.SetState(instance.uuid, state))


def run_analysis(
    scheduler: Scheduler,
    node: NodeInstance,
    frames: Sequence[int],
    progress: Callable[[int, int], None] | None,
    cancel: CancelToken,
) -> AnalysisJob:
    """Run ``node``'s analysis over ``frames`` in order; raises :class:`Cancelled` if cancelled."""
    state_key = node.type.analysis_state
    if state_key is None:
        raise FilmStudioError(f"{node.name} ({node.type.id}) has no analysis pass")
    implementation = node.type.shared()
    results: dict[str, Any] = {}
    carry: Any = None
    ordered = sorted(set(frames))
    for done, frame in enumerate(ordered, start=1):
        cancel.raise_if_cancelled()
        ctx = scheduler.context_with_inputs(node, frame, cancel=cancel)
        try:
            results[str(frame)], carry = implementation.analyze(ctx, carry)
        except FilmStudioError as error:
            raise EvaluationError(node.name, frame, str(error)) from error
        if progress is not None:
            progress(done, len(ordered))
    return AnalysisJob(node.uuid, state_key, results)


def generate_take(scheduler: Scheduler, node: NodeInstance, frame: int) -> str:
    """Ask ``node`` for a new take, store it in the node's state and make it active (undoable)."""
    ctx = scheduler.context_with_inputs(node, frame)
    implementation = node.type.shared()
    if node.type.device is Device.GPU:  # model work runs on the device's model worker
        data = scheduler.executors.model_worker().submit(implementation.generate_take, ctx).result()
    else:
        data = implementation.generate_take(ctx)
    state = dict(node.state)
    takes = list(state.get("takes", ()))
    take_id = f"take{len(takes) + 1}"
    takes.append({"id": take_id, "data": data})
    state["takes"], state["active_take"] = takes, take_id
    if node.graph is None:
        raise FilmStudioError(f"{node.name} is not in a graph")
    node.graph.perform(cmd.SetState(node.uuid, state))
    return take_id
