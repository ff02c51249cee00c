"""The keyframe button beside every animatable parameter: a diamond that is hollow (not
animated), half filled (animated, no key at this frame) or filled (a key at this frame). Click:
key the current value here, or delete the key that is here. Right click: key, delete key,
delete animation, and the interpolation of the key at this frame."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QSize, Qt
from PySide6.QtGui import QAction, QColor, QContextMenuEvent, QPainter, QPainterPath, QPaintEvent, QPen
from PySide6.QtWidgets import QAbstractButton, QMenu, QWidget

from filmstudio.core.params import Interp
from filmstudio.ui.inspector.binding import KeyState, ParamBinding

KEY_COLOUR = QColor("#4aa3df")  # Nuke's blue for keys
OUTLINE_COLOUR = QColor("#8c8c8c")
_TOOLTIPS = {
    KeyState.NONE: "Not animated: click to set a key at this frame",
    KeyState.CURVE: "Animated: click to set a key at this frame (right click for more)",
    KeyState.KEY: "Key at this frame: click to delete it (right click for more)",
}


def diamond_path(centre: QPointF, radius: float) -> QPainterPath:
    path = QPainterPath()
    path.moveTo(centre.x(), centre.y() - radius)
    path.lineTo(centre.x() + radius, centre.y())
    path.lineTo(centre.x(), centre.y() + radius)
    path.lineTo(centre.x() - radius, centre.y())
    path.closeSubpath()
    return path


def paint_diamond(painter: QPainter, centre: QPointF, radius: float, state: KeyState, hover: bool) -> None:
    """Draw the key-state diamond (shared with the header's navigation buttons)."""
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    path = diamond_path(centre, radius)
    if state is KeyState.KEY:
        painter.fillPath(path, KEY_COLOUR)
    elif state is KeyState.CURVE:
        painter.save()
        painter.setClipRect(0, 0, int(centre.x()), int(centre.y() + radius + 2))
        painter.fillPath(path, KEY_COLOUR)
        painter.restore()
    outline = KEY_COLOUR if state is not KeyState.NONE else OUTLINE_COLOUR
    painter.setPen(QPen(outline.lighter(130) if hover else outline, 1.2))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawPath(path)


class KeyframeButton(QAbstractButton):
    """The key-state diamond of one parameter. Call :meth:`refresh` when the value or the frame
    changes; edits go through the :class:`ParamBinding` (undoable, refusals reported)."""

    def __init__(self, binding: ParamBinding, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.binding = binding
        self.state = KeyState.NONE
        self.setFixedSize(QSize(18, 18))
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.clicked.connect(self.toggle_key)
        self.refresh()

    def sizeHint(self) -> QSize:
        return QSize(18, 18)

    def refresh(self) -> None:
        """Re-read the key state at the session's current frame."""
        state = self.binding.key_state()
        if state is not self.state:
            self.state = state
            self.update()
        self.setToolTip(_TOOLTIPS[state])

    def toggle_key(self) -> None:
        """The click: delete the key at this frame if there is one, else set one."""
        if self.binding.key_state() is KeyState.KEY:
            self.binding.delete_key()
        else:
            self.binding.set_key()

    def build_menu(self) -> QMenu:
        """The right-click menu for the current frame (actions act when triggered)."""
        state = self.binding.key_state()
        menu = QMenu(self)
        menu.addAction("Set key", self.binding.set_key)
        delete_key = menu.addAction("Delete key", self.binding.delete_key)
        delete_key.setEnabled(state is KeyState.KEY)
        delete_all = menu.addAction("Delete animation", self.binding.delete_animation)
        delete_all.setEnabled(state is not KeyState.NONE)
        menu.addSeparator()
        current = self.binding.key_interp()
        for interp in Interp:
            action = QAction(interp.value.capitalize(), menu)
            action.setCheckable(True)
            action.setChecked(interp is current)
            action.setEnabled(state is KeyState.KEY)
            action.setToolTip(f"{interp.value} interpolation after the key at this frame")
            action.triggered.connect(lambda _checked=False, i=interp: self.binding.set_interp(i))
            menu.addAction(action)
        return menu

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        menu = self.build_menu()
        menu.exec(event.globalPos())
        menu.deleteLater()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        centre = QPointF(self.width() / 2, self.height() / 2)
        radius = min(self.width(), self.height()) / 2 - 3.5
        paint_diamond(painter, centre, radius, self.state, self.underMouse())
