"""Node overlays in the viewer: the shapes the selected node declares (:meth:`Node.overlay`),
painted over the image, and handle drags turned into undoable edits (:meth:`Node.drag_handle`).
GUI thread only.

Like Nuke's on-screen controls, the handles shown are those of the last selected node. Shapes are
in image pixels of the project format; the canvas maps them to the widget. A drag is one undo step
(its edits merge); an edit the model refuses is reported, never raised into Qt.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, QPointF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPen

from filmstudio.core.commands import EditNode
from filmstudio.core.errors import FilmStudioError
from filmstudio.core.graph import GraphEvent, NodeInstance
from filmstudio.core.node import Node
from filmstudio.core.overlay import Handle, Outline, OverlayEdit, Polyline, Shape
from filmstudio.core.params import AnimCurve, Interp, Keyframe
from filmstudio.ui.session import EditorSession

GRAB_PX = 9.0  # how near (screen pixels) a press must be to take a handle
HANDLE_PX = 4.5
_DRAGS = itertools.count(1)

ToWidget = Callable[[QPointF], QPointF]


class OverlayController(QObject):
    """What the canvas asks about overlays: :meth:`paint`, and :meth:`press` / :meth:`move` /
    :meth:`release` with widget points and the canvas's image -> widget mapping."""

    def __init__(self, session: EditorSession, repaint: Callable[[], None], parent: QObject | None = None):
        super().__init__(parent)
        self.session = session
        self._repaint = repaint
        self._dragging: tuple[str, str, int] | None = None  # (node uuid, handle key, drag number)
        session.selectionChanged.connect(repaint)
        session.frameChanged.connect(lambda _frame: repaint())
        session.graphChanged.connect(self._graph_changed)
        session.projectReplaced.connect(repaint)

    # --- what is shown ---------------------------------------------------------------------------

    def node(self) -> NodeInstance | None:
        """The node whose overlay shows: the last selected one, if it declares an overlay."""
        nodes = self.session.graph.nodes
        selected = [uuid for uuid in self.session.selected if uuid in nodes]
        if not selected:
            return None
        node = nodes[selected[-1]]
        return node if node.type.overlay is not Node.overlay else None

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
                pen = QPen(colour, 1.2, Qt.PenStyle.DashLine if shape.dashed else Qt.PenStyle.SolidLine)
                path = QPainterPath(to_widget(QPointF(*shape.points[0])))
                for point in shape.points[1:]:
                    path.lineTo(to_widget(QPointF(*point)))
                if shape.closed:
                    path.closeSubpath()
                painter.strokePath(path, pen)
        painter.restore()

    def _paint_handle(self, painter: QPainter, handle: Handle, at: QPointF, colour: QColor) -> None:
        active = self._dragging is not None and self._dragging[1] == handle.key
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
        """Start dragging the handle under the press; False when there is none."""
        node = self.node()
        handle = self.handle_at(widget_point, to_widget) if node is not None else None
        if node is None or handle is None:
            return False
        self._dragging = (node.uuid, handle.key, next(_DRAGS))
        self._repaint()
        return True

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
                interp = existing.interp if existing is not None else _interp_before(curve, frame)
                stored[name] = (curve or AnimCurve()).with_key(Keyframe(float(frame), coerced, interp))
            else:
                stored[name] = coerced
        state = dict(edit.state) if edit.state is not None else None
        self.session.graph.perform(EditNode(node.uuid, stored, state, edit.text, merge_key=("overlay", drag)))

    def _graph_changed(self, event: GraphEvent) -> None:
        node = self.node()
        if node is not None and event.node == node.uuid:
            self._repaint()


def _interp_before(curve: AnimCurve | None, frame: int) -> Interp:
    """A new key continues the segment it splits (as the inspector's keys do)."""
    if curve is None or not curve.keys:
        return Interp.LINEAR
    before = [k for k in curve.keys if k.frame < frame]
    return before[-1].interp if before else curve.keys[0].interp
