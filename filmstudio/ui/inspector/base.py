"""Building blocks of the parameter widgets: the editor base class, compact spin boxes and a
click-to-position slider.

Conventions every editor follows: :meth:`ParamEditor.set_value` shows a value without emitting
anything (so refreshing from the model never loops back into an edit); user edits come out of
:attr:`ParamEditor.valueEdited` as ``(value, merge)``, with ``merge`` True while a slider drags.
Wheel events over a field that does not have focus scroll the panel instead of changing the value.
"""

from __future__ import annotations

import ast
import math
import operator
from typing import Any

from PySide6.QtCore import QEvent, QLocale, QObject, Qt, Signal
from PySide6.QtGui import QMouseEvent, QValidator, QWheelEvent
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QComboBox,
    QDoubleSpinBox,
    QSlider,
    QSpinBox,
    QStyle,
    QStyleOptionSlider,
    QWidget,
)

from filmstudio.core.params import Param

FIELD_WIDTH = 58  # a spin box wide enough for "-1234.567"
ROW_HEIGHT = 22
_UNBOUNDED = 1e12
_INT_LIMIT = 2**31 - 1
_C_LOCALE = QLocale.c()
_C_LOCALE.setNumberOptions(QLocale.NumberOption.OmitGroupSeparator)


class ParamEditor(QWidget):
    """Base of the widget of one parameter kind. Subclasses build their children, call
    :meth:`_edited` on user edits and implement :meth:`_show`."""

    depends_on: frozenset[str] = frozenset()  # other parameters whose change refreshes this one
    valueEdited = Signal(object, bool)  # (value, merge)
    dragStarted = Signal()  # a slider or wheel drag begins: the merged edits that follow are one step
    notice = Signal(str)  # something the artist should know (a typed value was clamped)

    def __init__(self, param: Param, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.param = param
        self._value: Any = param.default
        self._updating = False

    def value(self) -> Any:
        """The value the widget shows (after the last edit or :meth:`set_value`)."""
        return self._value

    def set_value(self, value: Any) -> None:
        """Show ``value`` (from the model) without emitting :attr:`valueEdited`."""
        self._value = value
        self._updating = True
        try:
            self._show(value)
        finally:
            self._updating = False

    def _show(self, value: Any) -> None:
        raise NotImplementedError

    def _edited(self, value: Any, merge: bool = False) -> None:
        if self._updating:
            return
        self._value = value
        self.valueEdited.emit(value, merge)

    def _watch_clamping(self, field: FloatSpinBox | IntSpinBox) -> None:
        field.clamped.connect(self._clamped)

    def _clamped(self, typed: float, used: float) -> None:
        param = self.param
        if param.minimum is not None and typed < param.minimum:
            why = f"is below the minimum {format_number(param.minimum)}"
        elif param.maximum is not None and typed > param.maximum:
            why = f"is above the maximum {format_number(param.maximum)}"
        else:
            why = "is not a whole number"
        self.notice.emit(f"{param.display_name}: {format_number(typed)} {why}; set to {format_number(used)}")


def soft_range(param: Param, fallback: tuple[float, float] = (0.0, 1.0)) -> tuple[float, float]:
    """The slider's span: the soft range, else the hard one, else ``fallback`` (Nuke's 0..1),
    widened to hold the default."""
    low = param.soft_min if param.soft_min is not None else param.minimum
    high = param.soft_max if param.soft_max is not None else param.maximum
    low = fallback[0] if low is None else low
    if high is None:
        high = max(fallback[1], low + 1.0)
    if high <= low:
        high = low + 1.0
    return float(low), float(high)


def has_slider_range(param: Param) -> bool:
    """Whether both ends of an integer slider are declared (soft or hard)."""
    low = param.soft_min if param.soft_min is not None else param.minimum
    high = param.soft_max if param.soft_max is not None else param.maximum
    return low is not None and high is not None and high > low


def hard_range(param: Param, integer: bool = False) -> tuple[float, float]:
    """What the spin box accepts: the hard limits, else (almost) anything."""
    limit = _INT_LIMIT if integer else _UNBOUNDED
    low = -limit if param.minimum is None else param.minimum
    high = limit if param.maximum is None else param.maximum
    return low, high


def format_number(value: float, decimals: int = 4) -> str:
    """``1.12`` rather than ``1.1200``; ``0`` rather than ``-0``."""
    text = f"{value:.{decimals}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


class _WheelGuard(QObject):
    """Lets wheel events through to a field only when it has focus; otherwise the scroll area
    under the inspector scrolls (no accidental edits while scrolling a long panel)."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Wheel and isinstance(watched, QWidget) and not watched.hasFocus():
            event.ignore()
            return True
        return False


_WHEEL_GUARD: _WheelGuard | None = None


def guard_wheel(widget: QAbstractSpinBox | QComboBox) -> None:
    """Apply the wheel rule of :class:`_WheelGuard` to ``widget``."""
    global _WHEEL_GUARD
    if _WHEEL_GUARD is None:
        _WHEEL_GUARD = _WheelGuard()
    widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    widget.installEventFilter(_WHEEL_GUARD)


_OPERATORS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}


def parse_number(text: str) -> float | None:
    """A typed number, or simple arithmetic as Nuke fields take it (``2*0.5``, ``1/3``, ``-(1+2)``);
    None when the text is not (yet) a finite number."""

    def evaluate(node: ast.AST) -> float:
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            return float(node.value)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            value = evaluate(node.operand)
            return -value if isinstance(node.op, ast.USub) else value
        if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
            left, right = evaluate(node.left), evaluate(node.right)
            if isinstance(node.op, ast.Pow) and abs(right) > 64:
                raise ValueError("exponent too large")
            return float(_OPERATORS[type(node.op)](left, right))
        raise ValueError("not arithmetic")

    text = text.strip()
    if not text or len(text) > 64:
        return None
    try:
        value = evaluate(ast.parse(text, mode="eval").body)
    except (SyntaxError, ValueError, TypeError, ZeroDivisionError, OverflowError, RecursionError):
        return None
    return value if math.isfinite(value) else None


class _NumberField:
    """What both spin boxes share: typed text may be any number or arithmetic; on commit a value
    outside the limits is clamped to the nearest one and :attr:`clamped` says so (the row tells
    the artist), rather than the keystroke being silently swallowed."""

    integer = False

    def validate(self, text: str, position: int) -> object:
        value = parse_number(text)
        if value is None:
            return QValidator.State.Intermediate, text, position  # still typing, or fixed on commit
        inside = self.minimum() <= value <= self.maximum() and (not self.integer or value.is_integer())
        state = QValidator.State.Acceptable if inside else QValidator.State.Intermediate
        return state, text, position

    def fixup(self, text: str) -> str:
        value = parse_number(text)
        if value is None:
            return self.textFromValue(self.value())  # nonsense: back to the current value
        used = max(self.minimum(), min(self.maximum(), math.floor(value + 0.5) if self.integer else value))
        if used != value:
            self.clamped.emit(float(value), float(used))
        return self.textFromValue(used)

    def valueFromText(self, text: str) -> float:
        if text.strip() == self.textFromValue(self.value()):
            return self.value()  # the shown (rounded) text untouched: keep the exact value
        value = parse_number(text)
        if value is None:
            return self.value()
        return math.floor(value + 0.5) if self.integer else value


class FloatSpinBox(_NumberField, QDoubleSpinBox):
    """A compact number field: no arrows, trailing zeros hidden, C locale, arithmetic accepted,
    commits on Enter or focus out (not on every keystroke)."""

    clamped = Signal(float, float)  # (typed, used)

    def __init__(self, low: float = -_UNBOUNDED, high: float = _UNBOUNDED, parent: QWidget | None = None):
        super().__init__(parent)
        self.setLocale(_C_LOCALE)
        self.setDecimals(6)
        self.setRange(low, high)
        self.setKeyboardTracking(False)
        self.setButtonSymbols(QAbstractSpinBox.ButtonSymbols.NoButtons)
        self.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.setFixedWidth(FIELD_WIDTH)
        self.setCorrectionMode(QAbstractSpinBox.CorrectionMode.CorrectToNearestValue)
        span = high - low
        self.setSingleStep(0.1 if span > 2 or span <= 0 else 0.01)
        guard_wheel(self)

    def textFromValue(self, value: float) -> str:
        return format_number(value)


class IntSpinBox(_NumberField, QSpinBox):
    """The integer counterpart of :class:`FloatSpinBox`."""

    clamped = Signal(float, float)  # (typed, used)
    integer = True

    def __init__(self, low: int = -_INT_LIMIT, high: int = _INT_LIMIT, parent: QWidget | None = None):
        super().__init__(parent)
        self.setLocale(_C_LOCALE)
        self.setRange(int(low), int(high))
        self.setKeyboardTracking(False)
        self.setButtonSymbols(QAbstractSpinBox.ButtonSymbols.NoButtons)
        self.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.setFixedWidth(FIELD_WIDTH)
        self.setCorrectionMode(QAbstractSpinBox.CorrectionMode.CorrectToNearestValue)
        guard_wheel(self)

    def textFromValue(self, value: int) -> str:
        return str(value)


class ValueSlider(QSlider):
    """A horizontal slider over a float (or integer) span that jumps to the click and drags from
    there, like Nuke's. Emits :attr:`dragged` for every position while the button is down;
    :meth:`set_value` never emits. Values outside the span pin the handle to its end."""

    dragStarted = Signal()
    dragged = Signal(float)
    dragFinished = Signal()

    STEPS = 1000

    def __init__(self, low: float, high: float, integer: bool = False, parent: QWidget | None = None):
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.integer = integer
        self.low, self.high = float(low), float(high)
        if integer:
            self.setRange(int(low), int(high))
        else:
            self.setRange(0, self.STEPS)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setMinimumWidth(40)
        self._dragging = False
        self._moved_once = False
        # round dragged values to about a thousandth of the span: 0.437 rather than 0.43712
        self._decimals = 0 if integer else max(0, 3 - math.floor(math.log10(self.high - self.low)))

    @property
    def dragging(self) -> bool:
        return self._dragging

    def slider_value(self) -> float:
        """The value under the handle."""
        if self.integer:
            return float(self.value())
        return round(self.low + (self.high - self.low) * self.value() / self.STEPS, self._decimals)

    def set_value(self, value: float) -> None:
        if self._dragging:
            return  # the handle follows the mouse, not the model's echo of it
        self.blockSignals(True)
        if self.integer:
            self.setValue(round(max(self.low, min(self.high, value))))
        else:
            fraction = (value - self.low) / (self.high - self.low)
            self.setValue(round(max(0.0, min(1.0, fraction)) * self.STEPS))
        self.blockSignals(False)

    def _position_to_value(self, x: float) -> int:
        option = QStyleOptionSlider()
        self.initStyleOption(option)
        handle = self.style().pixelMetric(QStyle.PixelMetric.PM_SliderLength, option, self)
        span = max(1, self.width() - handle)
        return QStyle.sliderValueFromPosition(
            self.minimum(), self.maximum(), int(x - handle / 2), span, option.upsideDown
        )

    def _drag_to(self, x: float) -> None:
        position = self._position_to_value(x)
        if position != self.value() or not self._moved_once:
            self._moved_once = True
            self.blockSignals(True)
            self.setValue(position)
            self.blockSignals(False)
            self.dragged.emit(self.slider_value())

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton or not self.isEnabled():
            event.ignore()
            return
        self._dragging, self._moved_once = True, False
        self.setSliderDown(True)
        self.dragStarted.emit()
        self._drag_to(event.position().x())
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._dragging:
            self._drag_to(event.position().x())
            event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._dragging and event.button() == Qt.MouseButton.LeftButton:
            self._dragging = False
            self.setSliderDown(False)
            self.dragFinished.emit()
            event.accept()

    def wheelEvent(self, event: QWheelEvent) -> None:
        event.ignore()  # scroll the panel; sliders change only by dragging
