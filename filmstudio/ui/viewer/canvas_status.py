"""What the image canvas paints over (or instead of) the picture: messages (an error, "nothing to
view", "Computing ...") centred, and the computing banner with the PREVIEW badge of a stand-in at
the top left, each with the slow node's progress as a thin bar. GUI thread, inside paintEvent."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter

PREVIEW = QColor("#e8912d")
_PANEL = QColor(20, 20, 20, 215)


def paint_message(
    painter: QPainter, rect: QRectF, text: str, colour: QColor, fraction: float | None = None
) -> None:
    """``text`` centred in ``rect`` on a dark panel; ``fraction`` (0..1) draws a progress bar."""
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    area = rect.adjusted(30, 30, -30, -30)
    metrics = painter.fontMetrics()
    flags = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap
    bounds = QRectF(metrics.boundingRect(area.toRect(), int(flags), text)).adjusted(-14, -9, 14, 9)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(_PANEL)
    painter.drawRoundedRect(bounds, 4, 4)
    if fraction is not None:  # the slow node's progress, under the text
        bar = QRectF(bounds.left() + 4, bounds.bottom() - 4, (bounds.width() - 8) * fraction, 2)
        painter.fillRect(bar, PREVIEW)
    painter.setPen(colour)
    painter.drawText(area, int(flags), text)


def paint_banner(painter: QPainter, status: str, fraction: float | None, preview: bool) -> None:
    """Top left: a PREVIEW badge over a stand-in, then what is computing (``status``, with its
    progress bar): "Computing ..." over the previous frame of the same node."""
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    font = QFont(painter.font())
    font.setPointSizeF(9)
    font.setBold(True)
    painter.setFont(font)
    metrics = painter.fontMetrics()
    x, y, height = 10.0, 10.0, metrics.height() + 8.0
    if preview:
        badge = QRectF(x, y, metrics.horizontalAdvance("PREVIEW") + 14, height)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(PREVIEW)
        painter.drawRoundedRect(badge, 3, 3)
        painter.setPen(QColor("#141414"))
        painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, "PREVIEW")
        x = badge.right() + 6
    text = status if preview else f"Computing {status}".rstrip()
    if not text:
        return
    font.setBold(False)
    painter.setFont(font)
    box = QRectF(x, y, painter.fontMetrics().horizontalAdvance(text) + 16, height)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(_PANEL)
    painter.drawRoundedRect(box, 3, 3)
    if fraction is not None:
        bar = QRectF(box.left() + 2, box.bottom() - 3, (box.width() - 4) * fraction, 2)
        painter.fillRect(bar, PREVIEW)
    painter.setPen(QColor("#e6e6e6"))
    painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
