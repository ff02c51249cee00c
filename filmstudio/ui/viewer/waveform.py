"""A strip under the timeline's ruler drawing the viewed node's sound: one vertical line a pixel
column, as tall as the loudest sample under it (mirrored about the middle), on the ruler's frame
positions, with the playhead. Hidden while the viewed node has no sound. GUI thread; the peaks are
measured off it (:mod:`filmstudio.ui.viewer.sound`).
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QWidget

from filmstudio.ui.viewer.sound import Waveform
from filmstudio.ui.viewer.timeline import PLAYHEAD, TEXT, TimelineRuler

WAVE = QColor("#4fd19a")  # the Audio port's colour in the graph
BACKGROUND = QColor("#181818")
HEIGHT = 36


class WaveformStrip(QWidget):
    """Draws a :class:`Waveform` under ``ruler``; :meth:`show_waveform` with None hides it (no
    sound), ``measuring`` shows a note until the peaks arrive."""

    def __init__(self, ruler: TimelineRuler, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("TimelineWaveform")
        self.ruler = ruler
        self.waveform: Waveform | None = None
        self.measuring = False
        self.setFixedHeight(HEIGHT)
        self.setToolTip("The viewed node's sound")
        self.setVisible(False)

    def sizeHint(self) -> QSize:
        return QSize(640, HEIGHT)

    def show_sound(self, has_sound: bool) -> None:
        """The viewed node has sound (its waveform follows) or has none (hidden)."""
        self.measuring = has_sound and self.waveform is None
        self.setVisible(has_sound)
        self.update()

    def show_waveform(self, waveform: Waveform | None) -> None:
        self.waveform = waveform
        self.measuring = False
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), BACKGROUND)
        middle = self.height() / 2
        wave = self.waveform
        if wave is None:
            if self.measuring:
                painter.setPen(TEXT)
                painter.drawText(QRectF(self.rect()), Qt.AlignmentFlag.AlignCenter, "measuring the sound…")
            painter.end()
            return
        ruler = self.ruler
        slot = ruler.x_of(wave.first + 1) - ruler.x_of(wave.first)
        left = ruler.x_of(wave.first) - slot / 2
        right = ruler.x_of(wave.last) + slot / 2
        painter.setPen(QPen(WAVE, 1))
        half = middle - 2
        for x in range(max(0, int(left)), min(self.width(), int(right) + 1)):
            start = wave.first + (x - left) / slot
            peak = wave.peak_between(start, start + 1 / slot)
            if peak <= 0:
                continue
            reach = max(0.5, peak * half)
            painter.drawLine(QPointF(x + 0.5, middle - reach), QPointF(x + 0.5, middle + reach))
        painter.setPen(QPen(QColor("#2c2c2c"), 1))
        painter.drawLine(QPointF(left, middle), QPointF(right, middle))
        x = ruler.x_of(ruler.session.current_frame)
        painter.setPen(QPen(PLAYHEAD, 1.5))
        painter.drawLine(QPointF(x, 0), QPointF(x, self.height()))
        painter.end()
