"""The top of the inspector: the node's name (editable: rename), its type and version, the
disable switch, previous/next key buttons that move the playhead between the node's keys, and for
nodes whose positions can follow tracks, Bake (to keyframes: the explicit, undoable snapshot)."""

from __future__ import annotations

import html

from PySide6.QtCore import QPointF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPaintEvent
from PySide6.QtWidgets import QApplication, QCheckBox, QGridLayout, QLabel, QLineEdit, QToolButton, QWidget

from filmstudio.core.errors import FilmStudioError
from filmstudio.core.graph import NodeInstance
from filmstudio.core.track_link import active
from filmstudio.ui.inspector.binding import KeyState, key_frames
from filmstudio.ui.inspector.keyframe import paint_diamond
from filmstudio.ui.session import EditorSession


class KeyNavButton(QToolButton):
    """A small "go to the previous/next key" button: a diamond with an arrow beside it."""

    def __init__(self, forward: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.forward = forward
        self.setAutoRaise(True)
        self.setFixedSize(QSize(26, 20))
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setToolTip("Next key of this node" if forward else "Previous key of this node")

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)  # the auto-raise hover frame
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        enabled = self.isEnabled()
        mid = self.height() / 2
        diamond_x = self.width() / 2 + (-4 if self.forward else 4)
        painter.setOpacity(1.0 if enabled else 0.35)
        paint_diamond(painter, QPointF(diamond_x, mid), 4.5, KeyState.KEY, self.underMouse())
        tip = diamond_x + (11 if self.forward else -11)
        base = diamond_x + (6 if self.forward else -6)
        arrow = QPainterPath()
        arrow.moveTo(tip, mid)
        arrow.lineTo(base, mid - 4)
        arrow.lineTo(base, mid + 4)
        arrow.closeSubpath()
        painter.fillPath(arrow, QColor("#c8c8c8"))


class NodeHeader(QWidget):
    """Name, type, disable and key navigation of the node the inspector shows."""

    def __init__(self, session: EditorSession, node: NodeInstance, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.node = node
        self.name_edit = QLineEdit(node.name)
        font = QFont(self.name_edit.font())
        font.setBold(True)
        self.name_edit.setFont(font)
        self.name_edit.setToolTip("Node name (press Enter to rename)")
        self.type_label = QLabel(f"{node.type.display_name()}  v{node.type.version}")
        self.type_label.setEnabled(False)  # dimmed secondary text
        described = html.escape(node.type.description or node.type.display_name())
        type_id = html.escape(node.type.id)
        self.type_label.setToolTip(f"<b>{type_id}</b> ({node.type.category})<br>{described}")
        self.disable_check = QCheckBox("Disable")
        self.disable_check.setToolTip("Pass the input through unchanged (D in the node graph)")
        self.previous_key = KeyNavButton(False)
        self.next_key = KeyNavButton(True)
        self.bake_button = QToolButton()
        self.bake_button.setText("Bake")
        self.bake_button.setToolTip(
            "Bake to keyframes: key every frame of the positions that follow tracks and unlink them "
            "(one undo step)"
        )
        self.bake_button.setVisible(bool(node.type.track_links))

        self.setAutoFillBackground(True)  # a title bar a shade lighter than the panel
        palette = self.palette()
        palette.setColor(self.backgroundRole(), palette.window().color().lighter(125))
        self.setPalette(palette)

        grid = QGridLayout(self)
        grid.setContentsMargins(8, 8, 8, 6)
        grid.setHorizontalSpacing(6)
        grid.setVerticalSpacing(4)
        grid.addWidget(self.name_edit, 0, 0, 1, 2)
        grid.addWidget(self.disable_check, 0, 2, 1, 2)
        grid.addWidget(self.type_label, 1, 0)
        grid.addWidget(self.bake_button, 1, 1)
        grid.setColumnStretch(0, 1)
        grid.addWidget(self.previous_key, 1, 2)
        grid.addWidget(self.next_key, 1, 3)

        self.name_edit.editingFinished.connect(self._rename)
        self.disable_check.toggled.connect(self._set_disabled)
        self.previous_key.clicked.connect(lambda: self.go_to_key(forward=False))
        self.next_key.clicked.connect(lambda: self.go_to_key(forward=True))
        self.bake_button.clicked.connect(self.bake)
        self.refresh()

    def refresh(self) -> None:
        """Show the node's name, disabled flag and whether there are keys either side of the
        playhead (no edits, no signals)."""
        if not self.name_edit.isModified():  # never clobber a name being typed
            self.name_edit.setText(self.node.name)
        self.disable_check.blockSignals(True)
        self.disable_check.setChecked(self.node.disabled)
        self.disable_check.blockSignals(False)
        self.refresh_navigation()

    def refresh_navigation(self) -> None:
        frames = key_frames(self.node)
        frame = self.session.current_frame
        self.previous_key.setEnabled(any(f < frame for f in frames))
        self.next_key.setEnabled(any(f > frame for f in frames))
        if self.node.type.track_links:  # on while a position follows a track
            self.bake_button.setEnabled(bool(active(self.node.type.track_links, self.node.values_at(frame))))

    def bake(self) -> None:
        """Bake the positions that follow tracks to a key on every project frame and unlink them
        (filmstudio.render.bake; one undo step). Runs here, on the GUI thread, which owns the
        graph the bake plans from and edits (a wait cursor meanwhile): it evaluates the Tracker at
        every frame, which decodes its footage where the cache does not hold it."""
        from filmstudio.render.bake import bake_to_keyframes

        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            counts = bake_to_keyframes(self.session.project, self.node, engine=self.session.engine)
        except FilmStudioError as error:
            self.session.report(f"Cannot bake {self.node.name}: {error}", "error")
            return
        finally:
            QApplication.restoreOverrideCursor()
        baked = ", ".join(f"{name} ({count} keys)" for name, count in counts.items())
        self.session.report(f"baked {self.node.name} to keyframes: {baked}")

    def go_to_key(self, forward: bool) -> None:
        """Move the playhead to the nearest key (of any parameter of this node) after or before it."""
        frame = self.session.current_frame
        frames = key_frames(self.node)
        candidates = [f for f in frames if f > frame] if forward else [f for f in frames if f < frame]
        if candidates:
            target = min(candidates) if forward else max(candidates)
            self.session.set_frame(round(target))

    def _rename(self) -> None:
        name = self.name_edit.text().strip()
        self.name_edit.setModified(False)
        if name == self.node.name:
            return
        try:
            self.node.rename(name)
        except FilmStudioError as error:
            self.session.report(f"Cannot rename {self.node.name}: {error}", "error")
            self.name_edit.setText(self.node.name)

    def _set_disabled(self, disabled: bool) -> None:
        try:
            self.node.set_disabled(disabled)
        except FilmStudioError as error:
            self.session.report(str(error), "error")
            self.refresh()
