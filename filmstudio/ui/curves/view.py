"""The curve view: keys of the shown channels over frames, edited with the mouse and keys.

Mouse: click a key to select it (Shift adds, Ctrl toggles), drag keys in frame (whole frames) and
value (Shift: one axis), drag on empty space for a rubber band, drag a selected Bezier key's
handle (the opposite handle follows; Alt breaks them), double-click a curve to key it there,
right-click for interpolation and delete, click or drag in the ruler to move the playhead,
middle-drag (or Alt+drag) to pan, wheel to zoom (Ctrl: frames only, Shift: values only).
Keys: L linear, S smooth, H hold, B Bezier, Delete, F frame all, Ctrl+A select all, Escape.

Every edit is one model command (:class:`EditNode`) on the session's undo stack; a drag's
commands share a merge key, so a whole drag is one undo step. The view repaints from the model
(:meth:`refresh`), never from what it did. GUI thread only.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from typing import Any

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QContextMenuEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QMenu, QWidget

from filmstudio.core.animation import AnimCurve, Interp, Side, components
from filmstudio.core.commands import EditNode
from filmstudio.core.graph import NodeInstance
from filmstudio.ui.curves import edits, hits, paint
from filmstudio.ui.curves.channels import Channel, KeyRef
from filmstudio.ui.curves.gesture import Gesture, GestureKind
from filmstudio.ui.curves.transform import RULER, ViewTransform
from filmstudio.ui.session import EditorSession

INTERP_KEYS = {Qt.Key.Key_L: Interp.LINEAR, Qt.Key.Key_S: Interp.SMOOTH, Qt.Key.Key_H: Interp.HOLD,
               Qt.Key.Key_B: Interp.BEZIER}  # fmt: skip
_OWN_KEYS = {*INTERP_KEYS, Qt.Key.Key_Delete, Qt.Key.Key_Backspace, Qt.Key.Key_F, Qt.Key.Key_Escape}
_DRAGS = itertools.count(1)


class CurveView(QWidget):
    """Draws and edits the curves of :attr:`channels` of :attr:`node` (set by the panel with
    :meth:`show_channels`). :attr:`selection` holds :class:`KeyRef` values.

    Signals: selectionChanged().
    """

    selectionChanged = Signal()

    def __init__(self, session: EditorSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("CurveView")
        self.session = session
        self.node: NodeInstance | None = None
        self.channels: list[Channel] = []
        self.selection: set[KeyRef] = set()
        self.transform = ViewTransform(width=self.width(), height=self.height())
        self.message = ""
        self._gesture: Gesture | None = None
        self.fitted = True  # not zoomed or panned since the last fit: a resize fits again
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(False)
        self.setMinimumSize(240, 140)

    # --- what is shown -----------------------------------------------------------------------------

    def show_channels(self, node: NodeInstance | None, channels: list[Channel], fit: bool) -> None:
        """Show ``channels`` of ``node``; ``fit`` frames them all (a new node, other channels)."""
        if node is not self.node:
            self.selection.clear()
            self._gesture = None
        self.node, self.channels = node, list(channels)
        self.refresh()
        if fit:
            self.frame_all()

    def refresh(self) -> None:
        """The model changed: forget selected keys that are gone, repaint."""
        shown = {c.id for c in self.channels}
        kept = {r for r in self.selection if r.channel in shown and self._has_key(r)}
        if kept != self.selection:
            self.selection = kept
            self.selectionChanged.emit()
        self.update()

    def curve(self, param: str) -> AnimCurve | None:
        return self.node.animation(param) if self.node is not None else None

    def key_position(self, ref: KeyRef) -> QPointF:
        """Where the key ``ref`` is drawn, in widget pixels."""
        curve = self.curve(ref.param)
        assert curve is not None
        return paint.key_point(self._view(), curve, curve.frames.index(ref.frame), ref.component)

    def handle_position(self, ref: KeyRef, side: Side) -> QPointF | None:
        """Where the key's handle on ``side`` is drawn (None: that side is not Bezier)."""
        curve = self.curve(ref.param)
        assert curve is not None
        return paint.handle_point(self._view(), curve, curve.frames.index(ref.frame), side, ref.component)

    def all_keys(self) -> list[KeyRef]:
        return [
            KeyRef(c.param, c.component, frame)
            for c in self.channels
            for frame in (self.curve(c.param) or AnimCurve()).frames
        ]

    def readout(self) -> str:
        """What the selection is, in words: one key's channel, frame, value and interpolation."""
        if len(self.selection) != 1:
            return f"{len(self.selection)} keys selected"
        [ref] = self.selection
        key = self.curve(ref.param).key_at(ref.frame)  # type: ignore[union-attr]
        label = next((c.label for c in self.channels if c.id == ref.channel), ref.param)
        value = components(key.value)[ref.component]  # type: ignore[union-attr]
        return f"{label}   frame {ref.frame:g}   value {value:.4g}   {key.interp.value}"  # type: ignore[union-attr]

    # --- view --------------------------------------------------------------------------------------

    def frame_all(self) -> None:
        """Fit every key and the curves between them (F); the project's range without keys."""
        view = self._view()
        frames = [r.frame for r in self.all_keys()]
        if not frames:
            frame_range = self.session.frame_range
            view.fit(frame_range.first, frame_range.last, 0.0, 1.0)
            self.fitted = True
            self.update()
            return
        first, last = min(frames), max(frames)
        lows, highs = [], []
        for channel in self.channels:
            curve = self.curve(channel.param)
            if curve is not None:
                param = self.node.type.param(channel.param)  # type: ignore[union-attr]
                low, high = edits.value_range(curve, param, channel.component, first, last)
                lows.append(low)
                highs.append(high)
        view.fit(first, last, min(lows), max(highs))
        self.fitted = True
        self.update()

    def _view(self) -> ViewTransform:
        self.transform.width, self.transform.height = float(self.width()), float(self.height())
        return self.transform

    def paintEvent(self, event: QPaintEvent) -> None:
        view = self._view()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        frame_range = self.session.frame_range
        paint.paint_grid(painter, view, (frame_range.first, frame_range.last))
        painter.setClipRect(QRectF(0, RULER, view.width, view.height - RULER))
        selected: dict[tuple[str, int], list[float]] = defaultdict(list)
        for ref in self.selection:
            selected[ref.channel].append(ref.frame)
        samples: dict[str, paint.Samples] = {}
        for channel in self.channels:
            curve = self.curve(channel.param)
            if curve is not None and self.node is not None:
                if channel.param not in samples:
                    param = self.node.type.param(channel.param)
                    samples[channel.param] = paint.sample_curve(view, param, curve)
                paint.paint_curve(painter, view, samples[channel.param], channel)
        for channel in self.channels:
            curve = self.curve(channel.param)
            if curve is not None:
                paint.paint_keys(painter, view, curve, channel, selected[channel.id])
        if self._gesture is not None and self._gesture.kind is GestureKind.BAND:
            paint.paint_band(painter, self._gesture.band())
        painter.setClipping(False)
        paint.paint_ruler(painter, view, self.session.current_frame)
        if self.message:
            paint.paint_message(painter, view, self.message)
        elif self.selection:
            paint.paint_readout(painter, view, self.readout())
        painter.end()

    # --- edits (each one undo step) ----------------------------------------------------------------

    def set_interp(self, interp: Interp) -> None:
        """The selected keys leave with ``interp`` (L, S, H, B)."""
        by_param = self._selected_frames()
        stored = {
            name: edits.set_interp(self.curve(name), set(frames), interp)  # type: ignore[arg-type]
            for name, frames in by_param.items()
        }
        self._perform(stored, f"Interpolation: {interp.value}")

    def delete_selected(self) -> None:
        """Delete the selected keys; a parameter left without keys keeps its value here."""
        if self.node is None:
            return
        stored = {
            name: edits.delete_keys(
                self.curve(name),  # type: ignore[arg-type]
                self.node.type.param(name),
                set(frames),
                self.session.current_frame,
            )
            for name, frames in self._selected_frames().items()
        }
        self._perform(stored, "Delete keys")

    def add_key_at(self, point: QPointF) -> KeyRef | None:
        """Key the curve nearest to ``point`` (within a few pixels) at the whole frame there,
        on the curve; selects the new key."""
        channel = hits.channel_near(self, point)
        if channel is None or self.node is None:
            return None
        frame = float(round(self.transform.frame_at(point.x())))
        curve = self.curve(channel.param)
        assert curve is not None
        self._perform(
            {channel.param: edits.add_key(curve, self.node.type.param(channel.param), frame)}, "Add key"
        )
        ref = KeyRef(channel.param, channel.component, frame)
        self._select({ref})
        return ref

    def select_all(self) -> None:
        self._select(set(self.all_keys()))

    def build_menu(self) -> QMenu:
        """The right-click menu for the selected keys (actions act when triggered)."""
        menu = QMenu(self)
        current = {self.curve(r.param).key_at(r.frame).interp for r in self.selection}  # type: ignore[union-attr]
        for interp, letter in zip(Interp, ("L", "S", "H", "B"), strict=True):
            action = QAction(f"{interp.value.capitalize()}\t{letter}", menu)
            action.setCheckable(True)
            action.setChecked(current == {interp})
            action.setEnabled(bool(self.selection))
            action.triggered.connect(lambda _=False, chosen=interp: self.set_interp(chosen))
            menu.addAction(action)
        menu.addSeparator()
        delete = menu.addAction("Delete keys\tDel", self.delete_selected)
        delete.setEnabled(bool(self.selection))
        menu.addAction("Frame all\tF", self.frame_all)
        return menu

    def _perform(self, stored: dict[str, Any], text: str, merge_key: Any = None) -> bool:
        if self.node is None or not stored:
            return False
        command = EditNode(self.node.uuid, stored, text=text, merge_key=merge_key)
        return self.session.attempt(self.node, lambda: self.session.graph.perform(command))

    # --- mouse and keys ----------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        point, button, mods = event.position(), event.button(), event.modifiers()
        alt = bool(mods & Qt.KeyboardModifier.AltModifier)
        self._gesture = None
        if button == Qt.MouseButton.MiddleButton or (
            button == Qt.MouseButton.LeftButton and alt and not hits.handle_at(self, point)
        ):
            self._gesture = Gesture(GestureKind.PAN, point)
        elif button != Qt.MouseButton.LeftButton:
            return
        elif point.y() < RULER:
            self._gesture = Gesture(GestureKind.SCRUB, point)
            self.session.set_frame(round(self.transform.frame_at(point.x())))
        elif (handle := hits.handle_at(self, point)) is not None:
            self._gesture = Gesture(GestureKind.HANDLE, point, handle=handle, curves=self._curves())
        elif (key := hits.key_at(self, point)) is not None:
            if mods & Qt.KeyboardModifier.ControlModifier:
                self._select(self.selection ^ {key})
                return
            if key not in self.selection:
                self._select(self.selection | {key} if mods & Qt.KeyboardModifier.ShiftModifier else {key})
            self._gesture = Gesture(
                GestureKind.KEYS, point, keys=set(self.selection), curves=self._curves(), modifiers=mods
            )
            self._gesture.pressed = key
        else:
            self._gesture = Gesture(GestureKind.BAND, point, modifiers=mods)
        if self._gesture is not None:
            self._gesture.merge = next(_DRAGS)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        gesture, point = self._gesture, event.position()
        if gesture is None:
            return
        if gesture.kind is GestureKind.PAN:
            self.transform.pan(point.x() - gesture.last.x(), point.y() - gesture.last.y())
            self.fitted = False
        elif gesture.kind is GestureKind.SCRUB:
            self.session.set_frame(round(self.transform.frame_at(point.x())))
        elif gesture.kind is GestureKind.KEYS and gesture.dragging(point):
            self._drag_keys(gesture, point, bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier))
        elif gesture.kind is GestureKind.HANDLE and gesture.dragging(point):
            self._drag_handle(gesture, point, not event.modifiers() & Qt.KeyboardModifier.AltModifier)
        gesture.last = point
        gesture.current = point
        self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        gesture, self._gesture = self._gesture, None
        if gesture is None:
            return
        if gesture.kind is GestureKind.BAND:
            inside = {r for r in self.all_keys() if gesture.band().contains(self.key_position(r))}
            if gesture.modifiers & Qt.KeyboardModifier.ShiftModifier:
                inside |= self.selection
            elif gesture.modifiers & Qt.KeyboardModifier.ControlModifier:
                inside ^= self.selection
            self._select(inside)
        elif gesture.kind is GestureKind.KEYS and gesture.pressed is not None and not gesture.moved:
            shift = gesture.modifiers & Qt.KeyboardModifier.ShiftModifier
            self._select(self.selection if shift else {gesture.pressed})  # a click picks one of several
        self.update()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        point = event.position()
        on_key = hits.key_at(self, point) is not None
        if event.button() == Qt.MouseButton.LeftButton and point.y() >= RULER and not on_key:
            self.add_key_at(point)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        key = hits.key_at(self, QPointF(event.pos()))
        if key is not None and key not in self.selection:
            self._select({key})
        menu = self.build_menu()
        menu.exec(event.globalPos())
        menu.deleteLater()

    def wheelEvent(self, event: QWheelEvent) -> None:
        factor = 1.0015 ** event.angleDelta().y()
        mods = event.modifiers()
        frames = 1.0 if mods & Qt.KeyboardModifier.ShiftModifier else factor
        values = 1.0 if mods & Qt.KeyboardModifier.ControlModifier else factor
        point = event.position()
        self.transform.zoom(point.x(), point.y(), frames, values)
        self.fitted = False
        self.update()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.fitted:
            self.frame_all()

    def event(self, event: QEvent) -> bool:
        # The view's letters win over window shortcuts (S is also Project Settings) while it has focus.
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent):
            plain = event.modifiers() in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier)
            if plain and event.key() in _OWN_KEYS:
                event.accept()
                return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key, mods = event.key(), event.modifiers()
        if key == Qt.Key.Key_A and mods & Qt.KeyboardModifier.ControlModifier:
            self.select_all()
        elif mods & ~Qt.KeyboardModifier.KeypadModifier:
            super().keyPressEvent(event)
        elif key in INTERP_KEYS:
            self.set_interp(INTERP_KEYS[Qt.Key(key)])
        elif key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.delete_selected()
        elif key == Qt.Key.Key_F:
            self.frame_all()
        elif key == Qt.Key.Key_Escape:
            self._select(set())
        else:
            super().keyPressEvent(event)

    # --- helpers -----------------------------------------------------------------------------------

    def _drag_keys(self, gesture: Gesture, point: QPointF, constrain: bool) -> None:
        dx, dy = point.x() - gesture.start.x(), point.y() - gesture.start.y()
        if constrain:
            dx, dy = (dx, 0.0) if abs(dx) >= abs(dy) else (0.0, dy)
        frames = round(dx * self.transform.frames_per_pixel())
        value = -dy * self.transform.values_per_pixel()
        moving: dict[str, dict[float, set[int]]] = defaultdict(lambda: defaultdict(set))
        for ref in gesture.keys:
            moving[ref.param][ref.frame].add(ref.component)
        stored = {
            name: edits.move_keys(gesture.curves[name], self.node.type.param(name), moves, frames, value)  # type: ignore[union-attr]
            for name, moves in moving.items()
        }
        if self._perform(stored, "Move keys", ("curve keys", gesture.merge)):
            self._select({KeyRef(r.param, r.component, float(round(r.frame + frames))) for r in gesture.keys})

    def _drag_handle(self, gesture: Gesture, point: QPointF, mirror: bool) -> None:
        ref, side = gesture.handle  # type: ignore[misc]
        curve = gesture.curves[ref.param]
        key = curve.key_at(ref.frame)
        assert key is not None
        offset = (
            self.transform.frame_at(point.x()) - key.frame,
            self.transform.value_at(point.y()) - components(key.value)[ref.component],
        )
        changed = edits.set_handle(curve, ref.frame, side, ref.component, offset, mirror)
        self._perform({ref.param: changed}, "Move handle", ("curve handle", gesture.merge))

    def _select(self, refs: set[KeyRef]) -> None:
        if refs != self.selection:
            self.selection = set(refs)
            self.selectionChanged.emit()
        self.update()

    def _curves(self) -> dict[str, AnimCurve]:
        found = {c.param: self.curve(c.param) for c in self.channels}
        return {name: curve for name, curve in found.items() if curve is not None}

    def _selected_frames(self) -> dict[str, set[float]]:
        frames: dict[str, set[float]] = defaultdict(set)
        for ref in self.selection:
            frames[ref.param].add(ref.frame)
        return frames

    def _has_key(self, ref: KeyRef) -> bool:
        curve = self.curve(ref.param)
        return curve is not None and curve.key_at(ref.frame) is not None
