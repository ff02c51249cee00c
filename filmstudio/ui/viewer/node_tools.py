"""The viewer's node tools: a row under the viewer toolbar, shown while the selected node offers
tools there, as Nuke shows a Tracker's buttons in its viewer, and the timeline's curve strip for
the node's selected handle (:mod:`filmstudio.ui.viewer.curve_strip`). GUI thread.

- **Add** (nodes that implement ``overlay_click``, a Tracker's "+ track"): while on, a click away
  from handles adds at the point; Ctrl+Alt+click does it with the tool off (Nuke's gesture).
- **Analysis passes** (nodes with an analysis pass) from the current frame: backward to the in
  point (Z), one frame back (X), one frame forward (C), forward to the out point (V) — Nuke's keys
  while the viewer has focus — and over the in/out range; **Stop** cancels. A pass started here
  carries the node's :meth:`~filmstudio.core.node.Node.analysis_request` for the selected handle
  (a Tracker tracks the selected track, or every track when none is selected).

- **Contact Sheet** (nodes whose takes are seeds: a GAN Generator): 9 or 16 candidate seeds drawn
  and rendered as a job, shown over the viewer's canvas (``owner.canvas``) by
  :class:`~filmstudio.ui.takes.contact_sheet.ContactSheetOverlay`; a click makes one a take.

A pass is an analysis job (:func:`filmstudio.ui.jobs.analysis_job`): the row emits ``jobCreated``
and its owner lists and starts the job in the jobs panel (the main window does), which stores the
result as one undo step. The row follows the job: its progress shows beside the buttons, Stop
cancels it, and when it is done the playhead goes to the last analysed frame.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction, QFont, QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMenu, QToolButton, QWidget

from filmstudio.core.errors import FilmStudioError
from filmstudio.core.graph import GraphEvent, GraphEventKind, NodeInstance
from filmstudio.core.takes import offers_seeds
from filmstudio.ui.jobs import Job, analysis_job
from filmstudio.ui.session import EditorSession
from filmstudio.ui.takes.contact_sheet import ContactSheetOverlay
from filmstudio.ui.takes.hub import CONTACT_SHEET_SIZES, ContactSheet, hub_of
from filmstudio.ui.viewer.curve_strip import CurveStrip
from filmstudio.ui.viewer.icons import icon
from filmstudio.ui.viewer.overlays import OverlayController
from filmstudio.ui.viewer.timeline import TimelineBar, last_frame_span


@dataclass(frozen=True)
class PassKind:
    """One of the row's pass buttons: ``name`` also names its QAction (``viewer_pass_<name>``)."""

    name: str
    text: str
    shortcut: str
    icon: str
    reverse: bool


PASSES = (
    PassKind("backward", "Backward to the In Point", "Z", "play_back", True),
    PassKind("step_backward", "One Frame Back", "X", "step_back", True),
    PassKind("step_forward", "One Frame Forward", "C", "step_forward", False),
    PassKind("forward", "Forward to the Out Point", "V", "play", False),
    PassKind("range", "Over the In/Out Range", "", "range", False),
)


def pass_frames(kind: str, current: int, in_point: int, out_point: int, first: int, last: int) -> list[int]:
    """The frames a pass analyses, in its order, starting at its seed frame: ``current`` for the
    directed passes (empty when there is nowhere to go), ``in_point`` for the range. ``first`` and
    ``last`` bound the one-frame steps (the project's frames)."""
    if kind == "backward":
        return list(range(current, in_point - 1, -1)) if current > in_point else []
    if kind == "step_backward":
        return [current, current - 1] if current - 1 >= first else []
    if kind == "step_forward":
        return [current, current + 1] if current + 1 <= last else []
    if kind == "forward":
        return list(range(current, out_point + 1)) if current < out_point else []
    if kind == "range":
        return list(range(in_point, out_point + 1))
    raise ValueError(f"unknown pass {kind!r}")


