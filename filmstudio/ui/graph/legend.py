"""The port colour legend: a small panel in the corner of the graph view naming the colour of each
port type, drawn from the same table as the ports and links (:data:`style.PORT_COLOURS`). A child
widget over the view rather than a scene item, so it stays put while the canvas pans. GUI thread.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QFontMetricsF, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QWidget

from filmstudio.core.types import PortType
from filmstudio.ui.graph import style

_ROW = 15.0
_PAD = 7.0


class PortLegend(QWidget):
    """One row per port type: a dot in its colour and its name."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        metrics = QFontMetricsF(style.font("hint"))
        text_width = max(metrics.horizontalAdvance(str(t)) for t in PortType)
        self._size = QSize(int(text_width + 3 * _PAD + 10), int(len(PortType) * _ROW + 2 * _PAD))
        self.resize(self._size)
        self.hide()

    def sizeHint(self) -> QSize:
        return self._size

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(style.NODE_BORDER, 1.0))
        painter.setBrush(style.HINT_BACKGROUND)
        painter.drawRoundedRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5), 4, 4)
        painter.setFont(style.font("hint"))
        for row, port_type in enumerate(PortType):
            y = _PAD + row * _ROW + _ROW / 2
            painter.setPen(QPen(style.NODE_BORDER, 1.0))
            painter.setBrush(style.port_colour(port_type))
            painter.drawEllipse(QPointF(_PAD + 4, y), 4.0, 4.0)
            painter.setPen(style.SUBTITLE_TEXT)
            text = QRectF(2 * _PAD + 8, y - _ROW / 2, self.width(), _ROW)
            painter.drawText(text, Qt.AlignmentFlag.AlignVCenter, str(port_type))
        painter.end()
