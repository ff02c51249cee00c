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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, ClassVar

from filmstudio.core import track_link
from filmstudio.core.context import EvalContext, Values
from filmstudio.core.errors import NodeSpecError
from filmstudio.core.overlay import FrameCurve, OverlayEdit, Shape
from filmstudio.core.params import NameList, Param, ParamKind, PathMode
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


class FinishLater:
    """What :meth:`Node.evaluate_batch` may return instead of its results once the model's part
    is done and only host work is left (colour conversion, placing the picture): ``finish()``
    makes the results. The engine runs it off the model worker, so the model starts the next
    batch at once — model and finishing overlap, as stages of a pipeline. ``finish`` must not
    read the contexts' inputs (they are released when the model's part ends); called outside the
    engine, :func:`batch_results` runs it on the spot."""

    __slots__ = ("finish",)

    def __init__(self, finish: Callable[[], Sequence[Any]]) -> None:
        self.finish = finish


def batch_results(results: Sequence[Any] | FinishLater) -> list[Any]:
    """What :meth:`Node.evaluate_batch` returned, as the list of results (finished here if it
    was a :class:`FinishLater`)."""
    return list(results.finish() if isinstance(results, FinishLater) else results)


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
        dot: the graph draws the node as a small dot (a bend point for links: one input, one output).
        batch_size: the most frames one :meth:`evaluate_batch` call takes (model nodes on the model
            worker; 1: the node does not batch). Exports on accelerators hand it that many frames.
        per_pixel: the node maps each pixel's colour on its own (a grade, a LUT; a reader's input
            transform, a writer's output transform) and describes that map with
            :meth:`colour_function`. An export may then evaluate a whole run of such nodes as one
            operation (:mod:`filmstudio.engine.fusion`) when nothing needs the images in between;
            the viewer and the cache still see every node as evaluated by :meth:`evaluate`.
        output_file: the path parameter (``mode="save"``) a render writes the node's frames to; set,
            the node is a *writer* (Write), found by ``filmstudio render`` and Render > Export, and
            implements :meth:`encode_settings`, :meth:`output_image` and :meth:`copies_audio`.
        media_file: the path parameter (``mode="open"``) of the footage the node reads; set, the
            node is a *reader* (Read), whose sound a render can pass through, and implements
            :meth:`clip_frame` (and :meth:`clip_seconds` where it places clips by time).
        abstract: True on a shared base class that is not a node type itself.
        generate_label: what the editor's button that makes a take says ("New character").
        reads_curves: the node reads its parameters over time, not at one frame: ``ctx.curves``
            holds each parameter as stored (a constant, or the :class:`AnimCurve` of an animated
            one) and the cache key holds those instead of this frame's values. For values that
            span time, e.g. an Audio Mix whose keyframed gain becomes one gain curve for all of
            its sound: its result is then the same at every frame (unless time_dependent).
        scripting: names of methods that scripts call on a node of this type, e.g. a Tracker's
            ``tracker.add_track("A", 120, 80)``: each is a method ``(self, node, ...)`` that gets
            the :class:`~filmstudio.core.graph.NodeInstance` and edits it through its undoable
            methods (``node.set``, ``node.replace_state``).
        standin_device: where :meth:`standin` runs: ``Device.ANY`` (default: on the asking thread
            or the CPU pool, never waiting behind the model worker) or ``Device.GPU`` (the model
            worker, for a stand-in that runs the node's model at a lower resolution).

    Stand-ins: a slow node (a model) may implement :meth:`standin`, a cheap preview of its result
    (Upscaler: Lanczos at the same size). While the real result of a frame is not cached the
    viewer shows the stand-in at once, marked "preview", and swaps in the real frame when it
    arrives. A stand-in evaluation is a separate evaluation of the graph in which such nodes run
    their stand-in on real inputs; its cache keys differ from the real ones, so a stand-in is
    never served as a real result, and exports never ask for one.
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
    dot: ClassVar[bool] = False
    batch_size: ClassVar[int] = 1
    per_pixel: ClassVar[bool] = False
    output_file: ClassVar[str | None] = None
    media_file: ClassVar[str | None] = None
    abstract: ClassVar[bool] = False
    generate_label: ClassVar[str] = "Generate"
    scripting: ClassVar[tuple[str, ...]] = ()
    reads_curves: ClassVar[bool] = False
    standin_device: ClassVar[Device] = Device.ANY

    _param_index: ClassVar[dict[str, Param]]
    _input_types: ClassVar[dict[str, PortType]]  # by name, for the engine's hot paths
    _output_types: ClassVar[dict[str, PortType]]
    track_links: ClassVar[tuple[track_link.TrackLink, ...]] = ()  # positions that follow tracks
    _instance: ClassVar[Node | None]
    _slices_state: ClassVar[bool]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._instance = None
        if cls.__dict__.get("abstract", False):
            return
        cls.abstract = False  # not inherited: a subclass of an abstract base is a real node type
        if isinstance(cls.inputs, list | tuple) and isinstance(cls.params, list | tuple):
            # a follows_track position brings its track-name parameters and Track input
            cls.inputs, cls.params, cls.track_links = track_link.declare(
                cls.inputs, cls.params, lambda name: Input(name, PortType.TRACK, optional=True)
            )
        problems = _spec_problems(cls)
        if problems:
            raise NodeSpecError(cls.__name__, problems)
        cls.inputs, cls.outputs, cls.params = tuple(cls.inputs), tuple(cls.outputs), tuple(cls.params)
        cls.legacy_ids = tuple(cls.legacy_ids)
        cls._param_index = {p.name: p for p in cls.params}
        cls._input_types = {i.name: i.type for i in cls.inputs}
        cls._output_types = {o.name: o.type for o in cls.outputs}
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
    def find_param(cls, name: object) -> Param | None:
        """The declaration of parameter ``name``, or None when the node has none of that name."""
        return cls._param_index.get(name) if isinstance(name, str) else None

    @classmethod
    def display_name(cls) -> str:
        return cls.label or cls.id.rsplit(".", 1)[-1]

    def requests(self, ctx: EvalContext) -> Mapping[str, Sequence[int]]:
        """Which inputs, at which frames, this evaluation needs. Default: every connected input at
        this frame, and a followed track's reference frame. Temporal nodes ask for other frames;
        switches ask only for the chosen input. A node with ``follows_track`` positions that
        overrides this adds ``track_link.requests(self.track_links, ctx)``."""
        wanted = {port.name: (ctx.frame,) for port in self.inputs if port.name in ctx.connected}
        return {**wanted, **track_link.requests(self.track_links, ctx)} if self.track_links else wanted

    def evaluate(self, ctx: EvalContext) -> Any:
        """Compute the output (or a dict of outputs by name, for several outputs). A node that
        implements only :meth:`evaluate_batch` evaluates one frame as a batch of one."""
        if type(self).evaluate_batch is Node.evaluate_batch:
            raise NotImplementedError
        return batch_results(self.evaluate_batch([ctx]))[0]

    def evaluate_batch(self, contexts: Sequence[EvalContext]) -> list[Any] | FinishLater:
        """Compute several frames in one call (at most :attr:`batch_size`), one result per context
        in order. Runs on the model worker; results must equal :meth:`evaluate` frame by frame.
        A model node may return a :class:`FinishLater` to have its host-side finishing run off
        the model worker."""
        return [self.evaluate(ctx) for ctx in contexts]

    def standin(self, ctx: EvalContext) -> Any:
        """A cheap preview of :meth:`evaluate`'s result for the viewer while the real one computes:
        same outputs, same size, same inputs (``ctx`` as in :meth:`evaluate`). It must be fast
        (tens of milliseconds) and, unless :attr:`standin_device` is ``Device.GPU``, must not run
        a model. Not implemented (the default): the node has no stand-in."""
        raise NotImplementedError(f"{type(self).__name__} has no stand-in")

    def offers_standin(self, ctx: EvalContext) -> bool:
        """Whether a stand-in is worth showing at these parameters (``ctx`` as in
        :meth:`requests`: no inputs). Default: whenever :meth:`standin` is implemented; a node
        whose fast settings need none (an Upscaler set to Lanczos) says False for those."""
        return type(self).standin is not Node.standin

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
        """Make a new take (JSON data) — randomness belongs here, never in :meth:`evaluate`.
        Implemented, the editor offers Generate (labelled :attr:`generate_label`) and lists the
        node's takes (:mod:`filmstudio.core.takes`)."""
        raise NotImplementedError(f"{type(self).__name__} does not generate takes")

    def describe_take(self, data: Mapping[str, Any]) -> str:
        """A few words that tell this take from the others in the editor's list (a GAN's seed, a
        Speech take's line count). Default: a text take's first line and its number of lines."""
        text = self.take_as_text(data)
        if not text:
            return ""
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        first = lines[0] if lines else ""
        first = first if len(first) <= 48 else first[:47] + "…"
        return f"{first} · {len(lines)} line{'s' if len(lines) != 1 else ''}" if lines else ""

    def take_as_text(self, data: Mapping[str, Any]) -> str | None:
        """The take as text, for the editor's Diff, Edit and Script panel; None when the takes are
        not text. Default: the data's ``"text"`` when it is a string (LLM Script, Translate)."""
        text = data.get("text") if isinstance(data, Mapping) else None
        return text if isinstance(text, str) else None

    def take_from_text(self, data: Mapping[str, Any], text: str, take_id: str) -> dict[str, Any]:
        """A new take's data from a hand edit of take ``take_id`` (whose data is ``data``) to
        ``text``; raise a :class:`FilmStudioError` when the text cannot be read. Not implemented
        (the default): takes are not edited by hand."""
        raise NotImplementedError(f"{type(self).__name__} takes are not edited as text")

    def check_takes(self, node_name: str, state: Mapping[str, Any]) -> None:
        """Refuse a change of the takes (``state`` is the node's state after it) that would leave
        the node broken, with a :class:`FilmStudioError` that says what to do — a GAN refuses to
        delete a take its latent keys use. Default: every change is fine."""

    def seed_candidates(self, ctx: EvalContext, count: int) -> tuple[list[int], Any]:
        """A contact sheet: ``count`` freshly drawn seeds and their pictures (sRGB ``[N, C, H, W]``
        in 0..1, float32, on the CPU), for the artist to pick a take from with
        :meth:`take_of_seed`. Runs on the model worker; ``ctx`` as in :meth:`overlay`. Not
        implemented (the default): the node's takes are not seeds to pick from."""
        raise NotImplementedError(f"{type(self).__name__} has no seeds to pick from")

    def take_of_seed(self, ctx: EvalContext, seed: int) -> dict[str, Any]:
        """The take data a seed picked from :meth:`seed_candidates` makes (what
        :meth:`generate_take` makes when it draws that seed). ``ctx`` as in :meth:`overlay`."""
        raise NotImplementedError(f"{type(self).__name__} makes no takes of seeds")

    # --- models a render needs -------------------------------------------------------------------

    def required_models(self, ctx: EvalContext) -> Sequence[str]:
        """The models this node cannot render without at these parameters: references as its model
        parameters hold them (a known name such as ``dcgan-faces``, a file name in the model
        folders, or a path). ``ctx`` as in :meth:`requests` (no inputs). Renders look every one
        up before the first frame and stop with one message naming all that are missing and the
        command that installs them. Default: none; leave out a model the node can do without
        (an Upscaler on ``auto`` falls back to Lanczos) and one only generating takes needs
        (rendering reads the take)."""
        return ()

    # --- viewer overlays (see filmstudio.core.overlay) --------------------------------------------

    def overlay(self, ctx: EvalContext) -> Sequence[Shape]:
        """Shapes to draw over the viewer while this node is selected, in image pixels of the
        project format. ``ctx`` has the parameters at the viewed frame and the node's state, but no
        inputs (as in :meth:`requests`). Default: nothing."""
        return ()

    def drag_handle(self, ctx: EvalContext, key: str, x: float, y: float) -> OverlayEdit | None:
        """The artist dragged handle ``key`` to image point (x, y) at ``ctx.frame``: what changes
        (None: the handle does not move)."""
        return None

    def overlay_click(self, ctx: EvalContext, x: float, y: float) -> OverlayEdit | None:
        """The artist asked to add something at image point (x, y) at ``ctx.frame`` (Ctrl+Alt+click
        in the viewer, or a click with its Add tool): what changes; ``select`` names the new
        handle, which a drag that began with the click goes on moving. Implemented, the viewer
        offers the Add tool. Default: nothing to add."""
        return None

    def overlay_remove(self, ctx: EvalContext, key: str) -> OverlayEdit | None:
        """The artist pressed Delete (or chose Remove) with handle ``key`` selected: what changes
        (None: the handle cannot be removed)."""
        return None

    def overlay_curve(self, ctx: EvalContext, key: str | None) -> FrameCurve | None:
        """The per-frame curve the timeline shows while handle ``key`` is selected (None when no
        handle is), e.g. a track's confidence. ``ctx`` as in :meth:`overlay`. Default: none."""
        return None

    def analysis_request(self, ctx: EvalContext, key: str | None) -> Any:
        """The first frame's carry of an analysis pass the artist starts from the viewer while
        handle ``key`` is selected (a Tracker tracks only that track); ``ctx`` is at the pass's
        first frame, as in :meth:`overlay`. Raise a :class:`FilmStudioError` to refuse a pass that
        cannot start there. Default: None, the node's whole pass."""
        return None

    # --- writers and readers (see output_file, media_file) ----------------------------------------

    def encode_settings(self, values: Values, fps: Fraction, first_frame: int) -> Any:
        """A writer's :class:`~filmstudio.media.settings.EncodeSettings` for a render at ``fps``
        whose first frame is ``first_frame``, from its parameter values at that frame."""
        raise NotImplementedError(f"{type(self).__name__} is not a writer")

    def output_image(self, image: Any, values: Values, target: Path) -> Any:
        """A writer's frame as its file stores it: working-space ``image`` through the writer's
        output transform (colour space or display/view) for ``target``."""
        raise NotImplementedError(f"{type(self).__name__} is not a writer")

    def copies_audio(self, values: Values) -> bool:
        """Whether a writer passes through the sound of the first reader upstream that has some."""
        return False

    def clip_frame(self, values: Values, first: int, last: int, frame: int) -> int | None:
        """A reader's clip frame shown at timeline ``frame``, for a clip numbered ``first..last``
        (None: nothing is shown there)."""
        raise NotImplementedError(f"{type(self).__name__} is not a reader")

    def clip_seconds(self, values: Values, clip: Any, frame: int, fps: Fraction) -> float | None:
        """Where a reader is in its open ``clip`` (:class:`filmstudio.media.pool.Clip`) at timeline
        ``frame`` of a project at ``fps``, in seconds after the clip's first frame (None: nothing
        is shown); a render's sound starts there. Default: when :meth:`clip_frame`'s frame appears."""
        number = self.clip_frame(values, clip.first, clip.last, frame)
        return None if number is None else clip.seconds_of(number)

    # --- per-pixel colour (see per_pixel) ------------------------------------------------------------

    def colour_function(self, ctx: EvalContext) -> Any:
        """A ``per_pixel`` node's colour map at ``ctx`` (parameters at the frame and which inputs are
        connected, as in :meth:`requests`; no input values) as a
        :class:`~filmstudio.colour.fusion.ColourFunction` on straight RGB: what :meth:`evaluate`
        does to each pixel of an opaque image; for a reader, its input transform (file values 0..1
        to the working space); for a writer, its output transform (:meth:`output_image`). None
        when these settings are not per-pixel (a mask connected): the node is then evaluated."""
        raise NotImplementedError(f"{type(self).__name__} is not per-pixel")

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
    if cls.evaluate is Node.evaluate and cls.evaluate_batch is Node.evaluate_batch:
        found.append("evaluate(self, ctx) is not implemented")
    if cls.analysis_state is not None and cls.analyze is Node.analyze:
        found.append("analysis_state is set but analyze(self, ctx, carry) is not implemented")
    if cls.offers_standin is not Node.offers_standin and cls.standin is Node.standin:
        found.append("offers_standin is overridden but standin(self, ctx) is not implemented")
    if cls.standin_device not in (Device.ANY, Device.GPU):
        found.append(f"standin_device must be Device.ANY or Device.GPU, not {cls.standin_device!r}")
    found.extend(_take_problems(cls))
    if cls.dot and (len(cls.inputs) != 1 or len(cls.outputs) != 1):
        found.append("a dot node has exactly one input and one output")
    found.extend(_batch_problems(cls))
    found.extend(_reference_problems(cls))
    found.extend(_capability_problems(cls))
    found.extend(_per_pixel_problems(cls))
    for name in cls.scripting:
        if hasattr(Node, name):
            found.append(f"scripting names {name!r}, a method the engine calls: name the node's own methods")
        elif not callable(getattr(cls, name, None)):
            found.append(f"scripting names {name!r}, which is not a method of the class")
    return found


def _take_problems(cls: type[Node]) -> list[str]:
    """The take hooks serve a node that generates takes; seeds picked need a take of a seed."""
    hooks = ("take_from_text", "seed_candidates", "take_of_seed")
    overridden = [name for name in hooks if getattr(cls, name) is not getattr(Node, name)]
    found: list[str] = []
    if overridden and cls.generate_take is Node.generate_take:
        found.append(f"{', '.join(overridden)} implemented but generate_take(self, ctx) is not")
    if cls.seed_candidates is not Node.seed_candidates and cls.take_of_seed is Node.take_of_seed:
        found.append("seed_candidates is implemented but take_of_seed(self, ctx, seed) is not")
    return found


def _batch_problems(cls: type[Node]) -> list[str]:
    size = cls.batch_size
    if not isinstance(size, int) or isinstance(size, bool) or size < 1:
        return [f"batch_size must be a positive integer, not {size!r}"]
    if size > 1 and cls.evaluate_batch is Node.evaluate_batch:
        return [f"batch_size is {size} but evaluate_batch(self, contexts) is not implemented"]
    if size > 1 and cls.device is not Device.GPU:
        return ["only Device.GPU nodes batch (batches run on the model worker): set batch_size = 1"]
    return []


def _reference_problems(cls: type[Node]) -> list[str]:
    """Parameters that name other parameters: grading pairs and the display a view follows."""
    by_name = {p.name: p for p in cls.params if isinstance(p, Param)}
    found: list[str] = []
    for param in by_name.values():
        if param.grade_of:
            master = by_name.get(param.grade_of)
            if master is None or master.kind is not ParamKind.FLOAT:
                found.append(
                    f"parameter {param.name!r}: grade_of {param.grade_of!r} is not a float parameter"
                )
        if param.follows:
            display = by_name.get(param.follows)
            if display is None or display.names is not NameList.DISPLAYS:
                found.append(
                    f"parameter {param.name!r}: follows {param.follows!r}, which is not a display parameter"
                )
    ports = {i.name: i for i in cls.inputs if isinstance(i, Input)}
    for link in cls.track_links:
        port = ports.get(link.follow.input)
        if port is None or port.type is not PortType.TRACK or not port.optional:
            found.append(
                f"parameter {link.param!r} follows tracks on input {link.follow.input!r}, which must be "
                "an optional Track input (or left undeclared: it is added)"
            )
        at_frame = by_name.get(link.follow.at_frame) if link.follow.at_frame else None
        if link.follow.at_frame and (at_frame is None or at_frame.kind is not ParamKind.INT):
            found.append(
                f"parameter {link.param!r} reads its track at_frame {link.follow.at_frame!r}, which is "
                "not an int parameter"
            )
    return found


def _per_pixel_problems(cls: type[Node]) -> list[str]:
    """A per-pixel node describes its map, has an image to map and runs no model."""
    if not isinstance(cls.per_pixel, bool):
        return [f"per_pixel must be True or False, not {cls.per_pixel!r}"]
    if not cls.per_pixel:
        return []
    found: list[str] = []
    if cls.colour_function is Node.colour_function:
        found.append("per_pixel is set but colour_function(self, ctx) is not implemented")
    outputs = [o for o in cls.outputs if isinstance(o, Output)]
    if not outputs or outputs[0].type is not PortType.IMAGE:
        found.append("a per_pixel node's first output must be an Image")
    images = [i.name for i in cls.inputs if isinstance(i, Input) and i.type is PortType.IMAGE]
    if cls.media_file is None and not images:
        found.append("a per_pixel node maps an Image input (or, as a reader, reads files)")
    if cls.device is Device.GPU or cls.batch_size != 1:
        found.append("a per_pixel node runs no model: no Device.GPU, batch_size 1")
    return found


def _capability_problems(cls: type[Node]) -> list[str]:
    by_name = {p.name: p for p in cls.params if isinstance(p, Param)}
    found: list[str] = []
    for attribute, mode, methods in (
        ("output_file", PathMode.SAVE, ("encode_settings", "output_image")),
        ("media_file", PathMode.OPEN, ("clip_frame",)),
    ):
        name = getattr(cls, attribute)
        if name is None:
            continue
        param = by_name.get(name)
        if param is None or param.kind is not ParamKind.PATH or param.path_mode is not mode:
            found.append(f"{attribute} {name!r} must name a PathParam(mode={mode.value!r}) of the node")
        found.extend(
            f"{attribute} is set but {method}() is not implemented"
            for method in methods
            if getattr(cls, method) is getattr(Node, method)
        )
    return found
