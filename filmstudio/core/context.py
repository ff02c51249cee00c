"""What a node sees while it evaluates: parameter values, inputs, frame, cancel token.

Contexts are built by the engine, on the thread that runs the node, and are not shared between
threads. A :class:`CancelToken` is the one object meant to cross threads.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from filmstudio.core.errors import Cancelled
from filmstudio.core.timebase import Format


class CancelToken:
    """Set from any thread to ask running work to stop; checked by the engine and by long nodes."""

    __slots__ = ("_event", "reason")

    def __init__(self) -> None:
        self._event = threading.Event()
        self.reason = ""

    def cancel(self, reason: str = "cancelled") -> None:
        self.reason = reason
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled(self.reason)

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``, waking at once on cancel; returns whether it was cancelled."""
        return self._event.wait(seconds)


class Values(dict):
    """Parameter values at one frame, readable as ``ctx.params.gain`` or ``ctx.params["gain"]``."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


@dataclass(slots=True)
class EvalContext:
    """Everything one evaluation of one node at one frame may read.

    ``inputs`` maps (input name, frame) to the upstream value; it is empty while the node's
    :meth:`Node.requests` runs. ``device`` is where a node that makes tensors should put them
    ("cpu" or "cuda:N"). ``state`` is the node's saved state (analysis results, takes): read only.
    ``curves`` (only for a node type with ``reads_curves``) holds every parameter as stored: a
    constant or an :class:`~filmstudio.core.params.AnimCurve` (the parameter over time).
    ``progress`` is set by the engine while the node runs (see :meth:`report_progress`).
    """

    node_name: str
    frame: int
    params: Values
    scale: float = 1.0
    format: Format = field(default_factory=Format)
    fps: Fraction = Fraction(24)
    connected: frozenset[str] = frozenset()
    inputs: dict[tuple[str, int], Any] = field(default_factory=dict)
    state: Mapping[str, Any] = field(default_factory=dict)
    take: Mapping[str, Any] | None = None
    device: str = "cpu"
    cancel: CancelToken = field(default_factory=CancelToken)
    project_dir: str | None = None
    curves: Mapping[str, Any] = field(default_factory=dict)
    progress: Callable[[int, int], None] | None = None

    def copy(self, cancel: CancelToken) -> EvalContext:
        """This context for another request of the same evaluation (its ``cancel``), with no
        inputs or progress yet. The planner makes a step's context this way when nothing it
        depends on changed since the last plan."""
        return EvalContext(
            self.node_name,
            self.frame,
            self.params,
            self.scale,
            self.format,
            self.fps,
            self.connected,
            {},
            self.state,
            self.take,
            self.device,
            cancel,
            self.project_dir,
            self.curves,
        )

    def resolve_path(self, path: str) -> str:
        """A path parameter as a usable path: relative paths are relative to the project file."""
        expanded = os.path.expanduser(path)
        if os.path.isabs(expanded) or self.project_dir is None:
            return expanded
        return os.path.join(self.project_dir, expanded)

    @property
    def size(self) -> tuple[int, int]:
        """Output width and height in pixels at this request's proxy scale."""
        return self.format.scaled(self.scale)

    def is_connected(self, name: str) -> bool:
        return name in self.connected

    def input(self, name: str, frame: int | None = None) -> Any:
        """The value of input ``name`` at ``frame`` (default: this frame); None when unconnected."""
        key = (name, self.frame if frame is None else frame)
        if key in self.inputs:
            return self.inputs[key]
        if name not in self.connected:
            return None
        raise KeyError(f"input {name!r} at frame {key[1]} was not requested by {self.node_name}")

    def report_progress(self, done: int, total: int) -> None:
        """Say how far a long evaluation is (``done`` of ``total`` tiles, slices, steps): the viewer
        shows it while the artist waits. Cheap; call it between tiles, next to
        :meth:`check_cancelled`. Outside the engine it does nothing."""
        if self.progress is not None:
            self.progress(done, total)

    def check_cancelled(self) -> None:
        """Raise :class:`Cancelled` if this request was cancelled; call between tiles/batches."""
        self.cancel.raise_if_cancelled()
