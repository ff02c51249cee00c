"""Dragging a link between ports: which ports it may reach, why others refuse it, and the edit
made on release.

A drag starts from a port. From an output (or from a connected input, which picks its link up)
it looks for inputs; from a free input it looks for outputs. While it moves, the ports it may
connect to glow and the others dim; hovering a refusing port shows the graph's own reason next to
the cursor. On release the drag makes one undoable edit (connect, replace what fed an occupied
input, move or drop a picked-up link) or reports why it cannot. GUI thread only.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF

from filmstudio.core.commands import Connect, Disconnect
from filmstudio.core.errors import DuplicateLinkError, InputAlreadyConnectedError, LinkError
from filmstudio.core.graph import Link
from filmstudio.core.types import PortType, can_link
from filmstudio.ui.graph import style
from filmstudio.ui.graph.links import PendingLinkItem
from filmstudio.ui.graph.node_items import NodeItem
from filmstudio.ui.graph.ports import COMPATIBLE, HOVERED, NORMAL, REFUSED, PortItem
from filmstudio.ui.graph.scene import GraphScene

_SNAP = style.PORT_HIT_RADIUS * 1.6


class LinkDrag:
    """One drag from ``port``. ``picked`` is the existing link lifted off an input, if any."""

    def __init__(self, scene: GraphScene, port: PortItem) -> None:
        self.scene = scene
        graph = scene.session.graph
        self.picked: Link | None = None
        if port.is_input:
            self.picked = graph.input_link(port.uuid, port.name)
            if self.picked is not None:  # carry the link by its source end, as in Nuke
                port = scene.port(self.picked.source, self.picked.source_port, False) or port
        self.fixed = port
        self.wants_input = not port.is_input
        carried = graph.output_type(port.uuid, port.name) if not port.is_input else port.port_type
        self.pending = PendingLinkItem(port, carried)
        scene.addItem(self.pending)
        if self.picked is not None and (
            item := scene.links.get((self.picked.target, self.picked.target_port))
        ):
            item.hide()
        self._reasons: dict[PortItem, str | None] = {}
        self._hovered: PortItem | None = None
        self._highlight_candidates()

    # --- what may connect ------------------------------------------------------------------------

    def _ends(self, other: PortItem) -> tuple[str, str, str, str]:
        if self.wants_input:
            return self.fixed.uuid, self.fixed.name, other.uuid, other.name
        return other.uuid, other.name, self.fixed.uuid, self.fixed.name

    def reason(self, other: PortItem) -> str | None:
        """Why linking to ``other`` is refused (the graph's own words), or None. An occupied input
        is not a reason: dropping there replaces its link."""
        if other in self._reasons:
            return self._reasons[other]
        graph = self.scene.session.graph
        source, _source_port, target, _target_port = ends = self._ends(other)
        found: str | None = None
        try:
            graph.check_link(*ends)
        except (InputAlreadyConnectedError, DuplicateLinkError):
            if target in graph.upstream(source):  # the only rule left after the occupied input
                names = graph.nodes[source].name, graph.nodes[target].name
                found = f"linking {names[0]} into {names[1]} would make a loop: {names[1]} feeds {names[0]}"
        except LinkError as error:
            found = str(error)
        self._reasons[other] = found
        return found

    def _highlight_candidates(self) -> None:
        """Light every port on the wanted side that may take the link; dim the rest. The quick
        type test decides most ports without the full check (a 200-node graph stays instant)."""
        graph = self.scene.session.graph
        fixed_type = (
            graph.output_type(self.fixed.uuid, self.fixed.name) if self.wants_input else self.fixed.port_type
        )
        feeds_fixed = graph.upstream(self.fixed.uuid) if self.wants_input else set()  # would loop
        for port in self.scene.all_ports():
            if port.is_input != self.wants_input:
                continue
            if port.uuid == self.fixed.uuid:
                port.set_highlight(REFUSED)
                continue
            port_type = port.port_type
            if not self.wants_input and port_type is PortType.ANY:
                port_type = graph.output_type(port.uuid, port.name)
            typed = can_link(fixed_type, port_type) if self.wants_input else can_link(port_type, fixed_type)
            if not typed or port.uuid in feeds_fixed:
                port.set_highlight(REFUSED)
            else:
                port.set_highlight(COMPATIBLE if self.reason(port) is None else REFUSED)

    # --- following the mouse ---------------------------------------------------------------------

    def port_near(self, at: QPointF) -> PortItem | None:
        """The wanted-side port closest to ``at`` within snapping distance."""
        area = QRectF(at.x() - _SNAP, at.y() - _SNAP, 2 * _SNAP, 2 * _SNAP)
        best, best_distance = None, _SNAP
        for item in self.scene.items(area):
            if isinstance(item, PortItem) and item.is_input == self.wants_input and item is not self.fixed:
                distance = (item.anchor() - at).manhattanLength()
                if distance <= best_distance:
                    best, best_distance = item, distance
        return best

    def move(self, at: QPointF) -> None:
        port = self.port_near(at)
        if port is not self._hovered:
            if self._hovered is not None:
                self._hovered.set_highlight(REFUSED if self.reason(self._hovered) else COMPATIBLE)
            self._hovered = port
        reason = self.reason(port) if port is not None else None
        self.pending.refused = reason is not None
        self.pending.set_end(port.anchor() if port is not None and reason is None else at)
        if port is not None and reason is None:
            port.set_highlight(HOVERED)
            self.scene.hint.hide()
        elif reason is not None:
            self.scene.hint_at(reason, at)
        else:
            self.scene.hint.hide()

    # --- ending ----------------------------------------------------------------------------------

    def finish(self, at: QPointF) -> bool:
        """Make the edit for a drop at ``at``; returns False when it was refused (and reported)."""
        self._clear()
        session = self.scene.session
        port = self.port_near(at)
        if port is None:
            return self._drop_elsewhere(at)
        reason = self.reason(port)
        if reason is not None:
            self.scene.hint_at(reason, at)
            session.report(f"Link refused: {reason}", "warning")
            return False
        link = Link(*self._ends(port))
        if link == self.picked or (
            self.picked is None and session.graph.input_link(link.target, link.target_port) == link
        ):
            return True  # dropped back where it was
        with session.edit("Connect" if self.picked is None else "Move link"):
            if self.picked is not None:
                session.graph.perform(Disconnect(self.picked))
            session.graph.perform(Connect(link, replace=True))
        return True

    def _drop_elsewhere(self, at: QPointF) -> bool:
        session = self.scene.session
        if self.picked is not None:  # a link pulled off its input and let go: disconnect
            with session.edit("Disconnect"):
                session.graph.perform(Disconnect(self.picked))
            return True
        target = next((i for i in self.scene.items(at) if isinstance(i, NodeItem)), None)
        if target is None or target.uuid == self.fixed.uuid:
            return True
        # Dropped on a node's body: the first free input that takes it (or its first output).
        with session.edit("Connect"):
            if self.wants_input:
                session.graph.connect(self.fixed.uuid, target.uuid, self.fixed.name)
            elif target.node.type.outputs:
                session.graph.connect(target.uuid, self.fixed.uuid, None, self.fixed.name)
        return True

    def cancel(self) -> None:
        self._clear()

    def _clear(self) -> None:
        for port in self.scene.all_ports():
            port.set_highlight(NORMAL)
        if self.pending.scene() is not None:
            self.scene.removeItem(self.pending)
        if self.picked is not None and (
            item := self.scene.links.get((self.picked.target, self.picked.target_port))
        ):
            item.show()
        self.scene.hint.hide()
