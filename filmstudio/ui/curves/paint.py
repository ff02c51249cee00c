"""Drawing the curve view: grid and value labels, the frame ruler with the project's range and the
playhead, each channel's curve as the node sees it (hard limits applied), its keys and, on selected
Bezier keys, their handles. Functions of a painter and plain values; GUI thread.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen, QPolygonF

from filmstudio.core.animation import AnimCurve, Interp, Side, components
from filmstudio.core.params import Param, evaluate_value
from filmstudio.ui.curves.channels import Channel
from filmstudio.ui.curves.transform import AXIS, RULER, ViewTransform, tick_step, ticks

BACKGROUND = QColor("#1f1f1f")
OUTSIDE = QColor(0, 0, 0, 70)  # frames outside the project's range
GRID = QColor("#2c2c2c")
GRID_ZERO = QColor("#454545")
LABEL = QColor("#8c8c8c")
RULER_FILL = QColor("#282828")
PLAYHEAD = QColor("#e8912d")
SELECTED = QColor("#ffffff")
HANDLE = QColor("#d0d0d0")
BAND = QColor(232, 145, 45, 40)
KEY_SIZE = 7.0


def paint_grid(painter: QPainter, view: ViewTransform, frame_range: tuple[int, int]) -> None:
    """Background, the project's range, grid lines and value labels."""
    width, height = view.width, view.height
    painter.fillRect(QRectF(0, 0, width, height), BACKGROUND)
    first_x, last_x = view.x_of(frame_range[0]), view.x_of(frame_range[1])
    if first_x > AXIS:
        painter.fillRect(QRectF(AXIS, RULER, first_x - AXIS, height - RULER), OUTSIDE)
    if last_x < width:
        painter.fillRect(QRectF(last_x, RULER, width - last_x, height - RULER), OUTSIDE)
    frame_step = tick_step(view.last - view.first, width - AXIS, 70, whole=True)
    value_step = tick_step(view.high - view.low, height - RULER, 36)
    painter.setPen(QPen(GRID, 1))
    for frame in ticks(view.first, view.last, frame_step):
        x = view.x_of(frame)
        painter.drawLine(QPointF(x, RULER), QPointF(x, height))
    for value in ticks(view.low, view.high, value_step):
        y = view.y_of(value)
        painter.setPen(QPen(GRID_ZERO if abs(value) < value_step / 2 else GRID, 1))
        painter.drawLine(QPointF(AXIS, y), QPointF(width, y))
        painter.setPen(LABEL)
        text = f"{value:.{_decimals(value_step)}f}"
        painter.drawText(QRectF(0, y - 8, AXIS - 6, 16), Qt.AlignmentFlag.AlignRight, text)


def paint_ruler(painter: QPainter, view: ViewTransform, frame: int) -> None:
    """The frame ruler along the top, and the playhead line through the plot."""
    painter.fillRect(QRectF(0, 0, view.width, RULER), RULER_FILL)
    step = tick_step(view.last - view.first, view.width - AXIS, 70, whole=True)
    painter.setPen(LABEL)
    for tick in ticks(view.first, view.last, step):
        x = view.x_of(tick)
        if x >= AXIS:
            painter.drawLine(QPointF(x, RULER - 5), QPointF(x, RULER))
            text = f"{tick:g}"
            advance = painter.fontMetrics().horizontalAdvance(text)
            left = x + 3 if x + 3 + advance <= view.width else x - 3 - advance  # never cut at the edge
            painter.drawText(QRectF(left, 2, advance + 2, RULER - 4), Qt.AlignmentFlag.AlignLeft, text)
    x = view.x_of(frame)
    if x >= AXIS:
        painter.setPen(QPen(PLAYHEAD, 1.5))
        painter.drawLine(QPointF(x, RULER), QPointF(x, view.height))
        painter.setBrush(PLAYHEAD)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.drawPolygon(QPolygonF([QPointF(x - 5, 0), QPointF(x + 5, 0), QPointF(x, 8)]))


Samples = list[tuple[float, tuple[float, ...]]]  # (frame, every component's value)


