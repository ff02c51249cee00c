"""Undoable edits of a graph. Commands touch only the model; views follow the graph's events.

Each command's ``do`` may run again after ``undo`` (redo). Removal remembers where things were, so
undo restores exactly (order of nodes, links, parameter animation). A graph's history
(:mod:`filmstudio.core.history`) does and records them: the editor's wraps them in QUndoCommands.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from filmstudio.core.graph import Graph, Link, NodeInstance


class Command:
    """One undoable edit. ``text`` is what Edit > Undo shows."""

    text = "Edit"

    def do(self, graph: Graph) -> None:
        raise NotImplementedError

    def undo(self, graph: Graph) -> None:
        raise NotImplementedError

    def merge(self, other: Command) -> bool:
        """Absorb ``other`` (the next command) into this one; True if it did (slider drags)."""
        return False


class CompoundCommand(Command):
    """Several commands as one undo step; undone in reverse order."""

    def __init__(self, text: str, children: Sequence[Command] = ()) -> None:
        self.text = text
        self.children: list[Command] = list(children)

    def do(self, graph: Graph) -> None:
        done: list[Command] = []
        try:
            for child in self.children:
                child.do(graph)
                done.append(child)
        except Exception:
            for child in reversed(done):  # leave the graph as it was
                child.undo(graph)
            raise

    def undo(self, graph: Graph) -> None:
        for child in reversed(self.children):
            child.undo(graph)


class AddNode(Command):
    def __init__(self, instance: NodeInstance) -> None:
        self.instance = instance
        self.text = f"Add {instance.name}"

    def do(self, graph: Graph) -> None:
        graph.insert_node(self.instance)

    def undo(self, graph: Graph) -> None:
        graph.remove_node(self.instance.uuid)


class RemoveNodes(Command):
    """Remove nodes and every link touching them; undo puts both back where they were."""

    def __init__(self, uuids: Sequence[str]) -> None:
        self.uuids = list(uuids)
        self.text = "Delete" if len(self.uuids) != 1 else "Delete node"
        self._removed: list[tuple[int, NodeInstance]] = []
        self._links: list[Link] = []

    def do(self, graph: Graph) -> None:
        self._links = [link for link in graph.links if link.source in self.uuids or link.target in self.uuids]
        for link in self._links:
            graph.remove_link(link)
        order = list(graph.nodes)
        self._removed = sorted((order.index(u), graph.nodes[u]) for u in self.uuids)  # type: ignore[misc]
        for _index, instance in reversed(self._removed):
            graph.remove_node(instance.uuid)

    def undo(self, graph: Graph) -> None:
        for index, instance in self._removed:
            graph.insert_node(instance, index)
        for link in self._links:
            graph.add_link(link)


class Connect(Command):
    """Link an output to an input; with ``replace`` an existing link into that input is swapped."""

    def __init__(self, link: Link, replace: bool = False) -> None:
        self.link = link
        self.replace = replace
        self._replaced: Link | None = None
        self.text = "Connect"

    def do(self, graph: Graph) -> None:
        self._replaced = graph.input_link(self.link.target, self.link.target_port) if self.replace else None
        if self._replaced is not None:
            graph.remove_link(self._replaced)
        try:
            graph.add_link(self.link)
        except Exception:
            if self._replaced is not None:
                graph.add_link(self._replaced)
            raise

    def undo(self, graph: Graph) -> None:
        graph.remove_link(self.link)
        if self._replaced is not None:
            graph.add_link(self._replaced)


class Disconnect(Command):
    def __init__(self, link: Link) -> None:
        self.link = link
        self.text = "Disconnect"

    def do(self, graph: Graph) -> None:
        graph.remove_link(self.link)

    def undo(self, graph: Graph) -> None:
        graph.add_link(self.link)


class _Setter(Command):
    """Set one attribute of a node through a graph method, remembering the old value."""

    def __init__(self, uuid: str, new: Any, text: str, merge_key: Any = None) -> None:
        self.uuid = uuid
        self.new = new
        self.old: Any = None
        self.text = text
        self.merge_key = merge_key

    def _get(self, graph: Graph) -> Any:
        raise NotImplementedError

    def _apply(self, graph: Graph, value: Any) -> None:
        raise NotImplementedError

    def do(self, graph: Graph) -> None:
        self.old = self._get(graph)
        self._apply(graph, self.new)

    def undo(self, graph: Graph) -> None:
        self._apply(graph, self.old)

    def merge(self, other: Command) -> bool:
        if (
            self.merge_key is None
            or type(other) is not type(self)
            or not isinstance(other, _Setter)
            or (other.uuid, other.merge_key) != (self.uuid, self.merge_key)
        ):
            return False
        self.new = other.new
        return True


class SetParam(_Setter):
    """Set a parameter's stored value (a constant or an AnimCurve). ``merge=True`` folds a run of
    edits of the same parameter (a slider drag) into one undo step."""

    def __init__(self, uuid: str, name: str, stored: Any, merge: bool = False) -> None:
        super().__init__(uuid, stored, f"Set {name}", merge_key=("param", name) if merge else None)
        self.name = name

    def _get(self, graph: Graph) -> Any:
        return graph.nodes[self.uuid].params[self.name]

    def _apply(self, graph: Graph, value: Any) -> None:
        graph.set_param(self.uuid, self.name, value)


def _setter(text: str, getter: Callable[[NodeInstance], Any], method: str) -> type[_Setter]:
    class Setter(_Setter):
        def __init__(self, uuid: str, value: Any) -> None:
            super().__init__(uuid, value, text)

        def _get(self, graph: Graph) -> Any:
            return getter(graph.nodes[self.uuid])

        def _apply(self, graph: Graph, value: Any) -> None:
            getattr(graph, method)(self.uuid, value)

    return Setter


SetState = _setter("Update node state", lambda n: n.state, "set_state")
SetDisabled = _setter("Toggle disable", lambda n: n.disabled, "set_disabled")
Rename = _setter("Rename", lambda n: n.name, "rename")
MoveNode = _setter("Move", lambda n: n.position, "move")


class SetProjectSettings(Command):
    """Replace the project's :class:`~filmstudio.core.project.ProjectSettings` (format, rate,
    frame range, working space) as one step; the current frame is not part of it (undo does not
    move the playhead, except back into the range)."""

    text = "Project settings"

    def __init__(self, settings: Any) -> None:
        self.new = settings
        self.old: Any = None

    def do(self, graph: Graph) -> None:
        project = _project_of(graph)
        self.old = project.settings
        project.replace_settings(self.new)

    def undo(self, graph: Graph) -> None:
        _project_of(graph).replace_settings(self.old)


def _project_of(graph: Graph) -> Any:
    if graph.project is None:
        raise ValueError("this graph belongs to no project, so it has no project settings")
    return graph.project


class EditNode(Command):
    """Set several stored parameter values and/or the whole state of one node as one step (a
    viewer handle's drag: a tracker's state, a corner's keyed position). Commands with the same
    ``merge_key`` merge, keeping the values from before the first, so a drag is one undo step."""

    def __init__(
        self,
        uuid: str,
        params: dict[str, Any],
        state: Any = None,
        text: str = "Edit",
        merge_key: Any = None,
    ) -> None:
        self.uuid = uuid
        self.new_params = dict(params)
        self.new_state = state
        self.old_params: dict[str, Any] = {}
        self.old_state: Any = None
        self.text = text
        self.merge_key = merge_key

    def do(self, graph: Graph) -> None:
        node = graph.nodes[self.uuid]
        self.old_params = {name: node.params[name] for name in self.new_params}
        if self.new_state is not None:
            self.old_state = node.state
        for name, stored in self.new_params.items():
            graph.set_param(self.uuid, name, stored)
        if self.new_state is not None:
            graph.set_state(self.uuid, self.new_state)

    def undo(self, graph: Graph) -> None:
        for name, stored in self.old_params.items():
            graph.set_param(self.uuid, name, stored)
        if self.new_state is not None:
            graph.set_state(self.uuid, self.old_state)

    def merge(self, other: Command) -> bool:
        if (
            self.merge_key is None
            or not isinstance(other, EditNode)
            or (other.uuid, other.merge_key) != (self.uuid, self.merge_key)
        ):
            return False
        for name, stored in other.old_params.items():
            self.old_params.setdefault(name, stored)
        self.new_params.update(other.new_params)
        if other.new_state is not None:
            if self.new_state is None:
                self.old_state = other.old_state
            self.new_state = other.new_state
        return True
