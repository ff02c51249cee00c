"""Node items: a node drawn by hand (rounded body tinted by category, title, port labels, disabled
cross, status badges) and the Dot, a small circle that bends links.

Items show the model; they never edit it. Dragging moves the item only; the graph view turns the
moves into one undoable Move when the mouse is released, and the scene then sets the positions
from the model's events. A node's ``position`` is the centre of its body. GUI thread only.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFontMetricsF, QLinearGradient, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsSceneHoverEvent,
    QGraphicsSceneMouseEvent,
    QStyleOptionGraphicsItem,
    QWidget,
)

from filmstudio.core.graph import Graph, NodeInstance
from filmstudio.core.params import ParamKind
from filmstudio.core.takes import active_take_name
from filmstudio.core.types import PortType
from filmstudio.ui.graph import style
from filmstudio.ui.graph.ports import PortItem

if TYPE_CHECKING:
    from filmstudio.ui.graph.scene import GraphScene

_TEXT_LOD = 0.4  # below this zoom, text is too small to read: skip it
_BADGE_LOD = 0.55  # and below this, the status badges


class GraphNodeItem(QGraphicsItem):
    """What every node item shares: identity, model position, moves and ports by name."""

    def __init__(self, node: NodeInstance) -> None:
        super().__init__()
        self.node = node
        self.uuid = node.uuid
        self.inputs: dict[str, PortItem] = {}
        self.outputs: dict[str, PortItem] = {}
        self._syncing = False
        self.setFlags(
            QGraphicsItem.GraphicsItemFlag.ItemIsSelectable
            | QGraphicsItem.GraphicsItemFlag.ItemIsMovable
            | QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges
        )
        self.setAcceptHoverEvents(True)

    @property
    def graph(self) -> Graph | None:
        return self.node.graph

    def graph_scene(self) -> GraphScene | None:
        return self.scene()  # type: ignore[return-value]

    # --- model <-> item --------------------------------------------------------------------------

    def sync_position(self) -> None:
        """Put the item where the model says (a model event, not a user's drag)."""
        x, y = self.node.position
        target = QPointF(x, y)
        if self.pos() != target:
            self._syncing = True
            try:
                self.setPos(target)
            finally:
                self._syncing = False

    def model_position(self) -> tuple[float, float]:
        """The model position the item's current place stands for (whole units: tidy files)."""
        return float(round(self.pos().x())), float(round(self.pos().y()))

    def sync(self, detail: Any = None) -> None:
        """The node's name, disabled flag or a parameter changed: redraw."""
        self.update()

    def refresh_status(self) -> None:
        """Badges changed (computing, error, cached)."""
        self.update()

    def itemChange(self, change: QGraphicsItem.GraphicsItemChange, value: Any) -> Any:
        scene = self.graph_scene()
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged and scene is not None:
            scene.node_item_moved(self, by_user=not self._syncing)
        elif change == QGraphicsItem.GraphicsItemChange.ItemSelectedHasChanged and scene is not None:
            scene.update_links_of(self.uuid)
        return super().itemChange(change, value)

    def mouseDoubleClickEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        scene = self.graph_scene()
        if scene is not None:
            scene.session.select([self.uuid])
        event.accept()


class NodeItem(GraphNodeItem):
    """A processing node: rounded body, title (and the type or file when renamed), typed ports."""

    def __init__(self, node: NodeInstance) -> None:
        super().__init__(node)
        self._hovered = False
        self._cached: bool = False
        self.cached_epoch = -1  # the scene's badge epoch ``_cached`` was asked at
        self._size = (style.NODE_WIDTH, style.NODE_HEIGHT)
        self._label_overhang = 8.0
        for port in node.type.inputs:
            self.inputs[port.name] = PortItem(self, port.name, port.type, True, port.label)
        for port in node.type.outputs:
            self.outputs[port.name] = PortItem(self, port.name, port.type, False, port.label)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self._layout()
        self._update_tooltip()

    # --- layout ----------------------------------------------------------------------------------

    def _texts(self) -> tuple[str, str]:
        node = self.node
        shown = node.type.display_name()
        parts = [] if node.name.startswith(shown) else [shown]
        for param in node.type.params:  # what the declaration shows on the node (a file's name)
            value = node.params[param.name]
            if param.on_node and isinstance(value, str) and value:
                parts.append(os.path.basename(value) if param.kind is ParamKind.PATH else value)
        take = active_take_name(node.state)  # the take a generative node renders
        if take is not None:
            parts.append(take if take.startswith("take") and take[4:5].isdigit() else f"take {take}")
        return node.name, " · ".join(parts)

    def _layout(self) -> None:
        title, subtitle = self._texts()
        text_width = max(
            QFontMetricsF(style.font("title")).horizontalAdvance(title),
            QFontMetricsF(style.font("subtitle")).horizontalAdvance(subtitle),
        )
        # Inputs of the first input's type spread over the top edge; the others (a mask, a script)
        # sit at its right end, as Nuke puts the mask. Each port keeps room for its label.
        ports = list(self.inputs.values())
        main = [p for p in ports if p.port_type is ports[0].port_type]
        masks = [p for p in ports if p not in main]
        metrics = QFontMetricsF(style.font("port"))
        spacing = max(
            [style.PORT_SPACING]
            + [metrics.horizontalAdvance(p.name) + 2 * p.radius + 10 for p in (*main, *masks)]
        )
        needed = (len(main) + 1) * spacing + len(masks) * spacing * 0.75
        width = max(style.NODE_WIDTH, needed, len(self.outputs) * style.PORT_SPACING, text_width + 36)
        height = style.NODE_HEIGHT
        self.prepareGeometryChange()
        self._size = (width, height)
        main_width = width - len(masks) * spacing * 0.75
        for index, port in enumerate(main):  # a single main input sits in the middle: straight links
            x = 0.0 if len(main) == 1 else -width / 2 + main_width * (index + 1) / (len(main) + 1)
            port.setPos(x, -height / 2)
        for index, port in enumerate(reversed(masks)):
            port.setPos(width / 2 - 16 - index * spacing * 0.75, -height / 2)
        for index, port in enumerate(self.outputs.values()):
            port.setPos(-width / 2 + width * (index + 1) / (len(self.outputs) + 1), height / 2)
        reach = max(
            (p.pos().x() + p.radius + 2 + metrics.horizontalAdvance(p.name) for p in self.inputs.values()),
            default=0.0,
        )
        self._label_overhang = max(8.0, reach - width / 2 + 2)

    def body_rect(self) -> QRectF:
        width, height = self._size
        return QRectF(-width / 2, -height / 2, width, height)

    def boundingRect(self) -> QRectF:
        # Port labels above the top edge and below the bottom edge, badges over the corner.
        return self.body_rect().adjusted(-8, -22, max(self._label_overhang, 8.0), 20)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addRoundedRect(self.body_rect(), style.NODE_RADIUS, style.NODE_RADIUS)
        return path

    # --- model changes ---------------------------------------------------------------------------

    def sync(self, detail: Any = None) -> None:
        param = self.node.type.find_param(detail)
        if detail in ("name", None) or (param is not None and param.on_node):
            self._layout()
        self._update_tooltip()
        self.update()

    def refresh_status(self) -> None:
        self.cached_epoch = -1  # it may just have been computed (and cached)
        self._update_tooltip()
        self.update()

    def _update_tooltip(self) -> None:
        node = self.node
        lines = [f"<b>{node.name}</b> — {node.type.display_name()} ({node.type.category})"]
        if node.type.description:
            lines.append(node.type.description)
        if node.disabled:
            lines.append("<i>disabled: passes its input through (D to enable)</i>")
        scene = self.graph_scene()
        if scene is not None:
            status, message = scene.session.node_status(self.uuid)
            if status == "error":
                lines.append(f"<span style='color:#ff7b6e'><b>Error</b> {_escape(message)}</span>")
            elif status == "computing":
                lines.append("computing…")
        self.setToolTip("<br>".join(lines))

    def itemChange(self, change: QGraphicsItem.GraphicsItemChange, value: Any) -> Any:
        if change == QGraphicsItem.GraphicsItemChange.ItemSceneHasChanged and value is not None:
            self._update_tooltip()  # the status needs the scene's session
        return super().itemChange(change, value)

    # --- painting --------------------------------------------------------------------------------

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        node = self.node
        rect = self.body_rect()
        tint = style.category_colour(node.type.category)
        if node.disabled:
            tint = QColor.fromHsv(tint.hsvHue(), tint.hsvSaturation() // 4, int(tint.value() * 0.6))
        gradient = QLinearGradient(rect.topLeft(), rect.bottomLeft())
        gradient.setColorAt(0.0, tint.lighter(122 if self._hovered else 112))
        gradient.setColorAt(1.0, tint.darker(128))
        selected = self.isSelected()
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(style.NODE_SHADOW)
        painter.drawRoundedRect(rect.translated(2.0, 3.0), style.NODE_RADIUS, style.NODE_RADIUS)
        painter.setPen(QPen(style.SELECTED_BORDER, 2.2) if selected else QPen(style.NODE_BORDER, 1.2))
        painter.setBrush(QBrush(gradient))
        painter.drawRoundedRect(rect, style.NODE_RADIUS, style.NODE_RADIUS)
        if not selected:  # a thin highlight along the top edge, as on a lit bevel
            painter.setPen(QPen(tint.lighter(150), 1.0))
            top = rect.adjusted(style.NODE_RADIUS, 1.2, -style.NODE_RADIUS, 0).topLeft()
            painter.drawLine(top, QPointF(rect.right() - style.NODE_RADIUS, top.y()))
        if node.disabled:
            painter.setPen(QPen(style.DISABLED_CROSS, 2.0))
            inset = rect.adjusted(4, 4, -4, -4)
            painter.drawLine(inset.topLeft(), inset.bottomRight())
            painter.drawLine(inset.bottomLeft(), inset.topRight())
        if lod < _TEXT_LOD:
            return
        self._paint_texts(painter, rect)
        self._paint_port_labels(painter)
        if lod >= _BADGE_LOD:
            self._paint_badges(painter, rect)

    def _paint_texts(self, painter: QPainter, rect: QRectF) -> None:
        title, subtitle = self._texts()
        disabled = self.node.disabled
        painter.setFont(style.font("title"))
        painter.setPen(style.TITLE_TEXT if not disabled else style.PORT_LABEL_TEXT)
        if subtitle:
            title_rect = QRectF(rect.left(), rect.top() + 3, rect.width(), rect.height() / 2)
            painter.drawText(title_rect, Qt.AlignmentFlag.AlignCenter, title)
            painter.setFont(style.font("subtitle"))
            painter.setPen(style.SUBTITLE_TEXT if not disabled else style.PORT_LABEL_TEXT)
            sub_rect = QRectF(rect.left() + 6, rect.center().y(), rect.width() - 12, rect.height() / 2 - 3)
            elided = QFontMetricsF(style.font("subtitle")).elidedText(
                subtitle, Qt.TextElideMode.ElideMiddle, sub_rect.width()
            )
            painter.drawText(sub_rect, Qt.AlignmentFlag.AlignCenter, elided)
        else:
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, title)

    def _paint_port_labels(self, painter: QPainter) -> None:
        painter.setFont(style.font("port"))
        painter.setPen(style.PORT_LABEL_TEXT)
        metrics = QFontMetricsF(style.font("port"))
        labelled = list(self.inputs.values())
        if len(self.outputs) > 1:
            labelled += list(self.outputs.values())
        for port in labelled:
            at = port.pos()
            y = at.y() - 8 if port.is_input else at.y() + 8 + metrics.ascent()
            painter.drawText(QPointF(at.x() + port.radius + 2, y), port.name)  # label: tooltip

    def _paint_badges(self, painter: QPainter, rect: QRectF) -> None:
        scene = self.graph_scene()
        if scene is None:
            return
        status, _message = scene.session.node_status(self.uuid)
        painter.setPen(QPen(style.NODE_BORDER, 1.0))
        if status == "error":
            centre = QPointF(rect.right() - 2, rect.top() + 2)
            painter.setBrush(style.BADGE_ERROR)
            painter.drawEllipse(centre, 7.5, 7.5)
            painter.setPen(style.round_pen(QColor("white"), 2.0))
            painter.drawLine(centre + QPointF(0, -3.6), centre + QPointF(0, 0.8))
            painter.drawPoint(centre + QPointF(0, 3.6))
        elif status == "computing":
            painter.setBrush(style.BADGE_COMPUTING)
            painter.drawEllipse(QPointF(rect.right() - 9, rect.top() + 9), 4.0, 4.0)
        if self._is_cached(scene):
            painter.setPen(QPen(style.NODE_BORDER, 1.0))
            painter.setBrush(style.BADGE_CACHED)
            painter.drawEllipse(QPointF(rect.right() - 9, rect.bottom() - 9), 3.5, 3.5)

    def _is_cached(self, scene: GraphScene) -> bool:
        """The last answer about the cache; a stale one asks the scene to check again soon
        (never here: painting must stay cheap)."""
        if self.cached_epoch != scene.badges.epoch:
            scene.badges.request()
        return self._cached

    def set_cached(self, cached: bool, epoch: int) -> None:
        self.cached_epoch = epoch
        if cached != self._cached:
            self._cached = cached
            self.update()

    def hoverEnterEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        self._hovered = True
        self.update()
        super().hoverEnterEvent(event)

    def hoverLeaveEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        self._hovered = False
        self.update()
        super().hoverLeaveEvent(event)


class DotItem(GraphNodeItem):
    """A Dot: a small circle in the colour of what flows through it; its input is on top and its
    output at the bottom, so links bend through it."""

    def __init__(self, node: NodeInstance) -> None:
        super().__init__(node)
        # Small ports just outside the circle: a press on the circle itself moves the Dot.
        offset = style.DOT_RADIUS + 2.0
        for port in node.type.inputs:
            self.inputs[port.name] = PortItem(self, port.name, port.type, True, port.label, 3.0, 4.5)
            self.inputs[port.name].setPos(0, -offset)
        for port in node.type.outputs:
            self.outputs[port.name] = PortItem(self, port.name, port.type, False, port.label, 3.0, 4.5)
            self.outputs[port.name].setPos(0, offset)
        self.setToolTip(f"{node.name} (Dot)")

    def sync(self, detail: Any = None) -> None:
        self.setToolTip(f"{self.node.name} (Dot)")
        self.update()

    def boundingRect(self) -> QRectF:
        r = style.DOT_RADIUS + 3
        return QRectF(-r, -r, 2 * r, 2 * r)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addEllipse(QPointF(0, 0), style.DOT_RADIUS + 1, style.DOT_RADIUS + 1)
        return path

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        output = next(iter(self.outputs.values()), None)
        colour = output.colour() if output is not None else style.PORT_COLOURS[PortType.ANY]
        if self.node.disabled:
            colour = colour.darker(220)
        selected = self.isSelected()
        painter.setPen(QPen(style.SELECTED_BORDER, 2.2) if selected else QPen(style.NODE_BORDER, 1.4))
        painter.setBrush(colour.darker(140))
        painter.drawEllipse(QPointF(0, 0), style.DOT_RADIUS, style.DOT_RADIUS)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
