"""The node graph: node instances with stable UUIDs, typed links and one link checker.

Low-level edits (``insert_node``, ``add_link``, ``set_param``, ...) change the model at once and
emit a :class:`GraphEvent`; they are what commands and the project loader call. Scripts and the
editor edit through :meth:`Graph.perform` (or the :class:`NodeInstance` helpers), which records an
undoable command.
"""

from __future__ import annotations

import functools
import hashlib
import json
import operator
import uuid as uuid_module
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from filmstudio.core import commands as cmd
from filmstudio.core.context import Values
from filmstudio.core.errors import (
    CycleError,
    DuplicateLinkError,
    FilmStudioError,
    InputAlreadyConnectedError,
    LinkError,
    ParameterError,
    SelfLinkError,
    TypeMismatchError,
    UnknownNodeError,
    UnknownPortError,
    WrongDirectionError,
)
from filmstudio.core.history import History, UndoStack
from filmstudio.core.node import Node
from filmstudio.core.params import AnimCurve, Interp, Keyframe, evaluate_value
from filmstudio.core.registry import NodeRegistry, default_registry
from filmstudio.core.types import PortType, can_link


@dataclass(frozen=True, order=True)
class Link:
    """A link from ``source``'s output ``source_port`` to ``target``'s input ``target_port``."""

    source: str
    source_port: str
    target: str
    target_port: str


class GraphEventKind(Enum):
    """What kind of change a :class:`GraphEvent` reports."""

    NODE_ADDED = "node_added"
    NODE_REMOVED = "node_removed"
    LINK_ADDED = "link_added"  # detail: the Link; node: its target
    LINK_REMOVED = "link_removed"  # detail: the Link; node: its target
    PARAM_CHANGED = "param_changed"  # detail: the parameter's name
    STATE_CHANGED = "state_changed"  # the node's saved state (analysis results, takes)
    NODE_CHANGED = "node_changed"  # detail: "disabled", "name" or "position"
    SETTINGS_CHANGED = "settings_changed"  # the project's settings; node: "", detail: the changed names


@dataclass(frozen=True)
class GraphEvent:
    """What changed: ``kind`` says what, ``node`` is the uuid of the node it happened to and
    ``detail`` names the parameter or attribute (see :class:`GraphEventKind`)."""

    kind: GraphEventKind
    node: str
    detail: Any = None


