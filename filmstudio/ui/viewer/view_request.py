"""What the viewer asks for and what it gets back: a :class:`ViewRequest` captured on the GUI thread
and the :class:`FrameResult` delivered for it, frozen so they cross threads; plus the small helpers
the frame requester and its callers share (errors as one line, cache lookups without a thread hop).
"""

from __future__ import annotations

import time
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

from filmstudio.core.context import CancelToken
from filmstudio.core.errors import EvaluationError, FilmStudioError
from filmstudio.engine.cache import MISSING
from filmstudio.engine.engine import Engine
from filmstudio.engine.planner import Plan
from filmstudio.ui.viewer.display import Channel
from filmstudio.ui.viewer.display_cache import DisplayImage
from filmstudio.ui.viewer.state import Layer


@dataclass(frozen=True, eq=False)
class ViewRequest:
    """One frame the viewer wants, captured on the GUI thread: per layer the engine plan of its
    output (and of the image under a mask overlay) and its display-cache key."""

    generation: int
    frame: int
    scale: float
    channel: Channel
    display: str
    view: str | None
    exact: bool
    layers: tuple[Layer, ...]
    plans: tuple[tuple[Plan, Plan | None], ...]
    keys: tuple[Hashable, ...]
    engine: Engine
    token: CancelToken
    preview: bool = False  # a stand-in evaluation (see the module)
    created: float = field(default_factory=time.perf_counter)

    def cancel(self) -> None:
        self.token.cancel("superseded")


@dataclass(frozen=True, eq=False)
class FrameResult:
    """What the viewer shows for one request: a display image per layer and the working-space
    values beneath them (for the pixel readout; None where the cache let go of one), or an error
    text. Created on any thread, delivered on the GUI thread."""

    request: ViewRequest | None
    frame: int
    images: tuple[DisplayImage, ...] = ()
    working: tuple[Any, ...] = ()
    error: str = ""
    synchronous: bool = False
    notice: str = ""  # a message that is not an error ("nothing to view")

    @property
    def preview(self) -> bool:
        """A stand-in's picture, shown until the real frame arrives."""
        return self.request is not None and self.request.preview

    @property
    def latency(self) -> float:
        """Seconds from capturing the request to now (call it on delivery)."""
        return time.perf_counter() - self.request.created if self.request is not None else 0.0


def describe(error: BaseException) -> str:
    """A failure as one line for the viewer: never a traceback."""
    if isinstance(error, EvaluationError):
        return f"{error.node_name} failed at frame {error.frame}: {error.problem}"
    if isinstance(error, FilmStudioError):
        return str(error)
    return f"{type(error).__name__}: {error}"


def cached_value(engine: Engine, plan: Plan) -> Any:
    """The plan's result if the engine's cache holds it, else :data:`MISSING`: a dictionary lookup
    (no node runs, no thread hop). GUI thread. A multi-output result is read by the plan's port;
    when that port is not in it (a disabled node passing on another node's output) the frame is
    simply treated as not cached and takes the background path."""
    key = plan.key
    if key == "nothing":
        return None
    value = engine.lookup(key)
    if isinstance(value, dict):
        return value.get(plan.port, MISSING)
    return value


def pixel_count(value: Any) -> int:
    """Pixels of a value with an image shape (0 for anything else)."""
    shape = getattr(value, "shape", None)
    return int(shape[-1] * shape[-2]) if shape is not None and len(shape) >= 2 else 0
