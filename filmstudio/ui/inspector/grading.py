"""Grading blocks: a master FloatParam and the per-channel 3-value VectorParam declared with
``grade_of=`` that master (the Color Corrector's lift and ``lift_rgb``, ...) laid out together, as a
grading panel shows them::

          Gain  [1     ][=======o==========]  ◇    the master: an ordinary float row
     ╭───────╮  [1     ][=======o==========]       X_rgb: the hue disc in the label column,
     │   +   │  [1     ][=======o==========]  ◇    a field and a slider per channel (the
     ╰───────╯  [1     ][=======o==========]       grooves in red, green and blue)

The disc (its rim: the declaration's ``wheel`` chroma) moves ``X_rgb``'s chroma around grey and
keeps its Rec.709 luma, so turning a wheel changes the balance, not the brightness; a
double-click sets ``X_rgb`` back to its declared default
(its neutral: (0, 0, 0) where it adds to the master, (1, 1, 1) where it multiplies). Both
parameters keep their own :class:`~filmstudio.ui.inspector.rows.ParamRow` (binding, key button,
refresh), so undo, keys at the current frame and one-step drags work as in every other row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QFrame, QGridLayout, QWidget

from filmstudio.core.params import Param
from filmstudio.ui.inspector.base import FloatSpinBox, ParamEditor, ValueSlider, hard_range, soft_range
from filmstudio.ui.inspector.wheel import HueDisc, join_luma, luma, split_luma

if TYPE_CHECKING:
    from filmstudio.ui.inspector.rows import ParamRow

CHANNEL_NAMES = ("red", "green", "blue")
CHANNEL_COLOURS = ("#e06060", "#6cc86c", "#6c9cf0")
DISC_SIZE = 78


def grade_pairs(params: Sequence[Param]) -> dict[str, str]:
    """``{master: per-channel}`` names of the grading pairs declared with ``grade_of``."""
    return {param.grade_of: param.name for param in params if param.grade_of}


def disc_scale(param: Param) -> float:
    """How much chroma the rim of the disc stands for: the declared ``wheel``, else a quarter of
    the slider's span, at most 0.5."""
    if param.wheel is not None:
        return float(param.wheel)
    low, high = soft_range(param)
    return min(0.5, (high - low) / 4.0)


class ChannelGradeEditor(ParamEditor):
    """The per-channel half of a grading block: a field and a slider per channel, and the hue disc
    :attr:`wheel`, which the panel lays out in the label column beside them.

    Disc drags and slider drags emit ``merge=True`` edits (one undo step per drag); the luma the
    disc keeps is the value's luma when the drag starts.
    """

    def __init__(self, param: Param, parent: QWidget | None = None) -> None:
        super().__init__(param, parent)
        self._limits = hard_range(param)
        self._luma = luma(param.default)
        self.wheel = HueDisc(disc_scale(param), DISC_SIZE)
        self.wheel.setToolTip(
            f"{param.display_name}: drag toward a hue to tint, keeping the brightness (Rec.709 luma); "
            "double-click for neutral"
        )
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(4)
        grid.setVerticalSpacing(4)
        grid.setColumnStretch(1, 1)
        span = soft_range(param)
        self.spins: list[FloatSpinBox] = []
        self.sliders: list[ValueSlider] = []
        for index, colour in enumerate(CHANNEL_COLOURS):
            spin = FloatSpinBox(*self._limits)
            spin.setToolTip(f"{param.display_name}: {CHANNEL_NAMES[index]}")
            slider = ValueSlider(*span)
            slider.setToolTip(f"{param.display_name}: {CHANNEL_NAMES[index]}")
            palette = QPalette()  # the groove fills in the channel's colour (Fusion draws Highlight)
            palette.setColor(QPalette.ColorRole.Highlight, QColor(colour))
            slider.setPalette(palette)
            spin.valueChanged.connect(lambda value, i=index: self._set_channel(i, value, False))
            slider.dragged.connect(lambda value, i=index: self._set_channel(i, value, True))
            slider.dragStarted.connect(self.dragStarted)
            self._watch_clamping(spin)
            grid.addWidget(spin, index, 0)
            grid.addWidget(slider, index, 1)
            self.spins.append(spin)
            self.sliders.append(slider)
        self.wheel.pressed.connect(self._disc_pressed)
        self.wheel.moved.connect(self._disc_moved)
        self.wheel.neutralised.connect(self._neutralise)

    @property
    def dragging(self) -> bool:
        return self.wheel.dragging or any(slider.dragging for slider in self.sliders)

    def _set_channel(self, index: int, value: float, merge: bool) -> None:
        if self._updating:
            return
        channels = list(self._value)
        channels[index] = float(value)
        self._emit(tuple(channels), merge)

    def _disc_pressed(self) -> None:
        self._luma = luma(self._value)
        self.dragStarted.emit()

    def _disc_moved(self, x: float, y: float, _dragging: bool) -> None:
        self._emit(join_luma(self._luma, x, y), True)

    def _neutralise(self) -> None:
        self._emit(tuple(self.param.default), False)

    def _emit(self, value: tuple[float, ...], merge: bool) -> None:
        low, high = self._limits
        clamped = tuple(max(low, min(high, float(c))) for c in value)
        self._show(clamped)
        self._edited(clamped, merge)

    def _show(self, value: Any) -> None:
        updating, self._updating = self._updating, True
        try:
            for spin, slider, component in zip(self.spins, self.sliders, value, strict=False):
                spin.setValue(float(component))
                slider.set_value(float(component))  # a dragged slider keeps its handle
            _, x, y = split_luma(tuple(value))
            self.wheel.set_point(x, y)  # a dragged disc keeps its marker
        finally:
            self._updating = updating


def layout_grade_block(grid: QGridLayout, row: int, master: ParamRow, channels: ParamRow) -> int:
    """Place the rows of a master parameter and its :class:`ChannelGradeEditor` at grid row
    ``row`` of the panel's (label, editor, key) grid; returns the next free grid row.

    The per-channel row's own label is hidden: the disc takes the label column, under the master's
    label, and its tooltip names the parameter.
    """
    editor = channels.editor
    assert isinstance(editor, ChannelGradeEditor)
    right = Qt.AlignmentFlag.AlignRight
    grid.addWidget(master.label, row, 0, right | Qt.AlignmentFlag.AlignVCenter)
    grid.addWidget(master.editor, row, 1)
    if master.key_button is not None:
        grid.addWidget(master.key_button, row, 2, Qt.AlignmentFlag.AlignVCenter)
    channels.label.hide()
    grid.addWidget(editor.wheel, row + 1, 0, right | Qt.AlignmentFlag.AlignTop)
    grid.addWidget(editor, row + 1, 1, Qt.AlignmentFlag.AlignTop)
    if channels.key_button is not None:
        grid.addWidget(channels.key_button, row + 1, 2, Qt.AlignmentFlag.AlignVCenter)
    return row + 2


def separator(grid: QGridLayout, row: int) -> None:
    """A faint line across the panel's grid at ``row``, between grading blocks and other rows."""
    line = QFrame()
    line.setFrameShape(QFrame.Shape.HLine)
    line.setFixedHeight(7)
    line.setStyleSheet("color: rgba(255, 255, 255, 18);")
    grid.addWidget(line, row, 0, 1, 3)
