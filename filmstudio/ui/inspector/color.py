"""The colour parameter widget: a swatch (opens the colour dialog), one field per channel, and
per-channel sliders under an expand arrow; a colour declared with a ``wheel`` shows a colour wheel
there too (see :mod:`filmstudio.ui.inspector.wheel`)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QColorDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from filmstudio.core.params import Param
from filmstudio.ui.inspector.base import FloatSpinBox, ParamEditor, ValueSlider, hard_range, soft_range
from filmstudio.ui.inspector.wheel import GradeWheel

CHANNELS = ("r", "g", "b", "a")
CHANNEL_COLOURS = ("#e06060", "#6cc86c", "#6c9cf0", "#c8c8c8")
CHANNEL_NAMES = ("red", "green", "blue", "alpha")


def to_qcolor(value: tuple[float, ...]) -> QColor:
    """The colour as the swatch and the dialog show it: channels clamped to 0..1."""
    r, g, b, a = (max(0.0, min(1.0, float(c))) for c in value[:4])
    return QColor.fromRgbF(r, g, b, a)


class ColorSwatch(QToolButton):
    """A small button painted in the parameter's colour (over a checker where it is transparent)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.colour = QColor(255, 255, 255)
        self.setFixedSize(QSize(22, 18))
        self.setToolTip("Pick a colour (values 0..1; type larger values in the fields)")
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def set_colour(self, colour: QColor) -> None:
        self.colour = colour
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        rect = QRectF(self.rect()).adjusted(1.5, 1.5, -1.5, -1.5)
        opaque = QColor(self.colour)
        opaque.setAlphaF(1.0)
        painter.fillRect(rect, opaque)
        if self.colour.alphaF() < 1.0:  # right half: the colour over a checker, to show its alpha
            half = QRectF(rect.center().x(), rect.top(), rect.width() / 2, rect.height())
            painter.fillRect(half, QColor("#808080"))
            cell = 4.0
            row, y = 0, half.top()
            while y < half.bottom():
                x = half.left() + (cell if row % 2 else 0.0)
                while x < half.right():
                    painter.fillRect(QRectF(x, y, cell, cell).intersected(half), QColor("#b0b0b0"))
                    x += 2 * cell
                row, y = row + 1, y + cell
            painter.fillRect(half, self.colour)
        border = QColor("#e8912d") if self.underMouse() else QColor("#111")
        painter.setPen(QPen(border, 1.0))
        painter.drawRect(rect)


class ColorEditor(ParamEditor):
    """RGBA in four fields plus a swatch; the arrow shows a slider per channel (or, for grading
    parameters, a hue/saturation wheel with a master slider)."""

    def __init__(self, param: Param, parent: QWidget | None = None) -> None:
        super().__init__(param, parent)
        low, high = hard_range(param)
        self._limits = (low, high)
        self._expanded = False
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(3)

        line = QHBoxLayout()
        line.setSpacing(3)
        self.swatch = ColorSwatch()
        self.swatch.clicked.connect(self._pick)
        line.addWidget(self.swatch)
        self.spins: list[FloatSpinBox] = []
        for index, name in enumerate(CHANNEL_NAMES):
            spin = FloatSpinBox(low, high)
            spin.setFixedWidth(48)
            spin.setToolTip(name)
            spin.valueChanged.connect(lambda value, i=index: self._set_channel(i, value, False))
            self._watch_clamping(spin)
            line.addWidget(spin)
            self.spins.append(spin)
        line.addStretch(1)
        self.expand = QToolButton()
        self.expand.setAutoRaise(True)
        self.expand.setFixedSize(QSize(16, 18))
        self.expand.setArrowType(Qt.ArrowType.RightArrow)
        self.expand.setToolTip("Show a slider per channel")
        self.expand.clicked.connect(lambda: self.set_expanded(not self.expanded))
        line.addWidget(self.expand)
        outer.addLayout(line)

        self.details = QWidget()
        grid = QGridLayout(self.details)
        grid.setContentsMargins(0, 0, 0, 2)
        grid.setHorizontalSpacing(6)
        grid.setVerticalSpacing(2)
        self.sliders: list[ValueSlider] = []
        span = soft_range(param)
        for index, (name, colour) in enumerate(zip(CHANNELS, CHANNEL_COLOURS, strict=True)):
            label = QLabel(name)
            label.setStyleSheet(f"color: {colour}; font-weight: bold;")
            slider = ValueSlider(*span)
            slider.setToolTip(CHANNEL_NAMES[index])
            slider.dragged.connect(lambda value, i=index: self._set_channel(i, value, True))
            slider.dragStarted.connect(self.dragStarted)
            grid.addWidget(label, index, 0)
            grid.addWidget(slider, index, 1)
            self.sliders.append(slider)
        self.wheel: GradeWheel | None = None
        if param.wheel is not None:
            self.wheel = GradeWheel(param.wheel, span)
            self.wheel.edited.connect(self._from_wheel)
            self.wheel.dragStarted.connect(self.dragStarted)
            grid.addWidget(self.wheel, 0, 2, len(CHANNELS), 1)
            self.expand.setToolTip("Show the colour wheel and a slider per channel")
        outer.addWidget(self.details)
        self.details.setVisible(False)

    def set_expanded(self, expanded: bool) -> None:
        """Show or hide the per-channel sliders (and wheel)."""
        self._expanded = expanded
        self.expand.setArrowType(Qt.ArrowType.DownArrow if expanded else Qt.ArrowType.RightArrow)
        self.details.setVisible(expanded)

    @property
    def expanded(self) -> bool:
        return self._expanded

    def _set_channel(self, index: int, value: float, merge: bool) -> None:
        if self._updating:
            return
        value = max(self._limits[0], min(self._limits[1], float(value)))
        channels = list(self._value)
        channels[index] = value
        self._emit(tuple(channels), merge)

    def _from_wheel(self, rgb: tuple[float, float, float], merge: bool) -> None:
        low, high = self._limits
        channels = [max(low, min(high, c)) for c in rgb]
        self._emit((*channels, float(self._value[3])), merge)

    def _emit(self, value: tuple[float, ...], merge: bool) -> None:
        self._refresh_widgets(value, keep_dragging=True)
        self._edited(value, merge)

    def _pick(self) -> None:
        colour = self.ask_colour(to_qcolor(self._value))
        if colour is not None and colour.isValid():
            self._emit((colour.redF(), colour.greenF(), colour.blueF(), colour.alphaF()), False)

    def ask_colour(self, initial: QColor) -> QColor | None:
        """Show the colour dialog; the chosen colour or None (tests replace this)."""
        options = QColorDialog.ColorDialogOption.ShowAlphaChannel
        colour = QColorDialog.getColor(initial, self, self.param.display_name, options)
        return colour if colour.isValid() else None

    def _refresh_widgets(self, value: tuple[float, ...], keep_dragging: bool = False) -> None:
        updating, self._updating = self._updating, True
        try:
            for spin, slider, component in zip(self.spins, self.sliders, value, strict=False):
                spin.setValue(float(component))
                slider.set_value(float(component))  # a dragged slider keeps its handle
            self.swatch.set_colour(to_qcolor(value))
            if self.wheel is not None and not (keep_dragging and self.wheel.dragging):
                self.wheel.set_rgb(value[:3])
        finally:
            self._updating = updating

    def _show(self, value: Any) -> None:
        self._refresh_widgets(tuple(value), keep_dragging=True)
