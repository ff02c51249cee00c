"""The plan pass of a request: every (node, frame) it needs, with its cache key.

From the requested node, walk the inputs each node asks for (its ``requests``) and give every
(node, frame) a cache key = hash(type id + version, parameter values at that frame, the state it
depends on, its inputs' keys, the frame only if time-dependent, scale). Keys depend on values, not
on edits: changing a keyframe changes only the frames whose interpolated value changed; a still
image has one key for all frames; undo brings back keys that are cached.

Planning reads the graph, so it runs on the thread that edits it; everything the run pass needs
(parameter values, state, conversions) is captured in the :class:`Plan`, which the
:class:`~filmstudio.engine.scheduler.Scheduler` runs on any thread. What holds from one plan to
the next until the graph changes (conversions, constant parameter values, each step's make-up
and key) is remembered in a :class:`~filmstudio.engine.plan_memory.PlanMemory`: planning a frame
again re-keys only the nodes whose input keys changed.

A stand-in request (``FrameRequest.standin``) is planned the same way, except that a step whose
node offers a stand-in and whose real key is not cached becomes a stand-in step: its key is
``"standin:" + the real key``, so it and every step downstream (whose keys hash their inputs'
keys) can never be mistaken for a real result.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from filmstudio.core import track_link
from filmstudio.core.context import CancelToken, EvalContext
from filmstudio.core.graph import NodeInstance, active_take, digest_json
from filmstudio.core.memo import pass_memo
from filmstudio.core.node import Device, Node
from filmstudio.core.project import Project
from filmstudio.engine.cache import MISSING
from filmstudio.engine.executors import Executors
from filmstudio.engine.plan_memory import PlanMemory, StepRecord
from filmstudio.engine.request import FrameRequest


@dataclass(eq=False)
class Step:
    """One (node, frame) of a request's plan."""

    node: NodeInstance
    frame: int
    ctx: EvalContext | None = None
    # ((input name, input frame), (source node uuid, source frame), source port) per requested input
    wanted: list[tuple[tuple[str, int], tuple[str, int], str]] = field(default_factory=list)
    alias: tuple[str, int] | None = None  # a disabled node: the (node, frame) it passes through
    alias_port: str = ""
    convert: dict[str, Callable[[Any], Any]] | None = None  # input name -> type conversion
    key: str | None = None
    varies: bool = False  # the result changes from frame to frame (time-dependent upstream)
    store: bool = True  # put the result in the frame cache
    value: Any = MISSING
    values: str = ""  # the repr of the parameter values in ``ctx`` (for the key)
    remembered: StepRecord | None = None  # the planner's record of this (node, frame), if kept
    standin: bool = False  # run the node's stand-in, not evaluate (a stand-in request's preview)
    previewed: bool = False  # this step's value is (or reads) a stand-in


@dataclass(eq=False)
class Plan:
    """One planned frame of a request: every (node, frame) it needs with its cache key and captured
    parameter values (``memo``, shared by the plans of one request's frames). Made by
    :meth:`Planner.plan` on the graph's thread, run by :meth:`Scheduler.execute` on any thread."""

    target: Step
    port: str
    memo: dict[tuple[str, int], Step]
    cancel: CancelToken

    @property
    def key(self) -> str:
        """The cache key of the requested node at the requested frame."""
        return resolve(self.target, self.memo).key or ""

    @property
    def uses_standin(self) -> bool:
        """Whether any step runs a stand-in (a stand-in request where something is uncached)."""
        return resolve(self.target, self.memo).previewed

    @property
    def quick_preview(self) -> bool:
        """Whether a stand-in plan is worth running as a preview: no model node without a
        stand-in of its own has to run on a stand-in's output (that would be as slow as the
        real frame, and hold up the model worker before it)."""
        return not any(
            step.previewed and not step.standin and step.node.type.device is Device.GPU
            for step in self.memo.values()
        )


def resolve(step: Step, memo: Mapping[tuple[str, int], Step]) -> Step:
    """The step whose value ``step`` has: itself, or through disabled (aliased) nodes their source."""
    while step.alias is not None:
        step = memo[step.alias]
    return step


