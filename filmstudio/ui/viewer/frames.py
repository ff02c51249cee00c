"""Frame delivery for the viewer: latest-wins requests that never block the GUI thread.

The habit is napari's layer slicer. A :class:`ViewRequest` is captured on the GUI thread — the
engine's plan pass reads the graph there, so the graph may change while the request runs — and
then one of three things happens:

* the display cache holds every layer already (scrubbing back, prefetched playback frames), or the
  engine's frame cache holds the results and they are small enough to convert at once: the frame
  is shown synchronously, with no thread hop;
* otherwise the request runs on the engine's request threads — evaluate, then convert to display
  pixels there too — and the result comes back by queued signal;
* a newer request supersedes it first: its cancel token fires (long nodes stop between slices)
  and a result that still arrives carries an old generation and is dropped.

``force_sync`` runs requests on the calling thread (tests, scripts).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Hashable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from filmstudio.core.context import CancelToken
from filmstudio.core.errors import Cancelled, EvaluationError, FilmStudioError
from filmstudio.core.graph import GraphEvent, GraphEventKind
from filmstudio.engine.cache import MISSING
from filmstudio.engine.engine import Engine
from filmstudio.engine.planner import Plan
from filmstudio.engine.request import FrameRequest
from filmstudio.ui.session import EditorSession
from filmstudio.ui.viewer.display import Channel, converts_quickly, to_display
from filmstudio.ui.viewer.display_cache import DisplayCache, DisplayImage
from filmstudio.ui.viewer.state import Layer, ViewerState

SYNC_CONVERT_PIXELS = 2_100_000  # cached frames up to 1080p convert on the GUI thread (a table lookup)
_SHUTDOWN_WAIT_S = 5.0


@dataclass(frozen=True, eq=False)
class ViewRequest:
    """One frame the viewer wants, captured on the GUI thread: per layer the engine plan of its
    output (and of the image under a mask overlay) and its display-cache key."""

    generation: int
    frame: int
    scale: float
    channel: Channel
    display: str
    view: str | None
    exact: bool
    layers: tuple[Layer, ...]
    plans: tuple[tuple[Plan, Plan | None], ...]
    keys: tuple[Hashable, ...]
    engine: Engine
    token: CancelToken
    created: float = field(default_factory=time.perf_counter)

    def cancel(self) -> None:
        self.token.cancel("superseded")


@dataclass(frozen=True, eq=False)
class FrameResult:
    """What the viewer shows for one request: a display image per layer and the working-space
    values beneath them (for the pixel readout; None where the cache let go of one), or an error
    text. Created on any thread, delivered on the GUI thread."""

    request: ViewRequest | None
    frame: int
    images: tuple[DisplayImage, ...] = ()
    working: tuple[Any, ...] = ()
    error: str = ""
    synchronous: bool = False

    @property
    def latency(self) -> float:
        """Seconds from capturing the request to now (call it on delivery)."""
        return time.perf_counter() - self.request.created if self.request is not None else 0.0


def describe(error: BaseException) -> str:
    """A failure as one line for the viewer: never a traceback."""
    if isinstance(error, EvaluationError):
        return f"{error.node_name} failed at frame {error.frame}: {error.problem}"
    if isinstance(error, FilmStudioError):
        return str(error)
    return f"{type(error).__name__}: {error}"


class _NotAnImage(FilmStudioError):
    """A layer's node gave nothing to show (disabled with no input, or not an image)."""


