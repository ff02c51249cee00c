"""One mouse gesture of the curve view, from press to release: what it does and what it started
from (the curves as they were at the press, so each move recomputes the edit from them and a
drag never accumulates rounding)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from PySide6.QtCore import QPointF, QRectF, Qt

from filmstudio.core.animation import AnimCurve, Side
from filmstudio.ui.curves.channels import KeyRef

DRAG_THRESHOLD = 3.0  # pixels: less is a click, not a drag


class GestureKind(enum.Enum):
    KEYS = "move keys"
    HANDLE = "move a handle"
    BAND = "rubber band"
    PAN = "pan"
    SCRUB = "move the playhead"


@dataclass
class Gesture:
    kind: GestureKind
    start: QPointF
    keys: set[KeyRef] = field(default_factory=set)
    handle: tuple[KeyRef, Side] | None = None
    pressed: KeyRef | None = None  # the key a KEYS gesture started on
    curves: dict[str, AnimCurve] = field(default_factory=dict)
    modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier
    merge: int = 0  # the drag's number: its commands merge into one undo step
    last: QPointF = field(default_factory=QPointF)
    current: QPointF = field(default_factory=QPointF)
    moved: bool = False

    def __post_init__(self) -> None:
        self.last = QPointF(self.start)
        self.current = QPointF(self.start)

    def dragging(self, point: QPointF) -> bool:
        """Whether the mouse has moved far enough from the press to be a drag (then stays one)."""
        if not self.moved:
            delta = point - self.start
            self.moved = abs(delta.x()) + abs(delta.y()) >= DRAG_THRESHOLD
        return self.moved

    def band(self) -> QRectF:
        return QRectF(self.start, self.current).normalized()
