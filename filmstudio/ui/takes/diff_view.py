"""Comparing two text takes: a unified diff in colour, or the two side by side with the changed
lines marked. Read-only; the takes to compare are picked in the dialog. GUI thread."""

from __future__ import annotations

import difflib
import html

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QRadioButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from filmstudio.core import takes
from filmstudio.core.errors import FilmStudioError
from filmstudio.core.graph import NodeInstance

# Readable on the dark theme: muted backgrounds, light text.
REMOVED = ("#4a2326", "#f2c0c0")
ADDED = ("#1f3d26", "#bdf0c4")
HUNK = "#7fb8ff"
FILES = "#a4a4a4"
_STYLE = "pre, td { font-family: monospace; white-space: pre-wrap; margin: 0; } td { padding: 0 6px; }"


def unified_html(diff: str) -> str:
    """A unified diff as HTML: removed lines red, added green, hunk headers blue."""
    if not diff:
        return "<p><i>The two takes have the same text.</i></p>"
    rows = []
    for line in diff.splitlines():
        text = html.escape(line) or "&nbsp;"
        if line.startswith(("+++", "---")):
            rows.append(f'<span style="color:{FILES}; font-weight:bold">{text}</span>')
        elif line.startswith("@@"):
            rows.append(f'<span style="color:{HUNK}">{text}</span>')
        elif line.startswith("-"):
            rows.append(f'<span style="background:{REMOVED[0]}; color:{REMOVED[1]}">{text}</span>')
        elif line.startswith("+"):
            rows.append(f'<span style="background:{ADDED[0]}; color:{ADDED[1]}">{text}</span>')
        else:
            rows.append(text)
    return f"<style>{_STYLE}</style><pre>{'<br>'.join(rows)}</pre>"


def side_by_side_html(old: str, new: str, old_title: str, new_title: str) -> str:
    """The two texts in two columns, aligned line by line; changed lines coloured."""
    a, b = old.splitlines(), new.splitlines()
    titles = "".join(f'<th align="left">{html.escape(title)}</th>' for title in (old_title, new_title))
    rows = [f"<tr>{titles}</tr>"]
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        left, right = a[i1:i2], b[j1:j2]
        for index in range(max(len(left), len(right))):
            l_text = left[index] if index < len(left) else None
            r_text = right[index] if index < len(right) else None
            rows.append(f"<tr>{_cell(l_text, tag, REMOVED)}{_cell(r_text, tag, ADDED)}</tr>")
    return f'<style>{_STYLE}</style><table width="100%" cellspacing="0">{"".join(rows)}</table>'


def _cell(text: str | None, tag: str, colours: tuple[str, str]) -> str:
    if text is None:
        return "<td></td>"
    escaped = html.escape(text) or "&nbsp;"
    if tag == "equal":
        return f"<td>{escaped}</td>"
    return f'<td style="background:{colours[0]}; color:{colours[1]}">{escaped}</td>'


class DiffDialog(QDialog):
    """Two takes of ``node`` compared: ``old`` and ``new`` are take ids (changeable in the
    dialog). Attributes tests use: ``old_box``, ``new_box``, ``view``, ``side_by_side``."""

    def __init__(self, node: NodeInstance, old: str, new: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.node = node
        self.setWindowTitle(f"Compare takes of {node.name}")
        self.resize(900, 640)
        self.old_box, self.new_box = QComboBox(), QComboBox()
        for take in takes.list_takes(node):
            label = take.name if take.name == take.id else f"{take.name} ({take.id})"
            for box in (self.old_box, self.new_box):
                box.addItem(label, take.id)
        self.old_box.setCurrentIndex(self.old_box.findData(old))
        self.new_box.setCurrentIndex(self.new_box.findData(new))
        self.unified = QRadioButton("Unified")
        self.side_by_side = QRadioButton("Side by side")
        self.unified.setChecked(True)
        picker = QHBoxLayout()
        picker.addWidget(QLabel("From"))
        picker.addWidget(self.old_box, 1)
        picker.addWidget(QLabel("to"))
        picker.addWidget(self.new_box, 1)
        picker.addSpacing(12)
        picker.addWidget(self.unified)
        picker.addWidget(self.side_by_side)
        self.view = QTextBrowser()
        self.view.setOpenLinks(False)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(picker)
        layout.addWidget(self.view, 1)
        layout.addWidget(buttons)
        for box in (self.old_box, self.new_box):
            box.currentIndexChanged.connect(self.refresh)
        self.side_by_side.toggled.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        old, new = self.old_box.currentData(), self.new_box.currentData()
        try:
            if self.side_by_side.isChecked():
                a, b = takes.get_take(self.node, old), takes.get_take(self.node, new)
                page = side_by_side_html(
                    a.text or "", b.text or "", f"{a.name} ({a.id})", f"{b.name} ({b.id})"
                )
            else:
                page = unified_html(takes.diff_takes(self.node, old, new))
        except FilmStudioError as error:  # a take deleted meanwhile
            page = f"<p>{html.escape(str(error))}</p>"
        self.view.setHtml(page)
