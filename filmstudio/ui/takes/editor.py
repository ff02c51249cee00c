"""Editing a take by hand: its text in an editor (Fountain highlighted for script takes); saving
stores the edit as a new active take, one undo step, and leaves the original as it was. A text
the node type cannot read back (a broken shot list) is explained in the dialog, which stays open.
GUI thread."""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from filmstudio.core import takes
from filmstudio.core.errors import FilmStudioError
from filmstudio.core.graph import NodeInstance
from filmstudio.core.types import PortType
from filmstudio.ui.session import EditorSession


class TakeEditDialog(QDialog):
    """Take ``take_id`` of ``node`` as editable text. Attributes tests use: ``text_edit``,
    ``name_edit``, ``save_button``, ``error_label``, ``saved`` (the new take's id)."""

    def __init__(
        self, session: EditorSession, node: NodeInstance, take_id: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.node = node
        self.take = takes.get_take(node, take_id)
        self.saved: str | None = None
        self.setWindowTitle(f"Edit {self.take.name} of {node.name}")
        self.resize(760, 720)
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText(f"{takes.next_take_id(node.state)} (edit of {self.take.name})")
        self.text_edit = QPlainTextEdit(self.take.text or "")
        self.text_edit.setFont(script_font())
        self.text_edit.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        if any(output.type is PortType.SCRIPT for output in node.type.outputs):
            from filmstudio.ui.script_panel_highlight import FountainHighlighter

            self.highlighter = FountainHighlighter(self.text_edit.document())
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #f08080")
        self.error_label.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.save_button = buttons.addButton("Save as New Take", QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setEnabled(False)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("New take's name", self.name_edit)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.text_edit, 1)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)
        self.text_edit.textChanged.connect(self._changed)

    def _changed(self) -> None:
        self.save_button.setEnabled(self.text_edit.toPlainText() != (self.take.text or ""))
        self.error_label.hide()

    def save(self) -> None:
        """Store the edit as a new take (one undo step) and close; stay open on a refusal."""
        try:
            self.saved = takes.edit_take(
                self.node,
                self.take.id,
                self.text_edit.toPlainText(),
                name=self.name_edit.text().strip() or None,
            )
        except FilmStudioError as error:
            self.error_label.setText(str(error))
            self.error_label.show()
            return
        self.session.report(
            f"{self.node.name}: saved the edit as {takes.get_take(self.node, self.saved).name}"
        )
        self.accept()


def script_font() -> QFont:
    """A fixed-pitch font at a reading size: screenplays are set in Courier."""
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    font.setPointSizeF(max(font.pointSizeF(), 10.5))
    return font
