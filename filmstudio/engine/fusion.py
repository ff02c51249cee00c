"""Which run of per-pixel nodes an export may evaluate as one operation, and why not when it may not.

A run is a reader, the per-pixel nodes after it and the writer being rendered (``Node.per_pixel``:
Read's input transform, Grade, Color Corrector, LUT, Write's output transform): exactly what
happens to each decoded pixel between decode and encode. An export evaluates such a run as one
function (:func:`filmstudio.colour.fused.compile_fused`) instead of node by node, when nothing
needs the images in between:

* no node of the run is viewed (an editor's viewer shows its own requests of every node, and an
  export beside it must not make the viewed node's image disappear: it is simply not fused);
* the render does not cache its frames (``cache_frames``: a fused run has no intermediate images
  to keep; exports keep only frame-invariant results, and a reader's frames never are);
* every node's image output goes to the next node of the run only (another consumer needs it);
* every node is per-pixel with its settings (a connected mask makes a grade spatial), shows the
  same map on every frame of the range (animated grades are evaluated node by node) and the
  render is at full scale (proxies resample between nodes).

Disabled nodes pass their input through and are skipped. The plan reads the graph: make it on the
graph's thread, like any plan; the :class:`FusedRun` it gives may be used on any thread.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from filmstudio.core.context import EvalContext
from filmstudio.core.graph import NodeInstance
from filmstudio.core.project import Project
from filmstudio.core.timebase import FrameRange
from filmstudio.core.types import PortType


@dataclass(frozen=True)
class FusedRun:
    """A reader, the per-pixel nodes after it (upstream first, enabled ones only) and the writer,
    with the run's colour map (a :class:`~filmstudio.colour.fusion.ColourFunction`): the reader's
    input transform, every node's map, the writer's output transform."""

    reader: NodeInstance
    nodes: tuple[NodeInstance, ...]
    writer: NodeInstance
    function: Any


@dataclass(frozen=True)
class Unfused:
    """Why the run into a writer is evaluated node by node."""

    reason: str


def plan_fusion(
    project: Project,
    writer: NodeInstance,
    frames: FrameRange,
    *,
    viewed: Collection[str] = (),
    cache_frames: bool = False,
    scale: float = 1.0,
) -> FusedRun | Unfused:
    """The run an export of ``writer`` over ``frames`` may fuse, or why it may not (see the module
    docstring). ``viewed``: names or uuids of nodes whose images are shown elsewhere meanwhile."""
    if cache_frames:
        return Unfused("the render keeps every node's frames in the cache")
    if scale != 1.0:
        return Unfused(f"the render is at scale {scale}: proxies resample between nodes")
    watched = {_uuid(project, name) for name in viewed}
    run: list[NodeInstance] = []
    node: NodeInstance | None = writer
    while node is not None:
        problem = _problem(project, node, writer, watched)
        if problem:
            return Unfused(problem)
        if not node.disabled:
            run.append(node)
        if node is not writer and node.type.media_file is not None and not node.disabled:
            break
        node = _source(project, node)
        if node is None:
            return Unfused(f"{run[-1].name} has no reader upstream through per-pixel nodes only")
    run.reverse()
    reader, middle = run[0], tuple(run[1:-1])
    functions = []
    for member in run:
        function = member.type.shared().colour_function(_context(project, member, frames.first))
        if function is None:
            return Unfused(f"{member.name} is not per-pixel with its settings (a mask is connected)")
        functions.append(function)
        changing = _changes_over(member, frames)
        if changing:
            return Unfused(f"{member.name}'s {changing} changes over the range: evaluated frame by frame")
    from filmstudio.colour.fusion import ColourFunction

    return FusedRun(reader, middle, writer, ColourFunction.chain(functions))


def _uuid(project: Project, name: str) -> str:
    from filmstudio.core.errors import FilmStudioError

    try:
        return project.graph.node(name).uuid
    except FilmStudioError:  # a viewer of a node that is gone watches nothing here
        return name


def _problem(project: Project, node: NodeInstance, writer: NodeInstance, watched: set[str]) -> str:
    node_type = node.type
    if node.uuid in watched:
        return f"{node.name} is viewed: its own image is needed"
    if node.disabled:
        return ""
    if not node_type.per_pixel:
        return f"{node.name} ({node_type.id}) does not map pixels one by one"
    if node is not writer:
        if node_type.output_file is not None:
            return f"{node.name} is another writer"
        consumers = _consumers(project, node)
        if consumers > 1:
            return f"{node.name}'s image has {consumers} consumers: it is needed on its own"
    return ""


def _consumers(project: Project, node: NodeInstance) -> int:
    port = node.type.outputs[0].name
    links = project.graph.links
    return sum(1 for link in links if link.source == node.uuid and link.source_port == port)


def _source(project: Project, node: NodeInstance) -> NodeInstance | None:
    """The node feeding ``node``'s image (its pass-through input)."""
    port = node.type.passthrough
    if port is None or next(i for i in node.type.inputs if i.name == port).type is not PortType.IMAGE:
        return None
    link = project.graph.input_links(node.uuid).get(port)
    return None if link is None else project.graph.nodes[link.source]


def _context(project: Project, node: NodeInstance, frame: int) -> EvalContext:
    settings = project.settings
    path = project.path
    return EvalContext(
        node_name=node.name,
        frame=frame,
        params=node.values_at(frame),
        format=settings.format,
        fps=settings.fps,
        connected=frozenset(project.graph.input_links(node.uuid)),
        state=node.state,
        project_dir=str(path.resolve().parent) if path is not None else None,
    )


def _changes_over(node: NodeInstance, frames: FrameRange) -> str:
    """The name of a parameter whose value differs somewhere in ``frames`` ('' when none does)."""
    for param in node.type.params:
        if node.animation(param.name) is None:
            continue
        first = node.value_at(param.name, frames.first)
        if any(node.value_at(param.name, frame) != first for frame in frames):
            return param.name
    return ""
