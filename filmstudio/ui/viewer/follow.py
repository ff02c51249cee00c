"""Writes "same as viewer": the viewer's display and view, kept on the Writes that follow it.

A writer whose output transform is :data:`filmstudio.colour.VIEWER` renders through its own
display and view parameters, so a headless render of the saved project writes exactly what the
project holds; nothing depends on the editor's state. The editor keeps those parameters equal to
the viewer's display and view:

- the artist picks a display or view in the viewer: every following Write takes it (one undo step);
- a Write starts following (switched to "viewer", pasted): it takes the viewer's (its own undo
  step, right after the edit that switched it);
- anything else that changes a following Write's display or view (undo, redo, the inspector, a
  project opened): the viewer takes the Write's, so it always shows what that Write writes.

The parameters are found by declaration (a choice offering "viewer", a ``NameList.DISPLAYS``
parameter and the ``NameList.VIEWS`` one that follows it), so a plugin's writer can follow too.
GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, QTimer

from filmstudio.core.errors import FilmStudioError
from filmstudio.core.graph import GraphEvent, GraphEventKind, NodeInstance
from filmstudio.core.params import NameList, ParamKind
from filmstudio.ui.session import EditorSession


@dataclass(frozen=True)
class FollowParams:
    """The names of a writer's output-transform choice and its display and view parameters."""

    choice: str
    display: str
    view: str


def follow_params(node: NodeInstance) -> FollowParams | None:
    """Which of ``node``'s parameters make it follow the viewer (None: it cannot)."""
    from filmstudio.colour import VIEWER

    if node.type.output_file is None:
        return None
    params = node.type.params
    choice = next((p.name for p in params if p.kind is ParamKind.CHOICE and VIEWER in p.choices), None)
    display = next((p.name for p in params if p.names is NameList.DISPLAYS), None)
    view = next((p.name for p in params if p.names is NameList.VIEWS and p.follows == display), None)
    if choice is None or display is None or view is None:
        return None
    return FollowParams(choice, display, view)


def follows_viewer(node: NodeInstance) -> bool:
    from filmstudio.colour import VIEWER

    params = follow_params(node)
    return params is not None and node[params.choice] == VIEWER


def written_view(node: NodeInstance) -> tuple[str, str]:
    """The (display, view) a following writer renders through: empty parameters mean the
    defaults. Raises :class:`FilmStudioError` for names the OCIO config does not have."""
    from filmstudio import colour
    from filmstudio.colour.config import check_display, check_view

    params = follow_params(node)
    if params is None:
        return colour.default_view()
    display = check_display(node[params.display] or None)
    return display, check_view(display, node[params.view] or None)


class ViewerFollower(QObject):
    """Keeps the session's following Writes and the viewer's display/view equal (see the module).
    ``viewer_view`` returns the viewer's (display, view); ``adopt(display, view)`` sets them."""

    def __init__(
        self,
        session: EditorSession,
        viewer_view: Callable[[], tuple[str, str]],
        adopt: Callable[[str, str], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self._viewer_view = viewer_view
        self._adopt = adopt
        self._writing = False  # our own edits: their events are not news
        self._slots = (
            (session.graphChanged, self._graph_changed),
            (session.projectReplaced, self.adopt_from_project),
        )
        for signal, slot in self._slots:
            signal.connect(slot)

    def shutdown(self) -> None:
        for signal, slot in self._slots:
            signal.disconnect(slot)

    def viewer_changed(self) -> None:
        """The artist picked a display or view in the viewer: following Writes take it."""
        display, view = self._viewer_view()
        stale = [node for node in self._following() if self._written(node) != (display, view)]
        if stale:
            self._write(stale, display, view, f"Viewer: {display} / {view}")

    def adopt_from_project(self) -> None:
        """A project was opened: the viewer takes its first following Write's display and view."""
        following = self._following()
        if following:
            self._take_from(following[0])

    def _following(self) -> list[NodeInstance]:
        return [node for node in self.session.graph.nodes.values() if follows_viewer(node)]

    def _graph_changed(self, event: GraphEvent) -> None:
        if self._writing or event.kind not in (GraphEventKind.PARAM_CHANGED, GraphEventKind.NODE_ADDED):
            return
        node = self.session.graph.nodes.get(event.node)
        params = follow_params(node) if node is not None else None
        if params is None or not follows_viewer(node):
            return
        if event.kind is GraphEventKind.NODE_ADDED or event.detail == params.choice:
            # Started following. Decide once the edit is recorded: a fresh edit leaves nothing to
            # redo (the Write takes the viewer's), a redo does (the viewer takes the Write's).
            QTimer.singleShot(0, self, lambda uuid=node.uuid: self._started(uuid))
        elif event.detail in (params.display, params.view):
            self._take_from(node)

    def _started(self, uuid: str) -> None:
        node = self.session.graph.nodes.get(uuid)
        if node is None or not follows_viewer(node):
            return
        if self.session.undo_stack.canRedo():
            self._take_from(node)
            return
        display, view = self._viewer_view()
        if self._written(node) != (display, view):
            self._write([node], display, view, f"{node.name} same as viewer")

    def _take_from(self, node: NodeInstance) -> None:
        written = self._written(node)
        if written is not None and written != self._viewer_view():
            self._adopt(*written)

    @staticmethod
    def _written(node: NodeInstance) -> tuple[str, str] | None:
        try:
            return written_view(node)
        except FilmStudioError:
            return None  # a name this config lacks: the render reports it; the viewer stays

    def _write(self, nodes: list[NodeInstance], display: str, view: str, text: str) -> None:
        self._writing = True
        try:
            with self.session.edit(text):
                for node in nodes:
                    params = follow_params(node)
                    if params is not None:
                        node.set(**{params.display: display, params.view: view})
        finally:
            self._writing = False
