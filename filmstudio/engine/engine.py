"""The engine facade: one project's scheduler, frame cache and threads, for scripts, the editor
and the renderer alike.

    with Engine(project) as engine:
        image = engine.evaluate("Grade1", frame=12)          # torch tensor [4, H, W]
        request = engine.submit("Grade1", frame=13)           # runs in the background
        request.cancel()                                      # latest-wins viewers do this
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from filmstudio.core.context import CancelToken
from filmstudio.core.graph import NodeInstance
from filmstudio.core.project import Project
from filmstudio.engine.cache import FrameCache
from filmstudio.engine.executors import Executors
from filmstudio.engine.jobs import (
    AnalysisJob,
    generate_take,
    plan_analysis,
    run_analysis,
    run_planned_analysis,
)
from filmstudio.engine.memory import tune_allocator
from filmstudio.engine.scheduler import Scheduler


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
    ) -> Any:
        """The value of ``node`` at ``frame`` (default: the project's current frame)."""
        frame = self.project.settings.current_frame if frame is None else frame
        return self.scheduler.evaluate(node, frame, output, scale, cancel)

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
        request runs. See :meth:`Scheduler.evaluate` for ``cache_frames``."""
        token = CancelToken()
        self._generation += 1
        plan = self.scheduler.prepare(node, frame, output, scale, token, cache_frames)
        future = self.executors.requests.submit(self.scheduler.execute, plan)
        return Request(future, token, self._generation)

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
        token = CancelToken()
        self._generation += 1
        plans = self.scheduler.prepare_frames(node, frames, output, scale, token, cache_frames)
        future = self.executors.requests.submit(self.scheduler.execute_frames, plans)
        return Request(future, token, self._generation)

    def is_cached(self, node: str | NodeInstance, frame: int, scale: float = 1.0) -> bool:
        return self.scheduler.is_cached(node, frame, scale)

    def cached(self, nodes: Sequence[str | NodeInstance], frame: int, scale: float = 1.0) -> dict[str, bool]:
        """:meth:`is_cached` for several nodes at once, by uuid (planned together: cheap)."""
        return self.scheduler.cached(nodes, frame, scale)

    def evaluations(self, node: str | NodeInstance) -> int:
        """How many times ``node`` has actually been computed (not served from cache)."""
        return self.scheduler.evaluations[self.project.graph.node(node).uuid]

    # --- analysis passes and takes ---------------------------------------------------------------

    def analyze(
        self,
        node: str | NodeInstance,
        frames: Iterable[int] | None = None,
        progress: Callable[[int, int], None] | None = None,
        cancel: CancelToken | None = None,
    ) -> None:
        """Run ``node``'s analysis pass over ``frames`` (default: the project range) on this thread
        and store the result in the node's state (one undo step)."""
        instance = self.project.graph.node(node)
        frames = list(self.project.settings.frame_range if frames is None else frames)
        job = run_analysis(self.scheduler, instance, frames, progress, cancel or CancelToken())
        job.apply(self.project.graph)

    def submit_analysis(
        self,
        node: str | NodeInstance,
        frames: Iterable[int] | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> tuple[Future[AnalysisJob], CancelToken]:
        """Run an analysis pass in the background, planned here (the graph may be edited while it
        runs; it analyses the graph as it is now). The future's :class:`AnalysisJob` is applied
        by the caller on the thread that owns the graph (``job.apply(graph)``)."""
        instance = self.project.graph.node(node)
        frames = list(self.project.settings.frame_range if frames is None else frames)
        token = CancelToken()
        plan = plan_analysis(self.scheduler, instance, frames, token)
        future = self.executors.requests.submit(run_planned_analysis, self.scheduler, plan, progress, token)
        return future, token

    def generate_take(self, node: str | NodeInstance, frame: int | None = None) -> str:
        """Make a new generative take for ``node`` and make it active (undoable); returns its id."""
        frame = self.project.settings.current_frame if frame is None else frame
        return generate_take(self.scheduler, self.project.graph.node(node), frame)