class FrameRequester(QObject):
    """Requests the viewed frame whenever the frame, the viewed node, the graph or the viewer's
    settings change. Lives on the GUI thread; its job functions run on the engine's request pool.

    Signals:
        frameReady(FrameResult): a frame (or an error text) to show; GUI thread.
        requestStarted(): a frame is being computed in the background (show a busy mark).
        prefetched(int, bool): a look-ahead frame finished (frame, whether it has an image).
    """

    frameReady = Signal(object)
    requestStarted = Signal()
    prefetched = Signal(int, bool)
    _finished = Signal(object)  # emitted on a request thread; queued to the GUI thread
    _prefetch_done = Signal(object, int, bool)

    def __init__(self, session: EditorSession, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.state = ViewerState()
        self.images = DisplayCache()
        self.force_sync = False
        self.pending: ViewRequest | None = None  # the request running in the background, if any
        self.last_result: FrameResult | None = None
        self._generation = 0
        self._futures: dict[Future[Any], ViewRequest] = {}
        self._closed = False
        self._coalesce = QTimer(self)
        self._coalesce.setObjectName("viewer graph-change refresh")
        self._coalesce.setSingleShot(True)
        self._coalesce.setInterval(0)
        self._coalesce.timeout.connect(self.refresh)
        self._finished.connect(self._on_finished)
        self._prefetch_done.connect(self._on_prefetched)
        session.frameChanged.connect(self.refresh)
        session.viewedNodeChanged.connect(self.refresh)
        session.graphChanged.connect(self._graph_changed)
        session.projectReplaced.connect(self._project_replaced)

    # --- GUI thread ------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Show the current frame as the viewer is set now (GUI thread). Cancels the request
        still running; delivers synchronously when the frame is at hand."""
        if self._closed:
            return
        self._coalesce.stop()
        if self.pending is not None:
            self.pending.cancel()
            self.pending = None
        self._generation += 1
        frame = self.session.current_frame
        try:
            request = self.capture(frame, self._generation)
        except Exception as error:  # planning reads the graph; a problem there is shown, not raised
            self._show(FrameResult(None, frame, error=describe(error), synchronous=True))
            return
        if request is None:
            self._show(FrameResult(None, frame, error="Nothing to view: add an image node", synchronous=True))
            return
        ready = self._ready_now(request)
        if ready is not None:
            self._show(ready)
        elif self.force_sync:
            self._show(self._evaluate(request) or FrameResult(request, frame))
        elif self._submit(request, self._request_job) is not None:
            self.pending = request
            self.requestStarted.emit()

    def capture(self, frame: int, generation: int = 0) -> ViewRequest | None:
        """Plan ``frame`` as the viewer is set now (GUI thread: reads the graph). None when there
        is nothing to view."""
        session, state = self.session, self.state
        layers = state.layers(session.graph, session.viewed_node)
        if not layers:
            return None
        engine = session.engine
        token = CancelToken()
        scale = state.scale
        plans, keys = [], []
        for layer in layers:
            plan = engine.plan(FrameRequest.at(layer.node, frame, layer.output, scale, token))[0]
            under = None
            if layer.under is not None:
                under = engine.plan(FrameRequest.at(layer.under[0], frame, layer.under[1], scale, token))[0]
            plans.append((plan, under))
            under_key = (under.key, layer.under) if under is not None else None
            shown_as = (state.channel, state.display, state.view, state.exact)
            keys.append((plan.key, layer.output, layer.mask, under_key, *shown_as))
        return ViewRequest(
            generation, frame, scale, state.channel, state.display, state.view, state.exact, layers,
            tuple(plans), tuple(keys), engine, token,
        )  # fmt: skip

    def is_ready(self, frame: int) -> bool:
        """Whether ``frame`` would show at once (display cache, or engine cache). GUI thread."""
        try:
            request = self.capture(frame)
        except Exception:
            return False
        if request is None:
            return True
        if all(key in self.images for key in request.keys):
            return True
        return all(
            cached_value(request.engine, plan) is not MISSING
            and (under is None or cached_value(request.engine, under) is not MISSING)
            for plan, under in request.plans
        )

    def prefetch(self, frame: int) -> Future[Any] | None:
        """Evaluate and convert ``frame`` in the background into the display cache (playback's
        look-ahead). None when it is ready already or cannot be planned. GUI thread; cancel the
        returned future's work with :meth:`cancel_prefetch`."""
        if self._closed:
            return None
        try:
            request = self.capture(frame)
        except Exception:
            return None
        if request is None or all(key in self.images for key in request.keys):
            return None
        if self.force_sync:
            result = self._evaluate(request)
            self.prefetched.emit(frame, result is not None and not result.error)
            return None
        return self._submit(request, self._prefetch_job)

    def cancel_prefetch(self, future: Future[Any]) -> None:
        request = self._futures.get(future)
        if request is not None:
            request.cancel()
        future.cancel()

    def shutdown(self) -> None:
        """Stop: cancel every request, wait for running ones, disconnect from the session."""
        if self._closed:
            return
        self._closed = True
        self._coalesce.stop()
        for signal, slot in (
            (self.session.frameChanged, self.refresh),
            (self.session.viewedNodeChanged, self.refresh),
            (self.session.graphChanged, self._graph_changed),
            (self.session.projectReplaced, self._project_replaced),
        ):
            signal.disconnect(slot)
        futures = list(self._futures.items())
        for future, request in futures:
            request.cancel()
            future.cancel()
        for future, _request in futures:
            with contextlib.suppress(Exception):  # cancelled, or a timeout: nothing more to do
                future.exception(timeout=_SHUTDOWN_WAIT_S)
        self._futures.clear()
        self.pending = None

    def _graph_changed(self, event: GraphEvent) -> None:
        if event.kind is GraphEventKind.NODE_CHANGED and event.detail == "position":
            return  # moving a node in the graph changes nothing the viewer shows
        self._coalesce.start()  # one refresh for a burst of edits (a paste, an undo of a macro)

    def _project_replaced(self) -> None:
        self.images.clear()
        self.state.input_a = self.state.input_b = None
        self.state.outputs.clear()
        self.refresh()

    def _ready_now(self, request: ViewRequest) -> FrameResult | None:
        """The frame from the display cache or the engine's cache, converted here; None when
        something must be computed (or the frame is too large to convert on the GUI thread)."""
        images, working = [], []
        for index, ((plan, under_plan), key) in enumerate(zip(request.plans, request.keys, strict=True)):
            image = self.images.get(key)
            value = cached_value(request.engine, plan)
            if image is None:
                under = None if under_plan is None else cached_value(request.engine, under_plan)
                if value is MISSING or under is MISSING or not self._quick(request, index, value):
                    return None
                try:
                    image = self._convert(request, index, value, under)
                except _NotAnImage as problem:
                    return FrameResult(request, request.frame, error=str(problem), synchronous=True)
            images.append(image)
            working.append(None if value is MISSING else value)
        return FrameResult(request, request.frame, tuple(images), tuple(working), synchronous=True)

    @staticmethod
    def _quick(request: ViewRequest, index: int, value: Any) -> bool:
        """Whether converting ``value`` is cheap enough for the GUI thread."""
        layer = request.layers[index]
        mask_alone = layer.mask and layer.under is None
        return _pixels(value) <= SYNC_CONVERT_PIXELS and converts_quickly(
            request.display, request.view, request.channel, mask_alone, request.exact
        )

    def _submit(self, request: ViewRequest, job: Any) -> Future[Any] | None:
        try:
            future = request.engine.run_in_background(job, request)
        except RuntimeError:  # the engine is closing (project replaced, editor quitting)
            return None
        self._futures[future] = request
        future.add_done_callback(self._forget)
        return future

    def _forget(self, future: Future[Any]) -> None:
        self._futures.pop(future, None)  # any thread: a dict pop is atomic

    def _on_finished(self, result: FrameResult) -> None:
        if self._closed or result.request is None or result.request.generation != self._generation:
            return  # superseded while it ran: a newer request is on its way or shown
        self.pending = None
        self._show(result)

    def _on_prefetched(self, request: ViewRequest, frame: int, ok: bool) -> None:
        if not self._closed and request.engine is self.session.engine:
            self.prefetched.emit(frame, ok)

    def _show(self, result: FrameResult) -> None:
        self.last_result = result
        self.frameReady.emit(result)

    # --- request threads -------------------------------------------------------------------------

    def _request_job(self, request: ViewRequest) -> None:
        """Request thread: evaluate and convert, then hand the result to the GUI thread."""
        result = self._evaluate(request)
        if result is not None and not request.token.cancelled:
            self._finished.emit(result)

    def _prefetch_job(self, request: ViewRequest) -> None:
        """Request thread: evaluate and convert into the display cache."""
        result = self._evaluate(request)
        if result is not None and not request.token.cancelled:
            self._prefetch_done.emit(request, request.frame, not result.error)

    def _evaluate(self, request: ViewRequest) -> FrameResult | None:
        """Any thread: run the request's plans and convert each layer (None if cancelled)."""
        engine = request.engine
        images, working = [], []
        try:
            for index, (plan, under_plan) in enumerate(request.plans):
                value = engine.execute(plan)
                under = None if under_plan is None else engine.execute(under_plan)
                request.token.raise_if_cancelled()
                image = self.images.get(request.keys[index]) or self._convert(request, index, value, under)
                images.append(image)
                working.append(value)
        except Cancelled:
            return None
        except Exception as error:
            return FrameResult(request, request.frame, error=describe(error))
        return FrameResult(request, request.frame, tuple(images), tuple(working))

    def _convert(self, request: ViewRequest, index: int, value: Any, under: Any) -> DisplayImage:
        """Any thread: working-space value -> display image, remembered in the display cache."""
        layer = request.layers[index]
        name = layer.name or "the viewed node"
        if value is None:
            raise _NotAnImage(f"{name} has no image at frame {request.frame} (disabled, nothing connected)")
        try:
            pixels = to_display(
                value,
                request.channel,
                request.display,
                request.view,
                mask=layer.mask,
                under=under,
                exact=request.exact,
            )
        except TypeError as error:
            raise _NotAnImage(f"{name}: {error}") from None
        image = DisplayImage.wrap(request.keys[index], pixels, request.scale)
        self.images.put(image)
        return image


def cached_value(engine: Engine, plan: Plan) -> Any:
    """The plan's result if the engine's cache holds it, else :data:`MISSING`: a dictionary lookup
    (no node runs, no thread hop). GUI thread. A multi-output result is read by the plan's port;
    when that port is not in it (a disabled node passing on another node's output) the frame is
    simply treated as not cached and takes the background path."""
    key = plan.key
    if key == "nothing":
        return None
    value = engine.lookup(key)
    if isinstance(value, dict):
        return value.get(plan.port, MISSING)
    return value


def _pixels(value: Any) -> int:
    shape = getattr(value, "shape", None)
    return int(shape[-1] * shape[-2]) if shape is not None and len(shape) >= 2 else 0
