"""What a :class:`~filmstudio.engine.planner.Planner` remembers between plans, and when it forgets.

Planning a frame reads the graph — links, parameter values, state — and most of what it finds holds
until the graph changes. Two records, each dropped whole when what it was found from changes:

* the links into a node and the type conversions they need (Image -> Mask, ...): until links
  change;
* per (node, frame, scale, forced): the step's make-up — its context as a template, what it asks
  its inputs for, its conversions — and the key it got from the input keys it had: until the
  graph (settings included) or the project's folder changes. A later plan copies the template
  and re-keys the node only when its input keys differ. Nodes whose key reads the world outside
  the graph (``state_for_frame``: media and model files) are never recorded, so a file rewritten
  on disk changes their key and every key below them. A (node, frame) is recorded the second
  time it is planned: an export plans each frame once, and playback each new frame, and a record
  nobody reads again only costs (a cold 8x8 chain: 31 -> 25 us a node). At most
  :data:`STEPS_AT_MOST` records are kept; none holds a frame.

A node's parameter values and their repr (for its key), when no parameter is animated, are
remembered by the node itself (:meth:`NodeInstance.constant_values`): an edit elsewhere does not
make every node of the graph repr its values again.

Used on the graph's thread, like the planner. A record's key is one attribute, replaced whole, so
a plan on another thread (an analysis job's) never pairs one plan's inputs with another's key.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from filmstudio.core.context import EvalContext, Values
from filmstudio.core.graph import Graph, Link, NodeInstance
from filmstudio.engine.convert import converter

if TYPE_CHECKING:
    from filmstudio.engine.planner import Step

STEPS_AT_MOST = 20_000  # (node, frame) records kept (a few MB)

Wanted = list[tuple[tuple[str, int], tuple[str, int], str]]
StepAt = tuple[str, int, float, bool]  # (node uuid, frame, scale, forced)


@dataclass(eq=False)
class StepRecord:
    """One (node, frame, scale) as the last plan of it found it (see the module)."""

    ctx: EvalContext | None  # a template of its own: a plan's context is filled in as it runs
    wanted: Wanted
    alias: tuple[str, int] | None
    alias_port: str
    convert: dict[str, Callable[[Any], Any]] | None
    values: str
    keyed: tuple[tuple[tuple[str, str], ...], str] | None = None  # (input keys, the key they gave)

    @classmethod
    def of(cls, step: Step) -> StepRecord:
        ctx = step.ctx.copy(step.ctx.cancel) if step.ctx is not None else None
        return cls(ctx, step.wanted, step.alias, step.alias_port, step.convert, step.values)


class PlanMemory:
    """The two records of one project's planner (see the module)."""

    def __init__(self, graph: Graph) -> None:
        self._graph = graph
        self._links_into: dict[str, tuple[frozenset[str], dict[str, Callable[[Any], Any]] | None]] = {}
        self._links_at = -1
        self._steps: dict[StepAt, StepRecord] = {}
        self._seen: set[StepAt] = set()  # planned once since the records were last dropped
        self._steps_for: tuple[int, str | None] = (-1, None)

    def links_into(
        self, node: NodeInstance, links: Mapping[str, Link]
    ) -> tuple[frozenset[str], dict[str, Any] | None]:
        """The names of ``node``'s linked inputs (its context's ``connected``) and the conversions
        those links need, by input name (None: none)."""
        graph = self._graph
        if self._links_at != graph.link_revision:
            self._links_into.clear()
            self._links_at = graph.link_revision
        found = self._links_into.get(node.uuid)
        if found is None:
            conversions = None
            wanted = node.type._input_types
            for port, link in links.items():
                function = converter(graph.output_type(link.source, link.source_port), wanted[port])
                if function is not None:
                    conversions = conversions or {}
                    conversions[port] = function
            self._links_into[node.uuid] = found = (frozenset(links), conversions)
        return found

    @staticmethod
    def values(instance: NodeInstance, frame: int) -> tuple[Values, str]:
        """``instance``'s parameter values at ``frame`` and their repr (for its key): remembered by
        the node itself while none is animated (:meth:`NodeInstance.constant_values`)."""
        found = instance.constant_values()
        if found is None:
            values = instance.values_at(frame)
            return values, repr(tuple(values.values()))
        return found

    def begin(self, project_dir: str | None) -> None:
        """Start a plan: the step records go when the graph or the project's folder changed."""
        if self._steps_for != (self._graph.revision, project_dir):
            self._steps.clear()  # a settings change is a graph revision too
            self._seen.clear()
            self._steps_for = (self._graph.revision, project_dir)

    def step(self, at: StepAt) -> StepRecord | None:
        return self._steps.get(at)

    def keep(self, at: StepAt, step: Step) -> StepRecord | None:
        """Record ``step``'s make-up (its key comes later, see :class:`StepRecord`) when this
        (node, frame) is planned a second time: what is planned once (every frame of an export,
        each new frame of playback) is not worth a record; a frame planned again (a redraw, the
        cache bar, a scrub back) is. None: only noted."""
        if at not in self._seen:
            if len(self._seen) >= STEPS_AT_MOST:
                self._seen.clear()
            self._seen.add(at)
            return None
        if len(self._steps) >= STEPS_AT_MOST:  # an export plans each frame once
            self._steps.clear()
        record = self._steps[at] = StepRecord.of(step)
        return record

    def __len__(self) -> int:
        """How many step records are kept."""
        return len(self._steps)
