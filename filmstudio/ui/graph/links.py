"""Link items: a curve from an output (bottom of a node) down to an input (top of the next), in
the colour of the type it carries, with an arrow head at the input. Also the link being dragged
and the hint that explains a refused link near the cursor. GUI thread only.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPainterPath, QPainterPathStroker, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from filmstudio.core.graph import Link
from filmstudio.core.types import PortType
from filmstudio.ui.graph import style
from filmstudio.ui.graph.ports import PortItem

_ARROW = 7.0


def link_path(start: QPointF, end: QPointF) -> QPainterPath:
    """A vertical S-curve from ``start`` (an output) to ``end`` (an input); a link that goes back
    up swings out further so it stays readable."""
    dy = end.y() - start.y()
    reach = max(28.0, abs(dy) * 0.5) if dy >= 0 else max(60.0, abs(dy) * 0.35 + 40.0)
    path = QPainterPath(start)
    path.cubicTo(QPointF(start.x(), start.y() + reach), QPointF(end.x(), end.y() - reach), end)
    return path


class LinkItem(QGraphicsItem):
    """One link of the graph, between two port items; follows them when their nodes move."""

    def __init__(self, link: Link, source: PortItem, target: PortItem) -> None:
        super().__init__()
        self.link = link
        self.source = source
        self.target = target
        self._path = QPainterPath()
        self.setZValue(-1)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.update_path()

    def update_path(self) -> None:
        self.prepareGeometryChange()
        start = self.source.anchor()
        end = self.target.anchor() - QPointF(0, self.target.radius + _ARROW)
        self._path = link_path(start, end)

    def colour(self) -> QColor:
        return self.source.colour()

    def boundingRect(self) -> QRectF:
        return self._path.boundingRect().adjusted(-6, -6, 6, 6 + _ARROW + self.target.radius)

    def shape(self) -> QPainterPath:
        stroker = QPainterPathStroker()
        stroker.setWidth(8)
        return stroker.createStroke(self._path)

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        colour = self.colour()
        ends = (self.source.node_item, self.target.node_item)
        active = any(item.isSelected() for item in ends)
        if not active:
            colour = QColor(colour)
            colour = colour.darker(125)
        if any(item.node.disabled for item in ends[:1]):
            colour.setAlpha(140)
        painter.setPen(style.round_pen(colour, 2.6 if active else 1.9))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self._path)
        tip = self.target.anchor() - QPointF(0, self.target.radius)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        painter.drawPolygon(
            QPolygonF([tip, tip + QPointF(-_ARROW * 0.6, -_ARROW), tip + QPointF(_ARROW * 0.6, -_ARROW)])
        )


class PendingLinkItem(QGraphicsItem):
    """The link under the mouse while dragging from a port; dashed while it would be refused."""

    def __init__(self, port: PortItem, port_type: PortType) -> None:
        super().__init__()
        self.port = port
        self.port_type = port_type
        self.refused = False
        self._path = QPainterPath()
        self.setZValue(50)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)

    def set_end(self, point: QPointF) -> None:
        self.prepareGeometryChange()
        fixed = self.port.anchor()
        self._path = link_path(point, fixed) if self.port.is_input else link_path(fixed, point)

    def boundingRect(self) -> QRectF:
        return self._path.boundingRect().adjusted(-4, -4, 4, 4)

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        colour = style.port_colour(self.port_type)
        pen = QPen(colour, 2.2, Qt.PenStyle.DashLine if self.refused else Qt.PenStyle.SolidLine)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        painter.setPen(pen)
        painter.drawPath(self._path)


class HintItem(QGraphicsItem):
    """A short message near the cursor (why a link is refused). Ignores the zoom, so it stays
    readable; hidden by the view on the next click or key."""

    _WIDTH = 320.0

    def __init__(self) -> None:
        super().__init__()
        self.text = ""
        self.error = True
        self._rect = QRectF()
        self.setZValue(1000)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.hide()

    def show_text(self, text: str, at: QPointF, error: bool = True) -> None:
        self.prepareGeometryChange()
        self.text, self.error = text, error
        metrics = QFontMetricsF(style.font("hint"))
        bounds = metrics.boundingRect(QRectF(0, 0, self._WIDTH, 400), Qt.TextFlag.TextWordWrap, text)
        self._rect = bounds.adjusted(-8, -5, 8, 5).translated(8, 5)
        self.setPos(at + QPointF(14, 14))
        self.show()
        self.update()

    def boundingRect(self) -> QRectF:
        return self._rect.adjusted(-1, -1, 1, 1)

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        painter.setPen(QPen(style.HINT_TEXT if self.error else style.HINT_OK_TEXT, 1.0))
        painter.setBrush(style.HINT_BACKGROUND)
        painter.drawRoundedRect(self._rect, 4, 4)
        painter.setFont(style.font("hint"))
        painter.drawText(self._rect.adjusted(8, 5, -8, -5), Qt.TextFlag.TextWordWrap, self.text)
