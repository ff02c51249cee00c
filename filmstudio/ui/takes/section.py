"""The inspector's Takes section: the takes of a node that makes them (LLM Script, GAN Generator,
Speech, Translate — any type implementing ``generate_take``), below the node's header.

A list of the takes (name, id, when made, the node type's summary: a seed, a first line, a line
count), the active one marked; Generate (the node type's label, "New character" for a GAN) runs
as a job in the jobs panel and Stop cancels it, storing nothing. A click on a take makes it the
one that renders; F2 or a double-click renames it in place; Delete removes it; Diff… compares two
text takes; Edit… opens a take's text and saves the edit as a new take; a GAN's Contact Sheet
shows candidate seeds in the viewer. Every change is one undo step (:mod:`filmstudio.core.takes`);
the section follows the graph, so undo and scripts show at once. GUI thread.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from filmstudio.core import takes
from filmstudio.core.graph import GraphEvent, GraphEventKind, NodeInstance
from filmstudio.ui.session import EditorSession
from filmstudio.ui.takes.hub import CONTACT_SHEET_SIZES, hub_of

ACTIVE_MARK = "●"
MARK, NAME, ID, MADE, SUMMARY = range(5)


class TakesSection(QWidget):
    """The takes of ``node``. Attributes tests use: ``tree`` (a row per take, oldest first, the
    take id in ``Qt.UserRole`` of the name column), ``generate_button``, ``stop_button``,
    ``rename_button``, ``delete_button``, ``diff_button``, ``edit_button``,
    ``contact_button`` and ``status``."""

    def __init__(self, session: EditorSession, node: NodeInstance, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.node = node
        self.hub = hub_of(session)
        self._filling = False
        self.dialog: QWidget | None = None  # the open Diff or Edit dialog (tests look at it)

        title = QLabel("Takes")
        bold = QFont(title.font())
        bold.setBold(True)
        title.setFont(bold)
        self.generate_button = QPushButton(node.type.generate_label)
        self.generate_button.setToolTip(
            f"{node.type.generate_label}: make a new take (a job; Stop keeps nothing)"
        )
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Stop generating: no take is stored")
        top = QHBoxLayout()
        top.addWidget(title)
        top.addStretch(1)
        top.addWidget(self.generate_button)
        top.addWidget(self.stop_button)

        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["", "Name", "Id", "Made", "Summary"])
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tree.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        header = self.tree.header()
        header.setStretchLastSection(True)
        for column in (MARK, NAME, ID, MADE):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.setMinimumHeight(90)
        self.tree.setMaximumHeight(170)

        self.rename_button = _small("Rename", "Rename the selected take (F2, or double-click its name)")
        self.delete_button = _small("Delete", "Delete the selected takes (Ctrl+Z brings them back)")
        self.diff_button = _small("Diff…", "Compare two takes' text (select two, or one and the active)")
        self.edit_button = _small("Edit…", "Edit the selected take's text; saving makes a new take")
        self.contact_button = QToolButton()
        self.contact_button.setText("Contact Sheet")
        self.contact_button.setToolTip("Candidate seeds in the viewer: click one to make it a take")
        self.contact_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        menu = QMenu(self.contact_button)
        for count in CONTACT_SHEET_SIZES:
            menu.addAction(f"{count} seeds", lambda c=count: self.contact_sheet(c))
        self.contact_button.setMenu(menu)
        self.contact_button.setVisible(takes.offers_seeds(node.type))
        row = QHBoxLayout()
        for button in (self.rename_button, self.delete_button, self.diff_button, self.edit_button):
            row.addWidget(button)
        row.addStretch(1)
        row.addWidget(self.contact_button)
        self.status = QLabel()
        self.status.setStyleSheet("color: #a4a4a4")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addWidget(self.tree)
        layout.addLayout(row)
        layout.addWidget(self.status)

        self.generate_button.clicked.connect(self.generate)
        self.stop_button.clicked.connect(lambda: self.hub.stop(self.node.uuid))
        self.rename_button.clicked.connect(self.start_rename)
        self.delete_button.clicked.connect(self.delete_selected)
        self.diff_button.clicked.connect(self.open_diff)
        self.edit_button.clicked.connect(self.open_edit)
        self.contact_button.clicked.connect(lambda: self.contact_sheet(CONTACT_SHEET_SIZES[-1]))
        self.tree.itemClicked.connect(self._clicked)
        self.tree.itemChanged.connect(self._renamed)
        self.tree.itemSelectionChanged.connect(self._update_buttons)
        delete = QShortcut(QKeySequence.StandardKey.Delete, self.tree, self.delete_selected)
        delete.setContext(Qt.ShortcutContext.WidgetShortcut)  # not while a name is being typed
        session.graphChanged.connect(self._graph_changed)
        self.hub.generationStarted.connect(self._generation_changed)
        self.hub.generationEnded.connect(self._generation_changed)
        self.hub.textArrived.connect(self._text_arrived)
        self.refresh()

    # --- what shows ------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Show the node's takes as they are (no edits are made)."""
        listed = takes.list_takes(self.node)
        ids = [take.id for take in listed]
        current = [
            self.tree.topLevelItem(i).data(NAME, Qt.ItemDataRole.UserRole)
            for i in range(self.tree.topLevelItemCount())
        ]
        self._filling = True
        try:
            if ids != current:
                selected = set(self.selected_ids())
                self.tree.clear()
                for take in listed:
                    item = QTreeWidgetItem()
                    item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
                    self.tree.addTopLevelItem(item)
                    item.setSelected(take.id in selected)
            for index, take in enumerate(listed):
                self._fill(self.tree.topLevelItem(index), take)
        finally:
            self._filling = False
        self._update_buttons()

    def _fill(self, item: QTreeWidgetItem, take: takes.Take) -> None:
        editing = (
            self.tree.state() == QAbstractItemView.State.EditingState and self.tree.currentItem() is item
        )
        item.setData(NAME, Qt.ItemDataRole.UserRole, take.id)
        item.setText(MARK, ACTIVE_MARK if take.active else "")
        if not editing:
            item.setText(NAME, take.name)
        item.setText(ID, take.id)
        item.setText(MADE, _when(take.created))
        item.setText(SUMMARY, take.summary)
        font = QFont(self.tree.font())
        font.setBold(take.active)
        for column in range(5):
            item.setFont(column, font)
        item.setForeground(MARK, QBrush(QColor("#e8912d")))
        made = ", ".join(f"{k}: {v}" for k, v in take.made_by.items() if not isinstance(v, dict | list))
        tip = f"{take.name} ({take.id}){' — renders' if take.active else ''}\n{_full_time(take.created)}"
        item.setToolTip(NAME, f"{tip}\n{made}" if made else tip)
        item.setToolTip(SUMMARY, take.summary)

    def selected_ids(self) -> list[str]:
        """Ids of the selected takes, oldest first."""
        items = [self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount())]
        return [item.data(NAME, Qt.ItemDataRole.UserRole) for item in items if item.isSelected()]

    def _update_buttons(self) -> None:
        listed = takes.list_takes(self.node)
        selected = self.selected_ids()
        running = self.hub.generating(self.node.uuid) is not None
        text = bool(listed) and all(t.text is not None for t in listed)
        self.generate_button.setEnabled(not running)
        self.stop_button.setEnabled(running)
        self.rename_button.setEnabled(len(selected) == 1)
        self.delete_button.setEnabled(bool(selected))
        self.diff_button.setEnabled(text and len(listed) >= 2 and len(selected) <= 2)
        self.edit_button.setEnabled(text and takes.edits_text(self.node.type) and len(selected) <= 1)
        if running:
            written = len(self.hub.streamed(self.node.uuid))
            self.status.setText(f"generating… {written} characters" if written else "generating…")
        elif not listed:
            self.status.setText(f"no takes yet: {self.node.type.generate_label} makes one")
        else:
            active = takes.active_take(self.node)
            count = f"{len(listed)} take{'s' if len(listed) != 1 else ''}"
            self.status.setText(f"{count}; {active.name if active else 'none'} renders")

    # --- following the model and the hub ---------------------------------------------------------

    def _graph_changed(self, event: GraphEvent) -> None:
        if event.node == self.node.uuid and event.kind is GraphEventKind.STATE_CHANGED:
            self.refresh()

    def _generation_changed(self, uuid: str, _state: str = "") -> None:
        if uuid == self.node.uuid:
            self._update_buttons()

    def _text_arrived(self, uuid: str, _piece: str) -> None:
        if uuid == self.node.uuid:
            self.status.setText(f"generating… {len(self.hub.streamed(uuid))} characters")

    # --- edits -----------------------------------------------------------------------------------

    def generate(self) -> None:
        self.hub.generate(self.node.uuid)
        self._update_buttons()

    def contact_sheet(self, count: int) -> None:
        self.hub.contact_sheet(self.node.uuid, count)

    def _clicked(self, item: QTreeWidgetItem, _column: int) -> None:
        modifiers = QApplication.keyboardModifiers()
        if modifiers & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier):
            return  # extending the selection (for Diff or Delete), not switching
        self._do(lambda: takes.switch_take(self.node, item.data(NAME, Qt.ItemDataRole.UserRole)))

    def start_rename(self) -> None:
        selected = self.tree.selectedItems()
        if len(selected) == 1:
            self.tree.setCurrentItem(selected[0], NAME)
            self.tree.editItem(selected[0], NAME)

    def _renamed(self, item: QTreeWidgetItem, column: int) -> None:
        if self._filling or column != NAME:
            return
        take_id = item.data(NAME, Qt.ItemDataRole.UserRole)
        if not self._do(lambda: takes.rename_take(self.node, take_id, item.text(NAME))):
            self.refresh()  # refused: show the name it keeps

    def delete_selected(self) -> None:
        chosen = self.selected_ids()
        if not chosen:
            return
        if len(chosen) == 1:
            self._do(lambda: takes.delete_take(self.node, chosen[0]))
            return
        with self.session.edit(f"Delete {len(chosen)} takes of {self.node.name}"):
            for take_id in chosen:
                takes.delete_take(self.node, take_id)

    def open_diff(self) -> None:
        from filmstudio.ui.takes.diff_view import DiffDialog

        listed = [t.id for t in takes.list_takes(self.node)]
        active = takes.active_take(self.node)
        old, new = diff_pair(listed, self.selected_ids(), active.id if active else None)
        self.dialog = DiffDialog(self.node, old, new, self)
        self.dialog.show()

    def open_edit(self) -> None:
        from filmstudio.ui.takes.editor import TakeEditDialog

        chosen = self.selected_ids()
        active = takes.active_take(self.node)
        take_id = chosen[0] if chosen else (active.id if active else None)
        if take_id is None:
            return
        self.dialog = TakeEditDialog(self.session, self.node, take_id, self)
        self.dialog.show()

    def _do(self, edit: Callable[[], object]) -> bool:
        return self.session.attempt(self.node, edit)


