"""What lies under the mouse in the curve view: a key, a selected key's handle, or a curve."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF

from filmstudio.core.animation import Side, components
from filmstudio.core.params import evaluate_value
from filmstudio.ui.curves.channels import Channel, KeyRef

if TYPE_CHECKING:
    from filmstudio.ui.curves.view import CurveView

PICK = 7.0  # pixels: how near a key or handle a click must land
CURVE_PICK = 10.0  # pixels: how near a curve a double-click must land


def key_at(view: CurveView, point: QPointF) -> KeyRef | None:
    """The key drawn nearest ``point`` within :data:`PICK` pixels (selected keys first: they
    are drawn on top)."""
    best: tuple[float, int, KeyRef] | None = None
    for ref in view.all_keys():
        distance = _distance(view.key_position(ref), point)
        rank = (distance, 0 if ref in view.selection else 1, ref)
        if distance <= PICK and (best is None or rank[:2] < best[:2]):
            best = rank
    return best[2] if best else None


def handle_at(view: CurveView, point: QPointF) -> tuple[KeyRef, Side] | None:
    """The handle of a selected Bezier key under ``point``."""
    for ref in view.selection:
        for side in Side:
            position = view.handle_position(ref, side)
            if position is not None and _distance(position, point) <= PICK:
                return (ref, side)
    return None


def channel_near(view: CurveView, point: QPointF) -> Channel | None:
    """The shown curve passing nearest ``point`` at its frame, within :data:`CURVE_PICK` pixels."""
    if view.node is None:
        return None
    frame = view.transform.frame_at(point.x())
    best: tuple[float, Channel] | None = None
    for channel in view.channels:
        curve = view.curve(channel.param)
        if curve is None:
            continue
        value = evaluate_value(view.node.type.param(channel.param), curve, frame)
        distance = abs(view.transform.y_of(components(value)[channel.component]) - point.y())
        if distance <= CURVE_PICK and (best is None or distance < best[0]):
            best = (distance, channel)
    return best[1] if best else None


def _distance(a: QPointF, b: QPointF) -> float:
    return ((a.x() - b.x()) ** 2 + (a.y() - b.y()) ** 2) ** 0.5
