"""The Script panel: the screenplay of the selected node with a Script output, Fountain highlighted.

For a node whose takes are text (LLM Script): the active take's text, a take picker (choosing a
take makes it the one that renders, one undo step), Generate and Stop (a job in the jobs panel:
the text streams into the panel as the model writes it and becomes a take when it is complete;
Stop keeps nothing), Diff… and Edit… (a hand edit saved as a new take). For any other node with a
Script output (Script File): what it outputs at the current frame, as Fountain, read-only.

The panel follows the selection: it shows the last selected node with a Script output and keeps
showing it while other nodes are selected. Streamed text comes from :class:`TakesHub` (queued to
the GUI thread); the read-only view evaluates the node on the engine's threads and takes the
newest answer. GUI thread.
"""

from __future__ import annotations

import contextlib
from concurrent.futures import Future
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QFont, QTextCursor
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from filmstudio.core import takes
from filmstudio.core.errors import FilmStudioError
from filmstudio.core.graph import GraphEvent, GraphEventKind, NodeInstance
from filmstudio.core.node import Node
from filmstudio.core.types import PortType
from filmstudio.ui.script_panel_highlight import FountainHighlighter
from filmstudio.ui.session import EditorSession
from filmstudio.ui.takes.editor import script_font
from filmstudio.ui.takes.hub import hub_of

_CONTENT = frozenset(
    {
        GraphEventKind.PARAM_CHANGED,
        GraphEventKind.STATE_CHANGED,
        GraphEventKind.LINK_ADDED,
        GraphEventKind.LINK_REMOVED,
        GraphEventKind.NODE_ADDED,
        GraphEventKind.NODE_REMOVED,
    }
)
EMPTY_TEXT = "Select an LLM Script, a Script File or another node with a Script output."


def script_output(node_type: type[Node]) -> str | None:
    """The node type's first Script output, or None: the nodes the panel shows."""
    return next((o.name for o in node_type.outputs if o.type is PortType.SCRIPT), None)


def writes_takes(node_type: type[Node]) -> bool:
    """Whether the panel shows the node's takes (the text it generates: LLM Script, Translate)
    rather than its evaluated output (Script File)."""
    return takes.makes_takes(node_type)


