"""Colour wheels for grading parameters (lift, gamma, gain, offset), as in Resolve or Baselight:
a hue/saturation disc pushes the colour's balance toward a hue.

Two exact, invertible splits of an RGB triple into a level and a point on the disc (R at 0°, G at
120°, B at 240°):

- :func:`split_rgb` / :func:`join_rgb`: ``rgb = master + chroma`` with chroma summing to zero; the
  level is the mean of R, G and B. :class:`GradeWheel` (colour parameters) uses it, with a master
  slider under the disc.
- :func:`split_luma` / :func:`join_luma`: ``rgb = luma + chroma`` with chroma of zero Rec.709 luma,
  so moving the disc changes the balance without brightening or darkening the picture. The
  per-channel grading rows of :mod:`filmstudio.ui.inspector.grading` use it.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QConicalGradient,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QRadialGradient,
)
from PySide6.QtWidgets import QVBoxLayout, QWidget

from filmstudio.ui.inspector.base import ValueSlider

_PHASES = (0.0, 2 * math.pi / 3, 4 * math.pi / 3)
REC709_LUMA = (0.2126, 0.7152, 0.0722)


def split_rgb(rgb: tuple[float, ...]) -> tuple[float, float, float]:
    """(master, x, y): the mean of R, G, B and the chroma's point on the hue plane."""
    master = sum(rgb[:3]) / 3.0
    x = 2.0 / 3.0 * sum((c - master) * math.cos(p) for c, p in zip(rgb[:3], _PHASES, strict=True))
    y = 2.0 / 3.0 * sum((c - master) * math.sin(p) for c, p in zip(rgb[:3], _PHASES, strict=True))
    return master, x, y


def join_rgb(master: float, x: float, y: float) -> tuple[float, float, float]:
    """The inverse of :func:`split_rgb`."""
    return tuple(master + x * math.cos(p) + y * math.sin(p) for p in _PHASES)  # type: ignore[return-value]


def luma(rgb: tuple[float, ...]) -> float:
    """Rec.709 luma of the first three components."""
    return sum(w * c for w, c in zip(REC709_LUMA, rgb[:3], strict=False))


def split_luma(rgb: tuple[float, ...]) -> tuple[float, float, float]:
    """(luma, x, y): the Rec.709 luma of R, G, B and the chroma's point on the hue plane.

    The chroma ``rgb - luma`` (zero luma) and the zero-sum chroma of :func:`split_rgb` differ by a
    grey, so the disc point is that of ``chroma - mean(chroma)``: grey in, centre of the disc out.
    """
    level = luma(rgb)
    chroma = [c - level for c in rgb[:3]]
    mean = sum(chroma) / 3.0
    _, x, y = split_rgb(tuple(c - mean for c in chroma))
    return level, x, y


def join_luma(level: float, x: float, y: float) -> tuple[float, float, float]:
    """The inverse of :func:`split_luma`: its luma is exactly ``level``."""
    balance = join_rgb(0.0, x, y)
    shift = luma(balance)
    return tuple(level + c - shift for c in balance)  # type: ignore[return-value]


