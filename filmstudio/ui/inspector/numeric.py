"""Widgets of number parameters: float (field + slider), integer (field, + slider when it has a
range) and vectors (one field per component)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from filmstudio.core.params import Param
from filmstudio.ui.inspector.base import (
    FloatSpinBox,
    IntSpinBox,
    ParamEditor,
    ValueSlider,
    hard_range,
    has_slider_range,
    soft_range,
)

COMPONENT_NAMES = ("x", "y", "z", "w")


def _row_layout(widget: QWidget) -> QHBoxLayout:
    layout = QHBoxLayout(widget)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(4)
    return layout


def clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


class FloatEditor(ParamEditor):
    """A number field (anything within the hard limits) and a slider over the soft range.
    Dragging the slider emits ``merge=True`` edits, so one drag is one undo step."""

    def __init__(self, param: Param, parent: QWidget | None = None) -> None:
        super().__init__(param, parent)
        self._limits = hard_range(param)
        self.spin = FloatSpinBox(*self._limits)
        self.slider = ValueSlider(*soft_range(param))
        layout = _row_layout(self)
        layout.addWidget(self.spin)
        layout.addWidget(self.slider, 1)
        self.spin.valueChanged.connect(self._typed)
        self.slider.dragged.connect(self._dragged)
        self.slider.dragStarted.connect(self.dragStarted)
        self._watch_clamping(self.spin)

    def _typed(self, value: float) -> None:
        if not self._updating:
            self.slider.set_value(value)
        self._edited(float(value))

    def _dragged(self, value: float) -> None:
        value = clamp(value, *self._limits)
        self.spin.blockSignals(True)
        self.spin.setValue(value)
        self.spin.blockSignals(False)
        self._edited(float(value), merge=True)

    def _show(self, value: Any) -> None:
        self.spin.setValue(float(value))
        self.slider.set_value(float(value))


class IntEditor(ParamEditor):
    """An integer field, with a slider when both ends of its range are declared."""

    def __init__(self, param: Param, parent: QWidget | None = None) -> None:
        super().__init__(param, parent)
        self._limits = hard_range(param, integer=True)
        self.spin = IntSpinBox(*self._limits)
        layout = _row_layout(self)
        layout.addWidget(self.spin)
        self.slider: ValueSlider | None = None
        if has_slider_range(param):
            self.slider = ValueSlider(*soft_range(param), integer=True)
            layout.addWidget(self.slider, 1)
            self.slider.dragged.connect(self._dragged)
            self.slider.dragStarted.connect(self.dragStarted)
        else:
            layout.addStretch(1)
        self.spin.valueChanged.connect(self._typed)
        self._watch_clamping(self.spin)

    def _typed(self, value: int) -> None:
        if self.slider is not None and not self._updating:
            self.slider.set_value(value)
        self._edited(int(value))

    def _dragged(self, value: float) -> None:
        number = int(clamp(round(value), *self._limits))
        self.spin.blockSignals(True)
        self.spin.setValue(number)
        self.spin.blockSignals(False)
        self._edited(number, merge=True)

    def _show(self, value: Any) -> None:
        self.spin.setValue(int(value))
        if self.slider is not None:
            self.slider.set_value(int(value))


class VectorEditor(ParamEditor):
    """One field per component (x, y, ...), as Nuke's XY knobs."""

    def __init__(self, param: Param, parent: QWidget | None = None) -> None:
        super().__init__(param, parent)
        layout = _row_layout(self)
        self.spins: list[FloatSpinBox] = []
        for index in range(param.size):
            if param.size <= len(COMPONENT_NAMES):
                label = QLabel(COMPONENT_NAMES[index])
                label.setEnabled(False)  # dimmed: a hint, not a label to read
                layout.addWidget(label)
            spin = FloatSpinBox(*hard_range(param))
            spin.valueChanged.connect(lambda value, i=index: self._typed(i, value))
            self._watch_clamping(spin)
            layout.addWidget(spin)
            self.spins.append(spin)
        layout.addStretch(1)

    def _typed(self, index: int, value: float) -> None:
        components = list(self._value)
        components[index] = float(value)
        self._edited(tuple(components))

    def _show(self, value: Any) -> None:
        for spin, component in zip(self.spins, value, strict=False):
            spin.setValue(float(component))
