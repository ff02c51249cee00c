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
from filmstudio.core.takes import add_take
from filmstudio.engine.planner import Plan
from filmstudio.engine.request import FrameRequest
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


@dataclass
class AnalysisPlan:
    """An analysis pass planned on the graph's thread: each frame's context with its inputs'
    cache keys and parameter values captured, so the pass may run on a job thread while the
    artist goes on editing (it analyses the graph as it was when it was planned)."""

    node: str
    name: str
    state_key: str
    implementation: Any
    frames: list[tuple[int, Plan | None]]  # a frame's plan is dropped once it has run
    carry: Any = None  # what the first frame's analyze receives (see plan_analysis)


def plan_analysis(
    scheduler: Scheduler,
    node: NodeInstance,
    frames: Sequence[int],
    cancel: CancelToken,
    *,
    reverse: bool = False,
    carry: Any = None,
) -> AnalysisPlan:
    """Plan ``node``'s analysis over ``frames``, in ascending order or, with ``reverse``,
    descending (a tracker tracking backward); call on the thread that edits the graph. ``carry``
    is what the first frame's ``analyze`` receives: a node's own request for this pass (which of
    a Tracker's tracks to track), None by default."""
    state_key = node.type.analysis_state
    if state_key is None:
        raise FilmStudioError(f"{node.name} ({node.type.id}) has no analysis pass")
    plans: list[tuple[int, Plan | None]] = [
        (frame, scheduler.plan_context(FrameRequest.at(node, frame, cancel=cancel)))
        for frame in sorted(set(frames), reverse=reverse)
    ]
    return AnalysisPlan(node.uuid, node.name, state_key, node.type.shared(), plans, carry)


def run_planned_analysis(
    scheduler: Scheduler,
    plan: AnalysisPlan,
    progress: Callable[[int, int], None] | None,
    cancel: CancelToken,
) -> AnalysisJob:
    """Run a planned analysis pass (any thread); raises :class:`Cancelled` if cancelled."""
    results: dict[str, Any] = {}
    carry: Any = plan.carry
    total = len(plan.frames)
    for index, (frame, frame_plan) in enumerate(plan.frames):
        cancel.raise_if_cancelled()
        if frame_plan is None:
            raise FilmStudioError(f"the analysis of {plan.name} has run already; plan it again")
        plan.frames[index] = (frame, None)  # its input frames can go once analysed
        ctx = scheduler.context_of(frame_plan)
        try:
            results[str(frame)], carry = _analyze(scheduler, plan.implementation, ctx, carry)
        except FilmStudioError as error:
            raise EvaluationError(plan.name, frame, str(error)) from error
        finally:
            ctx.inputs = {}
        if progress is not None:
            progress(index + 1, total)
    return AnalysisJob(plan.node, plan.state_key, results)


def _analyze(scheduler: Scheduler, implementation: Any, ctx: Any, carry: Any) -> tuple[Any, Any]:
    """One step of a pass; a GPU node's (a model's) runs on the device's model worker, which owns
    the loaded models — its carry (a model session) stays on that thread's device between frames."""
    if implementation.device is Device.GPU:
        return scheduler.executors.model_worker().submit(implementation.analyze, ctx, carry).result()
    return implementation.analyze(ctx, carry)


def run_analysis(
    scheduler: Scheduler,
    node: NodeInstance,
    frames: Sequence[int],
    progress: Callable[[int, int], None] | None,
    cancel: CancelToken,
    *,
    reverse: bool = False,
    carry: Any = None,
) -> AnalysisJob:
    """Plan and run ``node``'s analysis over ``frames`` on this thread (the graph's); ``reverse``
    and ``carry`` as for :func:`plan_analysis`."""
    plan = plan_analysis(scheduler, node, frames, cancel, reverse=reverse, carry=carry)
    return run_planned_analysis(scheduler, plan, progress, cancel)


def generate_take(scheduler: Scheduler, node: NodeInstance, frame: int) -> str:
    """Ask ``node`` for a new take, store it in the node's state and make it active (one undo
    step, :func:`filmstudio.core.takes.add_take`); its id."""
    ctx = scheduler.context_with_inputs(FrameRequest.at(node, frame))
    implementation = node.type.shared()
    if node.type.device is Device.GPU:  # model work runs on the device's model worker
        data = scheduler.executors.model_worker().submit(implementation.generate_take, ctx).result()
    else:
        data = implementation.generate_take(ctx)
    return add_take(node, data)