class NodeInstance:
    """One node in a graph: its type, identity, parameter values, state and editor attributes.

    Also the scripting handle: ``node.set(gain=2)``, ``node.set_keyframe("gain", 10, 2.0)`` record
    undoable commands in the owning graph.
    """

    def __init__(self, node_type: type[Node], name: str, uuid: str | None = None) -> None:
        self.type = node_type
        self.uuid = uuid or str(uuid_module.uuid4())
        self.name = name
        self.params: dict[str, Any] = {p.name: p.default for p in node_type.params}
        self.state: Mapping[str, Any] = {}
        self.disabled = False
        self.position: tuple[float, float] = (0.0, 0.0)
        self.graph: Graph | None = None
        self._state_digest: str | None = None
        self._constant: tuple[tuple[Any, ...], tuple[Values, str] | None] | None = None

    def __repr__(self) -> str:
        return f"<{self.type.id} node {self.name!r} {self.uuid[:8]}>"

    # --- reading ---------------------------------------------------------------------------------

    def value_at(self, name: str, frame: float) -> Any:
        return evaluate_value(self._param(name), self.params[name], frame)

    def values_at(self, frame: float) -> Values:
        """All parameter values at ``frame`` (what ``evaluate`` sees as ``ctx.params``)."""
        values = Values()
        for param in self.type.params:
            stored = self.params[param.name]
            values[param.name] = (
                stored if not isinstance(stored, AnimCurve) else evaluate_value(param, stored, frame)
            )
        return values

    def constant_values(self) -> tuple[Values, str] | None:
        """(every parameter's value, their repr for a cache key) when no parameter is animated
        — the same at every frame — else None. Remembered until a stored value is replaced
        (stored values are immutable: constants and curves are replaced whole, never edited), so
        planning a node that did not change costs a comparison, whatever else changed."""
        stored = tuple(self.params.values())
        remembered = self._constant
        if remembered is not None and _same_objects(remembered[0], stored):
            return remembered[1]
        if any(isinstance(value, AnimCurve) for value in stored):
            found = None
        else:
            values = self.values_at(0)
            found = (values, repr(tuple(values.values())))
        self._constant = (stored, found)
        return found

    def __getitem__(self, name: str) -> Any:
        """The stored value: a constant, or the AnimCurve of an animated parameter."""
        self._param(name)
        return self.params[name]

    def animation(self, name: str) -> AnimCurve | None:
        stored = self[name]
        return stored if isinstance(stored, AnimCurve) else None

    def state_digest(self) -> str:
        """A hash of the state a render depends on: everything but the inactive takes. Cached
        until the state is replaced (states are replaced whole, never edited in place)."""
        if self._state_digest is None:
            state = dict(self.state)
            if "takes" in state:
                state["takes"] = active_take(self.state)
            self._state_digest = digest_json(state)
        return self._state_digest

    # --- editing (undoable) ----------------------------------------------------------------------

    def set(
        self, name: str | None = None, value: Any = None, /, *, merge: bool = False, **values: Any
    ) -> None:
        """Set constant values: ``node.set("gain", 2)`` or ``node.set(gain=2, offset=0.1)``.
        Setting a constant replaces any animation of that parameter."""
        if name is not None:
            values = {name: value, **values}
        changes = [
            cmd.SetParam(self.uuid, k, self._param(k).coerce(v), merge=merge) for k, v in values.items()
        ]
        self._perform(changes[0] if len(changes) == 1 else cmd.CompoundCommand(f"Set {self.name}", changes))

    def set_keyframe(self, name: str, frame: float, value: Any, interp: str | Interp = "linear") -> None:
        """Key ``name`` at ``frame``; the first key turns a constant into an animation."""
        param = self._param(name)
        if not param.animatable:
            raise ParameterError(f"{self.name}.{name} cannot be animated")
        key = Keyframe(float(frame), param.coerce(value), Interp(interp))
        curve = self.animation(name) or AnimCurve()
        self._perform(cmd.SetParam(self.uuid, name, curve.with_key(key)))

    def remove_keyframe(self, name: str, frame: float) -> None:
        """Delete the key at ``frame``; removing the last key leaves that key's value as a constant."""
        curve = self.animation(name)
        key = curve.key_at(float(frame)) if curve else None
        if curve is None or key is None:
            raise ParameterError(f"{self.name}.{name} has no keyframe at frame {frame}")
        remaining = curve.without_key(float(frame))
        self._perform(cmd.SetParam(self.uuid, name, remaining if remaining.keys else key.value))

    @property
    def takes(self) -> list[str]:
        """Ids of the node's generative takes, oldest first."""
        return [t["id"] for t in self.state.get("takes", ()) if isinstance(t, dict) and "id" in t]

    def set_active_take(self, take_id: str) -> None:
        """Make an earlier take the one that renders (undoable)."""
        if take_id not in self.takes:
            raise ParameterError(
                f"{self.name} has no take {take_id!r} (takes: {', '.join(self.takes) or 'none'})"
            )
        self._perform(cmd.SetState(self.uuid, {**self.state, "active_take": take_id}))

    def set_disabled(self, disabled: bool = True) -> None:
        self._perform(cmd.SetDisabled(self.uuid, bool(disabled)))

    def rename(self, name: str) -> None:
        self._perform(cmd.Rename(self.uuid, name))

    def _param(self, name: str) -> Any:
        try:
            return self.type.param(name)
        except KeyError:
            known = ", ".join(p.name for p in self.type.params) or "none"
            raise ParameterError(f"{self.type.id} has no parameter {name!r} (it has: {known})") from None

    def replace_state(self, state: Mapping[str, Any]) -> None:
        """Replace the node's saved state (analysis results, tracks) as one undoable step; for
        node types' scripting methods (see :attr:`Node.scripting`)."""
        self._perform(cmd.SetState(self.uuid, dict(state)))

    @property
    def project(self) -> Any:
        """The project whose graph holds this node (None outside one): scripting defaults such
        as the first frame come from its settings."""
        return getattr(self.graph, "project", None)

    def __getattr__(self, name: str) -> Any:
        # A node type's scripting methods, bound to this node: ``tracker.add_track("A", 120, 80)``.
        node_type = self.__dict__.get("type")
        if node_type is not None and name in node_type.scripting:
            return functools.partial(getattr(node_type.shared(), name), self)
        raise AttributeError(
            f"{type(self).__name__} {self.__dict__.get('name', '')!r} has no attribute {name!r}"
        )

    def _perform(self, command: cmd.Command) -> None:
        if self.graph is None:
            raise FilmStudioError(f"{self.name} is not in a graph")
        self.graph.perform(command)


