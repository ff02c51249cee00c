"""The pull scheduler: evaluate (node, frame, scale) by resolving inputs, through the frame cache.

A request runs in two passes:

1. *Plan* (:mod:`filmstudio.engine.planner`, on the thread that edits the graph): every
   (node, frame) the request needs, with its cache key and captured parameter values.
2. *Run* (any thread): steps whose key is cached are done; the rest run in dependency order.
   ``Device.ANY`` nodes run inline when nothing else is ready (no thread hop on a chain);
   ``Device.CPU`` nodes run on the CPU pool and ``Device.GPU`` nodes on the device's model worker,
   in parallel when independent. Identical work requested twice at once (two viewers, playback +
   export) runs once.

Every request carries a :class:`CancelToken`: the scheduler checks it between nodes and while
waiting, long nodes check it between tiles/batches, so a cancelled request returns promptly.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from typing import Any

from filmstudio.core.context import CancelToken, EvalContext
from filmstudio.core.errors import Cancelled, EvaluationError, FilmStudioError
from filmstudio.core.graph import NodeInstance
from filmstudio.core.node import Device
from filmstudio.core.project import Project
from filmstudio.engine.batching import Batcher
from filmstudio.engine.cache import MISSING, FrameCache
from filmstudio.engine.executors import Executors
from filmstudio.engine.planner import Plan, Planner, Step, resolve

__all__ = ["Plan", "Scheduler"]

_POLL_SECONDS = 0.01  # how often a waiting request looks at its cancel token


class Scheduler(Planner):
    """Evaluates nodes of one project through a shared :class:`FrameCache`. Thread-safe: any
    number of threads may call :meth:`evaluate` while the graph is not being edited."""

    def __init__(self, project: Project, cache: FrameCache, executors: Executors) -> None:
        super().__init__(project, executors)
        self.cache = cache
        self.evaluations: Counter[str] = Counter()  # node uuid -> evaluations run (for tests, stats)
        self._inflight: dict[str, Future[Any]] = {}
        self._lock = threading.Lock()
        # Called from worker threads as nodes run: observer(node uuid, frame, event, detail) with
        # event "start", "done" or "error" (detail: the message). The editor's node badges use it.
        self.observer: Callable[[str, int, str, str], None] | None = None

    # --- public ----------------------------------------------------------------------------------

    def evaluate(
        self,
        node: str | NodeInstance,
        frame: int,
        output: str | None = None,
        scale: float = 1.0,
        cancel: CancelToken | None = None,
        cache_frames: bool = True,
    ) -> Any:
        """The value of ``node``'s ``output`` (default: its first) at ``frame``. Raises
        :class:`Cancelled` when ``cancel`` fires, :class:`EvaluationError` when a node fails.

        ``cache_frames=False`` (exports) caches only results that are the same on every frame (a
        title, a still, a script): a linear render never revisits a frame, and caching them would
        only cost memory and time."""
        return self.execute(self.prepare(node, frame, output, scale, cancel, cache_frames))

    def prepare(
        self,
        node: str | NodeInstance,
        frame: int,
        output: str | None = None,
        scale: float = 1.0,
        cancel: CancelToken | None = None,
        cache_frames: bool = True,
    ) -> Plan:
        """The plan pass alone: reads the graph (call it on the thread that edits the graph) and
        captures everything the run needs, so :meth:`execute` may run on any thread while the
        graph is edited."""
        return self.prepare_frames(node, [frame], output, scale, cancel, cache_frames)[0]

    def execute(self, plan: Plan) -> Any:
        """The run pass of a plan made by :meth:`prepare` (any thread; once per plan)."""
        self._run([plan.target], plan.memo, plan.cancel)
        return self._output(plan.target, plan.port, plan.memo)

    def prepare_frames(
        self,
        node: str | NodeInstance,
        frames: Sequence[int],
        output: str | None = None,
        scale: float = 1.0,
        cancel: CancelToken | None = None,
        cache_frames: bool = True,
    ) -> list[Plan]:
        """Plans of ``node`` at several frames sharing one memo, to run together with
        :meth:`execute_frames` (as :meth:`prepare`, on the graph's thread)."""
        cancel = cancel or CancelToken()
        instance = self.project.graph.node(node)
        port = output or instance.type.outputs[0].name
        memo: dict[tuple[str, int], Step] = {}
        targets = [self._plan(instance.uuid, int(frame), scale, cancel, memo) for frame in frames]
        if not cache_frames:
            for step in memo.values():
                step.store = not step.varies
        return [Plan(target, port, memo, cancel) for target in targets]

    def execute_frames(self, plans: Sequence[Plan]) -> list[Any]:
        """Run plans made by :meth:`prepare_frames` as one request: model nodes that batch
        (:mod:`filmstudio.engine.batching`) get these frames together. Same results as one
        :meth:`execute` per frame; exports use it."""
        if not plans:
            return []
        self._run([plan.target for plan in plans], plans[0].memo, plans[0].cancel)
        return [self._output(plan.target, plan.port, plan.memo) for plan in plans]

    def evaluate_frames(
        self,
        node: str | NodeInstance,
        frames: Sequence[int],
        output: str | None = None,
        scale: float = 1.0,
        cancel: CancelToken | None = None,
        cache_frames: bool = True,
    ) -> list[Any]:
        """:meth:`evaluate` at several frames in one request (see :meth:`execute_frames`)."""
        return self.execute_frames(self.prepare_frames(node, frames, output, scale, cancel, cache_frames))

    def key(self, node: str | NodeInstance, frame: int, scale: float = 1.0) -> str:
        """The cache key of ``node`` at ``frame`` (for the cache bar and for tests)."""
        memo: dict[tuple[str, int], Step] = {}
        step = self._plan(self.project.graph.node(node).uuid, int(frame), scale, CancelToken(), memo)
        return resolve(step, memo).key or ""

    def is_cached(self, node: str | NodeInstance, frame: int, scale: float = 1.0) -> bool:
        return self.key(node, frame, scale) in self.cache

    def cached(self, nodes: Sequence[str | NodeInstance], frame: int, scale: float = 1.0) -> dict[str, bool]:
        """Whether each of ``nodes`` has its result at ``frame`` cached, by node uuid (the graph's
        badges). One shared plan: what several nodes have upstream in common is planned once. A
        node that cannot be planned (a missing file) is not cached."""
        graph = self.project.graph
        memo: dict[tuple[str, int], Step] = {}
        cancel = CancelToken()
        found: dict[str, bool] = {}
        for node in nodes:
            uuid = graph.node(node).uuid
            try:
                step = resolve(self._plan(uuid, int(frame), scale, cancel, memo), memo)
            except Exception:  # planning a broken node fails: it is simply not cached
                found[uuid] = False
                memo = {}  # a half-planned step must not be reused
                continue
            found[uuid] = step.key is not None and step.key in self.cache
        return found

    def context_with_inputs(
        self, node: str | NodeInstance, frame: int, scale: float = 1.0, cancel: CancelToken | None = None
    ) -> EvalContext:
        """The context ``node`` would evaluate with at ``frame``, its inputs computed — for analysis
        passes and take generation, which call other node methods than ``evaluate``."""
        return self.context_of(self.prepare_context(node, frame, scale, cancel))

    def prepare_context(
        self, node: str | NodeInstance, frame: int, scale: float = 1.0, cancel: CancelToken | None = None
    ) -> Plan:
        """The plan pass of :meth:`context_with_inputs` (on the graph's thread, like :meth:`prepare`;
        a disabled node still gets its own context)."""
        cancel = cancel or CancelToken()
        instance = self.project.graph.node(node)
        memo: dict[tuple[str, int], Step] = {}
        step = self._plan(instance.uuid, int(frame), scale, cancel, memo, force=True)
        return Plan(step, "", memo, cancel)

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
        if step.convert:
            for name in inputs:
                function = step.convert.get(name[0])
                if function is not None:
                    inputs[name] = function(inputs[name])
        return inputs

    def _run(self, targets: list[Step], memo: dict[tuple[str, int], Step], cancel: CancelToken) -> None:
        order = self._collect(targets, memo)
        if not order:
            return
        waiting_on: dict[int, int] = {}
        dependents: dict[int, list[Step]] = {}
        scheduled = {id(s) for s in order}
        reads: dict[int, list[Step]] = {}  # step -> the distinct steps it reads
        for step in order:
            sources = {id(s): s for s in self._resolved_sources(step, memo)}
            reads[id(step)] = list(sources.values())
            waiting = [source_id for source_id in sources if source_id in scheduled]
            waiting_on[id(step)] = len(waiting)
            for source_id in waiting:
                dependents.setdefault(source_id, []).append(step)
        ready = [s for s in order if waiting_on[id(s)] == 0]
        # Steps of different frames can share a key (a still, a non-time-dependent chain), and so
        # one future: each future lists every step waiting on it.
        running: dict[Future[Any], list[Step]] = {}
        # Drop each intermediate frame as soon as its last reader has run: a long chain at 4K must
        # not hold every frame until the request ends (the cache keeps what its budget allows).
        readers = {id(s): len(dependents.get(id(s), ())) for s in order}
        kept = {id(resolve(target, memo)) for target in targets}
        batches = Batcher(order)

        def finished(step: Step) -> None:
            for source in reads[id(step)]:
                if id(source) in readers and id(source) not in kept:
                    readers[id(source)] -= 1
                    if readers[id(source)] == 0:
                        source.value = MISSING
            for dependent in dependents.get(id(step), ()):
                waiting_on[id(dependent)] -= 1
                if waiting_on[id(dependent)] == 0:
                    ready.append(dependent)

        try:
            while ready or running or batches.held:
                cancel.raise_if_cancelled()
                while ready:
                    step = ready.pop()
                    if batches.hold(step):
                        continue
                    if (
                        not running
                        and not ready
                        and step.node.type.device is Device.ANY
                        and step.key not in self._inflight
                    ):
                        # Cheap tensor maths with nothing to overlap: run here, no thread hop.
                        step.value = self._compute(step, memo, cancel)
                        finished(step)
                    else:
                        running.setdefault(self._start(step, memo, cancel), []).append(step)
                for batch in batches.due(stalled=not running and not ready):
                    for future, step in zip(self._start_batch(batch, memo, cancel), batch, strict=True):
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

    @staticmethod
    def _resolved_sources(step: Step, memo: dict[tuple[str, int], Step]) -> list[Step]:
        """The steps whose values ``step`` reads, looking through disabled (aliased) nodes."""
        return [resolve(memo[source], memo) for _input, source, _port in step.wanted]

    def _collect(self, targets: list[Step], memo: dict[tuple[str, int], Step]) -> list[Step]:
        """The steps to compute, inputs first; cached steps get their value and stop the walk."""
        order: list[Step] = []
        seen: set[int] = set()
        stack: list[tuple[Step, bool]] = [(target, False) for target in reversed(targets)]
        while stack:
            step, expanded = stack.pop()
            step = resolve(step, memo)
            if expanded:
                order.append(step)
                continue
            if id(step) in seen:
                continue
            seen.add(id(step))
            if step.value is not MISSING or step.key == "nothing":
                continue
            cached = self.cache.get(step.key)
            if cached is not MISSING:
                step.value = cached
                continue
            stack.append((step, True))
            stack.extend((memo[src], False) for _i, src, _p in step.wanted)
        return order

    def _start(self, step: Step, memo: dict[tuple[str, int], Step], cancel: CancelToken) -> Future[Any]:
        """Run ``step`` on its executor, or join the same key already running for another request."""
        key = step.key or ""
        with self._lock:
            future = self._inflight.get(key)
            if future is not None:
                return future
            future = Future()
            self._inflight[key] = future
        device = step.node.type.device
        try:
            executor = self.executors.model_worker() if device is Device.GPU else self.executors.cpu
            work = executor.submit(self._compute_into, future, step, memo, cancel)
        except RuntimeError as error:  # the engine is shutting down
            self._finish(key, future, error=Cancelled(str(error)))
        else:
            self._follow(work, [(key, future)])
        return future

    def _follow(self, work: Future[Any], futures: list[tuple[str, Future[Any]]]) -> None:
        """If the executor drops ``work`` before it starts (the engine closing cancels queued work),
        fail ``futures`` with :class:`Cancelled` so that no request waits on them forever."""

        def dropped(done: Future[Any]) -> None:
            if done.cancelled():
                for key, future in futures:
                    self._finish(key, future, error=Cancelled("the engine closed before this work ran"))

        work.add_done_callback(dropped)

    def _compute_into(
        self, future: Future[Any], step: Step, memo: dict[tuple[str, int], Step], cancel: CancelToken
    ) -> None:
        if not future.set_running_or_notify_cancel():
            self._finish(step.key or "", future)
            return
        try:
            result = self._compute(step, memo, cancel)
        except BaseException as error:
            self._finish(step.key or "", future, error=error)
        else:
            self._finish(step.key or "", future, result=result)

    def _start_batch(
        self, steps: list[Step], memo: dict[tuple[str, int], Step], cancel: CancelToken
    ) -> list[Future[Any]]:
        """Run steps of one batchable node as one call on the model worker; one future per step
        (a step whose key another request is computing joins that instead)."""
        if len(steps) == 1:
            return [self._start(steps[0], memo, cancel)]
        futures: list[Future[Any]] = []
        mine: list[tuple[Step, Future[Any]]] = []
        with self._lock:
            for step in steps:
                future = self._inflight.get(step.key or "")
                if future is None:
                    future = self._inflight[step.key or ""] = Future()
                    mine.append((step, future))
                futures.append(future)
        if mine:
            try:
                work = self.executors.model_worker().submit(self._compute_batch_into, mine, memo, cancel)
            except RuntimeError as error:  # the engine is shutting down
                for step, future in mine:
                    self._finish(step.key or "", future, error=Cancelled(str(error)))
            else:
                self._follow(work, [(step.key or "", future) for step, future in mine])
        return futures

    def _compute_batch_into(
        self, work: list[tuple[Step, Future[Any]]], memo: dict[tuple[str, int], Step], cancel: CancelToken
    ) -> None:
        live = []
        for step, future in work:
            if future.set_running_or_notify_cancel():
                live.append((step, future))
            else:
                self._finish(step.key or "", future)
        if not live:
            return
        try:
            results = self._compute_batch([step for step, _future in live], memo, cancel)
        except BaseException as error:
            for step, future in live:
                self._finish(step.key or "", future, error=error)
        else:
            for (step, future), result in zip(live, results, strict=True):
                self._finish(step.key or "", future, result=result)

    def _compute_batch(
        self, steps: list[Step], memo: dict[tuple[str, int], Step], cancel: CancelToken
    ) -> list[Any]:
        """:meth:`_compute` for several steps of one node, in one ``evaluate_batch`` call."""
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

        tell("start")
        started = time.perf_counter()
        try:
            results = list(node.type.shared().evaluate_batch(contexts))
        except Cancelled:
            tell("cancelled")
            raise
        except Exception as error:
            problem = str(error) if isinstance(error, FilmStudioError) else f"{type(error).__name__}: {error}"
            tell("error", problem)
            raise EvaluationError(node.name, steps[0].frame, problem) from error
        finally:
            for ctx in contexts:
                ctx.inputs = {}  # do not keep upstream frames alive through the plan
        if len(results) != len(steps):
            problem = f"evaluate_batch returned {len(results)} results for {len(steps)} frames"
            raise EvaluationError(node.name, steps[0].frame, problem)
        tell("done")
        seconds = (time.perf_counter() - started) / len(steps)
        for step, result, step_inputs in zip(steps, results, inputs, strict=True):
            self._keep(step, result, step_inputs, seconds)
        return results

    def _finish(
        self, key: str, future: Future[Any], result: Any = None, error: BaseException | None = None
    ) -> None:
        with self._lock:
            if self._inflight.get(key) is future:
                del self._inflight[key]
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)

    def _compute(self, step: Step, memo: dict[tuple[str, int], Step], cancel: CancelToken) -> Any:
        cancel.raise_if_cancelled()
        ctx = step.ctx
        assert ctx is not None and step.key is not None
        inputs = ctx.inputs = self._inputs(step, memo)
        node = step.node
        observer = self.observer
        if observer is not None:
            observer(node.uuid, step.frame, "start", "")
        started = time.perf_counter()
        try:
            result = node.type.shared().evaluate(ctx)
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
            ctx.inputs = {}  # do not keep upstream frames alive through the plan
        if observer is not None:
            observer(node.uuid, step.frame, "done", "")
        self._keep(step, result, inputs, time.perf_counter() - started)
        return result

    def _keep(self, step: Step, result: Any, inputs: dict[tuple[str, int], Any], seconds: float) -> None:
        """Check a step's result, cache it and count the evaluation."""
        node = step.node
        outputs = node.type.outputs
        if len(outputs) > 1 and not (isinstance(result, dict) and all(o.name in result for o in outputs)):
            raise EvaluationError(
                node.name, step.frame, "a node with several outputs must return a dict of them"
            )
        # A node that hands on one of its inputs unchanged (Dot, Switch, a no-op) costs nothing to
        # redo; caching it again would count the same frame's memory twice.
        if step.store and not any(result is value for value in inputs.values()):
            self.cache.put(step.key, result, seconds)
        with self._lock:
            self.evaluations[node.uuid] += 1
