"""The pull scheduler: evaluate a :class:`FrameRequest` by resolving inputs, through the frame cache.

A request runs in two passes:

1. *Plan* (:class:`~filmstudio.engine.planner.Planner`, which the scheduler owns, on the thread
   that edits the graph): every (node, frame) the request needs, with its cache key and captured
   parameter values.
2. *Run* (any thread): steps whose key is cached are done; the rest run in dependency order.
   ``Device.ANY`` nodes run inline when nothing else is ready (no thread hop on a chain);
   ``Device.CPU`` nodes run on the CPU pool and ``Device.GPU`` nodes on the device's model worker,
   in parallel when independent. Identical work requested twice at once (two viewers, playback +
   export) runs once (:mod:`filmstudio.engine.inflight`).

Every request carries a :class:`CancelToken`: the scheduler checks it between nodes and while
waiting, long nodes check it between tiles/batches, so a cancelled request returns promptly.

Stand-in steps (a stand-in request, see :class:`FrameRequest`) call the node's ``standin``, never
batched, on the request's thread or the CPU pool (the model worker only for a node whose
``standin_device`` is GPU), and are counted in :attr:`Scheduler.standins`, not ``evaluations``.
Long nodes report progress through ``ctx.report_progress``; :meth:`Scheduler.progress_of` reads it.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from functools import partial
from types import MappingProxyType
from typing import Any

from filmstudio.core import track_link
from filmstudio.core.context import CancelToken, EvalContext
from filmstudio.core.errors import Cancelled, EvaluationError, FilmStudioError
from filmstudio.core.graph import NodeInstance
from filmstudio.core.node import Device, FinishLater
from filmstudio.core.project import Project
from filmstudio.engine.batching import Batcher
from filmstudio.engine.cache import MISSING, FrameCache
from filmstudio.engine.executors import Executors
from filmstudio.engine.inflight import InFlight
from filmstudio.engine.planner import Plan, Planner, Step, resolve
from filmstudio.engine.request import FrameRequest

__all__ = ["FrameRequest", "Plan", "Scheduler"]

_POLL_SECONDS = 0.01  # how often a waiting request looks at its cancel token
# A context's inputs once its step has run: read-only, so one empty mapping serves every context
_RELEASED: Any = MappingProxyType({})


class Scheduler:
    """Evaluates nodes of one project through a shared :class:`FrameCache`. Thread-safe: any
    number of threads may run plans while the graph is not being edited; planning (``plan*``,
    :meth:`key`, :meth:`cached`, :meth:`evaluate`) reads the graph, so it runs on the thread that
    edits it."""

    def __init__(self, project: Project, cache: FrameCache, executors: Executors) -> None:
        self.planner = Planner(project, executors)
        self.cache = cache
        self.executors = executors
        self.evaluations: Counter[str] = Counter()  # node uuid -> evaluations run (for tests, stats)
        self.standins: Counter[str] = Counter()  # node uuid -> stand-ins run
        self._progress: dict[str, tuple[int, int]] = {}  # key -> (done, total) of running steps
        self._inflight = InFlight(executors)
        self._lock = threading.Lock()
        # Called from worker threads as nodes run: observer(node uuid, frame, event, detail) with
        # event "start", "done", "cancelled" or "error" (detail: the message). The editor's node
        # badges use it (through Engine.set_observer).
        self.observer: Callable[[str, int, str, str], None] | None = None

    # --- public ----------------------------------------------------------------------------------

    def evaluate(self, request: FrameRequest) -> list[Any]:
        """The value of the request's output at each of its frames, planned and run here as one
        request. Raises :class:`Cancelled` when its token fires, :class:`EvaluationError` when a
        node fails."""
        return self.execute_frames(self.plan(request))

    def plan(self, request: FrameRequest) -> list[Plan]:
        """The plan pass alone, one plan per frame (see :meth:`Planner.plan`): reads the graph, so
        call it on the thread that edits the graph; :meth:`execute` may then run on any thread
        while the graph is edited."""
        return self.planner.plan(request, self.cache.__contains__)

    def progress_of(self, plan: Plan) -> tuple[str, int, int] | None:
        """(node name, done, total) of a step of ``plan`` that is running and has reported
        progress (the one furthest from done), or None. Any thread; a snapshot."""
        found = None
        for step in list(plan.memo.values()):
            reported = self._progress.get(step.key or "")
            if reported is not None and (found is None or reported[1] - reported[0] > found[2] - found[1]):
                found = (step.node.name, *reported)
        return found

    def execute(self, plan: Plan) -> Any:
        """The run pass of one plan made by :meth:`plan` (any thread; once per plan)."""
        self._run([plan.target], plan.memo, plan.cancel)
        return self._output(plan.target, plan.port, plan.memo)

    def execute_frames(self, plans: Sequence[Plan]) -> list[Any]:
        """Run the plans of one request (:meth:`plan`) together: model nodes that batch
        (:mod:`filmstudio.engine.batching`) get these frames together. Same results as one
        :meth:`execute` per frame; exports use it."""
        if not plans:
            return []
        self._run([plan.target for plan in plans], plans[0].memo, plans[0].cancel)
        return [self._output(plan.target, plan.port, plan.memo) for plan in plans]

    def key(self, node: str | NodeInstance, frame: int, scale: float = 1.0) -> str:
        """The cache key of ``node`` at ``frame`` (for the cache bar and for tests)."""
        return self.planner.key(node, frame, scale)

    def is_cached(self, node: str | NodeInstance, frame: int, scale: float = 1.0) -> bool:
        """Whether ``node`` at ``frame`` would be served from the cache (see :meth:`_keep` for
        nodes that hand on an input unchanged)."""
        return self.planner.key(node, frame, scale) in self.cache

    def cached(self, nodes: Sequence[str | NodeInstance], frame: int, scale: float = 1.0) -> dict[str, bool]:
        """Whether each of ``nodes`` has its result at ``frame`` cached, by node uuid (the graph's
        badges). One shared plan: what several nodes have upstream in common is planned once. A
        node that cannot be planned (a missing file) is not cached."""
        keys = self.planner.keys(nodes, frame, scale)
        return {uuid: key is not None and key in self.cache for uuid, key in keys.items()}

    def context_with_inputs(self, request: FrameRequest) -> EvalContext:
        """The context ``request.node`` would evaluate with at ``request.frame``, its inputs
        computed — for analysis passes and take generation, which call other node methods than
        ``evaluate``. Planned and run here."""
        return self.context_of(self.planner.plan_context(request))

    def plan_context(self, request: FrameRequest) -> Plan:
        """The plan pass of :meth:`context_with_inputs` (on the graph's thread, like :meth:`plan`;
        a disabled node still gets its own context)."""
        return self.planner.plan_context(request)

    def context_of(self, plan: Plan) -> EvalContext:
        """The run pass of :meth:`context_with_inputs` (any thread; once per plan)."""
        step = plan.target
        assert step.ctx is not None
        for _input, source, _port in step.wanted:
            self._run([plan.memo[source]], plan.memo, plan.cancel)
        step.ctx.inputs = self._inputs(step, plan.memo)
        return step.ctx

    # --- running ---------------------------------------------------------------------------------

    def _output(self, step: Step, port: str, memo: dict[tuple[str, int], Step]) -> Any:
        while step.alias is not None:
            step, port = memo[step.alias], step.alias_port
        if step.key == "nothing":
            return None
        value = step.value
        return value[port] if len(step.node.type.outputs) > 1 else value

    def _inputs(self, step: Step, memo: dict[tuple[str, int], Step]) -> dict[tuple[str, int], Any]:
        """The values a step asked for, converted to its input types (Image -> Mask, ...)."""
        inputs = {name: self._output(memo[src], port, memo) for name, src, port in step.wanted}
        convert = step.convert
        if convert:
            for name in inputs:
                function = convert.get(name[0])
                if function is not None:
                    inputs[name] = function(inputs[name])
        return inputs

    def _run(self, targets: list[Step], memo: dict[tuple[str, int], Step], cancel: CancelToken) -> None:
        order = self._collect(targets, memo)
        if not order:
            return
        # Per step of this run (steps hash by identity): how many of its sources are still to
        # run, the steps that read it, and the distinct steps it reads.
        waiting_on = dict.fromkeys(order, 0)
        dependents: dict[Step, list[Step]] = {}
        reads: dict[Step, list[Step]] = {}
        for step in order:
            sources: list[Step] = []
            for _input, src, _port in step.wanted:
                source = resolve(memo[src], memo)
                if source in sources:
                    continue
                sources.append(source)
                if source in waiting_on:
                    waiting_on[step] += 1
                    dependents.setdefault(source, []).append(step)
            reads[step] = sources
        ready = [s for s in order if waiting_on[s] == 0]
        # Steps of different frames can share a key (a still, a non-time-dependent chain), and so
        # one future: each future lists every step waiting on it.
        running: dict[Future[Any], list[Step]] = {}
        # Drop each intermediate frame as soon as its last reader has run: a long chain at 4K must
        # not hold every frame until the request ends (the cache keeps what its budget allows).
        readers = {s: len(dependents.get(s, ())) for s in order}
        for target in targets:
            readers.pop(resolve(target, memo), None)  # what the request returns is kept
        batches = Batcher(order)
        batching = batches.active
        inflight = self._inflight
        compute = partial(self._compute, memo=memo, cancel=cancel)
        compute_batch = partial(self._compute_batch, memo=memo, cancel=cancel)

        def finished(step: Step) -> None:
            for source in reads[step]:
                left = readers.get(source)
                if left is not None:
                    readers[source] = left - 1
                    if left == 1:
                        source.value = MISSING
            for dependent in dependents.get(step, ()):
                waiting_on[dependent] -= 1
                if waiting_on[dependent] == 0:
                    ready.append(dependent)

        try:
            while ready or running or batches.held:
                cancel.raise_if_cancelled()
                while ready:
                    step = ready.pop()
                    if batching and batches.hold(step):
                        continue
                    if not running and not ready and _runs_anywhere(step) and step.key not in inflight:
                        # Cheap tensor maths with nothing to overlap: run here, no thread hop.
                        step.value = self._compute(step, memo, cancel)
                        finished(step)
                    else:
                        running.setdefault(inflight.start(step, compute), []).append(step)
                if batching:
                    for batch in batches.due(stalled=not running and not ready):
                        # A batch of one goes through the node's plain ``evaluate``.
                        if len(batch) == 1:
                            futures = [inflight.start(batch[0], compute)]
                        else:
                            futures = inflight.start_batch(batch, compute_batch)
                        for future, step in zip(futures, batch, strict=True):
                            running.setdefault(future, []).append(step)
                if not running:
                    continue
                for future in wait(running, timeout=_POLL_SECONDS, return_when=FIRST_COMPLETED).done:
                    steps = running.pop(future)
                    try:
                        value = future.result()
                    except Cancelled:
                        if cancel.cancelled or self.executors.closed:
                            raise
                        ready.extend(steps)  # another request computing this key was cancelled
                        continue
                    for step in steps:
                        step.value = value
                        finished(step)
        except BaseException:
            for future in running:
                future.cancel()
            raise

    def _collect(self, targets: list[Step], memo: dict[tuple[str, int], Step]) -> list[Step]:
        """The steps to compute, inputs first; cached steps get their value and stop the walk."""
        order: list[Step] = []
        seen: set[Step] = set()
        lookup = self.cache.get
        stack: list[tuple[Step, bool]] = [(target, False) for target in reversed(targets)]
        while stack:
            step, expanded = stack.pop()
            step = resolve(step, memo)
            if expanded:
                order.append(step)
                continue
            if step in seen:
                continue
            seen.add(step)
            if step.value is not MISSING or step.key == "nothing":
                continue
            cached = lookup(step.key)
            if cached is not MISSING:
                step.value = cached
                continue
            stack.append((step, True))
            for _input, src, _port in step.wanted:
                stack.append((memo[src], False))
        return order

    def _compute_batch(
        self, steps: list[Step], memo: dict[tuple[str, int], Step], cancel: CancelToken
    ) -> list[Any] | FinishLater:
        """:meth:`_compute` for several steps of one node, in one ``evaluate_batch`` call. When the
        node hands back a :class:`FinishLater`, so does this: its ``finish()`` (run anywhere)
        finishes the node's results, checks, caches and counts them."""
        cancel.raise_if_cancelled()
        node = steps[0].node
        contexts = [step.ctx for step in steps if step.ctx is not None]
        assert len(contexts) == len(steps)
        inputs = [self._inputs(step, memo) for step in steps]
        for ctx, step_inputs in zip(contexts, inputs, strict=True):
            ctx.inputs = step_inputs

        def tell(event: str, detail: str = "") -> None:
            if self.observer is not None:
                for step in steps:
                    self.observer(node.uuid, step.frame, event, detail)

        def evaluate() -> Any:
            if node.type.track_links:
                for ctx in contexts:
                    track_link.apply(node.type.track_links, ctx)
            return node.type.shared().evaluate_batch(contexts)

        tell("start")
        started = time.perf_counter()
        for step, ctx in zip(steps, contexts, strict=True):
            ctx.progress = partial(self._report, step.key)
        try:
            made = self._attempt_batch(steps, evaluate, tell)
        finally:
            self._release(steps)  # a FinishLater's finish must not read them (see there)
        if isinstance(made, FinishLater):
            return FinishLater(partial(self._finish_batch, steps, inputs, made, started, tell, memo))
        return self._finish_batch(steps, inputs, made, started, tell, memo)

    def _attempt_batch(self, steps: list[Step], call: Callable[[], Any], tell: Callable[..., None]) -> Any:
        """``call()`` for a batch of ``steps``, its failure told and raised as the node's."""
        try:
            return call()
        except Cancelled:
            tell("cancelled")
            raise
        except Exception as error:
            problem = str(error) if isinstance(error, FilmStudioError) else f"{type(error).__name__}: {error}"
            tell("error", problem)
            raise EvaluationError(steps[0].node.name, steps[0].frame, problem) from error

    def _release(self, steps: list[Step]) -> None:
        for step in steps:
            ctx = step.ctx
            if ctx is not None:
                ctx.inputs = _RELEASED  # do not keep upstream frames alive through the plan
                ctx.progress = None
            self._progress.pop(step.key or "", None)

    def _finish_batch(
        self,
        steps: list[Step],
        inputs: list[dict[tuple[str, int], Any]],
        made: Sequence[Any] | FinishLater,
        started: float,
        tell: Callable[..., None],
        memo: dict[tuple[str, int], Step],
    ) -> list[Any]:
        """The batch's results (finished here if ``made`` is a FinishLater), checked, cached and
        counted."""
        results = list(
            self._attempt_batch(steps, made.finish, tell) if isinstance(made, FinishLater) else made
        )
        if len(results) != len(steps):
            problem = f"evaluate_batch returned {len(results)} results for {len(steps)} frames"
            raise EvaluationError(steps[0].node.name, steps[0].frame, problem)
        tell("done")
        seconds = (time.perf_counter() - started) / len(steps)
        for step, result, step_inputs in zip(steps, results, inputs, strict=True):
            self._keep(step, result, step_inputs, seconds, memo)
        return results

    def _compute(self, step: Step, memo: dict[tuple[str, int], Step], cancel: CancelToken) -> Any:
        cancel.raise_if_cancelled()
        ctx = step.ctx
        assert ctx is not None and step.key is not None
        inputs = ctx.inputs = self._inputs(step, memo)
        node = step.node
        node_type = node.type
        observer = None if step.standin else self.observer  # previews are not the node's status
        if observer is not None:
            observer(node.uuid, step.frame, "start", "")
        started = time.perf_counter()
        key = step.key
        ctx.progress = partial(self._report, key)
        try:
            if node_type.track_links:  # positions that follow tracks get this frame's value
                track_link.apply(node_type.track_links, ctx)
            shared = node_type.shared()
            result = shared.standin(ctx) if step.standin else shared.evaluate(ctx)
        except Cancelled:
            if observer is not None:
                observer(node.uuid, step.frame, "cancelled", "")
            raise
        except Exception as error:
            problem = str(error) if isinstance(error, FilmStudioError) else f"{type(error).__name__}: {error}"
            if observer is not None:
                observer(node.uuid, step.frame, "error", problem)
            raise EvaluationError(node.name, step.frame, problem) from error
        finally:
            ctx.inputs = _RELEASED  # do not keep upstream frames alive through the plan
            ctx.progress = None
            self._progress.pop(key, None)
        if observer is not None:
            observer(node.uuid, step.frame, "done", "")
        self._keep(step, result, inputs, time.perf_counter() - started, memo)
        return result

    def _keep(
        self,
        step: Step,
        result: Any,
        inputs: dict[tuple[str, int], Any],
        seconds: float,
        memo: dict[tuple[str, int], Step],
    ) -> None:
        """Check a step's result, cache it and count the evaluation."""
        node = step.node
        outputs = node.type.outputs
        if len(outputs) > 1 and not (isinstance(result, dict) and all(o.name in result for o in outputs)):
            raise EvaluationError(
                node.name, step.frame, "a node with several outputs must return a dict of them"
            )
        if step.store:
            # A node that hands on one of its inputs unchanged (Dot, Switch, a faded-out Title) is
            # cached as a link to that input's entry: scrubbing back here is free, and the frame's
            # memory is counted once.
            source = self._handed_on(step, result, inputs, memo)
            if source is None:
                self.cache.put(step.key, result, seconds)
            else:
                self.cache.link(step.key, source[0], source[1], result, seconds)
        counts = self.standins if step.standin else self.evaluations
        with self._lock:
            counts[node.uuid] = counts.get(node.uuid, 0) + 1  # (a Counter's += of a new key calls Python)

    def _report(self, key: str | None, done: int, total: int) -> None:
        self._progress[key or ""] = (int(done), int(total))  # a dict store: atomic, any thread

    @staticmethod
    def _handed_on(
        step: Step, result: Any, inputs: dict[tuple[str, int], Any], memo: dict[tuple[str, int], Step]
    ) -> tuple[str, str | None] | None:
        """The cache key of the input step whose value ``result`` is, unchanged (and the port, for
        a node of several outputs, whose cached value is a dict of them); None for a new value. An
        input converted on its way in (Image -> Mask) is a new value, not the source's."""
        if result is None:
            return None
        for name, source, port in step.wanted:
            if inputs.get(name) is not result:
                continue
            origin = memo[source]
            while origin.alias is not None:  # through disabled nodes
                origin, port = memo[origin.alias], origin.alias_port
            value = origin.value
            if len(origin.node.type.outputs) > 1:
                if isinstance(value, dict) and value.get(port) is result:
                    return origin.key, port
            elif value is result and origin.key is not None:
                return origin.key, None
        return None


def _runs_anywhere(step: Step) -> bool:
    """Whether ``step`` may run on the request's own thread: cheap tensor maths (``Device.ANY``)
    and stand-ins that do not need the model worker."""
    if step.standin:
        return step.node.type.standin_device is Device.ANY
    return step.node.type.device is Device.ANY
