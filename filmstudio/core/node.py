"""The node API: a node type is a class with a declarative spec and a pure ``evaluate``.

Example::

    class Grade(Node):
        id = "Grade"
        category = "Color"
        inputs = (Input("source", PortType.IMAGE),)
        outputs = (Output("image", PortType.IMAGE),)
        params = (FloatParam("gain", 1.0),)

        def evaluate(self, ctx):
            return ctx.input("source") * ctx.params.gain

The spec is checked when the class is defined and every problem is reported in one
:class:`NodeSpecError`. ``evaluate`` must be a pure function of the parameters at the frame, the
inputs it asked for, and the node's state: that is what makes the frame cache correct.
Node types hold no per-instance data; one shared instance of each class does all evaluations.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from filmstudio.core.context import EvalContext
from filmstudio.core.errors import NodeSpecError
from filmstudio.core.params import Param
from filmstudio.core.types import PortType

_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)*$")


class Device(enum.Enum):
    """Where a node prefers to run.

    CPU nodes run on the CPU thread pool; GPU nodes run on the model worker of the compute device
    (CUDA when present, else the CPU model worker), which owns loaded models; ANY nodes are cheap
    tensor maths that run wherever their inputs already live, on the thread that asked.
    """

    CPU = "cpu"
    GPU = "gpu"
    ANY = "any"


@dataclass(frozen=True)
class Input:
    name: str
    type: PortType
    optional: bool = False
    label: str = ""


@dataclass(frozen=True)
class Output:
    name: str
    type: PortType
    label: str = ""


class Node:
    """Base class of node types. Subclasses set the class attributes below and ``evaluate``.

    Attributes:
        id: unique type id; built-ins use a bare name ("Grade"), plugins "vendor.Name".
        version: bump when parameters change meaning; :meth:`upgrade` converts older saves.
        legacy_ids: old ids that still load as this type after a rename.
        category, label, description: how the editor lists it.
        inputs, outputs, params: the typed ports and parameters.
        time_dependent: the output changes with the frame even when parameters and inputs do not
            (a reader, a noise seeded by frame); the frame is then part of the cache key.
        device: see :class:`Device`.
        passthrough: the input a disabled node passes on (default: the first Image-like input).
        analysis_state: the state key an analysis pass writes (None: no analysis).
        layout_only: the node only organises the graph (a Backdrop): it has no ports, is saved and
            undone like any node, and is never evaluated.
        abstract: True on a shared base class that is not a node type itself.
    """

    id: ClassVar[str]
    version: ClassVar[int] = 1
    legacy_ids: ClassVar[tuple[str, ...]] = ()
    category: ClassVar[str] = "Other"
    label: ClassVar[str] = ""
    description: ClassVar[str] = ""
    inputs: ClassVar[tuple[Input, ...]] = ()
    outputs: ClassVar[tuple[Output, ...]] = ()
    params: ClassVar[tuple[Param, ...]] = ()
    time_dependent: ClassVar[bool] = False
    device: ClassVar[Device] = Device.ANY
    passthrough: ClassVar[str | None] = None
    analysis_state: ClassVar[str | None] = None
    layout_only: ClassVar[bool] = False
    abstract: ClassVar[bool] = False

    _param_index: ClassVar[dict[str, Param]]
    _instance: ClassVar[Node | None]
    _slices_state: ClassVar[bool]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._instance = None
        if cls.__dict__.get("abstract", False):
            return
        cls.abstract = False  # not inherited: a subclass of an abstract base is a real node type
        problems = _spec_problems(cls)
        if problems:
            raise NodeSpecError(cls.__name__, problems)
        cls.inputs, cls.outputs, cls.params = tuple(cls.inputs), tuple(cls.outputs), tuple(cls.params)
        cls.legacy_ids = tuple(cls.legacy_ids)
        cls._param_index = {p.name: p for p in cls.params}
        cls._slices_state = cls.state_for_frame is not Node.state_for_frame
        if cls.passthrough is None and cls.outputs:
            main = cls.outputs[0].type
            cls.passthrough = next((i.name for i in cls.inputs if i.type in (main, PortType.ANY)), None)

    # --- what the engine calls -------------------------------------------------------------------

    @classmethod
    def shared(cls) -> Node:
        """The one instance that evaluates every node of this type (node types are stateless)."""
        if cls._instance is None:
            cls._instance = cls()
        return cls._instance

    @classmethod
    def param(cls, name: str) -> Param:
        return cls._param_index[name]

    @classmethod
    def display_name(cls) -> str:
        return cls.label or cls.id.rsplit(".", 1)[-1]

    def requests(self, ctx: EvalContext) -> Mapping[str, Sequence[int]]:
        """Which inputs, at which frames, this evaluation needs. Default: every connected input at
        this frame. Temporal nodes ask for other frames; switches ask only for the chosen input."""
        return {port.name: (ctx.frame,) for port in self.inputs if port.name in ctx.connected}

    def evaluate(self, ctx: EvalContext) -> Any:
        """Compute the output (or a dict of outputs by name, for several outputs)."""
        raise NotImplementedError

    def state_for_frame(self, ctx: EvalContext) -> Any:
        """The part of the node's state (``ctx.state``) that this frame's output depends on, hashed
        into the cache key. Default: all of it but inactive takes. An analysis node returns just the
        results this frame reads, so re-running the analysis over some frames keeps the others
        cached. ``ctx`` has the parameters at this frame but no inputs yet."""
        return ctx.state

    # --- analysis passes (Tracker-like nodes) ----------------------------------------------------

    def analyze(self, ctx: EvalContext, carry: Any) -> tuple[Any, Any]:
        """One step of a sequential analysis pass: return (this frame's JSON result, carry for the
        next frame). Inputs are available as in :meth:`evaluate`."""
        raise NotImplementedError(f"{type(self).__name__} has no analysis pass")

    # --- generative takes (LLM Script, GAN seeds) ------------------------------------------------

    def generate_take(self, ctx: EvalContext) -> dict[str, Any]:
        """Make a new take (JSON data) — randomness belongs here, never in :meth:`evaluate`."""
        raise NotImplementedError(f"{type(self).__name__} does not generate takes")

    # --- old project files -----------------------------------------------------------------------

    @classmethod
    def upgrade(cls, from_version: int, params: dict[str, Any]) -> dict[str, Any]:
        """Convert saved parameter data from an older version of this node (JSON in, JSON out)."""
        return params


def _spec_problems(cls: type[Node]) -> list[str]:
    found: list[str] = []
    node_id = cls.__dict__.get("id", getattr(cls, "id", None))
    if not isinstance(node_id, str) or not _ID.match(node_id):
        found.append(f"id must be a dotted identifier like 'Grade' or 'vendor.Name', not {node_id!r}")
    if not isinstance(cls.version, int) or isinstance(cls.version, bool) or cls.version < 1:
        found.append(f"version must be a positive integer, not {cls.version!r}")
    not_tuples = [
        name
        for name in ("inputs", "outputs", "params", "legacy_ids")
        if not isinstance(getattr(cls, name), list | tuple)
    ]
    if not_tuples:
        return [*found, *(f"{name} must be a tuple" for name in not_tuples)]
    if any(not isinstance(i, str) or not _ID.match(i) for i in cls.legacy_ids):
        found.append("legacy_ids must be dotted identifiers")
    if node_id in cls.legacy_ids:
        found.append("a node's legacy_ids must not contain its own id")
    if cls.layout_only and (cls.inputs or cls.outputs):
        found.append("a layout_only node (a Backdrop) has no inputs or outputs")
    if not cls.outputs and not cls.layout_only:
        found.append("a node needs at least one output")
    ports: dict[str, str] = {}
    for kind, ports_of_kind, port_class in (("input", cls.inputs, Input), ("output", cls.outputs, Output)):
        for port in ports_of_kind:
            if not isinstance(port, port_class):
                found.append(f"{kind}s must be {port_class.__name__}(...) values, not {port!r}")
                continue
            if not port.name.isidentifier():
                found.append(f"{kind} name {port.name!r} is not an identifier")
            if not isinstance(port.type, PortType):
                found.append(f"{kind} {port.name!r} has type {port.type!r}, which is not a PortType")
            if port.name in ports:
                found.append(f"port name {port.name!r} is used twice ({ports[port.name]} and {kind})")
            ports[port.name] = kind
    seen: set[str] = set()
    for param in cls.params:
        if not isinstance(param, Param):
            found.append(f"params must be Param values (FloatParam(...), ...), not {param!r}")
            continue
        if param.name in seen:
            found.append(f"parameter {param.name!r} is declared twice")
        seen.add(param.name)
        found.extend(param.problems())
    if not isinstance(cls.device, Device):
        found.append(f"device must be a Device, not {cls.device!r}")
    if cls.passthrough is not None and ports.get(cls.passthrough) != "input":
        found.append(f"passthrough {cls.passthrough!r} is not an input")
    if cls.evaluate is Node.evaluate:
        found.append("evaluate(self, ctx) is not implemented")
    if cls.analysis_state is not None and cls.analyze is Node.analyze:
        found.append("analysis_state is set but analyze(self, ctx, carry) is not implemented")
    return found