class Planner:
    """The plan pass of one project's requests. Every method reads the graph: call them on the
    thread that edits it. The :class:`~filmstudio.engine.scheduler.Scheduler` owns one and runs
    the plans it makes."""

    def __init__(self, project: Project, executors: Executors) -> None:
        self.project = project
        self._executors = executors  # for the compute device of GPU nodes' contexts
        self._project_dir: str | None = None
        self._memory = PlanMemory(project.graph)  # what holds from one plan to the next

    def plan(self, request: FrameRequest, cached: Callable[[str], bool] | None = None) -> list[Plan]:
        """One plan per frame of ``request``, sharing one memo (what the frames share upstream is
        planned, and later run, once). ``cached`` says whether a key's real result is cached
        (a stand-in request runs stand-ins only where it is not; None: nowhere)."""
        cancel = request.cancel
        instance = self.project.graph.node(request.node)
        port = request.output or instance.type.outputs[0].name
        memo: dict[tuple[str, int], Step] = {}
        standin = (cached or _never) if request.standin else None
        with pass_memo():  # what the frames look up on disk (model files), once for all of them
            targets = [
                self._plan(instance.uuid, frame, request.scale, cancel, memo, standin=standin)
                for frame in request.frames
            ]
        if not request.cache_frames:
            for step in memo.values():
                step.store = not step.varies
        return [Plan(target, port, memo, cancel) for target in targets]

    def plan_context(self, request: FrameRequest) -> Plan:
        """The plan of the context ``request.node`` would evaluate with at ``request.frame`` (for
        analysis passes and takes, which call other node methods than ``evaluate``): its
        target's ``ctx`` is planned even when the node is disabled, and it has no port."""
        instance = self.project.graph.node(request.node)
        memo: dict[tuple[str, int], Step] = {}
        step = self._plan(instance.uuid, request.frame, request.scale, request.cancel, memo, force=True)
        return Plan(step, "", memo, request.cancel)

    def key(self, node: str | NodeInstance, frame: int, scale: float = 1.0) -> str:
        """The cache key of ``node`` at ``frame`` (raises what planning raises: a missing file)."""
        memo: dict[tuple[str, int], Step] = {}
        step = self._plan(self.project.graph.node(node).uuid, int(frame), scale, CancelToken(), memo)
        return resolve(step, memo).key or ""

    def keys(
        self, nodes: Sequence[str | NodeInstance], frame: int, scale: float = 1.0
    ) -> dict[str, str | None]:
        """The cache key of each of ``nodes`` at ``frame``, by node uuid, in one shared plan (what
        they have upstream in common is planned once); None for a node that cannot be planned."""
        graph = self.project.graph
        memo: dict[tuple[str, int], Step] = {}
        cancel = CancelToken()
        found: dict[str, str | None] = {}
        for node in nodes:
            uuid = graph.node(node).uuid
            try:
                found[uuid] = resolve(self._plan(uuid, int(frame), scale, cancel, memo), memo).key
            except Exception:  # planning a broken node fails: it has no key
                found[uuid] = None
                memo = {}  # a half-planned step must not be reused
        return found

    def _plan(
        self,
        uuid: str,
        frame: int,
        scale: float,
        cancel: CancelToken,
        memo: dict[tuple[str, int], Step],
        force: bool = False,
        standin: Callable[[str], bool] | None = None,
    ) -> Step:
        """Give (uuid, frame) and everything it needs a step with a key (iterative: deep graphs
        do not hit Python's recursion limit). ``standin``: a stand-in request's "is this real key
        cached" (see :meth:`plan`)."""
        graph = self.project.graph
        path = self.project.path
        self._project_dir = str(path.resolve().parent) if path is not None else None
        settings = self.project.settings
        # every node sees the project's format and rate (a Title's canvas, a Read's timing): a
        # frame made before Project Settings changed them is not that frame any more
        common = repr((scale, settings.format, settings.fps)).encode()
        self._memory.begin(self._project_dir)
        nodes, new_step, key_of = graph.nodes, self._new_step, self._key
        stack = [(uuid, frame)]
        while stack:
            item = stack[-1]
            step = memo.get(item)
            if step is None:
                step = memo[item] = new_step(nodes[item[0]], item[1], scale, cancel, force)
            elif step.key is not None:
                stack.pop()
                continue
            todo = False
            for _input, source, _port in step.wanted:
                planned = memo.get(source)
                if planned is None or planned.key is None:
                    stack.append(source)
                    todo = True
            if todo:
                continue
            step.key = key_of(step, common, memo)
            if standin is not None:
                self._choose_standin(step, memo, standin)
            stack.pop()
        return memo[(uuid, frame)]

    def _new_step(
        self,
        instance: NodeInstance,
        frame: int,
        scale: float,
        cancel: CancelToken,
        force: bool,
    ) -> Step:
        """The step of ``instance`` at ``frame``: made afresh, or from what the last plan of it
        at this graph revision found (nodes whose key reads the world outside the graph, through
        ``state_for_frame``, are always made afresh)."""
        at = (instance.uuid, frame, scale, force)
        kept = self._memory.step(at)
        if kept is not None:
            step = Step(instance, frame, wanted=kept.wanted, alias=kept.alias, alias_port=kept.alias_port)
            step.convert, step.values, step.remembered = kept.convert, kept.values, kept
            if kept.ctx is not None:
                step.ctx = kept.ctx.copy(cancel)
            return step
        step = self._make_step(instance, frame, scale, cancel, force)
        if not instance.type._slices_state:
            step.remembered = self._memory.keep(at, step)
        return step

    def _make_step(
        self,
        instance: NodeInstance,
        frame: int,
        scale: float,
        cancel: CancelToken,
        force: bool,
    ) -> Step:
        graph = self.project.graph
        links = graph.input_links(instance.uuid)
        step = Step(instance, frame)
        node_type = instance.type
        if instance.disabled and not force:
            link = links.get(node_type.passthrough or "")
            if link is not None:
                step.alias, step.alias_port = (link.source, frame), link.source_port
                step.wanted = [((link.target_port, frame), step.alias, link.source_port)]
            return step
        settings = self.project.settings
        state = instance.state
        params, step.values = self._memory.values(instance, frame)
        connected, step.convert = self._memory.links_into(instance, links) if links else (_NONE, None)
        ctx = EvalContext(
            node_name=instance.name,
            frame=frame,
            params=params,
            scale=scale,
            format=settings.format,
            fps=settings.fps,
            connected=connected,
            state=state,
            take=active_take(state) if state else None,
            device=self._executors.compute_device if node_type.device is Device.GPU else "cpu",
            cancel=cancel,
            project_dir=self._project_dir,
        )
        if node_type.reads_curves:
            ctx.curves = dict(instance.params)  # a snapshot: curves are immutable, the dict is not
        step.ctx = ctx
        if links:
            wanted = step.wanted
            for name, frames in node_type.shared().requests(ctx).items():
                link = links.get(name)
                if link is not None:
                    source, port = link.source, link.source_port
                    for f in frames:
                        f = int(f)
                        wanted.append(((name, f), (source, f), port))
        return step

    def _key(self, step: Step, common: bytes, memo: dict[tuple[str, int], Step]) -> str:
        """``common``: the parts every key of this plan shares (scale, format, rate), as bytes."""
        node = step.node
        node_type = node.type
        varies = node_type.time_dependent
        # By input name (a stable sort keeps each input's frames in the order the node asked for
        # them): a key must not depend on the order links were made or a set happened to iterate in.
        inputs = []
        for (name, _f), src, port in step.wanted:
            source = memo[src]
            varies = varies or source.varies
            while source.alias is not None:
                source, port = memo[source.alias], source.alias_port
            inputs.append((name, f"{source.key}:{port}"))
        step.varies = varies
        if step.alias is not None:
            return "alias:" + inputs[0][1]
        ctx = step.ctx
        if ctx is None:
            return "nothing"
        if len(inputs) > 1:
            inputs.sort(key=_first)
        keyed_inputs = tuple(inputs)
        remembered = step.remembered
        keyed = remembered.keyed if remembered is not None else None
        if keyed is not None and keyed[0] == keyed_inputs:
            return keyed[1]  # the same node, settings and inputs as the last plan: its key
        if node_type._slices_state:
            state = digest_json(node_type.shared().state_for_frame(ctx))
        else:
            state = node.state_digest() if node.state else ""
        # a position following a track reads the track's sample at this very frame, even when the
        # Track input's value is one set for all frames
        links = node_type.track_links
        follows = bool(links) and bool(track_link.active(links, ctx.params))
        # a node reading its parameters over time is keyed by their curves, the same at every frame
        values = repr(tuple(ctx.curves.values())) if node_type.reads_curves else step.values
        frame = step.frame if node_type.time_dependent or follows else None
        # The parts joined by a separator that no repr, digest or id contains (reprs escape it)
        parts = f"{node_type.id}\x1f{node_type.version}\x1f{values}\x1f{state}\x1f{keyed_inputs!r}\x1f{frame}"
        key = hashlib.blake2b(parts.encode() + common, digest_size=16).hexdigest()
        if remembered is not None:
            remembered.keyed = (keyed_inputs, key)
        return key

    @staticmethod
    def _choose_standin(step: Step, memo: dict[tuple[str, int], Step], cached: Callable[[str], bool]) -> None:
        """In a stand-in request: run the node's stand-in when it offers one and its real result
        is not cached; mark what reads a stand-in (its key already differs through its inputs')."""
        step.previewed = any(resolve(memo[src], memo).previewed for _i, src, _p in step.wanted)
        if step.alias is not None or step.ctx is None or step.key is None:
            return
        node_type = step.node.type
        if node_type.standin is Node.standin or cached(step.key):
            return
        if node_type.shared().offers_standin(step.ctx):
            step.standin = step.previewed = True
            step.key = "standin:" + step.key


_NONE: frozenset[str] = frozenset()


def _first(item: tuple[str, str]) -> str:
    return item[0]


def _never(_key: str) -> bool:
    return False