class NodeTools(QWidget):
    """The row; it adds the curve strip (``curve_strip``) to ``timeline``. ``owner`` (the viewer
    panel) gets the pass actions, so their keys act while it has focus. Signals:
    ``jobCreated(Job)`` for the owner to start. Attributes tests use: ``add_button``,
    ``pass_buttons`` (by pass name), ``stop_button``, ``job`` (the running one)."""

    jobCreated = Signal(object)

    def __init__(
        self, session: EditorSession, overlays: OverlayController, timeline: TimelineBar, owner: QWidget
    ) -> None:
        super().__init__(owner)
        self.setObjectName("ViewerNodeTools")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.session = session
        self.overlays = overlays
        self.job: Job | None = None
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 2, 8, 2)
        layout.setSpacing(3)
        self.node_label = QLabel(self)
        bold = QFont(self.font())
        bold.setBold(True)
        self.node_label.setFont(bold)
        layout.addWidget(self.node_label)
        layout.addSpacing(6)

        self.add_action = QAction(icon("add"), "Add", self)
        self.add_action.setCheckable(True)
        self.add_action.setToolTip("Add at a click in the viewer (or Ctrl+Alt+click with this off)")
        self.add_action.toggled.connect(self._set_add_tool)
        self.add_button = self._button(self.add_action, layout, text_beside=True)
        self.selected_label = QLabel(self)
        self.selected_label.setStyleSheet("color: #a4a4a4")
        layout.addWidget(self.selected_label)
        layout.addSpacing(10)

        self.pass_actions: dict[str, QAction] = {}
        self.pass_buttons: dict[str, QToolButton] = {}
        for kind in PASSES:
            action = QAction(icon(kind.icon), kind.text, owner)
            action.setObjectName(f"viewer_pass_{kind.name}")
            if kind.shortcut:
                action.setShortcut(QKeySequence(kind.shortcut))
                action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            key = f" ({kind.shortcut})" if kind.shortcut else ""
            action.setToolTip(f"Analyse (track) {kind.text.lower()} from the current frame{key}")
            action.triggered.connect(lambda _checked=False, k=kind: self.start_pass(k.name))
            owner.addAction(action)
            self.pass_actions[kind.name] = action
            self.pass_buttons[kind.name] = self._button(action, layout)
        self.pass_actions["range"].setToolTip("Analyse (track) over the in/out range")
        self.stop_action = QAction(icon("stop"), "Stop", self)
        self.stop_action.setToolTip("Stop the pass (what it found so far is not kept)")
        self.stop_action.triggered.connect(self.stop)
        self.stop_button = self._button(self.stop_action, layout)
        self.progress_label = QLabel(self)
        self.progress_label.setStyleSheet("color: #a4a4a4")
        layout.addWidget(self.progress_label)
        self.contact_button = QToolButton(self)
        self.contact_button.setText("Contact Sheet")
        self.contact_button.setToolTip("Candidate seeds over the viewer: click one to make it a take")
        self.contact_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        sizes = QMenu(self.contact_button)
        for count in CONTACT_SHEET_SIZES:
            sizes.addAction(f"{count} seeds", lambda c=count: self.contact_sheet(c))
        self.contact_button.setMenu(sizes)
        self.contact_button.clicked.connect(lambda: self.contact_sheet(CONTACT_SHEET_SIZES[-1]))
        layout.addWidget(self.contact_button)
        layout.addStretch(1)
        self._owner = owner  # its canvas shows contact sheets
        self.sheet_overlay: ContactSheetOverlay | None = None
        hub_of(session).contactSheetReady.connect(self.show_contact_sheet)

        self.curve_strip = CurveStrip(timeline.ruler, overlays.curve, overlays.has_curves, timeline)
        timeline.add_strip(self.curve_strip)
        overlays.changed.connect(self.sync)
        overlays.changed.connect(self.curve_strip.refresh)
        session.frameChanged.connect(self._frame_changed)
        session.graphChanged.connect(self._graph_changed)
        self.sync()

    def _button(self, action: QAction, layout: QHBoxLayout, text_beside: bool = False) -> QToolButton:
        tool = QToolButton(self)
        tool.setDefaultAction(action)
        tool.setAutoRaise(True)
        tool.setIconSize(QSize(16, 16))
        if text_beside:
            tool.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        layout.addWidget(tool)
        return tool

    # --- what shows ------------------------------------------------------------------------------

    def node(self) -> NodeInstance | None:
        """The last selected node, if it offers tools here (Add or an analysis pass)."""
        node = self.session.last_selected()
        if node is None:
            return None
        if node.type.analysis_state is None and not self.overlays.can_add() and not offers_seeds(node.type):
            return None
        return node

    def sync(self) -> None:
        """Show or hide the row and enable its buttons for the selected node and the running pass."""
        node = self.node()
        self.setVisible(node is not None)
        if node is None:
            self.add_action.setChecked(False)
            for action in self.pass_actions.values():
                action.setEnabled(False)
            return
        self.node_label.setText(node.name)
        can_add = self.overlays.can_add()
        self.add_button.setVisible(can_add)
        if not can_add:
            self.add_action.setChecked(False)
        key = self.overlays.selected_key()
        self.selected_label.setText(f"selected: {key}" if key else "")
        analysing = node.type.analysis_state is not None
        running = self.job is not None
        for kind, action in self.pass_actions.items():
            action.setEnabled(analysing and not running)
            self.pass_buttons[kind].setVisible(analysing)
        self.stop_button.setVisible(analysing)
        self.stop_action.setEnabled(running)
        self.contact_button.setVisible(offers_seeds(node.type))

    def _set_add_tool(self, on: bool) -> None:
        self.overlays.add_tool = on

    def _frame_changed(self, _frame: int) -> None:
        self.curve_strip.update()  # its playhead

    def _graph_changed(self, event: GraphEvent) -> None:
        if event.kind in (GraphEventKind.NODE_ADDED, GraphEventKind.NODE_REMOVED) or event.detail == "name":
            self.sync()

    # --- contact sheets ----------------------------------------------------------------------------

    def contact_sheet(self, count: int) -> None:
        """Draw ``count`` candidate seeds of the selected node as a job (shown when rendered)."""
        node = self.node()
        if node is not None:
            hub_of(self.session).contact_sheet(node.uuid, count)

    def show_contact_sheet(self, sheet: ContactSheet) -> None:
        """Show ``sheet`` over the canvas until a seed is picked or it is closed."""
        if self.sheet_overlay is None:
            self.sheet_overlay = ContactSheetOverlay(hub_of(self.session), self._owner.canvas)
        self.sheet_overlay.show_sheet(sheet)

    # --- passes ----------------------------------------------------------------------------------

    def start_pass(self, kind: str) -> Job | None:
        """Make the pass ``kind`` (a :data:`PASSES` name) from the current frame as a job and emit
        ``jobCreated``; None (reported) when there is nothing to analyse or it cannot be planned."""
        node = self.node()
        if node is None or node.type.analysis_state is None or self.job is not None:
            return None
        session = self.session
        first, last = last_frame_span(session)
        frames = pass_frames(kind, session.current_frame, session.in_point, session.out_point, first, last)
        if not frames:
            session.report(
                f"{node.name}: nothing to analyse that way from frame {session.current_frame}", "warning"
            )
            return None
        reverse = next(k.reverse for k in PASSES if k.name == kind)
        key = self.overlays.selected_key() if self.overlays.node() is node else None
        try:
            context = session.project.context(node, frames[0])  # where the pass seeds
            carry = node.type.shared().analysis_request(context, key)
            title = (
                f"{node.name}{f' {key}' if key else ''}: {kind.replace('_', ' ')} {frames[0]}→{frames[-1]}"
            )
            job = analysis_job(session, node.uuid, frames, reverse=reverse, carry=carry, title=title)
        except FilmStudioError as error:
            session.report(f"{node.name}: {error}", "warning")
            return None
        self.job = job
        job.progressed.connect(self._progressed)
        job.finished.connect(lambda state, _message, end=frames[-1]: self._finished(job, state, end))
        self.progress_label.setText("starting…")
        self.sync()
        self.jobCreated.emit(job)
        return job

    def stop(self) -> None:
        if self.job is not None:
            self.job.cancel()

    def _progressed(self, done: int, total: int) -> None:
        self.progress_label.setText(f"{done}/{total}")

    def _finished(self, job: Job, state: str, end: int) -> None:
        if job is not self.job:
            return
        self.job = None
        self.progress_label.setText("" if state == "done" else state)
        if state == "done":
            self.session.set_frame(end)  # where the pass ended, as after tracking in Nuke
        self.sync()
