"""The inspector's lint row for nodes with a Subtitles output: a read-only summary (how many cues,
how many break each rule) with the problems in its tooltip, by the node's own lint parameters.

The subtitles are evaluated through the session's engine off the GUI thread (they may come from
a file or a long chain); a result arrives through a queued signal and is shown only if no newer
request was made since. Any change of the graph asks again, coalesced to one request per
event-loop turn: an edit upstream (a re-read file, a new script) changes the cues too, and an
unchanged node is answered from the engine's cache.
"""

from __future__ import annotations

import contextlib
from concurrent.futures import Future
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QLabel, QWidget

from filmstudio.core.errors import FilmStudioError
from filmstudio.core.graph import NodeInstance
from filmstudio.core.types import PortType
from filmstudio.ui.session import EditorSession

WAITING = "checking…"


def lint_row_for(session: EditorSession, node: NodeInstance, parent: QWidget) -> SubtitleLintRow | None:
    """A lint row for ``node`` when it has a Subtitles output, else None."""
    port = next((o.name for o in node.type.outputs if o.type is PortType.SUBTITLES), None)
    return None if port is None else SubtitleLintRow(session, node, port, parent)


class SubtitleLintRow(QLabel):
    """``label`` (for the inspector's label column) and this read-only summary. GUI thread only,
    except :meth:`_finished`, which runs on the engine's thread and only emits."""

    _done = Signal(int, str, str)  # generation, summary, details

    def __init__(self, session: EditorSession, node: NodeInstance, port: str, parent: QWidget) -> None:
        super().__init__(WAITING, parent)
        self.session, self.node, self.port = session, node, port
        self.label = QLabel("Lint", parent)
        self.label.setToolTip("Subtitle rules this node's cues break (its lint parameters set them)")
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.generation = 0
        self._request: Any = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._submit)
        self._done.connect(self._show)
        session.graphChanged.connect(self.refresh)
        self.refresh()

    def refresh(self, *_event: object) -> None:
        """Lint again soon (one request however many changes arrive in one turn)."""
        if not self._timer.isActive():
            self._timer.start(0)

    def _submit(self) -> None:
        from filmstudio.subtitles import LintRules

        if self._request is not None:
            self._request.cancel()
        self.generation += 1
        generation = self.generation
        if self.node.uuid not in self.session.graph.nodes:
            return  # removed; the inspector is about to show something else
        first = self.session.project.settings.frame_range.first
        rules = LintRules.from_values(self.node.values_at(first))  # read the graph here, not on a worker
        try:
            self._request = self.session.engine.submit(self.node, first, output=self.port)
        except FilmStudioError as error:
            self._show(generation, f"cannot lint: {error}", "")
            return
        self._request.future.add_done_callback(lambda future: self._finished(generation, rules, future))

    def _finished(self, generation: int, rules: Any, future: Future[Any]) -> None:
        from filmstudio.subtitles import Subtitles, lint, lint_report

        if future.cancelled():
            return
        try:
            value = future.result()
        except Exception as error:  # shown, never raised: the node's badge carries the error too
            self._emit(generation, f"cannot lint: {error}", "")
            return
        if not isinstance(value, Subtitles):
            self._emit(generation, f"cannot lint a {type(value).__name__}", "")
            return
        summary, *details = lint_report(value, lint(value, rules), limit=30)
        self._emit(generation, summary, "\n".join(details))

    def _emit(self, generation: int, summary: str, details: str) -> None:
        with contextlib.suppress(RuntimeError):  # the inspector was rebuilt and this row deleted
            self._done.emit(generation, summary, details)

    def _show(self, generation: int, summary: str, details: str) -> None:
        if generation != self.generation:
            return  # a newer request is on its way
        self.setText(summary)
        self.setToolTip(details or summary)
