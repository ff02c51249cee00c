"""The graph scene: one item per node and per link, kept in step with the model's events.

The scene follows :attr:`EditorSession.graphChanged` one event at a time (a node added, a link
removed, a node renamed or moved) and updates only the items it names; it rebuilds everything
only on ``projectReplaced``. User actions never change items as a result: they edit the graph,
and the event that follows updates the scene, so undo and redo need nothing special. The one
exception is a drag, which moves items live and becomes a single Move edit on release
(:meth:`GraphScene.commit_moves`). Selection is mirrored both ways with the session. GUI thread.
"""

from __future__ import annotations

import contextlib
import math

from PySide6.QtCore import QLineF, QPointF, QRectF
from PySide6.QtGui import QPainter, QPen
from PySide6.QtWidgets import QGraphicsScene, QWidget

from filmstudio.core.commands import MoveNode
from filmstudio.core.graph import GraphEvent, GraphEventKind, Link, NodeInstance
from filmstudio.core.types import PortType
from filmstudio.ui.graph import style
from filmstudio.ui.graph.backdrop import BackdropItem
from filmstudio.ui.graph.badges import CachedBadges
from filmstudio.ui.graph.links import HintItem, LinkItem
from filmstudio.ui.graph.node_items import DotItem, GraphNodeItem, NodeItem
from filmstudio.ui.graph.ports import PortItem
from filmstudio.ui.session import EditorSession

_EXTENT = 200_000.0  # the canvas is unbounded for practical purposes
_CONTENT_EVENTS = {
    GraphEventKind.NODE_ADDED,
    GraphEventKind.NODE_REMOVED,
    GraphEventKind.LINK_ADDED,
    GraphEventKind.LINK_REMOVED,
    GraphEventKind.PARAM_CHANGED,
    GraphEventKind.STATE_CHANGED,
}


def make_item(node: NodeInstance) -> GraphNodeItem:
    """The item that draws ``node``: a Backdrop, a Dot, or a regular node."""
    if node.type.layout_only:
        return BackdropItem(node)
    if node.type.dot:
        return DotItem(node)
    return NodeItem(node)