def active_take(state: Mapping[str, Any]) -> Any:
    """The data of the active generative take in a node state, or None."""
    active = state.get("active_take")
    for take in state.get("takes", ()):
        if isinstance(take, dict) and take.get("id") == active:
            return take.get("data")
    return None


_NO_LINKS: Mapping[str, Link] = {}


def digest_json(value: Any) -> str:
    """A stable hash of JSON-like data (keys sorted), for cache keys and state digests."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=_jsonable)
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple | frozenset):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON data")


class Graph:
    """Nodes (in creation order) and links. Not thread-safe: edit from one thread (the GUI's or
    the script's); the engine reads a graph only between edits."""

    def __init__(self, registry: NodeRegistry | None = None) -> None:
        self.registry = registry if registry is not None else default_registry()
        self.nodes: dict[str, NodeInstance] = {}
        # name -> uuid, and per name stem the lowest number that may be free: name checks and
        # unique_name stay O(1) however many nodes there are (a 20,000-node file loads linearly)
        self._names: dict[str, str] = {}
        self._free_from: dict[str, int] = {}
        self._links: dict[tuple[str, str], Link] = {}
        self._consumers: dict[str, set[str]] = {}  # node -> nodes its outputs feed (cycle checks)
        self._inputs: dict[str, dict[str, Link]] = {}  # node -> its connected inputs' links
        # node -> {Any output: the type it carries}, so a chain of Dots resolves in O(1) per link
        # (a 20,000-Dot chain loaded in O(n²) without it); dropped downstream when links change
        self._carried: dict[str, dict[str, PortType]] = {}
        self.link_revision = 0  # changes when links change (not on parameter edits)
        self.history: History = UndoStack(self)
        self.project: Any = None  # the Project that owns this graph, set by it (scripting defaults)
        self.revision = 0
        self._listeners: list[Callable[[GraphEvent], None]] = []

    # --- queries ---------------------------------------------------------------------------------

    def node(self, ref: str | NodeInstance) -> NodeInstance:
        """A node by instance, UUID or name."""
        if isinstance(ref, NodeInstance):
            if self.nodes.get(ref.uuid) is not ref:
                raise UnknownNodeError(f"{ref.name} is not in this graph")
            return ref
        found = self.nodes.get(ref) or self.nodes.get(self._names.get(ref, ""))
        if found is None:
            raise UnknownNodeError(f"there is no node {ref!r} in this graph")
        return found

    @property
    def links(self) -> list[Link]:
        return sorted(self._links.values())

    def input_link(self, node: str, port: str) -> Link | None:
        return self._links.get((node, port))

    def input_links(self, node: str) -> Mapping[str, Link]:
        """The links into ``node``'s inputs, by input name (a live view: do not modify)."""
        return self._inputs.get(node, _NO_LINKS)

    def output_links(self, node: str) -> list[Link]:
        return [link for link in self._links.values() if link.source == node]

    def upstream(self, node: str) -> set[str]:
        """Every node whose output reaches ``node`` (not including it)."""
        feeds: dict[str, list[str]] = {}
        for (target, _port), link in self._links.items():
            feeds.setdefault(target, []).append(link.source)
        found: set[str] = set()
        stack = [node]
        while stack:
            for source in feeds.get(stack.pop(), ()):
                if source not in found:
                    found.add(source)
                    stack.append(source)
        return found

    def _feeds_into(self, start: str, goal: str) -> bool:
        """Whether ``start``'s output reaches ``goal`` (a walk downstream; new links are usually
        made at the end of a branch, where this walk is short)."""
        seen = {start}
        stack = [start]
        while stack:
            for consumer in self._consumers.get(stack.pop(), ()):
                if consumer == goal:
                    return True
                if consumer not in seen:
                    seen.add(consumer)
                    stack.append(consumer)
        return start == goal

    def output_type(self, node: str, port: str) -> PortType:
        """The type an output carries; an Any output (Dot, Switch) carries its input's type."""
        carried = self.nodes[node].type._output_types[port]
        if carried is not PortType.ANY:
            return carried
        walked: list[tuple[str, str]] = []
        while True:
            carried = self._carried.get(node, {}).get(port)
            if carried is not None:
                break
            instance = self.nodes[node]
            carried = next(o.type for o in instance.type.outputs if o.name == port)
            if carried is not PortType.ANY or (node, port) in walked:
                break
            walked.append((node, port))
            feeding = [
                self._links[(node, i.name)]
                for i in instance.type.inputs
                if i.type is PortType.ANY and (node, i.name) in self._links
            ]
            if not feeding:
                break
            node, port = feeding[0].source, feeding[0].source_port
        for node, port in walked:
            self._carried.setdefault(node, {})[port] = carried
        return carried

    def _forget_carried(self, node: str) -> None:
        """Drop the resolved types of ``node``'s Any outputs and of those that followed them: a
        type is remembered only along the walk that found it, so the drop stops where none is."""
        stack = [node]
        while stack:
            current = stack.pop()
            if self._carried.pop(current, None) is not None:
                stack.extend(self._consumers.get(current, ()))

    def has_name(self, name: str) -> bool:
        """Whether a node of this graph is called ``name``."""
        return name in self._names

    def unique_name(self, base: str) -> str:
        """``base`` followed by the first free number: Grade1, Grade2, ..."""
        stem = _name_stem(base)[0] or "Node"
        number = self._free_from.get(stem, 1)
        while f"{stem}{number}" in self._names:
            number += 1
        self._free_from[stem] = number  # every number below is taken
        return f"{stem}{number}"

    def _forget_name(self, name: str) -> None:
        del self._names[name]
        stem, digits = _name_stem(name)
        # a freed number below the stem's hint lowers it (longer numbers are never below it)
        if digits and len(digits) < 19 and 1 <= int(digits) < self._free_from.get(stem, 1):
            self._free_from[stem] = int(digits)

    # --- the link checker: one rule, one error -------------------------------------------------

    def check_link(self, source: str, source_port: str, target: str, target_port: str) -> Link:
        """Return the link if it may be added, else raise the :class:`LinkError` of the first rule
        it breaks: 1 unknown node, 2 unknown port, 3 wrong direction, 4 self link, 5 type mismatch,
        6 input already connected, 7 duplicate link, 8 cycle."""
        for ref in (source, target):
            if ref not in self.nodes:
                raise UnknownNodeError(f"there is no node {ref!r} in this graph")
        src, dst = self.nodes[source], self.nodes[target]
        outputs = {o.name: o for o in src.type.outputs}
        inputs = {i.name: i for i in dst.type.inputs}
        src_inputs = {i.name for i in src.type.inputs}
        dst_outputs = {o.name for o in dst.type.outputs}
        if source_port not in outputs:
            if source_port in src_inputs or target_port in dst_outputs:
                raise WrongDirectionError(
                    f"links go from an output to an input: {src.name}.{source_port} is an input; "
                    "drag from the other node's output"
                )
            raise UnknownPortError(
                f"{src.name} has no output {source_port!r} (outputs: {', '.join(outputs)})"
            )
        if target_port not in inputs:
            if target_port in dst_outputs:
                raise WrongDirectionError(
                    f"links go from an output to an input: {dst.name}.{target_port} is an output"
                )
            known = ", ".join(inputs) or "none"
            raise UnknownPortError(f"{dst.name} has no input {target_port!r} (inputs: {known})")
        if source == target:
            raise SelfLinkError(f"{src.name} cannot feed itself")
        carried = self.output_type(source, source_port)
        wanted = inputs[target_port].type
        if not can_link(carried, wanted):
            raise TypeMismatchError(
                f"{src.name}.{source_port} carries {carried}, but {dst.name}.{target_port} takes {wanted}"
            )
        link = Link(source, source_port, target, target_port)
        existing = self._links.get((target, target_port))
        if existing == link:
            raise DuplicateLinkError(
                f"{src.name}.{source_port} is already linked to {dst.name}.{target_port}"
            )
        if existing is not None:
            raise InputAlreadyConnectedError(
                f"{dst.name}.{target_port} is already fed by {self.nodes[existing.source].name}; "
                "disconnect it first or connect with replace"
            )
        if self._feeds_into(target, source):
            raise CycleError(
                f"linking {src.name} into {dst.name} would make a loop: {dst.name} feeds {src.name}"
            )
        return link

    def link_problem(self, source: str, source_port: str, target: str, target_port: str) -> str | None:
        """Why this link would be refused, or None: for highlighting ports while dragging."""
        try:
            self.check_link(source, source_port, target, target_port)
        except LinkError as error:
            return str(error)
        return None

    # --- low-level edits (no undo; emit events) ------------------------------------------------

    def insert_node(self, instance: NodeInstance, index: int | None = None) -> None:
        if instance.uuid in self.nodes:
            raise FilmStudioError(f"a node with id {instance.uuid} is already in the graph")
        if instance.name in self._names:
            raise FilmStudioError(f"a node named {instance.name!r} is already in the graph")
        instance.graph = self
        self._names[instance.name] = instance.uuid
        if index is None or index >= len(self.nodes):
            self.nodes[instance.uuid] = instance
        else:
            items = list(self.nodes.items())
            items.insert(index, (instance.uuid, instance))
            self.nodes = dict(items)
        self._changed(GraphEvent(GraphEventKind.NODE_ADDED, instance.uuid))

    def remove_node(self, uuid: str) -> NodeInstance:
        if any(uuid in (link.source, link.target) for link in self._links.values()):
            raise FilmStudioError("remove a node's links before the node")
        instance = self.nodes.pop(uuid)
        self._forget_name(instance.name)
        self._carried.pop(uuid, None)
        instance.graph = None
        self._changed(GraphEvent(GraphEventKind.NODE_REMOVED, uuid))
        return instance

    def add_link(self, link: Link) -> None:
        self._links[(link.target, link.target_port)] = self.check_link(*_fields(link))
        self._consumers.setdefault(link.source, set()).add(link.target)
        self._inputs.setdefault(link.target, {})[link.target_port] = link
        self._forget_carried(link.target)
        self.link_revision += 1
        self._changed(GraphEvent(GraphEventKind.LINK_ADDED, link.target, link))

    def remove_link(self, link: Link) -> None:
        if self._links.get((link.target, link.target_port)) != link:
            raise FilmStudioError("that link is not in the graph")
        del self._links[(link.target, link.target_port)]
        del self._inputs[link.target][link.target_port]
        self._forget_carried(link.target)
        self.link_revision += 1
        if not any(k.source == link.source and k.target == link.target for k in self._links.values()):
            self._consumers[link.source].discard(link.target)
        self._changed(GraphEvent(GraphEventKind.LINK_REMOVED, link.target, link))

    def set_param(self, uuid: str, name: str, stored: Any) -> None:
        self.nodes[uuid].params[name] = stored
        self._changed(GraphEvent(GraphEventKind.PARAM_CHANGED, uuid, name))

    def set_state(self, uuid: str, state: Mapping[str, Any]) -> None:
        instance = self.nodes[uuid]
        instance.state = state
        instance._state_digest = None
        self._changed(GraphEvent(GraphEventKind.STATE_CHANGED, uuid))

    def set_disabled(self, uuid: str, disabled: bool) -> None:
        self.nodes[uuid].disabled = disabled
        self._changed(GraphEvent(GraphEventKind.NODE_CHANGED, uuid, "disabled"))

    def rename(self, uuid: str, name: str) -> None:
        if not name or self._names.get(name, uuid) != uuid:
            raise FilmStudioError(f"the name {name!r} is empty or already used")
        instance = self.nodes[uuid]
        self._forget_name(instance.name)
        self._names[name] = uuid
        instance.name = name
        self._changed(GraphEvent(GraphEventKind.NODE_CHANGED, uuid, "name"))

    def move(self, uuid: str, position: tuple[float, float]) -> None:
        self.nodes[uuid].position = (float(position[0]), float(position[1]))
        self._changed(GraphEvent(GraphEventKind.NODE_CHANGED, uuid, "position"))

    # --- undoable edits --------------------------------------------------------------------------

    def perform(self, command: cmd.Command) -> None:
        """Do ``command`` and record it in :attr:`history`."""
        self.history.push(command)

    def create(self, type_id: str | type[Node], name: str | None = None, **params: Any) -> NodeInstance:
        """Add a node of ``type_id`` with parameter values (undoable); returns the new node."""
        node_type = self.registry.get(type_id) if isinstance(type_id, str) else type_id
        instance = NodeInstance(node_type, name or self.unique_name(node_type.display_name()))
        for key, value in params.items():
            instance.params[key] = instance._param(key).coerce(value)
        self.perform(cmd.AddNode(instance))
        return instance

    def connect(
        self,
        source: str | NodeInstance,
        target: str | NodeInstance,
        source_port: str | None = None,
        target_port: str | None = None,
        replace: bool = False,
    ) -> Link:
        """Link ``source`` to ``target`` (undoable). Ports default to the source's first output and
        the target's first free input that accepts it."""
        src, dst = self.node(source), self.node(target)
        if source_port is None:
            if not src.type.outputs:
                raise UnknownPortError(f"{src.name} has no outputs to connect")
            source_port = src.type.outputs[0].name
        if target_port is None:
            target_port = self._default_input(src, source_port, dst, replace)
        link = Link(src.uuid, source_port, dst.uuid, target_port)
        self.perform(cmd.Connect(link, replace=replace))  # checked as it is added: nothing changes if refused
        return link

    def disconnect(self, target: str | NodeInstance, target_port: str) -> None:
        dst = self.node(target)
        link = self.input_link(dst.uuid, target_port)
        if link is None:
            raise FilmStudioError(f"{dst.name}.{target_port} is not connected")
        self.perform(cmd.Disconnect(link))

    def delete(self, nodes: Iterable[str | NodeInstance]) -> None:
        self.perform(cmd.RemoveNodes([self.node(n).uuid for n in nodes]))

    def _default_input(self, src: NodeInstance, port: str, dst: NodeInstance, replace: bool) -> str:
        carried = self.output_type(src.uuid, port)
        candidates = [i for i in dst.type.inputs if can_link(carried, i.type)]
        free = [i for i in candidates if (dst.uuid, i.name) not in self._links]
        chosen = free or (candidates if replace else [])
        if not chosen:
            if not dst.type.inputs:
                raise UnknownPortError(f"{dst.name} has no inputs")
            if candidates:
                raise InputAlreadyConnectedError(
                    f"every input of {dst.name} that takes {carried} is connected"
                )
            raise TypeMismatchError(f"{dst.name} has no input that takes {carried}")
        return chosen[0].name

    # --- events ----------------------------------------------------------------------------------

    def subscribe(self, listener: Callable[[GraphEvent], None]) -> Callable[[], None]:
        """Call ``listener`` after every change; returns a function that unsubscribes."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def settings_changed(self, names: frozenset[str]) -> None:
        """Tell listeners that the owning project's settings changed (``names``: which fields).
        Called by :meth:`Project.replace_settings`; a format or rate change changes frames."""
        self._changed(GraphEvent(GraphEventKind.SETTINGS_CHANGED, "", names))

    def _changed(self, event: GraphEvent) -> None:
        self.revision += 1
        for listener in list(self._listeners):
            listener(event)


def _same_objects(these: tuple[Any, ...], those: tuple[Any, ...]) -> bool:
    """Whether two tuples hold the very same objects, in order (not merely equal ones: 1 == 1.0,
    but their reprs, and so cache keys, differ)."""
    return len(these) == len(those) and all(map(operator.is_, these, those))


def dependency_order(links: Sequence[Link]) -> list[int]:
    """The indices of ``links`` in an order to add them to a graph in time linear in their number
    (the project loader): every link comes before the links out of its target, so the cycle check
    of :meth:`Graph.add_link` finds nothing downstream to walk. Links on a loop come last, the
    loop's own in path order ending with the one latest in ``links``, which is then refused with
    the usual :class:`CycleError`."""
    leaving: dict[str, list[int]] = {}
    entering: dict[str, list[int]] = {}
    for index, link in enumerate(links):
        leaving.setdefault(link.source, []).append(index)
        entering.setdefault(link.target, []).append(index)
    waiting = {node: len(indices) for node, indices in entering.items()}
    ready = [node for node in leaving if node not in waiting]
    order: list[int] = []
    while ready:
        for index in leaving.get(ready.pop(), ()):
            order.append(index)
            target = links[index].target
            waiting[target] -= 1
            if not waiting[target]:
                ready.append(target)
    if len(order) < len(links):
        loop = _a_loop(links, entering, waiting)
        placed = set(order) | set(loop)
        order += loop + [index for index in range(len(links)) if index not in placed]
    return order


def _a_loop(
    links: Sequence[Link], entering: Mapping[str, list[int]], waiting: Mapping[str, int]
) -> list[int]:
    """One loop among the links :func:`dependency_order` could not place, in path order, ending
    with its link latest in ``links``. Walks backwards from a node still waiting for an input:
    each such input comes from another waiting node, so the walk must come round."""
    node = next(node for node, count in waiting.items() if count)
    seen: dict[str, int] = {}
    path: list[int] = []  # backwards: path[i] enters the node reached after i steps
    while node not in seen:
        seen[node] = len(path)
        index = next(i for i in entering[node] if waiting.get(links[i].source, 0))
        path.append(index)
        node = links[index].source
    loop = path[seen[node] :][::-1]  # forwards
    last = loop.index(max(loop))
    return loop[last + 1 :] + loop[: last + 1]


def _name_stem(name: str) -> tuple[str, str]:
    """``("Grade", "12")`` for ``"Grade12"``: a name's stem and its trailing digits (the digits
    ``\\d`` matches, found without a regex, which backtracks quadratically on long digit runs)."""
    end = len(name)
    while end and name[end - 1].isdecimal():
        end -= 1
    return name[:end], name[end:]


def _fields(link: Link) -> tuple[str, str, str, str]:
    return link.source, link.source_port, link.target, link.target_port
