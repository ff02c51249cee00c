"""A strip under the timeline's ruler drawing the selected handle's per-frame curve (a
:class:`~filmstudio.core.overlay.FrameCurve`: a Tracker's confidence for its selected track), on the
ruler's frame positions: the curve (gaps where a frame has no value), the weak threshold dashed,
red ticks under weak frames and gold diamonds on keyed frames. Shown while the overlay node has
curves, empty until a handle is selected: selecting a handle — or adding one, whose drag goes on —
must not resize the viewer under the mouse. GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import QWidget

from filmstudio.core.overlay import FrameCurve
from filmstudio.ui.viewer.timeline import KEY, PLAYHEAD, TEXT, TimelineRuler

CURVE = QColor("#62d08a")
WEAK = QColor("#ff4d40")
THRESHOLD = QColor("#8a8a8a")
_PAD = 4.0  # above and below the curve's 0..1
_TICK = 6.0  # height of a weak frame's tick at the bottom


class CurveStrip(QWidget):
    """Draws ``source()`` (None: nothing yet) under ``ruler`` while ``shown()``; call
    :meth:`refresh` when the curve may have changed (the overlay's ``changed``), :meth:`update`
    when only the playhead moved."""

    def __init__(
        self,
        ruler: TimelineRuler,
        source: Callable[[], FrameCurve | None],
        shown: Callable[[], bool],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("TimelineCurve")
        self.ruler = ruler
        self.source = source
        self.shown = shown
        self.curve: FrameCurve | None = None
        self.setFixedHeight(40)
        self.setToolTip("The selected handle's curve: weak frames in red, keys in gold")
        self.refresh()

    def sizeHint(self) -> QSize:
        return QSize(640, 40)

    def refresh(self) -> None:
        self.curve = self.source()
        self.setVisible(self.shown())
        self.update()

    def y_of(self, value: float) -> float:
        """The y of a curve value (0 at the bottom, above the weak ticks; 1 at the top)."""
        bottom, top = self.height() - _TICK - _PAD, _PAD
        return bottom - min(1.0, max(0.0, value)) * (bottom - top)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#1a1a1a"))
        curve = self.curve
        if curve is None:
            painter.setPen(TEXT)
            text = "Select a handle in the viewer (a track) to see its curve here"
            painter.drawText(QRectF(self.rect()), Qt.AlignmentFlag.AlignCenter, text)
            painter.end()
            return
        ruler = self.ruler
        first, last = ruler.frame_at(0), ruler.frame_at(ruler.width())
        slot = max(1.0, ruler.x_of(first + 1) - ruler.x_of(first))
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if curve.weak_below is not None:
            painter.setPen(QPen(THRESHOLD, 1, Qt.PenStyle.DashLine))
            y = self.y_of(curve.weak_below)
            painter.drawLine(
                QPointF(ruler.x_of(first) - slot / 2, y), QPointF(ruler.x_of(last) + slot / 2, y)
            )
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        for frame in curve.weak_frames():
            x = ruler.x_of(frame)
            width = max(2.0, slot - 1)
            painter.fillRect(QRectF(x - width / 2, self.height() - _TICK, width, _TICK), WEAK)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.strokePath(self._path(curve), QPen(CURVE, 1.6))
        painter.setPen(QPen(QColor("#1a1a1a"), 1))
        painter.setBrush(KEY)
        for frame in curve.keyed:
            x, y, r = ruler.x_of(frame), self.y_of(curve.values.get(frame, 1.0)), 4.0
            painter.drawPolygon(
                QPolygonF([QPointF(x, y - r), QPointF(x + r, y), QPointF(x, y + r), QPointF(x - r, y)])
            )
        x = ruler.x_of(self.ruler.session.current_frame)
        painter.setPen(QPen(PLAYHEAD, 1.5))
        painter.drawLine(QPointF(x, 0), QPointF(x, self.height()))
        font = QFont(self.font())
        font.setPointSizeF(7.5)
        painter.setFont(font)
        painter.setPen(TEXT)  # at the bottom, under the threshold: the curve mostly runs high
        bottom = self.height() - _TICK - 1
        painter.drawText(QRectF(4, bottom - 12, 300, 12), Qt.AlignmentFlag.AlignLeft, curve.label)
        painter.end()

    def _path(self, curve: FrameCurve) -> QPainterPath:
        """The curve through each frame's slot centre; a frame without a value breaks it. A lone
        frame is a short flat stroke across its slot, so it shows."""
        path = QPainterPath()
        previous: int | None = None
        half = max(1.0, (self.ruler.x_of(1) - self.ruler.x_of(0)) / 2)
        for frame in sorted(curve.values):
            point = QPointF(self.ruler.x_of(frame), self.y_of(curve.values[frame]))
            if previous is not None and frame == previous + 1:
                path.lineTo(point)
            else:
                path.moveTo(point - QPointF(half * 0.6, 0))
                path.lineTo(point)
            previous = frame
        return path