class HueDisc(QWidget):
    """The hue/saturation disc; emits the dragged point in chroma units (``scale`` at the rim).
    A double-click emits :attr:`neutralised` only: what neutral means is the owner's business."""

    moved = Signal(float, float, bool)  # x, y, dragging
    pressed = Signal()
    neutralised = Signal()

    def __init__(self, scale: float, size: int = 76, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.scale = scale
        self.point = (0.0, 0.0)
        self.dragging = False
        self.setFixedSize(QSize(size, size))
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setToolTip("Drag to tint toward a hue; double-click to neutralise")

    def _geometry(self) -> tuple[QPointF, float]:
        rect = QRectF(self.rect()).adjusted(3, 3, -3, -3)
        return rect.center(), rect.width() / 2

    def _point_at(self, position: QPointF) -> tuple[float, float]:
        centre, radius = self._geometry()
        dx, dy = (position.x() - centre.x()) / radius, (centre.y() - position.y()) / radius
        length = math.hypot(dx, dy)
        if length > 1.0:
            dx, dy = dx / length, dy / length
        return dx * self.scale, dy * self.scale

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.dragging = True
            self.pressed.emit()
            self._move(self._point_at(event.position()), True)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self.dragging:
            self._move(self._point_at(event.position()), True)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self.dragging = False

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self.dragging = False
        self.point = (0.0, 0.0)
        self.update()
        self.neutralised.emit()

    def set_point(self, x: float, y: float) -> None:
        """Show a point (no signal); ignored while the artist drags (the marker follows the mouse)."""
        if not self.dragging:
            self.point = (x, y)
            self.update()

    def _move(self, point: tuple[float, float], dragging: bool) -> None:
        self.point = point
        self.update()
        self.moved.emit(point[0], point[1], dragging)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        centre, radius = self._geometry()
        ring = max(3.0, radius * 0.1)
        face = radius - ring
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(_hues(centre, 0.8, 0.85))  # the hue ring at the rim
        painter.drawEllipse(centre, radius, radius)
        painter.setBrush(_hues(centre, 0.45, 0.42))  # the face: a faint wash of the same hues...
        painter.drawEllipse(centre, face, face)
        fade = QRadialGradient(centre, face)  # ...fading to a neutral grey centre
        fade.setColorAt(0.0, QColor(46, 46, 46, 255))
        fade.setColorAt(0.6, QColor(46, 46, 46, 205))
        fade.setColorAt(1.0, QColor(46, 46, 46, 70))
        painter.setBrush(fade)
        painter.drawEllipse(centre, face, face)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(QColor(255, 255, 255, 26), 1.0))
        painter.drawEllipse(centre, face / 2, face / 2)
        painter.drawLine(QPointF(centre.x() - face, centre.y()), QPointF(centre.x() + face, centre.y()))
        painter.drawLine(QPointF(centre.x(), centre.y() - face), QPointF(centre.x(), centre.y() + face))
        painter.setPen(QPen(QColor("#121212"), 1.0))
        painter.drawEllipse(centre, radius, radius)
        painter.drawEllipse(centre, face, face)

        x, y = self.point
        length = math.hypot(x, y) / self.scale
        if length > 1.0:
            x, y = x / length, y / length
        marker = QPointF(centre.x() + x / self.scale * radius, centre.y() - y / self.scale * radius)
        if length > 0.02:  # the push, from neutral to the marker
            painter.setPen(QPen(QColor(240, 240, 240, 110), 1.0))
            painter.drawLine(centre, marker)
        painter.setPen(QPen(QColor(0, 0, 0, 150), 3.0))
        painter.drawEllipse(marker, 4.0, 4.0)
        painter.setPen(QPen(QColor("#f2f2f2"), 1.5))
        painter.drawEllipse(marker, 4.0, 4.0)


def _hues(centre: QPointF, saturation: float, value: float) -> QConicalGradient:
    """The hue circle, counter-clockwise from 3 o'clock: R at 0°, G at 120°, B at 240°."""
    hues = QConicalGradient(centre, 0.0)
    for step in range(13):
        hues.setColorAt(step / 12, QColor.fromHsvF((step / 12) % 1.0, saturation, value))
    return hues


class GradeWheel(QWidget):
    """Disc plus master slider for one grading parameter; emits ``(rgb, merge)`` edits (merge
    True while dragging, so a drag is one undo step)."""

    edited = Signal(tuple, bool)
    dragStarted = Signal()

    def __init__(self, scale: float, span: tuple[float, float], parent: QWidget | None = None) -> None:
        """``scale``: the chroma the disc's rim stands for (the parameter's declared ``wheel``)."""
        super().__init__(parent)
        self.disc = HueDisc(scale)
        self.master = ValueSlider(*span)
        self.master.setToolTip("master: moves R, G and B together")
        self.master.setFixedWidth(self.disc.width())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.disc, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.master)
        self._master_value = 0.0
        self.disc.moved.connect(self._disc_moved)
        self.disc.neutralised.connect(lambda: self._disc_moved(0.0, 0.0, False))
        self.master.dragged.connect(self._master_moved)
        self.disc.pressed.connect(self.dragStarted)
        self.master.dragStarted.connect(self.dragStarted)

    @property
    def dragging(self) -> bool:
        return self.disc.dragging or self.master.dragging

    def set_rgb(self, rgb: tuple[float, ...]) -> None:
        """Show a colour (no signal)."""
        master, x, y = split_rgb(rgb)
        self._master_value = master
        self.disc.point = (x, y)
        self.disc.update()
        self.master.set_value(master)

    def _disc_moved(self, x: float, y: float, dragging: bool) -> None:
        self.edited.emit(join_rgb(self._master_value, x, y), dragging)

    def _master_moved(self, master: float) -> None:
        self._master_value = master
        self.edited.emit(join_rgb(master, *self.disc.point), True)