class GraphScene(QGraphicsScene):
    """Items for the session's graph. ``nodes`` and ``links`` index the items by uuid and by the
    (target, input) a link feeds."""

    def __init__(self, session: EditorSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.nodes: dict[str, GraphNodeItem] = {}
        self.links: dict[tuple[str, str], LinkItem] = {}
        self._links_of: dict[str, set[LinkItem]] = {}
        self.moved: set[str] = set()  # items the user dragged since the last commit
        self.badges = CachedBadges(self)
        self._mirroring = False
        self.setSceneRect(-_EXTENT / 2, -_EXTENT / 2, _EXTENT, _EXTENT)
        self.setBackgroundBrush(style.BACKGROUND)
        self.hint = HintItem()
        self.addItem(self.hint)
        session.graphChanged.connect(self._graph_changed)
        session.projectReplaced.connect(self.rebuild)
        session.selectionChanged.connect(self._session_selection_changed)
        session.nodeStatusChanged.connect(self._node_status_changed)
        session.frameChanged.connect(self._frame_changed)
        self.selectionChanged.connect(self._scene_selection_changed)
        self.rebuild()

    # --- building --------------------------------------------------------------------------------

    def rebuild(self) -> None:
        """Drop every item and make them again from the graph (a different project)."""
        self._mirroring = True
        try:
            for item in list(self.nodes.values()) + list(self.links.values()):
                self.removeItem(item)
            self.nodes.clear()
            self.links.clear()
            self._links_of.clear()
            self.moved.clear()
            graph = self.session.graph
            for node in graph.nodes.values():
                self._add_node(node)
            for link in graph.links:
                self._add_link(link)
            self.badges.invalidate()
        finally:
            self._mirroring = False
        self._session_selection_changed()

    def _add_node(self, node: NodeInstance) -> None:
        item = make_item(node)
        item.sync_position()
        self.nodes[node.uuid] = item
        self.addItem(item)
        item.refresh_status()

    def _remove_node(self, uuid: str) -> None:
        item = self.nodes.pop(uuid, None)
        self.moved.discard(uuid)
        self._links_of.pop(uuid, None)
        if item is not None:
            self.removeItem(item)

    def _add_link(self, link: Link) -> None:
        source, target = self.nodes.get(link.source), self.nodes.get(link.target)
        if source is None or target is None:
            return
        source_port = source.outputs.get(link.source_port)
        target_port = target.inputs.get(link.target_port)
        if source_port is None or target_port is None:
            return
        item = LinkItem(link, source_port, target_port)
        self.links[(link.target, link.target_port)] = item
        for uuid in (link.source, link.target):
            self._links_of.setdefault(uuid, set()).add(item)
        self.addItem(item)
        target_port.update()

    def _remove_link(self, link: Link) -> None:
        item = self.links.pop((link.target, link.target_port), None)
        if item is None:
            return
        for uuid in (link.source, link.target):
            self._links_of.get(uuid, set()).discard(item)
        self.removeItem(item)
        item.target.update()

    # --- following the model ---------------------------------------------------------------------

    def _graph_changed(self, event: GraphEvent) -> None:
        kind = event.kind
        if kind is GraphEventKind.NODE_ADDED:
            self._add_node(self.session.graph.nodes[event.node])
        elif kind is GraphEventKind.NODE_REMOVED:
            self._remove_node(event.node)
        elif kind is GraphEventKind.LINK_ADDED:
            self._add_link(event.detail)
            self._types_may_have_changed()
        elif kind is GraphEventKind.LINK_REMOVED:
            self._remove_link(event.detail)
            self._types_may_have_changed()
        elif kind is GraphEventKind.NODE_CHANGED and event.node in self.nodes:
            item = self.nodes[event.node]
            if event.detail == "position":
                item.sync_position()
                self.moved.discard(event.node)
            else:
                item.sync(event.detail)
                if event.detail == "disabled":
                    self.update_links_of(event.node)
        elif (
            kind in (GraphEventKind.PARAM_CHANGED, GraphEventKind.STATE_CHANGED) and event.node in self.nodes
        ):
            self.nodes[event.node].sync(event.detail)
        if kind in _CONTENT_EVENTS or (kind is GraphEventKind.NODE_CHANGED and event.detail == "disabled"):
            self._invalidate_cached_badges()

    def _types_may_have_changed(self) -> None:
        """A link into an Any input (a Dot) changes the colour of everything downstream of it."""
        for item in self.links.values():
            item.update()
        for node_item in self.nodes.values():
            if isinstance(node_item, DotItem):
                node_item.update()
            for port in (*node_item.inputs.values(), *node_item.outputs.values()):
                if port.port_type is PortType.ANY:
                    port.update()

    def _node_status_changed(self, uuid: str) -> None:
        item = self.nodes.get(uuid)
        if item is not None:
            item.refresh_status()

    def _frame_changed(self, _frame: int) -> None:
        self._invalidate_cached_badges()

    def _invalidate_cached_badges(self) -> None:
        self.badges.invalidate()

    def cached_nodes(self, nodes: list[NodeInstance]) -> dict[str, bool]:
        """Whether each node's frame at the playhead is in the engine's cache, by uuid; asked
        together, so what they share upstream is planned once."""
        asked = [n for n in nodes if n.type.outputs and n.graph is not None]
        answers = dict.fromkeys((n.uuid for n in nodes), False)
        if asked:
            with contextlib.suppress(Exception):  # a node removed meanwhile: asked again next time
                answers.update(self.session.engine.cached(asked, self.session.current_frame))
        return answers

    # --- moves -----------------------------------------------------------------------------------

    def node_item_moved(self, item: GraphNodeItem, by_user: bool) -> None:
        for link in self._links_of.get(item.uuid, ()):
            link.update_path()
        if by_user:
            self.moved.add(item.uuid)

    def commit_moves(self) -> None:
        """Turn the items the user dragged into one undoable Move of all of them."""
        moved = [
            (uuid, self.nodes[uuid].model_position())
            for uuid in sorted(self.moved)
            if uuid in self.nodes and self.nodes[uuid].model_position() != self.nodes[uuid].node.position
        ]
        self.moved.clear()
        if not moved:
            return
        graph = self.session.graph
        with self.session.edit("Move"):
            for uuid, position in moved:
                graph.perform(MoveNode(uuid, position))
        for item in self.nodes.values():  # a refused move (none expected) snaps back
            item.sync_position()

    def update_links_of(self, uuid: str) -> None:
        for link in self._links_of.get(uuid, ()):
            link.update()

    # --- selection, both ways --------------------------------------------------------------------

    def _scene_selection_changed(self) -> None:
        if self._mirroring:
            return
        chosen = {item.uuid for item in self.selectedItems() if isinstance(item, GraphNodeItem)}
        kept = [uuid for uuid in self.session.selected if uuid in chosen]
        added = [uuid for uuid in self.nodes if uuid in chosen and uuid not in kept]
        self._mirroring = True
        try:
            self.session.select(kept + added)
        finally:
            self._mirroring = False

    def _session_selection_changed(self) -> None:
        if self._mirroring:
            return
        wanted = set(self.session.selected)
        self._mirroring = True
        try:
            for uuid, item in self.nodes.items():
                selected = uuid in wanted
                if item.isSelected() != selected:
                    item.setSelected(selected)
        finally:
            self._mirroring = False

    # --- lookups ---------------------------------------------------------------------------------

    def port(self, uuid: str, name: str, is_input: bool) -> PortItem | None:
        item = self.nodes.get(uuid)
        if item is None:
            return None
        return (item.inputs if is_input else item.outputs).get(name)

    def all_ports(self) -> list[PortItem]:
        return [p for item in self.nodes.values() for p in (*item.inputs.values(), *item.outputs.values())]

    def nodes_rect(self, items: list[GraphNodeItem] | None = None) -> QRectF:
        """The scene rectangle around ``items`` (default: every node)."""
        rect = QRectF()
        for item in items if items is not None else self.nodes.values():
            rect = rect.united(item.sceneBoundingRect())
        return rect

    # --- background ------------------------------------------------------------------------------

    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:
        painter.fillRect(rect, style.BACKGROUND)
        scale = painter.worldTransform().m11()
        step = style.GRID_STEP
        major = step * style.GRID_MAJOR_EVERY
        if scale * step >= 7:  # minor lines only where they are far enough apart to read
            self._grid(painter, rect, step, QPen(style.GRID_MINOR, 0))
        if scale * major >= 7:
            self._grid(painter, rect, major, QPen(style.GRID_MAJOR, 0))

    @staticmethod
    def _grid(painter: QPainter, rect: QRectF, step: float, pen: QPen) -> None:
        left = math.floor(rect.left() / step) * step
        top = math.floor(rect.top() / step) * step
        lines = [QLineF(x, rect.top(), x, rect.bottom()) for x in _frange(left, rect.right(), step)]
        lines += [QLineF(rect.left(), y, rect.right(), y) for y in _frange(top, rect.bottom(), step)]
        painter.setPen(pen)
        painter.drawLines(lines)

    def hint_at(self, text: str, at: QPointF, error: bool = True) -> None:
        self.hint.show_text(text, at, error)


def _frange(start: float, stop: float, step: float) -> list[float]:
    count = int((stop - start) / step) + 1
    return [start + i * step for i in range(max(0, count))]
