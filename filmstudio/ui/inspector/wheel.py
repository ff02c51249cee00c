"""A compact colour wheel for grading parameters (lift, gamma, gain, offset), as in Resolve or
Baselight: the disc pushes the colour's balance toward a hue, the slider under it moves the
master level (the mean of R, G and B).

The split is exact and invertible: ``rgb = master + chroma`` where chroma sums to zero, and the
disc point is chroma projected on the hue plane (R at 0°, G at 120°, B at 240°).
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

# How much chroma the rim of the disc stands for, per parameter (gains move more than offsets).
WHEEL_PARAMS = {"lift": 0.25, "gamma": 0.5, "gain": 0.5, "offset": 0.25}
_PHASES = (0.0, 2 * math.pi / 3, 4 * math.pi / 3)


def split_rgb(rgb: tuple[float, ...]) -> tuple[float, float, float]:
    """(master, x, y): the mean of R, G, B and the chroma's point on the hue plane."""
    master = sum(rgb[:3]) / 3.0
    x = 2.0 / 3.0 * sum((c - master) * math.cos(p) for c, p in zip(rgb[:3], _PHASES, strict=True))
    y = 2.0 / 3.0 * sum((c - master) * math.sin(p) for c, p in zip(rgb[:3], _PHASES, strict=True))
    return master, x, y


def join_rgb(master: float, x: float, y: float) -> tuple[float, float, float]:
    """The inverse of :func:`split_rgb`."""
    return tuple(master + x * math.cos(p) + y * math.sin(p) for p in _PHASES)  # type: ignore[return-value]


class _Disc(QWidget):
    """The hue/saturation disc; emits the dragged point in chroma units."""

    moved = Signal(float, float, bool)  # x, y, dragging
    pressed = Signal()

    def __init__(self, scale: float, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.scale = scale
        self.point = (0.0, 0.0)
        self.dragging = False
        self.setFixedSize(QSize(76, 76))
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
        self._move((0.0, 0.0), False)

    def _move(self, point: tuple[float, float], dragging: bool) -> None:
        self.point = point
        self.update()
        self.moved.emit(point[0], point[1], dragging)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        centre, radius = self._geometry()
        hues = QConicalGradient(centre, 0.0)  # counter-clockwise from 3 o'clock: R, G at 120°, B
        for step in range(7):
            hues.setColorAt(step / 6, QColor.fromHsvF((step / 6) % 1.0, 0.55, 0.62))
        painter.setPen(QPen(QColor("#111"), 1.0))
        painter.setBrush(hues)
        painter.drawEllipse(centre, radius, radius)
        fade = QRadialGradient(centre, radius)
        fade.setColorAt(0.0, QColor(92, 92, 92, 255))
        fade.setColorAt(1.0, QColor(92, 92, 92, 0))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(fade)
        painter.drawEllipse(centre, radius, radius)
        painter.setPen(QPen(QColor(0, 0, 0, 90), 1.0))
        painter.drawLine(QPointF(centre.x() - radius, centre.y()), QPointF(centre.x() + radius, centre.y()))
        painter.drawLine(QPointF(centre.x(), centre.y() - radius), QPointF(centre.x(), centre.y() + radius))
        x, y = self.point
        length = math.hypot(x, y) / self.scale
        if length > 1.0:
            x, y = x / length, y / length
        marker = QPointF(centre.x() + x / self.scale * radius, centre.y() - y / self.scale * radius)
        painter.setPen(QPen(QColor("#f0f0f0"), 1.5))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawEllipse(marker, 3.5, 3.5)


class GradeWheel(QWidget):
    """Disc plus master slider for one grading parameter; emits ``(rgb, merge)`` edits (merge
    True while dragging, so a drag is one undo step)."""

    edited = Signal(tuple, bool)
    dragStarted = Signal()

    def __init__(self, name: str, span: tuple[float, float], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.disc = _Disc(WHEEL_PARAMS.get(name, 0.5))
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
