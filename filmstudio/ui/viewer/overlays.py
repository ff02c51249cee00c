"""Node overlays in the viewer: the shapes the selected node declares (:meth:`Node.overlay`),
painted over the image, and handle drags turned into undoable edits (:meth:`Node.drag_handle`).
GUI thread only.

Like Nuke's on-screen controls, the handles shown are those of the last selected node. Shapes are
in image pixels of the project format; the canvas maps them to the widget. A drag is one undo step
(its edits merge); an edit the model refuses is reported, never raised into Qt.

Beyond drags (see :mod:`filmstudio.core.overlay`): Ctrl+Alt+click — Nuke's gesture for adding a
track — or a click with the Add tool (:attr:`OverlayController.add_tool`) asks the node's
``overlay_click`` to add at the point, and the press goes on dragging what it added (adding and
placing are one undo step); clicking a handle selects it (editor state, per node, never saved);
Delete or the context menu's Remove asks ``overlay_remove`` about the selected handle.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import replace

from PySide6.QtCore import QObject, QPointF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QMenu, QWidget

from filmstudio.core.commands import EditNode
from filmstudio.core.errors import FilmStudioError
from filmstudio.core.graph import GraphEvent, NodeInstance
from filmstudio.core.node import Node
from filmstudio.core.overlay import FrameCurve, Handle, Outline, OverlayEdit, Polyline, Shape
from filmstudio.core.params import AnimCurve, Interp, Keyframe
from filmstudio.ui.session import EditorSession

GRAB_PX = 9.0  # how near (screen pixels) a press must be to take a handle
HANDLE_PX = 4.5
_DRAGS = itertools.count(1)

ToWidget = Callable[[QPointF], QPointF]


class OverlayController(QObject):
    """What the canvas asks about overlays: :meth:`paint`, and :meth:`press` / :meth:`add_at` /
    :meth:`move` / :meth:`release` with widget points and the canvas's image -> widget mapping.
    ``changed`` is emitted when the overlay node, its selected handle or the node itself changed
    (the timeline's curve strip and the node tools follow it)."""

    changed = Signal()

    def __init__(self, session: EditorSession, repaint: Callable[[], None], parent: QObject | None = None):
        super().__init__(parent)
        self.session = session
        self._repaint = repaint
        self._dragging: tuple[str, str, int] | None = None  # (node uuid, handle key, drag number)
        self._selected: dict[str, str] = {}  # node uuid -> its selected handle's key (not saved)
        self.add_tool = False  # a plain click away from handles adds (the toolbar's Add button)
        session.selectionChanged.connect(self._changed)
        session.frameChanged.connect(lambda _frame: repaint())
        session.graphChanged.connect(self._graph_changed)
        session.projectReplaced.connect(self._project_replaced)

    # --- what is shown ---------------------------------------------------------------------------

    def node(self) -> NodeInstance | None:
        """The node whose overlay shows: the last selected one, if it declares an overlay."""
        node = self.session.last_selected()
        return node if node is not None and node.type.overlay is not Node.overlay else None

    def shapes(self) -> Sequence[Shape]:
        """The shapes at the current frame (none when the node's overlay fails: that is reported
        on the node when it evaluates, the viewer stays usable)."""
        node = self.node()
        if node is None:
            return ()
        try:
            context = self.session.project.context(node, self.session.current_frame)
            return tuple(node.type.shared().overlay(context))
        except Exception:
            return ()

    @property
    def dragging(self) -> bool:
        return self._dragging is not None

    def selected_key(self) -> str | None:
        """The key of the overlay node's selected handle, or None."""
        node = self.node()
        return self._selected.get(node.uuid) if node is not None else None

    def select(self, key: str | None) -> None:
        """Select the overlay node's handle ``key`` (None: no handle)."""
        node = self.node()
        if node is None or self._selected.get(node.uuid) == key:
            return
        if key is None:
            self._selected.pop(node.uuid, None)
        else:
            self._selected[node.uuid] = key
        self._changed()

    def can_add(self) -> bool:
        """Whether the overlay node adds things at a click (it implements ``overlay_click``)."""
        node = self.node()
        return node is not None and node.type.overlay_click is not Node.overlay_click

    def has_curves(self) -> bool:
        """Whether the overlay node shows a curve for a selected handle (``overlay_curve``)."""
        node = self.node()
        return node is not None and node.type.overlay_curve is not Node.overlay_curve

    def curve(self) -> FrameCurve | None:
        """The per-frame curve of the selected handle the timeline shows (None: none)."""
        node = self.node()
        if node is None or not self.has_curves():
            return None
        try:
            context = self.session.project.context(node, self.session.current_frame)
            return node.type.shared().overlay_curve(context, self._selected.get(node.uuid))
        except Exception:  # as for shapes: the node reports its errors when it evaluates
            return None

    # --- painting --------------------------------------------------------------------------------

    def paint(self, painter: QPainter, to_widget: ToWidget) -> None:
        shapes = self.shapes()
        if not shapes:
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        font = QFont(painter.font())
        font.setPointSizeF(8.0)
        painter.setFont(font)
        for shape in shapes:
            colour = QColor.fromRgbF(*shape.colour)
            if isinstance(shape, Handle):
                self._paint_handle(painter, shape, to_widget(QPointF(shape.x, shape.y)), colour)
            elif isinstance(shape, Outline | Polyline) and len(shape.points) > 1:
                style = Qt.PenStyle.DashLine if shape.dashed else Qt.PenStyle.SolidLine
                path = QPainterPath(to_widget(QPointF(*shape.points[0])))
                for point in shape.points[1:]:
                    path.lineTo(to_widget(QPointF(*point)))
                if shape.closed:
                    path.closeSubpath()
                # a dark edge keeps thin lines readable on any footage (a grey path on grey noise)
                painter.strokePath(path, QPen(QColor(0, 0, 0, 150), 3.0, style))
                painter.strokePath(path, QPen(colour, 1.3, style))
        painter.restore()

    def _paint_handle(self, painter: QPainter, handle: Handle, at: QPointF, colour: QColor) -> None:
        active = self._dragging is not None and self._dragging[1] == handle.key
        if handle.key == self.selected_key():  # a white ring marks the selected handle
            painter.setPen(QPen(QColor(255, 255, 255, 230), 1.6))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawEllipse(at, HANDLE_PX + 3.5, HANDLE_PX + 3.5)
        painter.setPen(QPen(QColor(0, 0, 0, 170), 3.0))
        painter.drawLine(at + QPointF(-HANDLE_PX * 2, 0), at + QPointF(HANDLE_PX * 2, 0))
        painter.drawLine(at + QPointF(0, -HANDLE_PX * 2), at + QPointF(0, HANDLE_PX * 2))
        painter.setPen(QPen(colour, 1.4))
        painter.drawLine(at + QPointF(-HANDLE_PX * 2, 0), at + QPointF(HANDLE_PX * 2, 0))
        painter.drawLine(at + QPointF(0, -HANDLE_PX * 2), at + QPointF(0, HANDLE_PX * 2))
        painter.setBrush(colour if active else Qt.BrushStyle.NoBrush)
        painter.drawEllipse(at, HANDLE_PX, HANDLE_PX)
        if handle.label:
            painter.setPen(QPen(colour))
            painter.drawText(at + QPointF(HANDLE_PX + 4, -HANDLE_PX - 2), handle.label)

    # --- dragging --------------------------------------------------------------------------------

    def handle_at(self, widget_point: QPointF, to_widget: ToWidget) -> Handle | None:
        """The handle nearest ``widget_point`` within :data:`GRAB_PX`, or None."""
        best, best_distance = None, GRAB_PX
        for shape in self.shapes():
            if isinstance(shape, Handle):
                offset = to_widget(QPointF(shape.x, shape.y)) - widget_point
                distance = (offset.x() ** 2 + offset.y() ** 2) ** 0.5
                if distance <= best_distance:
                    best, best_distance = shape, distance
        return best

    def press(self, widget_point: QPointF, to_widget: ToWidget) -> bool:
        """Select and start dragging the handle under the press; False when there is none (the
        selection is cleared then)."""
        node = self.node()
        handle = self.handle_at(widget_point, to_widget) if node is not None else None
        if node is None or handle is None:
            self.select(None)
            return False
        self._dragging = (node.uuid, handle.key, next(_DRAGS))
        self.select(handle.key)
        self._repaint()
        return True

    def add_at(self, image_point: QPointF) -> bool:
        """Ask the overlay node to add at ``image_point`` (image pixels); what it adds is selected
        and dragged by the rest of the press. False when the node adds nothing."""
        node = self.node()
        if node is None or not self.can_add():
            return False
        frame, drag = self.session.current_frame, next(_DRAGS)
        try:
            context = self.session.project.context(node, frame)
            edit = node.type.shared().overlay_click(context, image_point.x(), image_point.y())
            if edit is None:
                return False
            self._apply(node, edit, frame, drag)
        except FilmStudioError as error:
            self.session.report(f"{node.name}: {error}", "error")
            return False
        if edit.select is not None:
            self._dragging = (node.uuid, edit.select, drag)
            self.select(edit.select)
        self._repaint()
        return True

    def remove_selected(self) -> bool:
        """Ask the overlay node to remove its selected handle (Delete); one undo step. False when
        nothing was removed."""
        node, key = self.node(), self.selected_key()
        if node is None or key is None or node.type.overlay_remove is Node.overlay_remove:
            return False
        try:
            context = self.session.project.context(node, self.session.current_frame)
            edit = node.type.shared().overlay_remove(context, key)
            if edit is None:
                return False
            self._apply(node, edit, self.session.current_frame, next(_DRAGS))
        except FilmStudioError as error:
            self.session.report(f"{node.name}: {error}", "error")
            return False
        self.select(edit.select)
        self._repaint()
        return True

    def context_menu(
        self, widget_point: QPointF, image_point: QPointF, to_widget: ToWidget, parent: QWidget
    ) -> QMenu | None:
        """The viewer's right-click menu at ``widget_point`` (``image_point`` in image pixels): Add
        Here, and Remove for a handle under the point (which becomes selected). None when the node
        offers neither."""
        node = self.node()
        if node is None:
            return None
        menu = QMenu(parent)
        if self.can_add():
            image_point = QPointF(image_point)
            menu.addAction("Add Here  (Ctrl+Alt+Click)").triggered.connect(
                lambda _checked=False: self._add_and_release(image_point)
            )
        handle = self.handle_at(widget_point, to_widget)
        if handle is not None and node.type.overlay_remove is not Node.overlay_remove:
            self.select(handle.key)
            menu.addAction(f"Remove {handle.key}  (Delete)").triggered.connect(
                lambda _checked=False: self.remove_selected()
            )
        return menu if menu.actions() else None

    def _add_and_release(self, image_point: QPointF) -> None:
        self.add_at(image_point)
        self.release()

    def move(self, image_point: QPointF) -> None:
        """The handle being dragged is now at ``image_point`` (image pixels)."""
        if self._dragging is None:
            return
        uuid, key, drag = self._dragging
        node = self.session.graph.nodes.get(uuid)
        if node is None:
            self._dragging = None
            return
        frame = self.session.current_frame
        try:
            context = self.session.project.context(node, frame)
            edit = node.type.shared().drag_handle(context, key, image_point.x(), image_point.y())
            if edit is not None:
                self._apply(node, edit, frame, drag)
        except FilmStudioError as error:
            self.session.report(f"{node.name}: {error}", "error")
            self._dragging = None
        self._repaint()

    def release(self) -> None:
        self._dragging = None
        self._repaint()

    def _apply(self, node: NodeInstance, edit: OverlayEdit, frame: int, drag: int) -> None:
        """One EditNode, merged with the drag's earlier ones: constants, or keys at ``frame`` for
        animated parameters (and animatable ones when the edit asks for keys)."""
        stored = {}
        for name, value in edit.params.items():
            param = node.type.param(name)
            coerced = param.coerce(value)
            curve = node.animation(name)
            if curve is not None or (edit.key and param.animatable):
                existing = curve.key_at(float(frame)) if curve is not None else None
                if existing is not None:  # re-keyed: keeps its interpolation and Bezier handles
                    key = replace(existing, value=coerced)
                else:
                    key = Keyframe(float(frame), coerced, _interp_before(curve, frame))
                stored[name] = (curve or AnimCurve()).with_key(key)
            else:
                stored[name] = coerced
        state = dict(edit.state) if edit.state is not None else None
        self.session.graph.perform(EditNode(node.uuid, stored, state, edit.text, merge_key=("overlay", drag)))

    def _graph_changed(self, event: GraphEvent) -> None:
        node = self.node()
        if node is not None and event.node == node.uuid:
            self._changed()

    def _project_replaced(self) -> None:
        self._selected.clear()
        self._dragging = None
        self._changed()

    def _changed(self) -> None:
        self._repaint()
        self.changed.emit()


def _interp_before(curve: AnimCurve | None, frame: int) -> Interp:
    """A new key continues the segment it splits (as the inspector's keys do)."""
    if curve is None or not curve.keys:
        return Interp.LINEAR
    before = [k for k in curve.keys if k.frame < frame]
    return before[-1].interp if before else curve.keys[0].interp