class ScriptPanel(QWidget):
    """Attributes tests use: ``node`` (shown), ``text`` (the QPlainTextEdit), ``highlighter``,
    ``take_picker``, ``generate_button``, ``stop_button``, ``diff_button``, ``edit_button``,
    ``status``, ``streamed_pieces`` (pieces appended by the running generation), ``dialog``."""

    _evaluated = Signal(int, object)  # (request number, finished future), from engine threads

    def __init__(self, session: EditorSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.hub = hub_of(session)
        self.node: NodeInstance | None = None
        self.streamed_pieces = 0
        self.dialog: QWidget | None = None
        self._request = 0

        self.node_label = QLabel()
        bold = QFont(self.node_label.font())
        bold.setBold(True)
        self.node_label.setFont(bold)
        self.take_picker = QComboBox()
        self.take_picker.setToolTip("The take that renders (choosing one is an undoable edit)")
        self.take_picker.setMinimumContentsLength(14)
        self.generate_button = QPushButton("Generate")
        self.generate_button.setToolTip("Write a new take; the text streams here (a job: Stop keeps nothing)")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Stop writing: no take is stored")
        self.diff_button = QPushButton("Diff…")
        self.diff_button.setToolTip("Compare two takes")
        self.edit_button = QPushButton("Edit…")
        self.edit_button.setToolTip("Edit the active take's text; saving makes a new take")
        top = QHBoxLayout()  # the node and its take; the actions below, so a narrow dock fits
        top.addWidget(self.node_label)
        top.addWidget(self.take_picker, 1)
        actions = QHBoxLayout()
        for button in (self.generate_button, self.stop_button, self.diff_button, self.edit_button):
            actions.addWidget(button)
        actions.addStretch(1)
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setFont(script_font())
        self.text.setPlaceholderText(EMPTY_TEXT)
        self.highlighter = FountainHighlighter(self.text.document())
        self.status = QLabel()
        self.status.setStyleSheet("color: #a4a4a4")
        self.status.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addLayout(actions)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.status)

        self.take_picker.activated.connect(self._picked)
        self.generate_button.clicked.connect(self.generate)
        self.stop_button.clicked.connect(self.stop)
        self.diff_button.clicked.connect(self.open_diff)
        self.edit_button.clicked.connect(self.open_edit)
        session.selectionChanged.connect(self._follow_selection)
        session.projectReplaced.connect(lambda: self.show_node(None))
        session.graphChanged.connect(self._graph_changed)
        session.frameChanged.connect(self._frame_changed)
        self.hub.generationStarted.connect(self._generation_started)
        self.hub.textArrived.connect(self._text_arrived)
        self.hub.generationEnded.connect(self._generation_ended)
        self._evaluated.connect(self._show_evaluated)
        self.show_node(None)
        self._follow_selection()

    # --- what shows ------------------------------------------------------------------------------

    def _follow_selection(self) -> None:
        nodes = self.session.graph.nodes
        for uuid in reversed(self.session.selected):
            node = nodes.get(uuid)
            if node is not None and script_output(node.type) is not None:
                if node is not self.node:
                    self.show_node(node)
                return

    def show_node(self, node: NodeInstance | None) -> None:
        """Show ``node``'s screenplay (None: nothing)."""
        self.node = node
        self.streamed_pieces = 0
        self._request += 1  # an evaluation of the node shown before is not wanted any more
        generates = node is not None and writes_takes(node.type)
        self.node_label.setText(node.name if node is not None else "")
        for widget in (self.take_picker, self.generate_button, self.stop_button, self.diff_button):
            widget.setVisible(generates)
        self.edit_button.setVisible(generates and takes.edits_text(node.type))
        if node is not None:
            self.generate_button.setText(node.type.generate_label)
        self.refresh()

    def refresh(self) -> None:
        """Show the node's current text: its streaming generation, its active take, or its output."""
        node = self.node
        if node is None:
            self.text.setPlainText("")
            self.status.setText("")
            return
        if not writes_takes(node.type):
            self._evaluate()
            return
        self._fill_picker()
        running = self.hub.generating(node.uuid) is not None
        if running:
            self._set_text(self.hub.streamed(node.uuid))
        else:
            active = takes.active_take(node)
            self._set_text(active.text or "" if active is not None else "")
            self.status.setText(
                _made(active) if active else f"no take yet: {node.type.generate_label} writes one"
            )
        listed = takes.list_takes(node)
        self.generate_button.setEnabled(not running)
        self.stop_button.setEnabled(running)
        self.diff_button.setEnabled(not running and len(listed) >= 2)
        self.edit_button.setEnabled(not running and any(t.active for t in listed))
        self.take_picker.setEnabled(not running)

    def _fill_picker(self) -> None:
        assert self.node is not None
        self.take_picker.blockSignals(True)
        self.take_picker.clear()
        for take in takes.list_takes(self.node):
            label = take.name if take.name == take.id else f"{take.name} ({take.id})"
            self.take_picker.addItem(label, take.id)
            self.take_picker.setItemData(self.take_picker.count() - 1, take.summary, 3)  # tooltip role
            if take.active:
                self.take_picker.setCurrentIndex(self.take_picker.count() - 1)
        if not self.take_picker.count():
            self.take_picker.addItem("no takes yet", None)
        self.take_picker.blockSignals(False)

    def _set_text(self, text: str) -> None:
        if self.text.toPlainText() != text:
            self.text.setPlainText(text)

    # --- the read-only view (Script File and other Script outputs) --------------------------------

    def _evaluate(self) -> None:
        assert self.node is not None
        self._request += 1
        number = self._request
        port = script_output(self.node.type)
        try:
            request = self.session.engine.submit(self.node, self.session.current_frame, output=port)
        except FilmStudioError as error:
            self.status.setText(str(error))
            return
        self.status.setText(f"read-only: what {self.node.name} outputs (reading…)")
        request.future.add_done_callback(lambda future: self._deliver(number, future))

    def _deliver(self, number: int, future: Future[Any]) -> None:  # an engine thread
        with contextlib.suppress(RuntimeError):  # the panel was deleted while the node evaluated
            self._evaluated.emit(number, future)

    def _show_evaluated(self, number: int, future: Future[Any]) -> None:
        if number != self._request or self.node is None:
            return  # superseded: another node or a newer edit
        try:
            value = future.result()
        except FilmStudioError as error:
            self.text.setPlainText("")
            self.status.setText(f"{self.node.name}: {error}")
            return
        except Exception as error:  # a bug: say so rather than leave the panel blank
            self.status.setText(f"{self.node.name}: {type(error).__name__}: {error}")
            return
        script_text = getattr(value, "text", None)
        self._set_text(script_text if isinstance(script_text, str) else "")
        what = "no script (nothing linked in?)" if value is None else "as Fountain"
        self.status.setText(f"read-only: what {self.node.name} outputs, {what}")

    # --- following the model and the hub ---------------------------------------------------------

    def _graph_changed(self, event: GraphEvent) -> None:
        node = self.node
        if node is None:
            return
        if event.kind is GraphEventKind.NODE_REMOVED and event.node == node.uuid:
            self.show_node(None)
        elif not writes_takes(node.type):
            if event.kind in _CONTENT or (
                event.kind is GraphEventKind.NODE_CHANGED and event.detail == "disabled"
            ):
                self._evaluate()  # an edit upstream may change the script (moving nodes does not)
        elif event.node == node.uuid:
            if event.kind is GraphEventKind.NODE_CHANGED and event.detail == "name":
                self.node_label.setText(node.name)
            elif event.kind is GraphEventKind.STATE_CHANGED:
                self.refresh()

    def _frame_changed(self, _frame: int) -> None:
        # A Script File is read again when its file changed: asking at each new frame shows that
        # (a cache hit otherwise), while the panel is on screen.
        if self.node is not None and not writes_takes(self.node.type) and self.isVisible():
            self._evaluate()

    def _generation_started(self, uuid: str) -> None:
        if self.node is not None and uuid == self.node.uuid:
            self.streamed_pieces = 0
            self.text.setPlainText("")
            self.status.setText("writing…")
            self.refresh()

    def _text_arrived(self, uuid: str, piece: str) -> None:
        if self.node is None or uuid != self.node.uuid:
            return
        self.streamed_pieces += 1
        bar = self.text.verticalScrollBar()
        follow = bar.value() >= bar.maximum() - 4  # keep following the end unless scrolled up
        cursor = QTextCursor(self.text.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.insertText(piece)
        if follow:
            bar.setValue(bar.maximum())
        self.status.setText(f"writing… {len(self.hub.streamed(uuid))} characters")

    def _generation_ended(self, uuid: str, state: str) -> None:
        if self.node is not None and uuid == self.node.uuid:
            self.refresh()
            if state != "done":
                self.status.setText(f"{state}: no take was stored; {self.status.text()}")

    # --- actions ---------------------------------------------------------------------------------

    def generate(self) -> None:
        if self.node is not None:
            self.hub.generate(self.node.uuid)

    def stop(self) -> None:
        if self.node is not None:
            self.hub.stop(self.node.uuid)

    def _picked(self, index: int) -> None:
        take_id = self.take_picker.itemData(index)
        if self.node is None or take_id is None:
            return
        try:
            takes.switch_take(self.node, take_id)
        except FilmStudioError as error:
            self.session.report(f"{self.node.name}: {error}", "error")
            self.refresh()

    def open_diff(self) -> None:
        from filmstudio.ui.takes.diff_view import DiffDialog
        from filmstudio.ui.takes.section import diff_pair

        if self.node is None:
            return
        listed = [t.id for t in takes.list_takes(self.node)]
        if len(listed) < 2:
            return
        active = takes.active_take(self.node)
        self.dialog = DiffDialog(self.node, *diff_pair(listed, [], active.id if active else None), self)
        self.dialog.show()

    def open_edit(self) -> None:
        from filmstudio.ui.takes.editor import TakeEditDialog

        active = takes.active_take(self.node) if self.node is not None else None
        if active is not None:
            self.dialog = TakeEditDialog(self.session, self.node, active.id, self)
            self.dialog.show()


def _made(take: takes.Take) -> str:
    """What the status line says of a take: its name and what made it."""
    made = take.made_by
    how = ""
    if made.get("backend") == "hand":
        how = f", edited by hand from {made.get('edited_from', '?')}"
    elif made:
        model = made.get("served_model") or made.get("model") or ""
        tokens = f", {made['tokens']} tokens" if "tokens" in made else ""
        if made.get("finish") == "length":
            tokens += " (cut at max_tokens)"
        how = f", {made.get('backend', '')} {model}{tokens}".rstrip()
    return f"{take.name} ({take.id}) renders{how}"
