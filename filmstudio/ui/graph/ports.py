"""Port items: a node's typed inputs and outputs, drawn as type-coloured circles on its edges.

Inputs sit on the top edge and outputs on the bottom edge (links flow down, as in Nuke). A port
knows nothing about links; the graph view starts link drags from it and the link drag sets its
highlight. GUI thread only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsSceneHoverEvent,
    QStyleOptionGraphicsItem,
    QWidget,
)

from filmstudio.core.types import PortType
from filmstudio.ui.graph import style

if TYPE_CHECKING:
    from filmstudio.ui.graph.node_items import NodeItem

# How a link drag shows a port: a target it may connect to, a refusal, or neither.
NORMAL, COMPATIBLE, REFUSED, HOVERED = "", "compatible", "refused", "hovered"


class PortItem(QGraphicsItem):
    """One port of a node. ``name`` is the port name in the node spec; ``is_input`` tells which side."""

    def __init__(
        self,
        node_item: NodeItem,
        name: str,
        port_type: PortType,
        is_input: bool,
        label: str = "",
        radius: float = style.PORT_RADIUS,
        hit_radius: float = style.PORT_HIT_RADIUS,
    ) -> None:
        super().__init__(node_item)
        self.node_item = node_item
        self.name = name
        self.port_type = port_type
        self.is_input = is_input
        self.label = label or name
        self.radius = radius
        self.hit_radius = hit_radius  # the area a press starts a link drag from
        self.highlight = NORMAL
        self._hovered = False
        self.setAcceptHoverEvents(True)
        self.setZValue(2)
        self.setCursor(Qt.CursorShape.CrossCursor)
        direction = "input" if is_input else "output"
        self.setToolTip(f"{self.label} ({direction}, {port_type}) — drag to connect")

    @property
    def uuid(self) -> str:
        return self.node_item.uuid

    def anchor(self) -> QPointF:
        """Where a link meets this port, in scene coordinates."""
        return self.scenePos()

    def set_highlight(self, highlight: str) -> None:
        if highlight != self.highlight:
            self.highlight = highlight
            self.update()

    def colour(self) -> QColor:
        """The type colour; an Any port shows the type that actually flows through it."""
        port_type = self.port_type
        graph = self.node_item.graph
        if port_type is PortType.ANY and graph is not None and self.uuid in graph.nodes:
            if not self.is_input:
                port_type = graph.output_type(self.uuid, self.name)
            elif (link := graph.input_link(self.uuid, self.name)) is not None:
                port_type = graph.output_type(link.source, link.source_port)
        return style.port_colour(port_type)

    # --- QGraphicsItem ---------------------------------------------------------------------------

    def boundingRect(self) -> QRectF:
        r = max(self.hit_radius, self.radius + 5.0) + 1
        return QRectF(-r, -r, 2 * r, 2 * r)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        r = self.hit_radius
        path.addEllipse(QPointF(0, 0), r, r)
        return path

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        if lod < 0.25:
            return
        colour = self.colour()
        radius = self.radius
        if self.highlight == REFUSED:
            colour = QColor(colour)
            colour.setAlpha(70)
        elif self.highlight in (COMPATIBLE, HOVERED) or self._hovered:
            glow = QColor(colour)
            glow.setAlpha(110 if self.highlight != HOVERED else 170)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(glow)
            halo = radius + (5.0 if self.highlight == HOVERED else 3.5)
            painter.drawEllipse(QPointF(0, 0), halo, halo)
            radius += 1.0
        connected = self._connected()
        painter.setPen(QPen(style.NODE_BORDER, 1.2))
        painter.setBrush(QBrush(colour) if connected else QBrush(colour.darker(260)))
        painter.drawEllipse(QPointF(0, 0), radius, radius)
        if not connected:  # an open port: a coloured ring, so the type still reads
            painter.setPen(QPen(colour, 1.6))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawEllipse(QPointF(0, 0), radius - 1.2, radius - 1.2)

    def _connected(self) -> bool:
        graph = self.node_item.graph
        if graph is None or self.uuid not in graph.nodes:
            return False
        if self.is_input:
            return graph.input_link(self.uuid, self.name) is not None
        return True  # outputs are always drawn solid: they always carry something

    def hoverEnterEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        self._hovered = True
        self.update()
        super().hoverEnterEvent(event)

    def hoverLeaveEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        self._hovered = False
        self.update()
        super().hoverLeaveEvent(event)
