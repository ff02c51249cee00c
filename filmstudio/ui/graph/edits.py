"""Graph edits the editor's commands make, beyond single graph calls: where a new node goes, and
adding a node after the selected one the way Nuke does (connected to its output and taking over
its downstream links). Each function records ordinary graph commands; callers wrap them in
``session.edit(...)`` to make one undo step. GUI thread (it edits the session's graph).
"""

from __future__ import annotations

from collections.abc import Iterable

from filmstudio.core.commands import AddNode, Connect
from filmstudio.core.graph import Graph, Link, NodeInstance
from filmstudio.core.node import Node
from filmstudio.core.types import can_link
from filmstudio.ui.graph import style


def is_layout(node: NodeInstance) -> bool:
    return bool(getattr(node.type, "layout_only", False))


def free_spot(graph: Graph, wanted: tuple[float, float]) -> tuple[float, float]:
    """``wanted``, or the first place to its right where no node would sit on another."""
    x, y = wanted
    others = [n.position for n in graph.nodes.values() if not is_layout(n)]
    for _attempt in range(64):
        crowded = any(
            abs(x - ox) < style.NODE_WIDTH * 0.9 and abs(y - oy) < style.NODE_HEIGHT * 1.3
            for ox, oy in others
        )
        if not crowded:
            break
        x += style.NODE_WIDTH + 30
    return float(round(x)), float(round(y))


def add_node(
    graph: Graph,
    node_type: type[Node],
    position: tuple[float, float],
    after: NodeInstance | None = None,
    **params: object,
) -> NodeInstance:
    """Add a node of ``node_type`` at ``position`` (its centre; a Backdrop's top-left corner); when
    ``after`` is given, feed it from ``after`` and move ``after``'s downstream links to it."""
    instance = NodeInstance(node_type, graph.unique_name(node_type.display_name()))
    for name, value in params.items():
        instance.params[name] = instance._param(name).coerce(value)
    instance.position = (float(position[0]), float(position[1]))
    graph.perform(AddNode(instance))
    if after is not None:
        insert_after(graph, after, instance)
    return instance


def insert_after(graph: Graph, upstream: NodeInstance, node: NodeInstance) -> None:
    """Link ``upstream``'s first output into ``node``'s first input that takes it, then let
    ``node`` feed what ``upstream`` fed (where the types allow): Nuke's insert-on-create."""
    if not upstream.type.outputs or not node.type.inputs:
        return
    output = upstream.type.outputs[0].name
    free_input = next(
        (
            i.name
            for i in node.type.inputs
            if graph.link_problem(upstream.uuid, output, node.uuid, i.name) is None
        ),
        None,
    )
    if free_input is None:
        return
    downstream = [link for link in graph.output_links(upstream.uuid) if link.source_port == output]
    graph.perform(Connect(Link(upstream.uuid, output, node.uuid, free_input)))
    if not node.type.outputs:
        return
    new_output = node.type.outputs[0].name
    carried = graph.output_type(node.uuid, new_output)
    for link in downstream:
        target = graph.nodes[link.target]
        wanted = next(i.type for i in target.type.inputs if i.name == link.target_port)
        if can_link(carried, wanted):
            graph.perform(Connect(Link(node.uuid, new_output, link.target, link.target_port), replace=True))


def upstream_for_new_node(graph: Graph, selected: Iterable[str]) -> NodeInstance | None:
    """The node a new node connects after: the last selected node that has an output."""
    for uuid in reversed(tuple(selected)):
        node = graph.nodes.get(uuid)
        if node is not None and node.type.outputs and not is_layout(node):
            return node
    return None


def below(node: NodeInstance) -> tuple[float, float]:
    x, y = node.position
    return x, y + style.ROW_SPACING
