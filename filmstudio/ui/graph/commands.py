"""The graph editor's commands (the Edit menu's node items): add, Dot, Backdrop, delete, disable,
copy, cut and paste. Each is one undo step named after what it does; refusals are reported through
the session, never raised. A mixin of :class:`~filmstudio.ui.graph.view.GraphView`, which provides
``session``, ``graph_scene`` and the cursor position. GUI thread only.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF
from PySide6.QtGui import QGuiApplication

from filmstudio.core.commands import SetDisabled
from filmstudio.core.errors import FilmStudioError
from filmstudio.core.graph import NodeInstance
from filmstudio.ui.graph import clipboard, edits
from filmstudio.ui.graph.scene import GraphScene
from filmstudio.ui.session import EditorSession

_BACKDROP_MARGIN = (24.0, 50.0, 24.0, 24.0)  # left, top (title), right, bottom


class GraphCommands:
    """What the graph view can do to the graph, callable from menus, keys and scripts."""

    session: EditorSession
    graph_scene: GraphScene
    _cursor: QPointF | None

    def _view_centre(self) -> QPointF:
        """The scene point at the middle of the view (the view provides it)."""
        raise NotImplementedError

    def _reveal(self, uuid: str) -> None:
        """Scroll node ``uuid`` into sight (the view provides it)."""
        raise NotImplementedError

    def add_node(
        self, type_id: str, at: QPointF | tuple[float, float] | None = None, connect: bool = True
    ) -> NodeInstance | None:
        """Add a node of ``type_id`` (one undo step) and select it. With ``connect`` and a node
        selected, the new node is fed by it and takes over its downstream links (Nuke). ``at`` is
        a scene position (default: below the selected node, else at the cursor or the centre of
        the view). Returns the node, or None when refused (the reason is reported)."""
        graph = self.session.graph
        try:
            node_type = graph.registry.get(type_id)
        except FilmStudioError as error:
            self.session.report(str(error), "error")
            return None
        after = edits.upstream_for_new_node(graph, self.session.selected) if connect else None
        if at is None:
            position = edits.free_spot(graph, edits.below(after)) if after else self._default_position()
        else:
            position = (at.x(), at.y()) if isinstance(at, QPointF) else (float(at[0]), float(at[1]))
        added: list[NodeInstance] = []
        with self.session.edit(f"Add {node_type.display_name()}"):
            added.append(edits.add_node(graph, node_type, position, after if node_type.inputs else None))
        if not added:
            return None
        self.session.select([added[0].uuid])
        self._reveal(added[0].uuid)
        return added[0]

    def add_dot(self) -> NodeInstance | None:
        """Add a Dot after the selected node (inserted in its links), or at the cursor."""
        return self.add_node("Dot")

    def add_backdrop(self) -> NodeInstance | None:
        """Add a Backdrop around the selected nodes (or a default one at the cursor)."""
        graph = self.session.graph
        chosen = [self.graph_scene.nodes[u] for u in self.session.selected if u in self.graph_scene.nodes]
        params: dict[str, object] = {}
        if chosen:
            rect = self.graph_scene.nodes_rect(chosen)
            left, top, right, bottom = _BACKDROP_MARGIN
            position = (round(rect.left() - left), round(rect.top() - top))
            params = {
                "width": round(rect.width() + left + right),
                "height": round(rect.height() + top + bottom),
            }
        else:
            x, y = self._default_position()
            position = (x - 160, y - 110)
        added: list[NodeInstance] = []
        with self.session.edit("Add Backdrop"):
            added.append(edits.add_node(graph, graph.registry.get("Backdrop"), position, None, **params))
        if added:
            self.session.select([added[0].uuid])
            self._reveal(added[0].uuid)
        return added[0] if added else None

    def delete_selection(self) -> None:
        selected = [u for u in self.session.selected if u in self.session.graph.nodes]
        if selected:
            with self.session.edit("Delete"):
                self.session.graph.delete(selected)

    def toggle_disable_selection(self) -> None:
        """Disable the selected nodes, or enable them when all are disabled (D)."""
        graph = self.session.graph
        nodes = [graph.nodes[u] for u in self.session.selected if u in graph.nodes]
        nodes = [n for n in nodes if not edits.is_layout(n)]
        if not nodes:
            return
        disable = not all(n.disabled for n in nodes)
        with self.session.edit("Disable" if disable else "Enable"):
            for node in nodes:
                if node.disabled != disable:
                    graph.perform(SetDisabled(node.uuid, disable))

    def select_all(self) -> None:
        self.session.select(list(self.session.graph.nodes))

    def copy_selection(self) -> int:
        """Put the selected nodes on the clipboard as text; returns how many."""
        selected = [u for u in self.session.selected if u in self.session.graph.nodes]
        if not selected:
            return 0
        QGuiApplication.clipboard().setText(clipboard.copy_nodes(self.session.project, selected))
        return len(selected)

    def cut_selection(self) -> None:
        if self.copy_selection():
            with self.session.edit("Cut"):
                self.session.graph.delete(self.session.selected)

    def paste(self) -> list[NodeInstance]:
        """Paste nodes from the clipboard (one undo step) at the cursor, else next to where they
        were copied; other text is reported, never raised."""
        graph = self.session.graph
        try:
            source = clipboard.read_nodes(QGuiApplication.clipboard().text(), graph)
        except clipboard.NotNodesError as error:
            self.session.report(str(error), "warning")
            return []
        except FilmStudioError as error:
            self.session.report(f"Cannot paste: {error}", "error")
            return []
        offset = (40.0, 40.0)
        if self._cursor is not None:
            cx, cy = clipboard.bounds_centre(source)
            offset = (round(self._cursor.x() - cx), round(self._cursor.y() - cy))
        added: list[NodeInstance] = []
        with self.session.edit("Paste"):
            added.extend(clipboard.paste_nodes(graph, source, offset))
        self.session.select([n.uuid for n in added if n.uuid in graph.nodes])
        return added

    def _default_position(self) -> tuple[float, float]:
        at = self._cursor if self._cursor is not None else self._view_centre()
        return float(round(at.x())), float(round(at.y()))
