"""The Curve Editor panel (Nuke's Curve Editor, Resolve's Spline view): the selected node's animated
parameters in a checkable list — vectors and colours as one curve per component, in their channel
colours — beside the :class:`CurveView` drawing the checked ones.

It follows the session only: the selection picks the node (the last selected, as the inspector
does), ``graphChanged`` refreshes the list and the curves (edits, undo, redo, from any panel),
``frameChanged`` moves the playhead. A newly shown node, or a change of which curves are checked,
frames all the shown keys (the value axis fits them). GUI thread.
"""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QSplitter, QTreeWidget, QTreeWidgetItem, QWidget

from filmstudio.core.graph import GraphEvent, GraphEventKind, NodeInstance
from filmstudio.ui.curves.channels import Channel, channels_of
from filmstudio.ui.curves.view import CurveView
from filmstudio.ui.session import EditorSession

NO_NODE = "Select a node to see its animation curves"
NOT_ANIMATED = "{name} has no animated parameters: key one in Properties (the ◇ beside it)"
_CHANNEL = Qt.ItemDataRole.UserRole


class CurveEditor(QWidget):
    """The panel. Public for the main window and tests: :attr:`view` (the :class:`CurveView`),
    :attr:`tree` (the list of curves), :attr:`node`, and :meth:`set_checked`."""

    def __init__(self, session: EditorSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("CurveEditor")
        self.session = session
        self.node: NodeInstance | None = None
        self._channels: list[Channel] = []
        self._hidden: set[tuple[str, int]] = set()  # unchecked channels of the shown node

        self.tree = QTreeWidget()
        self.tree.setHeaderLabel("")
        self.tree.setRootIsDecorated(True)
        self.tree.setMinimumWidth(120)
        self.tree.itemChanged.connect(self._checks_changed)
        self.view = CurveView(session)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.tree)
        splitter.addWidget(self.view)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([170, 700])
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

        session.selectionChanged.connect(self._follow_selection)
        session.projectReplaced.connect(self._follow_selection)
        session.graphChanged.connect(self._graph_changed)
        session.frameChanged.connect(lambda _frame: self.view.update())
        session.rangeChanged.connect(self.view.update)
        self.node = session.last_selected()
        self._rebuild(fit=True)

    # --- public ------------------------------------------------------------------------------------

    @property
    def shown_channels(self) -> list[Channel]:
        return [c for c in self._channels if c.id not in self._hidden]

    def set_checked(self, param: str, component: int | None, checked: bool) -> None:
        """Show or hide a curve (``component`` None: every component of ``param``)."""
        for channel in self._channels:
            if channel.param == param and component in (None, channel.component):
                (self._hidden.discard if checked else self._hidden.add)(channel.id)
        self._fill_tree()
        self._show(fit=True)

    # --- following the session ---------------------------------------------------------------------

    def _follow_selection(self) -> None:
        node = self.session.last_selected()
        if node is not self.node:
            self.node = node
            self._hidden.clear()
            self._rebuild(fit=True)

    def _graph_changed(self, event: GraphEvent) -> None:
        if self.node is None or event.node != self.node.uuid:
            return
        if event.kind is GraphEventKind.NODE_REMOVED:
            self.node = None
            self._rebuild(fit=True)
        elif event.kind is GraphEventKind.NODE_CHANGED:
            self.tree.setHeaderLabel(self.node.name)  # renamed, perhaps
        elif [c.id for c in channels_of(self.node)] != [c.id for c in self._channels]:
            self._rebuild(fit=self.view.fitted)  # a parameter gained or lost its animation
        else:
            self.view.refresh()

    def _rebuild(self, fit: bool) -> None:
        self._channels = channels_of(self.node)
        self._fill_tree()
        self._show(fit)

    def _show(self, fit: bool) -> None:
        node = self.node
        if node is None:
            self.view.message = NO_NODE
        elif not self._channels:
            self.view.message = NOT_ANIMATED.format(name=node.name)
        else:
            self.view.message = ""
        self.view.show_channels(node, self.shown_channels, fit)

    # --- the list ----------------------------------------------------------------------------------

    def _fill_tree(self) -> None:
        blocker = QSignalBlocker(self.tree)
        self.tree.clear()
        self.tree.setHeaderLabel(self.node.name if self.node is not None else "No node")
        parents: dict[str, QTreeWidgetItem] = {}
        for channel in self._channels:
            params = [c for c in self._channels if c.param == channel.param]
            if len(params) == 1:
                item = QTreeWidgetItem(self.tree, [channel.label])
            else:
                parent = parents.get(channel.param)
                if parent is None:
                    name = self.node.type.param(channel.param).display_name  # type: ignore[union-attr]
                    parent = parents[channel.param] = QTreeWidgetItem(self.tree, [name])
                    flags = parent.flags() | Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsAutoTristate
                    parent.setFlags(flags)
                    parent.setExpanded(True)
                item = QTreeWidgetItem(parent, [channel.label.rsplit(" ", 1)[-1]])
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setData(0, _CHANNEL, channel.id)
            item.setIcon(0, _swatch(channel.colour))
            hidden = channel.id in self._hidden
            item.setCheckState(0, Qt.CheckState.Unchecked if hidden else Qt.CheckState.Checked)
        self.tree.expandAll()
        del blocker

    def _checks_changed(self, item: QTreeWidgetItem, _column: int) -> None:
        hidden = set()
        for channel_item in _channel_items(self.tree):
            if channel_item.checkState(0) == Qt.CheckState.Unchecked:
                hidden.add(tuple(channel_item.data(0, _CHANNEL)))
        if hidden != self._hidden:
            self._hidden = hidden  # type: ignore[assignment]
            self._show(fit=True)


def _channel_items(tree: QTreeWidget) -> list[QTreeWidgetItem]:
    found = []
    stack = [tree.topLevelItem(i) for i in range(tree.topLevelItemCount())]
    while stack:
        item = stack.pop()
        if item.data(0, _CHANNEL) is not None:
            found.append(item)
        stack.extend(item.child(i) for i in range(item.childCount()))
    return found


def _swatch(colour: str) -> QIcon:
    pixmap = QPixmap(10, 10)
    pixmap.fill(QColor(colour))
    return QIcon(pixmap)
