"""The engine facade: one project's scheduler, frame cache and threads, for scripts, the editor
and the renderer alike.

    with Engine(project) as engine:
        image = engine.evaluate("Grade1", frame=12)          # torch tensor [4, H, W]
        request = engine.submit("Grade1", frame=13)           # runs in the background
        request.cancel()                                      # latest-wins viewers do this

The editor and the renderer use only this facade: a :class:`FrameRequest` is planned here on the
graph's thread (:meth:`Engine.plan`) and run on any thread (:meth:`Engine.execute`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from typing import Any

from filmstudio.core.context import CancelToken, EvalContext
from filmstudio.core.graph import NodeInstance
from filmstudio.core.project import Project
from filmstudio.engine.cache import CacheStats, FrameCache
from filmstudio.engine.executors import Executors
from filmstudio.engine.jobs import (
    AnalysisJob,
    AnalysisPlan,
    generate_take,
    plan_analysis,
    run_analysis,
    run_planned_analysis,
)
from filmstudio.engine.memory import tune_allocator
from filmstudio.engine.planner import Plan
from filmstudio.engine.request import FrameRequest
from filmstudio.engine.scheduler import Scheduler

NodeObserver = Callable[[str, int, str, str], None]


@dataclass
class Request:
    """A request running in the background: wait with ``future.result()``, stop with ``cancel()``."""

    future: Future[Any]
    token: CancelToken = field(default_factory=CancelToken)
    generation: int = 0

    def cancel(self) -> None:
        self.token.cancel("superseded")
        self.future.cancel()

    def result(self, timeout: float | None = None) -> Any:
        return self.future.result(timeout)


class Engine:
    """Evaluates a project's graph. Create one per open project; :meth:`close` (or ``with``)
    stops its threads. ``cache_bytes`` is the RAM budget of the frame cache."""

    def __init__(
        self,
        project: Project,
        *,
        cache_bytes: int = 2 << 30,
        vram_cache_bytes: int = 1 << 30,
        cpu_workers: int | None = None,
        device: str | None = None,
    ) -> None:
        tune_allocator()
        self.project = project
        self.cache = FrameCache(cache_bytes, vram_cache_bytes)
        self.executors = Executors(cpu_workers, device=device)
        self.scheduler = Scheduler(project, self.cache, self.executors)
        self._generation = 0

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.executors.shutdown(wait=True)

    # --- evaluation ------------------------------------------------------------------------------

    def evaluate(
        self,
        node: str | NodeInstance,
        frame: int | None = None,
        output: str | None = None,
        scale: float = 1.0,
        cancel: CancelToken | None = None,
        cache_frames: bool = True,
    ) -> Any:
        """The value of ``node`` at ``frame`` (default: the project's current frame). See
        :class:`FrameRequest` for ``cache_frames``."""
        frame = self.project.settings.current_frame if frame is None else frame
        return self.scheduler.evaluate(FrameRequest.at(node, frame, output, scale, cancel, cache_frames))[0]

    def evaluate_frames(
        self,
        node: str | NodeInstance,
        frames: Iterable[int],
        output: str | None = None,
        scale: float = 1.0,
        cancel: CancelToken | None = None,
        cache_frames: bool = True,
    ) -> list[Any]:
        """:meth:`evaluate` at several frames as one request (model nodes that batch get them
        together); the list of values, in order."""
        return self.scheduler.evaluate(FrameRequest.of(node, frames, output, scale, cancel, cache_frames))

    def submit(
        self,
        node: str | NodeInstance,
        frame: int,
        output: str | None = None,
        scale: float = 1.0,
        cache_frames: bool = True,
    ) -> Request:
        """Evaluate in the background; the returned request carries a generation number so a
        viewer can drop results that arrive after a newer request. The plan pass runs here, on
        the calling thread (the one that edits the graph), so the graph may change while the
        request runs. See :class:`FrameRequest` for ``cache_frames``."""
        request = FrameRequest.at(node, frame, output, scale, cache_frames=cache_frames)
        plan = self.scheduler.plan(request)[0]
        return self._started(request, self.executors.requests.submit(self.scheduler.execute, plan))

    def submit_frames(
        self,
        node: str | NodeInstance,
        frames: Sequence[int],
        output: str | None = None,
        scale: float = 1.0,
        cache_frames: bool = True,
    ) -> Request:
        """Evaluate ``node`` at several frames as one background request whose result is the list
        of values; model nodes that batch get these frames together (exports). Planned here, as
        :meth:`submit`."""
        request = FrameRequest.of(node, frames, output, scale, cache_frames=cache_frames)
        plans = self.scheduler.plan(request)
        return self._started(request, self.executors.requests.submit(self.scheduler.execute_frames, plans))

    def _started(self, request: FrameRequest, future: Future[Any]) -> Request:
        self._generation += 1
        return Request(future, request.cancel, self._generation)

    def plan(self, request: FrameRequest) -> list[Plan]:
        """The plan pass of ``request``, one plan per frame: reads the graph, so call it on the
        thread that edits the graph; :meth:`execute` may then run each plan on any thread while
        the graph is edited (the viewer plans on the GUI thread and runs on request threads)."""
        return self.scheduler.plan(request)

    def execute(self, plan: Plan) -> Any:
        """The run pass of one plan from :meth:`plan` (any thread; once per plan)."""
        return self.scheduler.execute(plan)

    def execute_frames(self, plans: Sequence[Plan]) -> list[Any]:
        """The run pass of the plans of one request (:meth:`plan` of several frames) together:
        nodes that batch get those frames together (any thread; once per plan)."""
        return self.scheduler.execute_frames(plans)

    def progress(self, plan: Plan) -> tuple[str, int, int] | None:
        """(node name, done, total) that a long node of ``plan`` reported while it runs (tiles,
        slices: ``ctx.report_progress``), or None. Any thread; the viewer polls it."""
        return self.scheduler.progress_of(plan)

    def run_in_background(self, function: Callable[..., Any], *args: Any) -> Future[Any]:
        """Call ``function(*args)`` on the engine's request threads (where :meth:`submit` runs).
        Raises RuntimeError once the engine is closing."""
        return self.executors.requests.submit(function, *args)

    # --- cache and status ------------------------------------------------------------------------

    def key(self, node: str | NodeInstance, frame: int, scale: float = 1.0) -> str:
        """The cache key of ``node`` at ``frame`` (planned here: call on the graph's thread)."""
        return self.scheduler.key(node, frame, scale)

    def lookup(self, key: str) -> Any:
        """The frame cache's value under ``key`` (a plan's key), or
        :data:`~filmstudio.engine.cache.MISSING`: a dictionary lookup, nothing runs."""
        return self.cache.get(key)

    def holds(self, key: str) -> bool:
        """Whether the frame cache holds ``key``, without counting a hit or miss (the cache bar).
        The key of a node that handed on its input unchanged is held while that input's is."""
        return key in self.cache

    def cache_stats(self) -> CacheStats:
        return self.cache.stats()

    @property
    def compute_device(self) -> str:
        """Where GPU nodes run: "cuda:0", ... or "cpu"."""
        return self.executors.compute_device

    def set_observer(self, observer: NodeObserver | None) -> None:
        """Call ``observer(node uuid, frame, event, detail)`` from worker threads as nodes run
        (event "start", "done", "cancelled" or "error" with the message); None stops it."""
        self.scheduler.observer = observer

    def is_cached(self, node: str | NodeInstance, frame: int, scale: float = 1.0) -> bool:
        """Whether evaluating ``node`` at ``frame`` would compute nothing (scrubbing there is
        free). A node that hands on an input unchanged (a Dot, a Switch, a faded-out Title, a
        disabled node) is cached while that input's result is; its memory is counted once."""
        return self.scheduler.is_cached(node, frame, scale)

    def cached(self, nodes: Sequence[str | NodeInstance], frame: int, scale: float = 1.0) -> dict[str, bool]:
        """:meth:`is_cached` for several nodes at once, by uuid (planned together: cheap)."""
        return self.scheduler.cached(nodes, frame, scale)

    def evaluations(self, node: str | NodeInstance) -> int:
        """How many times ``node`` has actually been computed (not served from cache)."""
        return self.scheduler.evaluations[self.project.graph.node(node).uuid]

    def standins(self, node: str | NodeInstance) -> int:
        """How many times ``node``'s stand-in (a preview, see :class:`FrameRequest`) has run."""
        return self.scheduler.standins[self.project.graph.node(node).uuid]

    # --- analysis passes and takes ---------------------------------------------------------------

    def analyze(
        self,
        node: str | NodeInstance,
        frames: Iterable[int] | None = None,
        progress: Callable[[int, int], None] | None = None,
        cancel: CancelToken | None = None,
        *,
        reverse: bool = False,
        carry: Any = None,
    ) -> None:
        """Run ``node``'s analysis pass over ``frames`` (default: the project range) on this thread
        and store the result in the node's state (one undo step). ``reverse`` runs it from the last
        frame to the first (tracking backward); ``carry`` is the node's own request for the pass
        (e.g. a :class:`~filmstudio.core.track.TrackingPass`)."""
        instance = self.project.graph.node(node)
        frames = list(self.project.settings.frame_range if frames is None else frames)
        token = cancel or CancelToken()
        job = run_analysis(self.scheduler, instance, frames, progress, token, reverse=reverse, carry=carry)
        job.apply(self.project.graph)

    def submit_analysis(
        self,
        node: str | NodeInstance,
        frames: Iterable[int] | None = None,
        progress: Callable[[int, int], None] | None = None,
        *,
        reverse: bool = False,
        carry: Any = None,
    ) -> tuple[Future[AnalysisJob], CancelToken]:
        """Run an analysis pass in the background, planned here (the graph may be edited while it
        runs; it analyses the graph as it is now). The future's :class:`AnalysisJob` is applied
        by the caller on the thread that owns the graph (``job.apply(graph)``)."""
        instance = self.project.graph.node(node)
        frames = list(self.project.settings.frame_range if frames is None else frames)
        token = CancelToken()
        plan = plan_analysis(self.scheduler, instance, frames, token, reverse=reverse, carry=carry)
        future = self.executors.requests.submit(run_planned_analysis, self.scheduler, plan, progress, token)
        return future, token

    def plan_analysis(
        self,
        node: str | NodeInstance,
        frames: Iterable[int],
        cancel: CancelToken,
        *,
        reverse: bool = False,
        carry: Any = None,
    ) -> AnalysisPlan:
        """The plan pass of an analysis over ``frames`` (the graph's thread); run it on any thread
        with :meth:`run_analysis_plan`. ``reverse`` and ``carry`` as for :meth:`analyze`."""
        instance = self.project.graph.node(node)
        return plan_analysis(self.scheduler, instance, list(frames), cancel, reverse=reverse, carry=carry)

    def run_analysis_plan(
        self, plan: AnalysisPlan, progress: Callable[[int, int], None] | None, cancel: CancelToken
    ) -> AnalysisJob:
        """Run a pass planned by :meth:`plan_analysis` (any thread); apply the job on the graph's."""
        return run_planned_analysis(self.scheduler, plan, progress, cancel)

    def plan_context(self, request: FrameRequest) -> Plan:
        """The plan pass of the context ``request``'s node would evaluate with, its inputs to be
        computed (the graph's thread): for take generation and other calls that are not
        ``evaluate``. Run it with :meth:`context_of` on any thread."""
        return self.scheduler.plan_context(request)

    def context_of(self, plan: Plan) -> EvalContext:
        """The context planned by :meth:`plan_context`, its inputs computed (any thread; once)."""
        return self.scheduler.context_of(plan)

    def model_worker(self) -> Executor:
        """The executor of the compute device's model worker: model work goes there, where the
        device's resident models live."""
        return self.executors.model_worker()

    def generate_take(self, node: str | NodeInstance, frame: int | None = None) -> str:
        """Make a new generative take for ``node`` and make it active (undoable); returns its id."""
        frame = self.project.settings.current_frame if frame is None else frame
        return generate_take(self.scheduler, self.project.graph.node(node), frame)