def sample_curve(view: ViewTransform, param: Param, curve: AnimCurve) -> Samples:
    """A parameter's values across the view as the node sees them, every 2 pixels and exactly
    at its keys (and just before them, so held steps are vertical); once for all components."""
    frames = {view.frame_at(x) for x in range(int(AXIS), int(view.width) + 2, 2)}
    for key in curve.keys:
        if view.first <= key.frame <= view.last:
            frames.update((key.frame, key.frame - 1e-6))
    return [(frame, components(evaluate_value(param, curve, frame))) for frame in sorted(frames)]


def paint_curve(painter: QPainter, view: ViewTransform, samples: Samples, channel: Channel) -> None:
    """One channel's curve from its parameter's :func:`sample_curve`."""
    path = QPainterPath()
    for index, (frame, values) in enumerate(samples):
        point = QPointF(view.x_of(frame), view.y_of(values[channel.component]))
        if index == 0:
            path.moveTo(point)
        else:
            path.lineTo(point)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.setPen(QPen(QColor(channel.colour), 1.6))
    painter.drawPath(path)


def paint_keys(
    painter: QPainter,
    view: ViewTransform,
    curve: AnimCurve,
    channel: Channel,
    selected: Iterable[float],
) -> None:
    """The channel's keys as squares in its colour; selected ones white with their handles."""
    chosen = set(selected)
    for index, key in enumerate(curve.keys):
        centre = key_point(view, curve, index, channel.component)
        if key.frame in chosen:
            for side in Side:
                handle = handle_point(view, curve, index, side, channel.component)
                if handle is not None:
                    painter.setPen(QPen(HANDLE, 1))
                    painter.drawLine(centre, handle)
                    painter.setBrush(HANDLE)
                    painter.drawEllipse(handle, 3.5, 3.5)
        colour = SELECTED if key.frame in chosen else QColor(channel.colour)
        painter.setPen(QPen(QColor("#111111"), 1))
        painter.setBrush(colour)
        half = KEY_SIZE / 2 + (1 if key.frame in chosen else 0)
        painter.drawRect(QRectF(centre.x() - half, centre.y() - half, 2 * half, 2 * half))


def paint_band(painter: QPainter, rect: QRectF) -> None:
    painter.setPen(QPen(PLAYHEAD, 1, Qt.PenStyle.DashLine))
    painter.setBrush(BAND)
    painter.drawRect(rect)


def paint_message(painter: QPainter, view: ViewTransform, text: str) -> None:
    painter.setPen(LABEL)
    area = QRectF(AXIS, RULER, view.width - AXIS, view.height - RULER)
    painter.drawText(area, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, text)


def paint_readout(painter: QPainter, view: ViewTransform, text: str) -> None:
    """What is selected (a key's channel, frame, value and interpolation) at the bottom right."""
    metrics = painter.fontMetrics()
    width, height = metrics.horizontalAdvance(text) + 12, metrics.height() + 6
    box = QRectF(view.width - width - 4, view.height - height - 4, width, height)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(20, 20, 20, 160))
    painter.drawRoundedRect(box, 3, 3)
    painter.setPen(QColor("#d6d6d6"))
    painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)


def key_point(view: ViewTransform, curve: AnimCurve, index: int, component: int) -> QPointF:
    key = curve.keys[index]
    return QPointF(view.x_of(key.frame), view.y_of(components(key.value)[component]))


def handle_point(
    view: ViewTransform, curve: AnimCurve, index: int, side: Side, component: int
) -> QPointF | None:
    """Where key ``index``'s handle on ``side`` is drawn (as the curve uses it: shortened to
    its segment), or None where that side's segment is not Bezier."""
    keys = curve.keys
    if side is Side.OUT and index + 1 < len(keys) and keys[index].interp is Interp.BEZIER:
        point = curve.segment_points(index, component)[1]
    elif side is Side.IN and index > 0 and keys[index - 1].interp is Interp.BEZIER:
        point = curve.segment_points(index - 1, component)[2]
    else:
        return None
    return QPointF(view.x_of(point[0]), view.y_of(point[1]))


def _decimals(step: float) -> int:
    for decimals in range(0, 7):
        if abs(step * 10**decimals - round(step * 10**decimals)) < 1e-6:
            return decimals
    return 6
