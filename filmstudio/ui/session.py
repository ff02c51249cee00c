"""One open project in the editor: the project, its engine, its undo history and what the artist
is looking at (selection, viewed node, current frame, in/out points).

Every panel takes the session and follows its signals; none of them talks to another panel. The
session lives on the GUI thread, like the graph it owns: widgets edit the graph through the graph
API (``graph.create``, ``graph.connect``, ``node.set(..., merge=True)``) and every such edit lands
on :attr:`EditorSession.undo_stack` as one step (see :mod:`filmstudio.ui.undo`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from filmstudio.core.errors import FilmStudioError
from filmstudio.core.graph import GraphEvent, GraphEventKind, NodeInstance
from filmstudio.core.project import Project
from filmstudio.core.registry import NodeRegistry
from filmstudio.core.timebase import FrameRange
from filmstudio.core.types import PortType
from filmstudio.engine.engine import Engine
from filmstudio.ui.undo import QtHistory

VIEWABLE = (PortType.IMAGE, PortType.MASK)
# Changes that may move the default viewed node (it follows the Write's input).
_STRUCTURE_EVENTS = frozenset(
    {
        GraphEventKind.NODE_ADDED,
        GraphEventKind.NODE_REMOVED,
        GraphEventKind.LINK_ADDED,
        GraphEventKind.LINK_REMOVED,
        GraphEventKind.NODE_CHANGED,
    }
)


class EditorSession(QObject):
    """The editor's model of one open project. GUI thread only.

    Signals:
        graphChanged(GraphEvent): after every change of the graph (edit, undo, redo).
        projectReplaced(): a different project was opened or created; rebuild everything.
        selectionChanged(): :attr:`selected` changed.
        viewedNodeChanged(): :attr:`viewed_node` changed (selection or pin).
        frameChanged(int): the current frame changed.
        rangeChanged(): in/out points or the project's frame range changed.
        modifiedChanged(bool): whether the project differs from its file.
        nodeStatusChanged(str): :meth:`node_status` of that node uuid changed (computing, error).
        message(str, str): (level, text) for the log panel and status bar; level is one of
            "info", "warning", "error".
    """

    graphChanged = Signal(object)
    projectReplaced = Signal()
    selectionChanged = Signal()
    viewedNodeChanged = Signal()
    frameChanged = Signal(int)
    rangeChanged = Signal()
    modifiedChanged = Signal(bool)
    message = Signal(str, str)
    nodeStatusChanged = Signal(str)
    _nodeEvent = Signal(str, int, str, str)  # from worker threads; delivered queued

    def __init__(
        self,
        project: Project | None = None,
        *,
        registry: NodeRegistry | None = None,
        engine_options: dict[str, Any] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.registry = registry
        self.engine_options = dict(engine_options or {})
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._clean_changed)
        self.project: Project = project or Project(registry=registry)
        self.engine: Engine = Engine(self.project, **self.engine_options)
        self.selected: tuple[str, ...] = ()
        self.pinned: str | None = None
        self.in_point, self.out_point = self.project.settings.frame_range.first, self._last_frame()
        self._span = (self.in_point, self.out_point)  # the range in/out last followed
        self._frame = self.current_frame  # the playhead listeners last heard of
        self._status: dict[str, tuple[str, str]] = {}
        self._running: dict[str, int] = {}
        self._nodeEvent.connect(self._node_event)
        self._unsubscribe = self._attach(self.project)
        self._viewed = self.viewed_node

    # --- project lifetime ------------------------------------------------------------------------

    def replace_project(self, project: Project) -> None:
        """Show ``project`` instead of the current one: a new engine (the old one's threads stop)
        and an empty undo history."""
        self._unsubscribe()
        self.engine.close()
        self.undo_stack.clear()
        self.project = project
        self.engine = Engine(project, **self.engine_options)
        self._status.clear()
        self._running.clear()
        self.selected, self.pinned = (), None
        self.in_point, self.out_point = project.settings.frame_range.first, self._last_frame()
        self._span = (self.in_point, self.out_point)
        self._frame = self.current_frame
        self._unsubscribe = self._attach(project)
        self._viewed = self.viewed_node
        self.projectReplaced.emit()
        self.selectionChanged.emit()
        self.viewedNodeChanged.emit()
        self.rangeChanged.emit()
        self.frameChanged.emit(self.current_frame)
        self.modifiedChanged.emit(False)

    def open(self, path: str | Path) -> None:
        """Load a project file (raises :class:`ProjectError` naming file and place; the open
        project stays as it was)."""
        self.replace_project(Project.load(path, self.registry))

    def save(self, path: str | Path | None = None) -> Path:
        """Save atomically to ``path`` (default: where it was loaded from)."""
        saved = self.project.save(path)
        self.modifiedChanged.emit(False)
        return saved

    @property
    def modified(self) -> bool:
        return not self.undo_stack.isClean()

    def close(self) -> None:
        """Stop the engine's threads; the session is unusable afterwards. Idempotent."""
        self._unsubscribe()
        self._unsubscribe = _nothing
        self.engine.close()

    def _clean_changed(self, clean: bool) -> None:
        self.modifiedChanged.emit(not clean)

    def _attach(self, project: Project) -> Any:
        project.graph.history = QtHistory(project.graph, self.undo_stack)
        self.engine.set_observer(self._nodeEvent.emit)
        self.undo_stack.setClean()
        return project.graph.subscribe(self._graph_changed)

    def _graph_changed(self, event: GraphEvent) -> None:
        if event.kind is GraphEventKind.NODE_REMOVED:
            self._forget(event.node)
        elif event.node in self._status and self._status[event.node][0] == "error":
            self._status.pop(event.node)  # an edit may have fixed it; the next evaluation tells
            self.nodeStatusChanged.emit(event.node)
        if event.kind is GraphEventKind.SETTINGS_CHANGED:
            self._follow_settings()
        self.graphChanged.emit(event)
        if event.kind in _STRUCTURE_EVENTS:
            self._update_viewed()  # the default viewed node follows the Write's input

    def _follow_settings(self) -> None:
        """After Project Settings (or its undo): in/out points that spanned the whole range span
        the new one (a longer clip is reachable at once), others are kept inside it; the
        playhead, which the project pulled into the range, is announced."""
        span = (self.frame_range.first, self._last_frame())
        if span != self._span:
            whole = (self.in_point, self.out_point) == self._span
            self._span = span
            if whole:
                self.in_point, self.out_point = span
            else:
                self.in_point = max(span[0], min(span[1], self.in_point))
                self.out_point = max(self.in_point, min(span[1], self.out_point))
            self.rangeChanged.emit()
        if self.current_frame != self._frame:
            self._frame = self.current_frame
            self.frameChanged.emit(self._frame)

    # --- node status (badges) --------------------------------------------------------------------

    def node_status(self, uuid: str) -> tuple[str, str]:
        """(status, message) of a node: ("computing", ""), ("error", why) or ("", "")."""
        if self._running.get(uuid):
            return "computing", ""
        return self._status.get(uuid, ("", ""))

    def _node_event(self, uuid: str, frame: int, event: str, detail: str) -> None:
        if event == "start":
            self._running[uuid] = self._running.get(uuid, 0) + 1
        else:
            self._running[uuid] = max(0, self._running.get(uuid, 0) - 1)
            if event == "error":
                self._status[uuid] = ("error", f"frame {frame}: {detail}")
            elif event == "done":
                self._status.pop(uuid, None)
        self.nodeStatusChanged.emit(uuid)

    def _forget(self, uuid: str) -> None:
        if uuid in self.selected:
            self.selected = tuple(u for u in self.selected if u != uuid)
            self.selectionChanged.emit()
        if self.pinned == uuid:
            self.pinned = None

    def _update_viewed(self) -> None:
        viewed = self.viewed_node
        if viewed != self._viewed:
            self._viewed = viewed
            self.viewedNodeChanged.emit()

    # --- what the artist looks at ----------------------------------------------------------------

    @property
    def graph(self):
        return self.project.graph

    def node(self, ref: str | NodeInstance) -> NodeInstance:
        return self.project.graph.node(ref)

    def select(self, uuids: Iterable[str]) -> None:
        """Replace the selection (the graph view calls this; so can scripts and tests)."""
        selected = tuple(dict.fromkeys(u for u in uuids if u in self.project.graph.nodes))
        if selected == self.selected:
            return
        self.selected = selected
        self.selectionChanged.emit()
        self._update_viewed()

    def pin(self, uuid: str | None) -> None:
        """Keep the viewer on ``uuid`` whatever is selected (None unpins)."""
        self.pinned = uuid
        self._update_viewed()

    def last_selected(self) -> NodeInstance | None:
        """The node selected last: what the inspector, the curve editor and the viewer's overlays
        and tools follow."""
        nodes = self.project.graph.nodes
        return next((nodes[uuid] for uuid in reversed(self.selected) if uuid in nodes), None)

    @property
    def viewed_node(self) -> str | None:
        """The node the viewer shows: the pinned one, else the last selected node with an image or
        mask output, else what the first enabled writer renders (or the last such node in the graph)."""
        nodes = self.project.graph.nodes
        if self.pinned in nodes:
            return self.pinned
        for uuid in reversed(self.selected):
            if uuid in nodes and _viewable(nodes[uuid]):
                return uuid
        return self.default_viewed_node()

    def default_viewed_node(self) -> str | None:
        graph = self.project.graph
        for node in graph.nodes.values():
            if node.type.output_file is not None and not node.disabled:
                link = graph.input_link(node.uuid, node.type.inputs[0].name) if node.type.inputs else None
                if link is not None:
                    return link.source
        viewable = [n.uuid for n in graph.nodes.values() if _viewable(n)]
        return viewable[-1] if viewable else None

    @property
    def frame_range(self) -> FrameRange:
        return self.project.settings.frame_range

    @property
    def current_frame(self) -> int:
        return self.project.settings.current_frame

    def set_frame(self, frame: int) -> None:
        """Move the playhead (clamped to the project's range). Not an undoable edit, as in Nuke."""
        frame_range = self.frame_range
        frame = max(frame_range.first, min(self._last_frame(), int(frame)))
        if frame == self.current_frame:
            return
        self.project.update_settings(current_frame=frame)
        self._frame = frame
        self.frameChanged.emit(frame)

    def set_in_out(self, in_point: int | None = None, out_point: int | None = None) -> None:
        """Playback/scrub range inside the project's range (I and O in the viewer)."""
        first, last = self.frame_range.first, self._last_frame()
        new_in = self.in_point if in_point is None else max(first, min(last, int(in_point)))
        new_out = self.out_point if out_point is None else max(first, min(last, int(out_point)))
        if new_in > new_out:
            new_in, new_out = (new_in, new_in) if in_point is not None else (new_out, new_out)
        if (new_in, new_out) != (self.in_point, self.out_point):
            self.in_point, self.out_point = new_in, new_out
            self.rangeChanged.emit()

    def _last_frame(self) -> int:
        frames = self.project.settings.frame_range
        return frames.first + (len(frames) - 1) * frames.step

    # --- edits and errors ------------------------------------------------------------------------

    @contextmanager
    def edit(self, text: str) -> Iterator[None]:
        """Group the graph edits inside the block into one undo step called ``text``. A refused
        edit (a :class:`FilmStudioError`) is reported, not raised, and the step keeps what was
        done before it; any other exception undoes the step's edits and propagates (the
        :class:`~filmstudio.core.history.History` contract)."""
        with self.project.graph.history.step(text):
            try:
                yield
            except FilmStudioError as error:
                self.report(str(error), "error")

    def report(self, text: str, level: str = "info") -> None:
        """Show ``text`` in the log panel and the status bar."""
        self.message.emit(level, text)

    def attempt(self, node: NodeInstance, edit: Callable[[], object]) -> bool:
        """Run ``edit`` (a change to ``node`` from a widget): True when done; a refusal
        (:class:`FilmStudioError`) is reported as an error naming the node, and gives False."""
        try:
            edit()
        except FilmStudioError as error:
            self.report(f"{node.name}: {error}", "error")
            return False
        return True


def _viewable(node: NodeInstance) -> bool:
    return any(output.type in VIEWABLE for output in node.type.outputs)


def _nothing() -> None:
    return None
