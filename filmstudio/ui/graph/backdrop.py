"""The Backdrop item: a coloured, labelled panel drawn behind the nodes it frames.

Its ``position`` is the top-left corner and its size comes from the node's ``width``/``height``
parameters. Only the title bar and the resize grip take the mouse: a press on the body falls
through to the view, which starts a rubber band as on an empty canvas (Nuke's behaviour).
Dragging the title carries the nodes standing on the backdrop; the grip resizes it with one
undoable parameter edit on release. GUI thread only.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsSceneMouseEvent, QStyleOptionGraphicsItem, QWidget

from filmstudio.core.graph import NodeInstance
from filmstudio.ui.graph import style
from filmstudio.ui.graph.node_items import GraphNodeItem

TITLE_HEIGHT = 30.0
GRIP = 14.0
MIN_SIZE = (80.0, 48.0)


class BackdropItem(GraphNodeItem):
    """A Backdrop node. The z-order keeps smaller backdrops above larger ones, all behind links."""

    def __init__(self, node: NodeInstance) -> None:
        super().__init__(node)
        self._resizing: QPointF | None = None  # grab offset while the grip is dragged
        self._preview: tuple[float, float] | None = None
        self._carried: list[GraphNodeItem] = []
        self._last_pos = QPointF()
        self.setCursor(Qt.CursorShape.ArrowCursor)
        self._apply_size()

    def size(self) -> tuple[float, float]:
        if self._preview is not None:
            return self._preview
        return float(self.node.params["width"]), float(self.node.params["height"])

    def _apply_size(self) -> None:
        width, height = self.size()
        self.setZValue(-20.0 - min(width * height, 9e6) / 1e6)
        self.setToolTip(f"{self.node.name} (Backdrop) — drag the title to move it with its nodes")

    def sync(self, detail: Any = None) -> None:
        self.prepareGeometryChange()
        self._apply_size()
        self.update()

    def label(self) -> str:
        return str(self.node.params.get("label") or self.node.name)

    def colour(self) -> QColor:
        red, green, blue, _alpha = self.node.params["color"]
        return QColor.fromRgbF(*(min(max(float(c), 0.0), 1.0) for c in (red, green, blue)))

    # --- geometry --------------------------------------------------------------------------------

    def rect(self) -> QRectF:
        width, height = self.size()
        return QRectF(0, 0, width, height)

    def grip_rect(self) -> QRectF:
        rect = self.rect()
        return QRectF(rect.right() - GRIP, rect.bottom() - GRIP, GRIP, GRIP)

    def boundingRect(self) -> QRectF:
        return self.rect().adjusted(-2, -2, 2, 2)

    def shape(self) -> QPainterPath:
        """The title bar and the grip: the rest lets clicks through to the canvas."""
        path = QPainterPath()
        rect = self.rect()
        path.addRect(QRectF(0, 0, rect.width(), TITLE_HEIGHT))
        path.addRect(self.grip_rect())
        return path

    def contained_items(self) -> list[GraphNodeItem]:
        """Node items (and smaller backdrops) standing on this backdrop: their centre is inside."""
        scene = self.graph_scene()
        if scene is None:
            return []
        area = self.sceneBoundingRect()
        found: list[GraphNodeItem] = []
        for item in scene.items(area, Qt.ItemSelectionMode.IntersectsItemBoundingRect):
            if item is self or not isinstance(item, GraphNodeItem):
                continue
            if isinstance(item, BackdropItem) and not area.contains(item.sceneBoundingRect()):
                continue
            if area.contains(item.sceneBoundingRect().center()):
                found.append(item)
        return found

    # --- painting --------------------------------------------------------------------------------

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        rect = self.rect()
        colour = self.colour()
        body = QColor(colour)
        body.setAlpha(150)
        painter.setPen(
            QPen(style.SELECTED_BORDER, 2.0) if self.isSelected() else QPen(colour.darker(170), 1.0)
        )
        painter.setBrush(body)
        painter.drawRoundedRect(rect, 3, 3)
        title = QRectF(0, 0, rect.width(), TITLE_HEIGHT)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour.lighter(115))
        painter.drawRoundedRect(title.adjusted(1, 1, -1, 0), 3, 3)
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        if lod >= 0.2:
            painter.setFont(style.font("backdrop"))
            painter.setPen(_readable_on(colour))
            metrics = QFontMetricsF(style.font("backdrop"))
            text = metrics.elidedText(self.label(), Qt.TextElideMode.ElideRight, rect.width() - 16)
            painter.drawText(title.adjusted(8, 0, -8, 0), Qt.AlignmentFlag.AlignVCenter, text)
        grip = self.grip_rect()
        painter.setPen(QPen(colour.darker(200), 1.2))
        for step in (4.0, 8.0, 12.0):
            painter.drawLine(
                QPointF(grip.right() - step, grip.bottom() - 1),
                QPointF(grip.right() - 1, grip.bottom() - step),
            )

    # --- mouse: title moves with the nodes on it, grip resizes -----------------------------------

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.grip_rect().contains(event.pos()):
            self._resizing = self.rect().bottomRight() - event.pos()
            self._preview = self.size()
            event.accept()
            return
        self._carried = [item for item in self.contained_items() if not item.isSelected()]
        self._last_pos = self.pos()
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self._resizing is not None:
            corner = event.pos() + self._resizing
            self.prepareGeometryChange()
            self._preview = (max(MIN_SIZE[0], round(corner.x())), max(MIN_SIZE[1], round(corner.y())))
            self.update()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self._resizing is not None:
            width, height = self._preview or self.size()
            self._resizing = None
            scene = self.graph_scene()
            if scene is not None and (width, height) != (
                self.node.params["width"],
                self.node.params["height"],
            ):
                with scene.session.edit("Resize backdrop"):
                    self.node.set(width=float(width), height=float(height))
            self.prepareGeometryChange()
            self._preview = None
            self._apply_size()
            self.update()
            event.accept()
            return
        self._carried = []
        super().mouseReleaseEvent(event)

    def itemChange(self, change: QGraphicsItem.GraphicsItemChange, value: Any) -> Any:
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged:
            delta = self.pos() - self._last_pos
            self._last_pos = self.pos()
            if not self._syncing:
                for item in self._carried:
                    item.moveBy(delta.x(), delta.y())
        return super().itemChange(change, value)


def _readable_on(colour: QColor) -> QColor:
    return QColor("#111111") if colour.lightnessF() > 0.62 else QColor("#f0f0f0")
