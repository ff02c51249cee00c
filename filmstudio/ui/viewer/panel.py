"""The viewer panel: toolbar, image canvas, readout line and timeline, stacked vertically, with the
viewer's actions and their Nuke-style shortcuts. GUI thread.

Shortcuts act while the panel (or a child) has focus, so R/G/B/A and the arrows do not fight the
node graph's keys; the main window may put the same actions in its menus.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QFont, QHideEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from filmstudio.core.errors import FilmStudioError
from filmstudio.core.graph import GraphEvent, GraphEventKind
from filmstudio.ui.jobs import Job
from filmstudio.ui.session import EditorSession
from filmstudio.ui.viewer.actions import CHANNEL_ACTIONS, PROXY_ACTIONS, make_actions
from filmstudio.ui.viewer.canvas import ImageCanvas
from filmstudio.ui.viewer.display import Channel, PixelValue, display_default_view, display_names, view_names
from filmstudio.ui.viewer.follow import ViewerFollower
from filmstudio.ui.viewer.frames import FrameRequester, FrameResult
from filmstudio.ui.viewer.icons import icon
from filmstudio.ui.viewer.keys import key_frames, next_key, previous_key
from filmstudio.ui.viewer.node_tools import NodeTools
from filmstudio.ui.viewer.overlays import OverlayController
from filmstudio.ui.viewer.playback import Playback
from filmstudio.ui.viewer.progress import ComputeStatus
from filmstudio.ui.viewer.render_cache import render_action, render_to_cache_job
from filmstudio.ui.viewer.state import viewable_outputs
from filmstudio.ui.viewer.timeline import TimelineBar, last_frame_span
from filmstudio.ui.viewer.toolbar import VIEWED, ViewerToolbar
from filmstudio.ui.viewer.viewer_sound import ViewerSound

STYLE = """
#ViewerToolbar, #ViewerNodeTools { background: #2f2f2f; border-bottom: 1px solid #1a1a1a; }
#ViewerStatus { background: #1b1b1b; border-top: 1px solid #111; }
#ViewerStatus QLabel { color: #a4a4a4; }
#TimelineControls { background: #2b2b2b; border-top: 1px solid #1a1a1a; }
QComboBox { padding: 1px 6px; }
"""


class ViewerPanel(QWidget):
    """Viewer + timeline for a session. Attributes the main window uses: ``canvas``, ``timeline``,
    ``playback``, ``requester``, ``actions_by_name`` (QActions, also added to the panel) and
    ``node_tools`` (the selected node's tools: its ``jobCreated`` jobs are the owner's to start;
    the viewer's own jobs, Render to Cache, go out through it too).
    Call :meth:`shutdown` before the session closes (closing the panel does it too)."""

    readoutChanged = Signal(str)

    def __init__(self, session: EditorSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ViewerPanel")
        self.setStyleSheet(STYLE)
        self.session = session
        self.requester = FrameRequester(session, self)
        self.state = self.requester.state
        self.playback = Playback(session, self.requester, self)
        self.follower = ViewerFollower(session, self.shown_view, self._adopt_view, self)
        self.follower.adopt_from_project()  # Writes "same as viewer" hold the project's choice
        self.actions_by_name = self._make_actions()
        self.keys: list[int] = []
        self._closed = False

        self.toolbar = ViewerToolbar(self.actions_by_name, display_names(), self)
        self.canvas = ImageCanvas(self)
        self.canvas.overlays = OverlayController(session, self.canvas.update, self)
        self.timeline = TimelineBar(session, self.actions_by_name, self._cache_source, self)
        self.sound = ViewerSound(session, self.timeline, self.playback, self)
        self.node_tools = NodeTools(session, self.canvas.overlays, self.timeline, self)
        status = QWidget(self)
        status.setObjectName("ViewerStatus")
        row = QHBoxLayout(status)
        row.setContentsMargins(10, 2, 10, 2)
        self.readout_label = QLabel(status)
        mono = QFont("DejaVu Sans Mono")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        mono.setPointSizeF(8.5)
        self.readout_label.setFont(mono)
        self.info_label = QLabel(status)
        row.addWidget(self.readout_label, 1)
        row.addWidget(self.info_label)
        for widget in (
            self.toolbar,
            status,
            self.timeline,
            self.timeline.findChild(QWidget, "TimelineControls"),
        ):
            widget.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.node_tools)
        layout.addWidget(self.canvas, 1)
        layout.addWidget(status)
        layout.addWidget(self.timeline)

        self._wire()
        # after _wire: the canvas shows a delivered frame before the status says what follows
        self.compute_status = ComputeStatus(self.requester, self.canvas, self.info_label.setText, self)
        self._sync_all()
        self.requester.refresh()

    # --- actions ---------------------------------------------------------------------------------

    def _make_actions(self) -> dict[str, QAction]:
        slots: dict[str, Callable[[], None]] = {
            "play": self.playback.toggle,
            "step_back": lambda: self.step(-1),
            "step_forward": lambda: self.step(1),
            "step_back_10": lambda: self.step(-10),
            "step_forward_10": lambda: self.step(10),
            "previous_key": self.previous_key,
            "next_key": self.next_key,
            "first_frame": lambda: self._go(self.session.in_point),
            "last_frame": lambda: self._go(self.session.out_point),
            "set_in": lambda: self.session.set_in_out(in_point=self.session.current_frame),
            "set_out": lambda: self.session.set_in_out(out_point=self.session.current_frame),
            "clear_in_out": lambda: self.session.set_in_out(*last_frame_span(self.session)),
            "fit": lambda: self.canvas.fit(),
            "zoom_100": lambda: self.canvas.set_zoom(1.0),
            "zoom_in": lambda: self.canvas.zoom_by(1.25),
            "zoom_out": lambda: self.canvas.zoom_by(0.8),
            "input_a": lambda: self.assign_input("a"),
            "input_b": lambda: self.assign_input("b"),
        }
        actions = make_actions(self)
        actions["render_to_cache"] = render_action(self)  # Nuke's flipbook: the range to RAM
        slots["render_to_cache"] = self.render_to_cache
        for name, slot in slots.items():
            actions[name].triggered.connect(slot)
        actions["loop"].setChecked(True)
        actions["loop"].toggled.connect(self._set_loop)
        actions["wipe"].toggled.connect(self.set_wipe)
        actions["mask_overlay"].toggled.connect(self._set_mask_overlay)
        actions["auto_proxy"].setChecked(True)
        actions["auto_proxy"].toggled.connect(self._set_auto_proxy)
        actions["exact_display"].toggled.connect(self._set_exact)
        for name, channel in CHANNEL_ACTIONS.items():
            actions[name].triggered.connect(lambda _checked=False, c=channel: self.toggle_channel(c))
        for name, scale in PROXY_ACTIONS.items():
            actions[name].triggered.connect(lambda _checked=False, s=scale: self.set_proxy(s))
        return actions

    def _wire(self) -> None:
        requester, toolbar, session = self.requester, self.toolbar, self.session
        requester.frameReady.connect(self._frame_ready)
        self.canvas.pixelHovered.connect(self._readout)
        self.canvas.zoomChanged.connect(toolbar.set_zoom)
        self.timeline.ruler.scrubStarted.connect(self._scrub_started)
        self.timeline.ruler.scrubFinished.connect(self._scrub_finished)
        self.playback.playingChanged.connect(self._playing_changed)
        for changed in (self.playback.statusChanged, self.playback.droppedChanged):
            changed.connect(lambda _value: self.timeline.set_playback_status(self.playback.summary))
        toolbar.channel_combo.activated.connect(
            lambda index: self.set_channel(toolbar.channel_combo.itemData(index))
        )
        toolbar.display_combo.textActivated.connect(self.set_display)
        toolbar.view_combo.textActivated.connect(self.set_view)
        toolbar.output_combo.textActivated.connect(self.set_output)
        toolbar.a_combo.activated.connect(
            lambda index: self._choose_input("a", toolbar.a_combo.itemData(index))
        )
        toolbar.b_combo.activated.connect(
            lambda index: self._choose_input("b", toolbar.b_combo.itemData(index))
        )
        self._session_slots = (
            (session.frameChanged, self._frame_changed),
            (session.rangeChanged, self.timeline.sync),
            (session.viewedNodeChanged, self._viewed_changed),
            (session.graphChanged, self._graph_changed),
            (session.projectReplaced, self._project_replaced),
            (session.nodeStatusChanged, self.timeline.schedule_cache_refresh),
        )
        for signal, slot in self._session_slots:
            signal.connect(slot)

    # --- transport -------------------------------------------------------------------------------

    def step(self, frames: int) -> None:
        self.playback.stop()
        self.session.set_frame(self.session.current_frame + frames)

    def _go(self, frame: int) -> None:
        self.playback.stop()
        self.session.set_frame(frame)

    def next_key(self) -> None:
        frame = next_key(self.keys, self.session.current_frame)
        if frame is not None:
            self._go(frame)

    def previous_key(self) -> None:
        frame = previous_key(self.keys, self.session.current_frame)
        if frame is not None:
            self._go(frame)

    def _set_loop(self, loop: bool) -> None:
        self.playback.loop = loop

    def render_to_cache(self) -> Job | None:
        """Render the in/out range of what the viewer shows into the frame cache as a job (the
        owner starts it: ``node_tools.jobCreated``); the cache bar fills as it runs. None, with
        a message saying why, when there is nothing to render or the range cannot fit."""
        try:
            job = render_to_cache_job(self.session, self.state)
        except FilmStudioError as error:
            self.session.report(str(error), "warning")
            return None
        job.progressed.connect(lambda _done, _total: self.timeline.schedule_cache_refresh())
        job.finished.connect(lambda _state, _message: self._closed or self.timeline.refresh_cache_bar())
        self.node_tools.jobCreated.emit(job)
        return job

    def _playing_changed(self, playing: bool) -> None:
        action = self.actions_by_name["play"]
        action.setIcon(icon("pause" if playing else "play"))
        action.setText("Pause" if playing else "Play / Pause")

    def _scrub_started(self) -> None:
        self.playback.stop()
        self.state.scrubbing = True

    def _scrub_finished(self) -> None:
        self.state.scrubbing = False
        self.requester.refresh()  # refine the proxy frame shown while dragging

    # --- viewer settings -------------------------------------------------------------------------

    def set_channel(self, channel: Channel) -> None:
        self.state.channel = channel
        self._sync_toolbar()
        self.requester.refresh()

    def toggle_channel(self, channel: Channel) -> None:
        """Nuke's R/G/B/A keys: show that channel; the same key again goes back to RGB."""
        self.set_channel(Channel.RGB if self.state.channel is channel else channel)

    def set_display(self, display: str) -> None:
        """Show through ``display`` (with its default view); Writes "same as viewer" follow."""
        self.state.display, self.state.view = display, None
        self._sync_toolbar()
        self.requester.refresh()
        self.follower.viewer_changed()

    def set_view(self, view: str) -> None:
        self.state.view = view
        self.requester.refresh()
        self.follower.viewer_changed()

    def shown_view(self) -> tuple[str, str]:
        """The (display, view) the viewer shows through."""
        return self.state.display, self.state.view or display_default_view(self.state.display)

    def _adopt_view(self, display: str, view: str) -> None:
        self.state.display, self.state.view = display, view
        self._sync_toolbar()
        self.requester.refresh()

    def set_proxy(self, scale: float) -> None:
        self.state.proxy = float(scale)
        self._sync_toolbar()
        self.requester.refresh()
        self.timeline.schedule_cache_refresh()

    def _set_auto_proxy(self, auto: bool) -> None:
        self.state.auto_proxy = auto
        self._sync_toolbar()

    def _set_exact(self, exact: bool) -> None:
        self.state.exact = exact
        self.requester.refresh()

    def set_wipe(self, wipe: bool) -> None:
        if wipe != self.state.wipe:
            self.state.wipe = wipe
            self._sync_toolbar()
            self.requester.refresh()

    def _set_mask_overlay(self, overlay: bool) -> None:
        self.state.mask_overlay = overlay
        self.requester.refresh()

    def set_output(self, output: str) -> None:
        viewed = self.session.viewed_node
        if viewed is not None:
            self.state.outputs[viewed] = output
            self.requester.refresh()

    def assign_input(self, which: str) -> None:
        """Keys 1 and 2: the viewed node becomes input A or B; assigning B turns the wipe on."""
        viewed = self.session.viewed_node
        if viewed is None:
            return
        self._choose_input(which, viewed)
        if which == "b":
            self.actions_by_name["wipe"].setChecked(True)

    def _choose_input(self, which: str, uuid: str | None) -> None:
        setattr(self.state, f"input_{which}", uuid)
        self._sync_toolbar()
        if self.state.wipe:
            self.requester.refresh()

    # --- following the session and the requester -------------------------------------------------

    def _frame_ready(self, result: FrameResult) -> None:
        self.canvas.show_result(result)
        request = result.request
        if request is not None and request.scale == self.state.proxy and request.plans and not result.preview:
            self.timeline.cached.note(request.frame, request.plans[0][0].key)
        self.timeline.schedule_cache_refresh()
        if result.error:
            self.info_label.setText("error")
        elif result.notice:
            self.info_label.setText("")
        elif result.preview:
            self.info_label.setText(f"frame {result.frame}  ·  preview in {result.latency * 1000:.0f} ms")
        elif result.synchronous:
            self.info_label.setText(f"frame {result.frame}  ·  cached")
        else:
            self.info_label.setText(f"frame {result.frame}  ·  {result.latency * 1000:.0f} ms")

    def _readout(self, value: PixelValue | None) -> None:
        text = value.describe() if value is not None else ""
        self.readout_label.setText(text)
        self.readoutChanged.emit(text)

    def _frame_changed(self, frame: int) -> None:
        self.timeline.sync()

    def _viewed_changed(self) -> None:
        self._sync_viewed()
        self.timeline.schedule_cache_refresh()

    def _graph_changed(self, event: GraphEvent) -> None:
        if event.kind is GraphEventKind.NODE_CHANGED and event.detail == "position":
            return
        if event.kind in (GraphEventKind.NODE_ADDED, GraphEventKind.NODE_REMOVED) or event.detail == "name":
            self._sync_toolbar()
        if event.node == self.session.viewed_node:
            self._sync_viewed()
        self.timeline.schedule_cache_refresh()

    def _project_replaced(self) -> None:
        self.playback.stop()
        self._sync_all()

    def _cache_source(self) -> tuple[str | None, float]:
        layers = self.state.layers(self.session.graph, self.session.viewed_node)
        return (layers[0].node if layers else None), self.state.proxy

    # --- keeping controls in step ----------------------------------------------------------------

    def _sync_all(self) -> None:
        self.timeline.sync()
        self._sync_toolbar()
        self._sync_viewed()
        self.toolbar.set_zoom(self.canvas.zoom)
        self.timeline.schedule_cache_refresh()

    def _sync_viewed(self) -> None:
        graph = self.session.graph
        viewed = graph.nodes.get(self.session.viewed_node or "")
        self.keys = key_frames(viewed)
        self.timeline.set_keys(self.keys)
        toolbar = self.toolbar
        toolbar.node_label.setText(viewed.name if viewed is not None else "—")
        outputs = viewable_outputs(viewed) if viewed is not None else []
        toolbar.output_combo.clear()
        toolbar.output_combo.addItems(outputs)
        if viewed is not None and viewed.uuid in self.state.outputs:
            toolbar.output_combo.setCurrentText(self.state.outputs[viewed.uuid])
        toolbar.output_combo.setVisible(len(outputs) > 1)

    def _sync_toolbar(self) -> None:
        state, toolbar, actions = self.state, self.toolbar, self.actions_by_name
        graph = self.session.graph
        for combo, chosen in ((toolbar.a_combo, state.input_a), (toolbar.b_combo, state.input_b)):
            combo.clear()
            combo.addItem(VIEWED, None)
            for node in graph.nodes.values():
                if viewable_outputs(node):
                    combo.addItem(node.name, node.uuid)
            combo.setCurrentIndex(max(0, combo.findData(chosen)) if chosen in graph.nodes else 0)
        toolbar.channel_combo.setCurrentIndex(toolbar.channel_combo.findData(state.channel))
        for name, channel in CHANNEL_ACTIONS.items():
            actions[name].setChecked(state.channel is channel)
        for name, scale in PROXY_ACTIONS.items():
            actions[name].setChecked(state.proxy == scale)
        actions["wipe"].setChecked(state.wipe)
        toolbar.display_combo.setCurrentText(state.display)
        views = view_names(state.display)
        toolbar.view_combo.clear()
        toolbar.view_combo.addItems(views)
        toolbar.view_combo.setCurrentText(state.view or display_default_view(state.display) or "")
        toolbar.view_combo.setVisible(bool(views))
        toolbar.set_proxy_text(state.proxy, state.auto_proxy)

    # --- lifetime --------------------------------------------------------------------------------

    def hideEvent(self, event: QHideEvent) -> None:
        self.playback.stop()
        self.sound.player.stop()
        self.timeline.stop()
        self.canvas.stop()
        self.compute_status.stop()
        super().hideEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop playback and timers, cancel and wait for frame requests, let go of the session.
        Idempotent; call it before the session (and its engine) closes."""
        if self._closed:
            return
        self._closed = True
        self.playback.shutdown()
        self.sound.shutdown()
        self.timeline.stop()
        self.canvas.stop()
        self.compute_status.stop()
        self.requester.shutdown()
        self.follower.shutdown()
        for signal, slot in self._session_slots:
            signal.disconnect(slot)
