"""The inspector (Nuke's Properties panel): the parameters of the last selected node, generated
from its type's parameter declarations.

It follows the session and nothing else: selection picks the node, ``graphChanged`` refreshes the
rows a change touched (edits, undo, redo), ``frameChanged`` refreshes only animated rows (cheap
while playing). Widgets are refreshed with their signals held back, so a refresh never turns into
an edit.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from filmstudio.core.graph import GraphEvent, GraphEventKind, NodeInstance
from filmstudio.core.params import ParamKind
from filmstudio.ui.inspector.binding import ParamBinding
from filmstudio.ui.inspector.color import ColorEditor
from filmstudio.ui.inspector.colourspace import ColourNameEditor
from filmstudio.ui.inspector.grading import grade_pairs, layout_grade_block, separator
from filmstudio.ui.inspector.header import NodeHeader
from filmstudio.ui.inspector.lint import lint_row_for
from filmstudio.ui.inspector.rows import ParamRow
from filmstudio.ui.session import EditorSession
from filmstudio.ui.takes import TakesSection, takes_section_for

LABEL_WIDTH = 92
EMPTY_TEXT = "Select a node to edit its parameters"


class Inspector(QWidget):
    """Properties of the last selected node (``session.selected[-1]``), scrollable.

    Public for the main window and tests: :attr:`node` (shown node or None), :attr:`header`,
    :attr:`takes` (the Takes section of a node that makes takes, else None),
    :meth:`row` (the :class:`ParamRow` of a parameter) and :meth:`show_node` (show a given node,
    e.g. a pinned one; the selection drives it otherwise).
    """

    def __init__(self, session: EditorSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.node: NodeInstance | None = None
        self.header: NodeHeader | None = None
        self.takes: TakesSection | None = None
        self._rows: dict[str, ParamRow] = {}
        self._expanded: set[tuple[str, str]] = set()  # (node type, colour param) left expanded

        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.scroll)
        self.setMinimumWidth(300)

        session.selectionChanged.connect(self._follow_selection)
        session.projectReplaced.connect(self._follow_selection)
        session.graphChanged.connect(self._graph_changed)
        session.frameChanged.connect(self._frame_changed)
        self.show_node(None)
        self._follow_selection()

    # --- what is shown ---------------------------------------------------------------------------

    def row(self, name: str) -> ParamRow:
        """The row of parameter ``name`` of the shown node."""
        return self._rows[name]

    @property
    def rows(self) -> dict[str, ParamRow]:
        return dict(self._rows)

    def _follow_selection(self) -> None:
        node = self.session.last_selected()
        if node is not self.node or (node is not None and self.header is None):
            self.show_node(node)

    def show_node(self, node: NodeInstance | None) -> None:
        """Rebuild the panel for ``node`` (None: the empty state)."""
        self._remember_expanded()
        self.node = node
        self._rows = {}
        self.header = None
        self.takes = None
        old = self.scroll.takeWidget()
        if old is not None:
            old.deleteLater()
        self.scroll.setWidget(self._build(node) if node is not None else self._build_empty())

    def _build_empty(self) -> QWidget:
        page = QWidget()
        label = QLabel(EMPTY_TEXT)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setEnabled(False)
        label.setWordWrap(True)
        layout = QVBoxLayout(page)
        layout.addWidget(label)
        return page

    def _build(self, node: NodeInstance) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.header = NodeHeader(self.session, node, page)
        layout.addWidget(self.header)
        layout.addWidget(_rule())
        self.takes = takes_section_for(self.session, node, page)  # a node that makes takes
        if self.takes is not None:
            layout.addWidget(self.takes)
            layout.addWidget(_rule())

        body = QWidget(page)
        grid = QGridLayout(body)
        grid.setContentsMargins(8, 6, 6, 8)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(4)
        grid.setColumnMinimumWidth(0, LABEL_WIDTH)
        grid.setColumnStretch(1, 1)
        if not node.type.params:
            note = QLabel(f"{node.type.display_name()} has no parameters")
            note.setEnabled(False)
            grid.addWidget(note, 0, 0, 1, 3)
        for param in node.type.params:  # all rows first: a grading block needs both of its rows
            row = ParamRow(ParamBinding(self.session, node, param), body)
            row.label.setMinimumWidth(LABEL_WIDTH)
            if isinstance(row.editor, ColorEditor) and (node.type.id, param.name) in self._expanded:
                row.editor.set_expanded(True)
            self._rows[param.name] = row
        pairs = grade_pairs(node.type.params)
        partner = {**pairs, **{channels: master for master, channels in pairs.items()}}
        placed: set[str] = set()
        grid_row, after_block = 0, False
        for param in node.type.params:
            if param.name in placed:
                continue
            if param.name in partner:  # the master and its X_rgb, wherever either is declared
                master = param.name if param.name in pairs else partner[param.name]
                if grid_row > 0 and not after_block:
                    separator(grid, grid_row)
                    grid_row += 1
                grid_row = layout_grade_block(grid, grid_row, self._rows[master], self._rows[pairs[master]])
                separator(grid, grid_row)
                grid_row, after_block = grid_row + 1, True
                placed.update((master, pairs[master]))
            else:
                self._place(grid, grid_row, self._rows[param.name])
                grid_row, after_block = grid_row + 1, False
        lint = lint_row_for(self.session, node, body)  # subtitle nodes: a read-only lint summary
        if lint is not None:
            grid.addWidget(lint.label, grid_row, 0, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
            grid.addWidget(lint, grid_row, 1, 1, 2)
        layout.addWidget(body)
        layout.addStretch(1)
        page.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        return page

    @staticmethod
    def _place(grid: QGridLayout, index: int, row: ParamRow) -> None:
        """An ordinary row: label, editor, key button in the grid's three columns."""
        top = row.binding.param.kind in (ParamKind.COLOR, ParamKind.TEXT)  # tall widgets: label at the top
        top = top and not isinstance(row.editor, ColourNameEditor)
        label_alignment = Qt.AlignmentFlag.AlignRight | (
            Qt.AlignmentFlag.AlignTop if top else Qt.AlignmentFlag.AlignVCenter
        )
        if top:
            row.label.setContentsMargins(0, 3, 0, 0)
        grid.addWidget(row.label, index, 0, label_alignment)
        grid.addWidget(row.editor, index, 1)
        if row.key_button is not None:
            key_alignment = Qt.AlignmentFlag.AlignTop if top else Qt.AlignmentFlag.AlignVCenter
            grid.addWidget(row.key_button, index, 2, key_alignment)

    def _remember_expanded(self) -> None:
        """Colour rows keep their expanded state per node type across selections (as in Nuke)."""
        if self.node is None:
            return
        for name, row in self._rows.items():
            key = (self.node.type.id, name)
            if isinstance(row.editor, ColorEditor):
                if row.editor.expanded:
                    self._expanded.add(key)
                else:
                    self._expanded.discard(key)

    # --- following the model ---------------------------------------------------------------------

    def _graph_changed(self, event: GraphEvent) -> None:
        if self.node is None or event.node != self.node.uuid:
            return
        if event.kind is GraphEventKind.NODE_REMOVED:
            self.show_node(None)
        elif event.kind is GraphEventKind.PARAM_CHANGED and event.detail in self._rows:
            for name, row in self._rows.items():
                if name == event.detail or event.detail in row.depends_on:
                    row.refresh()
            if self.header is not None:
                self.header.refresh_navigation()
        elif (
            event.kind in (GraphEventKind.NODE_CHANGED, GraphEventKind.NODE_ADDED) and self.header is not None
        ):
            self.header.refresh()

    def _frame_changed(self, _frame: int) -> None:
        if self.node is None:
            return
        for row in self._rows.values():
            if row.animated:
                row.refresh()
        if self.header is not None:
            self.header.refresh_navigation()


def _rule() -> QFrame:
    line = QFrame()
    line.setFrameShape(QFrame.Shape.HLine)
    line.setFrameShadow(QFrame.Shadow.Sunken)
    return line
