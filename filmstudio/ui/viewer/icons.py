"""Transport and viewer icons drawn with QPainter (no icon files, no font glyphs that a system may
lack). Shapes are laid out on a 16x16 grid and rendered at 2x. GUI thread."""

from __future__ import annotations

import functools

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap, QPolygonF

ICON_COLOUR = "#d0d0d0"
_SIZE = 32


def _triangle(path: QPainterPath, x0: float, x1: float, top: float = 3.5, bottom: float = 12.5) -> None:
    """A triangle pointing from x0 towards x1."""
    path.addPolygon(QPolygonF([QPointF(x0, top), QPointF(x1, (top + bottom) / 2), QPointF(x0, bottom)]))
    path.closeSubpath()


def _bar(path: QPainterPath, x: float, width: float = 1.8, top: float = 3.5, bottom: float = 12.5) -> None:
    path.addRect(QRectF(x, top, width, bottom - top))


def _diamond(path: QPainterPath, x: float, y: float = 8.0, r: float = 3.2) -> None:
    path.addPolygon(QPolygonF([QPointF(x, y - r), QPointF(x + r, y), QPointF(x, y + r), QPointF(x - r, y)]))
    path.closeSubpath()


def _shape(name: str) -> QPainterPath:
    path = QPainterPath()
    path.setFillRule(Qt.FillRule.WindingFill)
    if name == "play":
        _triangle(path, 4.5, 13.0, 2.5, 13.5)
    elif name == "play_back":
        _triangle(path, 11.5, 3.0, 2.5, 13.5)
    elif name == "pause":
        _bar(path, 4.0, 2.8, 3.0, 13.0)
        _bar(path, 9.2, 2.8, 3.0, 13.0)
    elif name == "step_forward":
        _triangle(path, 4.0, 10.5)
        _bar(path, 11.0)
    elif name == "step_back":
        _triangle(path, 12.0, 5.5)
        _bar(path, 3.2)
    elif name == "last":
        _triangle(path, 2.5, 7.5)
        _triangle(path, 7.0, 12.0)
        _bar(path, 12.2)
    elif name == "first":
        _triangle(path, 13.5, 8.5)
        _triangle(path, 9.0, 4.0)
        _bar(path, 2.0)
    elif name == "key_next":
        _triangle(path, 3.0, 8.5)
        _diamond(path, 11.5)
    elif name == "key_prev":
        _triangle(path, 13.0, 7.5)
        _diamond(path, 4.5)
    elif name == "stop":
        path.addRect(QRectF(3.5, 3.5, 9, 9))
    elif name == "range":
        _bar(path, 1.8)
        _triangle(path, 5.0, 11.0)
        _bar(path, 12.4)
    elif name == "set_in":
        path.addPolygon(QPolygonF([QPointF(4, 2.5), QPointF(9, 2.5), QPointF(9, 4.5), QPointF(6.2, 4.5)]))
        path.addRect(QRectF(4, 2.5, 2.2, 11))
        path.addPolygon(QPolygonF([QPointF(4, 13.5), QPointF(9, 13.5), QPointF(9, 11.5), QPointF(6.2, 11.5)]))
    elif name == "set_out":
        path.addPolygon(QPolygonF([QPointF(12, 2.5), QPointF(7, 2.5), QPointF(7, 4.5), QPointF(9.8, 4.5)]))
        path.addRect(QRectF(9.8, 2.5, 2.2, 11))
        path.addPolygon(
            QPolygonF([QPointF(12, 13.5), QPointF(7, 13.5), QPointF(7, 11.5), QPointF(9.8, 11.5)])
        )
    return path


def _stroke(painter: QPainter, name: str, colour: QColor) -> bool:
    """Icons better drawn as lines; False if ``name`` is not one of them."""
    pen = QPen(colour, 1.6, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    if name == "loop":
        painter.drawArc(QRectF(2.5, 3.5, 11, 9), 30 * 16, 300 * 16)
        painter.setBrush(colour)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.drawPolygon(QPolygonF([QPointF(11.2, 1.8), QPointF(14.6, 5.0), QPointF(10.4, 6.4)]))
    elif name == "fit":
        for x, y, dx, dy in ((2, 2, 1, 1), (14, 2, -1, 1), (2, 14, 1, -1), (14, 14, -1, -1)):
            painter.drawPolyline(QPolygonF([QPointF(x, y + 4 * dy), QPointF(x, y), QPointF(x + 4 * dx, y)]))
        painter.drawRect(QRectF(5.5, 5.5, 5, 5))
    elif name == "wipe":
        painter.drawRect(QRectF(2, 3, 12, 10))
        painter.drawLine(QPointF(8, 1), QPointF(8, 15))
        painter.setBrush(colour)
        painter.drawRect(QRectF(2, 3, 6, 10))
    elif name == "add":
        painter.drawLine(QPointF(8, 2.5), QPointF(8, 13.5))
        painter.drawLine(QPointF(2.5, 8), QPointF(13.5, 8))
    elif name == "mask":
        painter.drawEllipse(QRectF(3, 3, 10, 10))
        painter.setBrush(QColor(230, 60, 60))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.drawEllipse(QRectF(5.5, 5.5, 5, 5))
    else:
        return False
    return True


@functools.lru_cache(maxsize=64)
def icon(name: str, colour: str = ICON_COLOUR) -> QIcon:
    """The icon called ``name`` (play, play_back, pause, step_back, step_forward, first, last,
    key_prev, key_next, loop, fit, wipe, mask, set_in, set_out, add, stop, range)."""
    pixmap = QPixmap(_SIZE, _SIZE)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.scale(_SIZE / 16, _SIZE / 16)
    qcolour = QColor(colour)
    if not _stroke(painter, name, qcolour):
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(qcolour)
        painter.drawPath(_shape(name))
    painter.end()
    result = QIcon(pixmap)
    disabled = QPixmap(pixmap)
    dim = QPainter(disabled)
    dim.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceIn)
    dim.fillRect(disabled.rect(), QColor("#5e5e5e"))
    dim.end()
    result.addPixmap(disabled, QIcon.Mode.Disabled)
    return result
