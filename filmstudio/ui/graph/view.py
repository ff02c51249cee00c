"""The node graph editor: a QGraphicsView on the session's graph with Nuke's conventions.

Keys (when the graph has focus; the same QActions are in :attr:`GraphView.graph_actions` for the
main window's menus): Tab add node, D disable, Del/Backspace delete, Ctrl+C/X/V copy/cut/paste,
F frame all, ``.`` Dot, Ctrl+A select all. Tab opens the search whenever the pointer is over the
graph, whatever has the focus (as in Nuke): the search takes the focus, so what is typed next
never lands in another panel's text field. A new node is scrolled into view. Mouse: wheel
zooms around the cursor, middle-drag or Alt+left-drag pans, left-drag on the canvas rubber-band
selects, on a node moves the selection (one undo step), on a port drags a link. GUI thread only.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPoint, QPointF, Qt
from PySide6.QtGui import (
    QAction,
    QContextMenuEvent,
    QCursor,
    QHideEvent,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QResizeEvent,
    QShowEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QApplication, QGraphicsView, QMenu, QWidget

from filmstudio.ui.graph import edits
from filmstudio.ui.graph.commands import GraphCommands
from filmstudio.ui.graph.legend import PortLegend
from filmstudio.ui.graph.link_drag import LinkDrag
from filmstudio.ui.graph.ports import PortItem
from filmstudio.ui.graph.scene import GraphScene
from filmstudio.ui.graph.search import NodeSearchPopup
from filmstudio.ui.session import EditorSession

MIN_ZOOM, MAX_ZOOM, FRAME_ZOOM = 0.08, 3.0, 1.25


class GraphView(GraphCommands, QGraphicsView):
    """The graph editor widget for ``session``; see the module docstring for keys and mouse."""

    def __init__(self, session: EditorSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.graph_scene = GraphScene(session, self)
        self.setScene(self.graph_scene)
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setCacheMode(QGraphicsView.CacheModeFlag.CacheBackground)
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QGraphicsView.Shape.NoFrame)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.search = NodeSearchPopup(self)
        self.search.chosen.connect(self._add_from_search)
        self._search_at: QPointF | None = None
        self._cursor: QPointF | None = None  # scene position of the mouse while it is over the view
        self._pan_from: QPoint | None = None
        self._link_drag: LinkDrag | None = None
        self._framed_once = False
        self.legend = PortLegend(self)
        self._tab_anywhere = _TabOverGraph(self)
        self.graph_actions: dict[str, QAction] = {}
        self._make_actions()
        session.projectReplaced.connect(self._project_replaced)

    # --- actions ---------------------------------------------------------------------------------

    def _make_actions(self) -> None:
        specs = [
            ("add_node", "Add Node…", [QKeySequence(Qt.Key.Key_Tab)], self.open_node_search),
            ("copy", "Copy Nodes", [QKeySequence.StandardKey.Copy], self.copy_selection),
            ("cut", "Cut Nodes", [QKeySequence.StandardKey.Cut], self.cut_selection),
            ("paste", "Paste Nodes", [QKeySequence.StandardKey.Paste], self.paste),
            (
                "delete",
                "Delete",
                [QKeySequence(Qt.Key.Key_Delete), QKeySequence(Qt.Key.Key_Backspace)],
                self.delete_selection,
            ),
            ("disable", "Disable / Enable", [QKeySequence(Qt.Key.Key_D)], self.toggle_disable_selection),
            ("frame_all", "Frame All", [QKeySequence(Qt.Key.Key_F)], self.frame_all),
            ("add_dot", "Add Dot", [QKeySequence(Qt.Key.Key_Period)], self.add_dot),
            ("add_backdrop", "Add Backdrop", [], self.add_backdrop),
            ("select_all", "Select All Nodes", [QKeySequence.StandardKey.SelectAll], self.select_all),
        ]
        for name, text, keys, slot in specs:
            action = QAction(text, self)
            action.setShortcuts(keys)
            action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
            action.triggered.connect(lambda _checked=False, slot=slot: slot())
            self.addAction(action)
            self.graph_actions[name] = action
        legend = QAction("Port Colour Legend", self)
        legend.setCheckable(True)
        legend.toggled.connect(self.show_legend)
        self.graph_actions["legend"] = legend

    def action(self, name: str) -> QAction:
        """One of the graph's actions by name (see :attr:`graph_actions`)."""
        return self.graph_actions[name]

    # --- search and framing ----------------------------------------------------------------------

    def open_node_search(self, at: QPoint | None = None) -> None:
        """Show the Tab search at ``at`` (viewport coordinates; default: the cursor). Safe to
        connect to ``QAction.triggered`` (its ``checked`` argument is ignored)."""
        if not isinstance(at, QPoint):
            at = (
                self.mapFromScene(self._cursor)
                if self._cursor is not None
                else self.viewport().rect().center()
            )
        self._search_at = self.mapToScene(at)
        self.search.open_at(self.viewport().mapTo(self, at), self.session.graph.registry)

    def _add_from_search(self, type_id: str) -> None:
        registry = self.session.graph.registry
        if type_id in registry and registry.get(type_id).layout_only:
            self.add_backdrop()  # around the selection, as from the menu
            return
        selected = edits.upstream_for_new_node(self.session.graph, self.session.selected)
        at = None if selected is not None else self._search_at
        self.add_node(type_id, at=at)

    def frame_all(self) -> None:
        """Fit every node in the view (F), never zooming in past 125%."""
        rect = self.graph_scene.nodes_rect()
        if rect.isNull():
            self.resetTransform()
            self.centerOn(0, 0)
            return
        rect = rect.adjusted(-40, -40, 40, 40)
        self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)
        if self.zoom() > FRAME_ZOOM:
            self.set_zoom(FRAME_ZOOM)
        self.centerOn(rect.center())

    def show_legend(self, shown: bool = True) -> None:
        """Show the port colour legend in the bottom-left corner."""
        self.legend.setVisible(shown)
        self.graph_actions["legend"].setChecked(shown)
        self._place_legend()

    def _place_legend(self) -> None:
        self.legend.move(8, self.height() - self.legend.height() - 8)

    def zoom(self) -> float:
        return self.transform().m11()

    def set_zoom(self, zoom: float) -> None:
        zoom = min(MAX_ZOOM, max(MIN_ZOOM, zoom))
        self.scale(zoom / self.zoom(), zoom / self.zoom())
        self.graph_scene.badges.request()

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        super().scrollContentsBy(dx, dy)
        self.graph_scene.badges.request()  # nodes scrolled into view may show stale badges

    # --- helpers ---------------------------------------------------------------------------------

    def shutdown(self) -> None:
        """Stop pending work (the badge refresher, a link drag, the search) before the session
        closes; the main window calls it on exit."""
        self._tab_anywhere.listen(False)
        self._cancel_link_drag()
        self.search.close_popup()
        self.graph_scene.badges.stop()

    def _cancel_link_drag(self) -> None:
        if self._link_drag is not None:
            self._link_drag.cancel()
            self._link_drag = None

    def _project_replaced(self) -> None:
        self._cancel_link_drag()
        self.search.close_popup()
        self.frame_all()

    def _view_centre(self) -> QPointF:
        return self.mapToScene(self.viewport().rect().center())

    def _reveal(self, uuid: str) -> None:
        """Scroll so node ``uuid`` is inside the visible area (a node added below one at the
        bottom edge would land out of sight)."""
        item = self.graph_scene.nodes.get(uuid)
        if item is not None:
            self.ensureVisible(item.sceneBoundingRect(), 40, 40)

    def _port_at(self, pos: QPoint) -> PortItem | None:
        return next((item for item in self.items(pos) if isinstance(item, PortItem)), None)

    # --- events ----------------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._framed_once:
            self._framed_once = True
            self.frame_all()
        self.graph_scene.badges.request()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._place_legend()

    def hideEvent(self, event: QHideEvent) -> None:
        self._tab_anywhere.listen(False)
        self.graph_scene.badges.stop()
        self.search.close_popup()
        super().hideEvent(event)

    def event(self, event: QEvent) -> bool:
        # Tab would move the focus before keyPressEvent sees it.
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            no_modifiers = not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
            if event.key() == Qt.Key.Key_Tab and no_modifiers:
                self.open_node_search()
                return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # The actions' shortcuts normally fire first; this covers a view without an active window.
        self.graph_scene.hint.hide()
        key, plain = event.key(), not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if event.matches(QKeySequence.StandardKey.Copy):
            self.copy_selection()
        elif event.matches(QKeySequence.StandardKey.Cut):
            self.cut_selection()
        elif event.matches(QKeySequence.StandardKey.Paste):
            self.paste()
        elif event.matches(QKeySequence.StandardKey.SelectAll):
            self.select_all()
        elif plain and key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.delete_selection()
        elif plain and key == Qt.Key.Key_D:
            self.toggle_disable_selection()
        elif plain and key == Qt.Key.Key_F:
            self.frame_all()
        elif plain and key == Qt.Key.Key_Period:
            self.add_dot()
        elif key == Qt.Key.Key_Escape and self._link_drag is not None:
            self._cancel_link_drag()
        else:
            super().keyPressEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120.0
        if not steps:
            return
        anchor = event.position().toPoint()
        before = self.mapToScene(anchor)
        self.set_zoom(self.zoom() * 1.18**steps)
        after = self.mapToScene(anchor)
        self.translate(after.x() - before.x(), after.y() - before.y())
        event.accept()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.graph_scene.hint.hide()
        self.search.close_popup()
        button, pos = event.button(), event.position().toPoint()
        alt = bool(event.modifiers() & Qt.KeyboardModifier.AltModifier)
        if button == Qt.MouseButton.MiddleButton or (button == Qt.MouseButton.LeftButton and alt):
            self._pan_from = pos
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        if button == Qt.MouseButton.LeftButton and (port := self._port_at(pos)) is not None:
            self._link_drag = LinkDrag(self.graph_scene, port)
            self._link_drag.move(self.mapToScene(pos))
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position().toPoint()
        self._cursor = self.mapToScene(pos)
        if self._pan_from is not None:
            delta = pos - self._pan_from
            self._pan_from = pos
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - delta.x())
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - delta.y())
            event.accept()
            return
        if self._link_drag is not None:
            self._link_drag.move(self._cursor)
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._pan_from is not None:
            self._pan_from = None
            self.viewport().unsetCursor()
            event.accept()
            return
        if self._link_drag is not None:
            drag, self._link_drag = self._link_drag, None
            drag.finish(self.mapToScene(event.position().toPoint()))
            event.accept()
            return
        super().mouseReleaseEvent(event)
        if event.button() == Qt.MouseButton.LeftButton:
            self.graph_scene.commit_moves()
            event.accept()  # a rubber band's end is handled too

    def enterEvent(self, event: QEvent) -> None:
        self._tab_anywhere.listen(True)
        super().enterEvent(event)

    def leaveEvent(self, event: QEvent) -> None:
        self._cursor = None
        self._tab_anywhere.listen(False)
        super().leaveEvent(event)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        menu = QMenu(self)
        for name in (
            "add_node",
            "add_dot",
            "add_backdrop",
            None,
            "copy",
            "cut",
            "paste",
            "delete",
            None,
            "disable",
            "frame_all",
            "legend",
        ):
            if name is None:
                menu.addSeparator()
            else:
                menu.addAction(self.graph_actions[name])
        menu.exec(event.globalPos())
        menu.deleteLater()


class _TabOverGraph(QObject):
    """While the pointer is over the graph, Tab in any widget of its window opens the node search
    (an application event filter, installed only meanwhile: it sees every event)."""

    def __init__(self, view: GraphView) -> None:
        super().__init__(view)
        self.view = view
        self._listening = False

    def listen(self, on: bool) -> None:
        app = QApplication.instance()
        if on == self._listening or app is None:
            return
        self._listening = on
        if on:
            app.installEventFilter(self)
        else:
            app.removeEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress or not isinstance(watched, QWidget):
            return False
        key_event: QKeyEvent = event  # type: ignore[assignment]
        plain = not key_event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        view = self.view
        if (
            key_event.key() != Qt.Key.Key_Tab
            or not plain
            or not view.isVisible()
            or view.search.isVisible()
            or watched.window() is not view.window()
            or not view.viewport().rect().contains(view.viewport().mapFromGlobal(QCursor.pos()))
        ):
            return False
        view.open_node_search()
        return True
