"""Test node types through the real engine: no hand-built :class:`~filmstudio.api.EvalContext`.

::

    from filmstudio.testing import evaluate

    def test_brighten_doubles_the_light():
        image = torch.full((4, 8, 8), 0.25)
        assert torch.equal(evaluate(Brighten, params={"gain": 2.0}, inputs={"source": image}), image * 2)

Every helper builds a small project holding the node under test, feeds each input from a source
node that hands out the given value, and evaluates through the scheduler, planner and frame cache
the editor and ``filmstudio render`` use: what ``requests`` asks for, type conversions between
ports (an Image fed to a Mask input), cache keys, batching and analysis passes all run for real.

An input is a value (the same at every frame), a mapping ``{frame: value}``, or a callable
``frame -> value``. A parameter is a value, or a mapping ``{frame: value}`` of linear keyframes.

With pytest, the ``node_harness`` fixture (installed with FilmStudio through the ``pytest11``
entry point) makes a :class:`NodeHarness` that is closed when the test ends.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from filmstudio.core.node import Node, Output
from filmstudio.core.params import TextParam
from filmstudio.core.project import Project
from filmstudio.core.timebase import FrameRange
from filmstudio.core.types import PortType

__all__ = ["NodeHarness", "analyze", "evaluate", "evaluate_frames", "generate_take"]

InputValue = Any  # a value, {frame: value}, or frame -> value


class NodeHarness:
    """One node type in a project of its own, its inputs fed with given values, and an engine.

    ``node`` is the :class:`~filmstudio.core.graph.NodeInstance` (edit it like a script would:
    ``harness.node.set(gain=2)``), ``project`` and ``engine`` the real ones. Close it (or use
    ``with``) to stop the engine's threads. Settings: ``size`` (width, height) and ``pixel_aspect``
    of the project format, ``fps``, ``frame_range`` (first, last), ``device`` for the model worker.
    """

    def __init__(
        self,
        node_type: type[Node],
        params: Mapping[str, Any] | None = None,
        inputs: Mapping[str, InputValue] | None = None,
        *,
        state: Mapping[str, Any] | None = None,
        size: tuple[int, int] = (64, 36),
        pixel_aspect: float = 1.0,
        fps: Any = 24,
        frame_range: tuple[int, int] = (1, 100),
        device: str | None = None,
    ) -> None:
        from filmstudio.engine.engine import Engine

        width, height = size
        self.project = Project(
            fps=fps,
            frame_range=FrameRange(*frame_range),
            width=width,
            height=height,
            pixel_aspect=pixel_aspect,
        )
        graph = self.project.graph
        self.node = graph.create(node_type)
        for name, value in (params or {}).items():
            if isinstance(value, Mapping):
                for frame, key in value.items():
                    self.node.set_keyframe(name, frame, key)
            else:
                self.node.set(name, value)
        ports = {port.name: port for port in node_type.inputs}
        for name, value in (inputs or {}).items():
            port = ports.get(name)
            if port is None:
                known = ", ".join(ports) or "none"
                raise KeyError(f"{node_type.__name__} has no input {name!r} (inputs: {known})")
            if value is None:
                continue
            source = graph.create(_given_type(port.type, value), name=f"given_{name}")
            graph.connect(source, self.node, source_port="value", target_port=name)
        if state is not None:
            graph.set_state(self.node.uuid, dict(state))
        self.engine = Engine(self.project, cpu_workers=2, device=device)

    def __enter__(self) -> NodeHarness:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.engine.close()

    def evaluate(self, frame: int = 1, output: str | None = None, scale: float = 1.0) -> Any:
        """The node's ``output`` (default: its first) at ``frame``."""
        return self.engine.evaluate(self.node, frame=frame, output=output, scale=scale)

    def evaluate_frames(self, frames: Iterable[int], output: str | None = None) -> list[Any]:
        """Several frames as one request, as an export asks (model nodes get them batched)."""
        return self.engine.submit_frames(self.node, list(frames), output=output).result()

    def analyze(self, frames: Iterable[int] | None = None) -> Mapping[str, Any]:
        """Run the node's analysis pass over ``frames`` (default: the range); its new state."""
        self.engine.analyze(self.node, frames)
        return self.node.state

    def generate_take(self, frame: int = 1) -> Mapping[str, Any]:
        """Make a new take and make it active; returns the take's data."""
        take_id = self.engine.generate_take(self.node, frame)
        return next(take["data"] for take in self.node.state["takes"] if take["id"] == take_id)

    @property
    def evaluations(self) -> int:
        """How many times the node was actually computed (not served from the cache)."""
        return self.engine.evaluations(self.node)


def evaluate(
    node_type: type[Node],
    params: Mapping[str, Any] | None = None,
    inputs: Mapping[str, InputValue] | None = None,
    frame: int = 1,
    *,
    output: str | None = None,
    scale: float = 1.0,
    **settings: Any,
) -> Any:
    """``node_type``'s ``output`` at ``frame`` with ``params`` and ``inputs`` (see the module
    docstring); ``settings`` as for :class:`NodeHarness`."""
    with NodeHarness(node_type, params, inputs, **settings) as harness:
        return harness.evaluate(frame, output, scale)


def evaluate_frames(
    node_type: type[Node],
    frames: Iterable[int],
    params: Mapping[str, Any] | None = None,
    inputs: Mapping[str, InputValue] | None = None,
    *,
    output: str | None = None,
    **settings: Any,
) -> list[Any]:
    """Several frames in one request (batched for model nodes, as exports do)."""
    with NodeHarness(node_type, params, inputs, **settings) as harness:
        return harness.evaluate_frames(frames, output)


def analyze(
    node_type: type[Node],
    frames: Iterable[int] | None = None,
    params: Mapping[str, Any] | None = None,
    inputs: Mapping[str, InputValue] | None = None,
    **settings: Any,
) -> Mapping[str, Any]:
    """Run ``node_type``'s analysis pass; returns the node state it stored."""
    with NodeHarness(node_type, params, inputs, **settings) as harness:
        return harness.analyze(frames)


def generate_take(
    node_type: type[Node],
    params: Mapping[str, Any] | None = None,
    inputs: Mapping[str, InputValue] | None = None,
    frame: int = 1,
    **settings: Any,
) -> Mapping[str, Any]:
    """Make one take of a generative node; returns its data."""
    with NodeHarness(node_type, params, inputs, **settings) as harness:
        return harness.generate_take(frame)


def _given_type(port_type: PortType, value: InputValue) -> type[Node]:
    """A source node type handing out ``value``. Its ``token`` parameter is unique, so two given
    inputs never share a cache key; it is time-dependent unless the value is one constant."""
    if callable(value):
        supply: Callable[[int], Any] = value
        varies = True
    elif isinstance(value, Mapping):
        frames = dict(value)

        def supply(frame: int) -> Any:
            if frame not in frames:
                raise KeyError(f"no input value given for frame {frame} (given: {sorted(frames)})")
            return frames[frame]

        varies = True
    else:

        def supply(frame: int) -> Any:
            return value

        varies = False

    class Given(Node):
        id = "filmstudio.testing.Given"
        category = "Test"
        outputs = (Output("value", port_type),)
        params = (TextParam("token", uuid.uuid4().hex),)
        time_dependent = varies

        def evaluate(self, ctx: Any) -> Any:
            return supply(ctx.frame)

    return Given
