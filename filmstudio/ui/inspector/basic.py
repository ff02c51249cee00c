"""Widgets of the non-numeric parameters: checkbox, choice, text (one line or several) and file
path with a browse button."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFocusEvent, QFontMetrics, QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QToolButton,
    QWidget,
)

from filmstudio.core.params import Param, PathMode
from filmstudio.ui.inspector.base import ParamEditor, guard_wheel

_BROWSE_TIPS = {
    PathMode.OPEN: "Choose a file",
    PathMode.SAVE: "Choose a file to write",
    PathMode.FOLDER: "Choose a folder",
}


def _row_layout(widget: QWidget) -> QHBoxLayout:
    layout = QHBoxLayout(widget)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(4)
    return layout


class BoolEditor(ParamEditor):
    """A checkbox (the label sits in the row's label column, as in Nuke)."""

    def __init__(self, param: Param, parent: QWidget | None = None) -> None:
        super().__init__(param, parent)
        self.check = QCheckBox()
        _row_layout(self).addWidget(self.check)
        self.check.toggled.connect(lambda on: self._edited(bool(on)))

    def _show(self, value: Any) -> None:
        self.check.setChecked(bool(value))


class ChoiceEditor(ParamEditor):
    """A combo box of the declared choices."""

    def __init__(self, param: Param, parent: QWidget | None = None) -> None:
        super().__init__(param, parent)
        self.combo = QComboBox()
        self.combo.addItems(list(param.choices))
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        guard_wheel(self.combo)
        layout = _row_layout(self)
        layout.addWidget(self.combo)
        layout.addStretch(1)
        self.combo.currentTextChanged.connect(lambda text: self._edited(text))

    def _show(self, value: Any) -> None:
        self.combo.setCurrentText(str(value))


class _PlainTextEdit(QPlainTextEdit):
    """A text box that commits when it loses focus or on Ctrl+Enter (Enter starts a new line)."""

    committed = Signal()

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.committed.emit()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if enter and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.committed.emit()
            return
        super().keyPressEvent(event)


class TextEditor(ParamEditor):
    """A line edit, or a few-line text box for prose (``TextParam(multiline=True)``). Commits on
    Enter / focus out, so typing is one undo step, not one per key."""

    def __init__(self, param: Param, parent: QWidget | None = None) -> None:
        super().__init__(param, parent)
        layout = _row_layout(self)
        self.line: QLineEdit | None = None
        self.box: _PlainTextEdit | None = None
        if param.multiline:
            self.box = _PlainTextEdit()
            self.box.setTabChangesFocus(True)
            lines = QFontMetrics(self.box.font()).lineSpacing()
            self.box.setFixedHeight(lines * 3 + 12)
            self.box.setToolTip("Ctrl+Enter or click elsewhere to apply")
            self.box.committed.connect(lambda: self._commit(self.box.toPlainText()))
            layout.addWidget(self.box)
        else:
            self.line = QLineEdit()
            self.line.editingFinished.connect(lambda: self._commit(self.line.text()))
            layout.addWidget(self.line)

    def _commit(self, text: str) -> None:
        if text != self._value:
            self._edited(text)

    def _show(self, value: Any) -> None:
        if self.box is not None:
            if self.box.toPlainText() != value:
                self.box.setPlainText(str(value))
        elif self.line is not None:
            self.line.setText(str(value))


class PathEditor(ParamEditor):
    """A line edit and a "…" button opening the file dialog the declaration asks for (open, save
    or folder: ``PathParam(mode=...)``). ``resolve`` turns a stored path into a real one
    (project-relative paths); ``relativize`` turns a chosen file back into what is stored."""

    def __init__(
        self,
        param: Param,
        resolve: Callable[[str], Path] = Path,
        relativize: Callable[[Path], str] = str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(param, parent)
        self.mode = mode = param.path_mode
        self._resolve, self._relativize = resolve, relativize
        self.line = QLineEdit()
        self.line.setPlaceholderText("(none)")
        self.browse = QToolButton()
        self.browse.setText("…")
        self.browse.setToolTip(_BROWSE_TIPS[mode])
        layout = _row_layout(self)
        layout.addWidget(self.line, 1)
        layout.addWidget(self.browse)
        self.line.editingFinished.connect(self._typed)
        self.browse.clicked.connect(self._browse)

    def _typed(self) -> None:
        if self.line.text() != self._value:
            self._edited(self.line.text())

    def _browse(self) -> None:
        chosen = self.ask_path()
        if chosen:
            stored = self._relativize(Path(chosen))
            self.line.setText(stored)
            self._edited(stored)

    def ask_path(self) -> str:
        """Show the file dialog; the chosen file or "" (tests replace this)."""
        current = self._resolve(self._value) if self._value else None
        start = str(current if current is not None else "")
        title = f"{self.param.display_name}"
        file_filter = self.param.file_filter or "All files (*)"
        if self.mode is PathMode.FOLDER:
            return QFileDialog.getExistingDirectory(self, title, start)
        if self.mode is PathMode.SAVE:
            chosen, _ = QFileDialog.getSaveFileName(self, title, start, file_filter)
        else:
            if current is not None and not current.exists():
                start = str(current.parent)
            chosen, _ = QFileDialog.getOpenFileName(self, title, start, file_filter)
        return chosen

    def _show(self, value: Any) -> None:
        self.line.setText(str(value))
