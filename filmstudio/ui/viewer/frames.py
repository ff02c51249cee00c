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

Stand-ins: when the frame must be computed and a slow node on its way offers a stand-in
(:meth:`Node.standin`), a *preview* request (the engine's stand-in evaluation, same generation and
cancel token) is shown first — from the caches at once, or computed ahead of the real request in
the same background job — marked ``preview``; the real frame replaces it when it arrives. A
preview that arrives after the real frame is dropped.

``force_sync`` runs requests on the calling thread (tests, scripts).
"""

from __future__ import annotations

import contextlib
import time
from concurrent.futures import Future
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from filmstudio.core.context import CancelToken
from filmstudio.core.errors import Cancelled, FilmStudioError
from filmstudio.core.graph import GraphEvent, GraphEventKind
from filmstudio.engine.cache import MISSING
from filmstudio.engine.request import FrameRequest
from filmstudio.ui.session import EditorSession
from filmstudio.ui.viewer.display import converts_quickly, to_display
from filmstudio.ui.viewer.display_cache import DisplayCache, DisplayImage
from filmstudio.ui.viewer.state import ViewerState
from filmstudio.ui.viewer.view_request import FrameResult, ViewRequest, cached_value, describe, pixel_count

__all__ = ["FrameRequester", "FrameResult", "ViewRequest", "cached_value", "describe"]

SYNC_CONVERT_PIXELS = 2_100_000  # cached frames up to 1080p convert on the GUI thread (a table lookup)
_SHUTDOWN_WAIT_S = 5.0


class _NotAnImage(FilmStudioError):
    """A layer's node gave nothing to show (disabled with no input, or not an image)."""


class FrameRequester(QObject):
    """Requests the viewed frame whenever the frame, the viewed node, the graph or the viewer's
    settings change. Lives on the GUI thread; its job functions run on the engine's request pool.

    Signals:
        frameReady(FrameResult): a frame (or an error text) to show; GUI thread.
        requestStarted(ViewRequest): a frame is being computed in the background (:attr:`pending`).
        prefetched(int, bool): a look-ahead frame finished (frame, whether it has an image).

    ``standins`` (default True) shows previews; ``state.last_full_seconds`` learns how long the
    last full-resolution frame took (automatic proxy while scrubbing follows it).
    """

    frameReady = Signal(object)
    requestStarted = Signal(object)
    prefetched = Signal(int, bool)
    _finished = Signal(object)  # emitted on a request thread; queued to the GUI thread
    _prefetch_done = Signal(object, int, bool)

    def __init__(self, session: EditorSession, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.state = ViewerState()
        self.images = DisplayCache()
        self.force_sync = False
        self.standins = True
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
            self._learn_slow(self.pending)  # superseded after running this long: at least that slow
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
            self._show(
                FrameResult(None, frame, notice="Nothing to view: add an image node", synchronous=True)
            )
            return
        ready = self._ready_now(request)
        if ready is not None:
            self._show(ready)
            return
        preview = self._preview_of(request)
        if preview is not None:
            shown = self._ready_now(preview)
            if shown is not None and not shown.error:
                self._show(shown)  # a stand-in cached earlier: at once, then the real frame
                preview = None
        if self.force_sync:
            for each in (preview, request):
                if each is not None:
                    self._show(self._evaluate(each) or FrameResult(each, frame))
        elif self._submit(request, self._request_job, preview) is not None:
            self.pending = request
            self.requestStarted.emit(request)

    def capture(
        self, frame: int, generation: int = 0, *, preview: bool = False, token: CancelToken | None = None
    ) -> ViewRequest | None:
        """Plan ``frame`` as the viewer is set now (GUI thread: reads the graph). None when there
        is nothing to view. ``preview``: the stand-in evaluation (see the module)."""
        session, state = self.session, self.state
        layers = state.layers(session.graph, session.viewed_node)
        if not layers:
            return None
        engine = session.engine
        token = token or CancelToken()
        state.frame_interval = 1.0 / float(session.project.settings.fps)
        scale = state.scale
        plans, keys = [], []
        for layer in layers:
            request = FrameRequest.at(layer.node, frame, layer.output, scale, token, standin=preview)
            plan = engine.plan(request)[0]
            under = None
            if layer.under is not None:
                under_request = FrameRequest.at(
                    layer.under[0], frame, layer.under[1], scale, token, standin=preview
                )
                under = engine.plan(under_request)[0]
            plans.append((plan, under))
            under_key = (under.key, layer.under) if under is not None else None
            shown_as = (state.channel, state.display, state.view, state.exact)
            keys.append((plan.key, layer.output, layer.mask, under_key, *shown_as))
        return ViewRequest(
            generation, frame, scale, state.channel, state.display, state.view, state.exact, layers,
            tuple(plans), tuple(keys), engine, token, preview,
        )  # fmt: skip

    def progress(self) -> tuple[str, int, int] | None:
        """(node name, done, total) a long node of the pending request reports, or None."""
        pending = self.pending
        if pending is None:
            return None
        for plan, under in pending.plans:
            for each in (plan, under):
                found = pending.engine.progress(each) if each is not None else None
                if found is not None:
                    return found
        return None

    def _preview_of(self, request: ViewRequest) -> ViewRequest | None:
        """The stand-in request of ``request`` (same generation and token), or None when no
        stand-in applies or one would be no quicker (a model without a stand-in downstream)."""
        if not self.standins:
            return None
        try:
            preview = self.capture(request.frame, request.generation, preview=True, token=request.token)
        except Exception:  # the real request will say what is wrong
            return None
        if preview is None:
            return None
        plans = [plan for pair in preview.plans for plan in pair if plan is not None]
        if not any(plan.uses_standin for plan in plans) or not all(plan.quick_preview for plan in plans):
            return None
        return preview

    def _learn_slow(self, request: ViewRequest) -> None:
        """A full-resolution request superseded after running longer than a frame interval tells
        automatic proxy that full frames are slow (scrubbing a 15 s node never finishes one)."""
        elapsed = time.perf_counter() - request.created
        if request.scale == self.state.proxy and elapsed > self.state.last_full_seconds:
            self.state.last_full_seconds = elapsed

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
        return pixel_count(value) <= SYNC_CONVERT_PIXELS and converts_quickly(
            request.display, request.view, request.channel, mask_alone, request.exact
        )

    def _submit(self, request: ViewRequest, job: Any, *more: Any) -> Future[Any] | None:
        try:
            future = request.engine.run_in_background(job, request, *more)
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
        if result.preview:
            if self.pending is not None and not result.error:  # the real frame has not arrived yet
                self._show(result)
            return
        self.pending = None
        request = result.request
        if not result.error and request.scale == self.state.proxy:
            self.state.last_full_seconds = result.latency
        self._show(result)

    def _on_prefetched(self, request: ViewRequest, frame: int, ok: bool) -> None:
        if not self._closed and request.engine is self.session.engine:
            self.prefetched.emit(frame, ok)

    def _show(self, result: FrameResult) -> None:
        self.last_result = result
        self.frameReady.emit(result)

    # --- request threads -------------------------------------------------------------------------

    def _request_job(self, request: ViewRequest, preview: ViewRequest | None = None) -> None:
        """Request thread: the preview first (if any: cheap, and ahead of the real frame on the
        model worker), then the real frame; each converted and handed to the GUI thread."""
        for each in (preview, request):
            if each is None:
                continue
            result = self._evaluate(each)
            if result is None or request.token.cancelled:
                return
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
