"""Tab search: a fuzzy-matching list of node types that pops up at the cursor (Nuke's Tab menu).

:func:`rank` scores node types against what was typed (ids, display names, categories);
:class:`NodeSearchPopup` is the small panel inside the graph view: type, arrow keys to choose,
Enter adds, Escape closes. GUI thread only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPoint, QRect, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent, QPainter
from PySide6.QtWidgets import (
    QFrame,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from filmstudio.core.node import Node

_TYPE_ROLE = Qt.ItemDataRole.UserRole
_CATEGORY_ROLE = Qt.ItemDataRole.UserRole + 1
_VISIBLE_ROWS = 12
_WORDS = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")


def match_score(query: str, text: str) -> float:
    """How well one word the user typed matches ``text`` (0: not at all). Whole match beats
    prefix, prefix beats the start of an inner word (``blur`` in ``ZBlur``, ``off`` in
    ``TimeOffset``), which beats a substring, which beats letters in order (``tmo``)."""
    query, lowered = query.lower(), text.lower()
    if not query or not lowered:
        return 0.0
    if lowered == query:
        return 100.0
    if lowered.startswith(query):
        return 80.0 - min(len(lowered) - len(query), 20) * 0.5
    words = [w.lower() for w in _WORDS.findall(text)]
    if any(w.startswith(query) for w in words[1:]):
        return 60.0
    if query in lowered:
        return 40.0 - min(lowered.index(query), 20) * 0.5
    position, gaps = 0, 0
    for char in query:
        found = lowered.find(char, position)
        if found < 0:
            return 0.0
        gaps += found - position
        position = found + 1
    return max(5.0, 25.0 - gaps * 1.5)


def rank(query: str, node_types: Iterable[type[Node]]) -> list[type[Node]]:
    """Node types matching every word of ``query``, best first (all of them, by category and
    name, for an empty query)."""
    types = list(node_types)
    words = query.split()
    if not words:
        return sorted(types, key=lambda t: (t.category.lower(), t.display_name().lower()))
    scored: list[tuple[float, str, type[Node]]] = []
    for node_type in types:
        fields = ((node_type.display_name(), 1.0), (node_type.id, 0.95), (node_type.category, 0.6))
        total = 0.0
        for word in words:
            best = max(match_score(word, text) * weight for text, weight in fields)
            if best <= 0:
                break
            total += best
        else:
            scored.append((total, node_type.display_name().lower(), node_type))
    scored.sort(key=lambda s: (-s[0], s[1]))
    return [node_type for _score, _name, node_type in scored]


class _ResultDelegate(QStyledItemDelegate):
    """A result row: the node's name, its category dimmed on the right."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        super().paint(painter, option, index)
        category = index.data(_CATEGORY_ROLE)
        if category:
            painter.save()
            selected = bool(option.state & QStyle.StateFlag.State_Selected)
            painter.setPen(QColor("#5a3d00") if selected else QColor("#8a8a8a"))
            rect = option.rect.adjusted(0, 0, -8, 0)
            painter.drawText(rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, category)
            painter.restore()


class NodeSearchPopup(QFrame):
    """The search panel, a child of the graph view. ``chosen(type_id)`` fires on Enter or click."""

    chosen = Signal(str)

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("nodeSearch")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet(
            "#nodeSearch { background: #1f1f1f; border: 1px solid #ffb238; border-radius: 4px; }"
            "QLineEdit { background: #2d2d2d; color: #eeeeee; border: 1px solid #3c3c3c; padding: 3px; }"
            "QListWidget { background: #1f1f1f; color: #dddddd; border: none; outline: none; }"
            "QListWidget::item { padding: 2px 4px; }"
            "QListWidget::item:selected { background: #ffb238; color: #111111; }"
        )
        self.line_edit = QLineEdit(self)
        self.line_edit.setPlaceholderText("Add node…")
        self.line_edit.setClearButtonEnabled(False)
        self.results = QListWidget(self)
        self.results.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.results.setItemDelegate(_ResultDelegate(self.results))
        self.results.setUniformItemSizes(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(3)
        layout.addWidget(self.line_edit)
        layout.addWidget(self.results)
        self.setFixedWidth(250)
        self._types: list[type[Node]] = []
        self.line_edit.textChanged.connect(self._refresh)
        self.line_edit.installEventFilter(self)
        self.results.itemClicked.connect(lambda item: self._accept(item))
        self.hide()

    def open_at(self, at: QPoint, node_types: Iterable[type[Node]]) -> None:
        """Show at ``at`` (parent coordinates, kept inside the parent) listing ``node_types``."""
        self._types = list(node_types)
        self.line_edit.clear()
        self._refresh("")
        area = QRect(QPoint(0, 0), self.parentWidget().size())
        x = max(0, min(at.x(), area.width() - self.width()))
        y = max(0, min(at.y(), area.height() - self.height()))
        self.move(x, y)
        self.show()
        self.raise_()
        self.line_edit.setFocus(Qt.FocusReason.PopupFocusReason)

    def close_popup(self) -> None:
        if self.isVisible():
            self.hide()
            self.parentWidget().setFocus(Qt.FocusReason.PopupFocusReason)

    def _refresh(self, text: str) -> None:
        self.results.clear()
        for node_type in rank(text, self._types)[:40]:
            item = QListWidgetItem(node_type.display_name())
            item.setData(_TYPE_ROLE, node_type.id)
            item.setData(_CATEGORY_ROLE, node_type.category)
            item.setToolTip(node_type.description or node_type.id)
            self.results.addItem(item)
        if self.results.count():
            self.results.setCurrentRow(0)
        rows = min(max(self.results.count(), 1), _VISIBLE_ROWS)
        row_height = self.results.sizeHintForRow(0) if self.results.count() else 18
        self.results.setFixedHeight(rows * row_height + 4)
        self.adjustSize()

    def _accept(self, item: QListWidgetItem | None = None) -> None:
        item = item or self.results.currentItem()
        self.close_popup()
        if item is not None:
            self.chosen.emit(item.data(_TYPE_ROLE))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.line_edit and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            key = event.key()
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self._accept()
                return True
            if key == Qt.Key.Key_Escape:
                self.close_popup()
                return True
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up, Qt.Key.Key_Tab, Qt.Key.Key_Backtab):
                step = 1 if key in (Qt.Key.Key_Down, Qt.Key.Key_Tab) else -1
                count = self.results.count()
                if count:
                    self.results.setCurrentRow((self.results.currentRow() + step) % count)
                return True
        if watched is self.line_edit and event.type() == QEvent.Type.FocusOut and self.isVisible():
            self.hide()  # clicked elsewhere: gone, as a popup menu would be
        return super().eventFilter(watched, event)