def takes_section_for(
    session: EditorSession, node: NodeInstance, parent: QWidget | None = None
) -> TakesSection | None:
    """The Takes section for ``node`` when its type makes takes, else None."""
    return TakesSection(session, node, parent) if takes.makes_takes(node.type) else None


def diff_pair(listed: list[str], chosen: list[str], active: str | None) -> tuple[str, str]:
    """Which two takes Diff compares, older first: the two selected; else the selected (or the
    active, or the newest) take against the active one, or against its neighbour."""
    if len(chosen) == 2:
        return chosen[0], chosen[1]
    new = chosen[0] if chosen else (active or listed[-1])
    if active is not None and active != new:
        old = active
    else:
        index = listed.index(new)
        old = listed[index - 1] if index > 0 else listed[index + 1]
    first, second = sorted((old, new), key=listed.index)
    return first, second


def _small(text: str, tip: str) -> QPushButton:
    button = QPushButton(text)
    button.setToolTip(tip)
    button.setStyleSheet("QPushButton { padding: 2px 8px; }")
    return button


def _parse(created: str) -> datetime.datetime | None:
    try:
        return datetime.datetime.strptime(created, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.UTC)
    except ValueError:
        return None


def _when(created: str) -> str:
    """When a take was made, short: the time today, else the date."""
    made = _parse(created)
    if made is None:
        return "—"
    local = made.astimezone()
    today = datetime.datetime.now().astimezone().date()
    return local.strftime("%H:%M") if local.date() == today else local.strftime("%d %b")


def _full_time(created: str) -> str:
    made = _parse(created)
    return made.astimezone().strftime("made %Y-%m-%d %H:%M:%S") if made else "made before times were kept"
