"""Copy and paste of nodes as text: the copied nodes form a small .fsproj document.

Copying writes the selected nodes and the links between them with the project file format (so the
text can be pasted into another project, a chat or a file, and a whole .fsproj pastes too).
Pasting reads it with the project reader (every check and node upgrade included), then adds the
nodes with new UUIDs and free names, offset so they do not hide the originals, as one undoable
step. Plain Python on the GUI thread; the Qt clipboard is the view's business.
"""

from __future__ import annotations

import json
import uuid as uuid_module
from collections.abc import Iterable

from filmstudio.core import commands as cmd
from filmstudio.core.errors import FilmStudioError
from filmstudio.core.graph import Graph, Link, NodeInstance
from filmstudio.core.project import Project
from filmstudio.core.project_file import dump_project, parse_project


class NotNodesError(FilmStudioError):
    """The clipboard holds something else than FilmStudio nodes."""


def copy_nodes(project: Project, uuids: Iterable[str]) -> str:
    """The text of the nodes ``uuids`` and the links among them (a valid .fsproj document)."""
    graph = project.graph
    chosen = [graph.nodes[u] for u in uuids if u in graph.nodes]
    keep = {node.uuid for node in chosen}
    scratch = Project(settings=project.settings, registry=graph.registry)
    for node in chosen:
        scratch.graph.insert_node(_clone(node, node.uuid, node.name, node.position))
    for link in graph.links:
        if link.source in keep and link.target in keep:
            scratch.graph.add_link(link)
    return dump_project(scratch)


def read_nodes(text: str, graph: Graph) -> Project:
    """The nodes in clipboard ``text`` as a scratch project; raises :class:`NotNodesError` for
    text that is not FilmStudio nodes, or a :class:`ProjectError` naming what is wrong in it."""
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        document = None
    if not isinstance(document, dict) or not isinstance(document.get("filmstudio"), dict):
        raise NotNodesError("Nothing to paste: the clipboard holds no FilmStudio nodes")
    return parse_project(text, graph.registry)


def paste_nodes(
    graph: Graph, source: Project, offset: tuple[float, float] = (40.0, 40.0)
) -> list[NodeInstance]:
    """Add copies of ``source``'s nodes and links to ``graph`` (new UUIDs, names made unique,
    positions moved by ``offset``). Records one command per node and link: call inside a macro
    (``session.edit("Paste")``) to make it one undo step. Returns the new nodes in order."""
    new_ids: dict[str, str] = {}
    added: list[NodeInstance] = []
    for node in source.graph.nodes.values():
        taken = any(n.name == node.name for n in graph.nodes.values())
        name = graph.unique_name(node.name) if taken else node.name
        x, y = node.position
        copy = _clone(node, str(uuid_module.uuid4()), name, (x + offset[0], y + offset[1]))
        graph.perform(cmd.AddNode(copy))
        new_ids[node.uuid] = copy.uuid
        added.append(copy)
    for link in source.graph.links:
        graph.perform(
            cmd.Connect(Link(new_ids[link.source], link.source_port, new_ids[link.target], link.target_port))
        )
    return added


def bounds_centre(project: Project) -> tuple[float, float]:
    """The centre of the copied nodes' positions (where a paste at the cursor lands them)."""
    positions = [n.position for n in project.graph.nodes.values()]
    if not positions:
        return 0.0, 0.0
    xs, ys = [p[0] for p in positions], [p[1] for p in positions]
    return (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2


def _clone(node: NodeInstance, uuid: str, name: str, position: tuple[float, float]) -> NodeInstance:
    """A detached copy of ``node`` (parameter values and states are immutable or replaced whole,
    so sharing them is safe)."""
    copy = NodeInstance(node.type, name, uuid)
    copy.params = dict(node.params)
    copy.state = node.state
    copy.disabled = node.disabled
    copy.position = (float(position[0]), float(position[1]))
    return copy
