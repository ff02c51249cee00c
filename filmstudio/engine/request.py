"""What one evaluation asks for: a node's output at some frames and scale, with its cancel token.

A :class:`FrameRequest` is captured once — by a script, the viewer, an export — and flows unchanged
through the planner and the scheduler; it is frozen, so it may be handed to any thread.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from filmstudio.core.context import CancelToken
from filmstudio.core.graph import NodeInstance


@dataclass(frozen=True)
class FrameRequest:
    """The value of ``node``'s ``output`` (None: its first) at each of ``frames``, at ``scale``
    (1.0: full resolution). Frames of one request are planned and run together: what they share
    upstream is computed once and model nodes that batch get them together.

    ``cancel`` stops the request from any thread. ``cache_frames=False`` (exports) caches only
    results that are the same on every frame (a title, a still, a script): a linear render never
    revisits a frame, and caching them would only cost memory and time.

    ``standin=True`` (the viewer's previews, never an export) asks for the *stand-in evaluation*:
    every node that offers a stand-in (:meth:`Node.standin`) and whose real result is not cached
    runs its stand-in instead, on real inputs; those steps and everything downstream of them get
    cache keys of their own, so no stand-in is ever taken for a real result.
    """

    node: str | NodeInstance
    frames: tuple[int, ...]
    output: str | None = None
    scale: float = 1.0
    cancel: CancelToken = field(default_factory=CancelToken, compare=False)
    cache_frames: bool = True
    standin: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.frames, tuple) or not all(type(f) is int for f in self.frames):
            object.__setattr__(self, "frames", tuple(int(f) for f in self.frames))

    @classmethod
    def at(
        cls,
        node: str | NodeInstance,
        frame: int,
        output: str | None = None,
        scale: float = 1.0,
        cancel: CancelToken | None = None,
        cache_frames: bool = True,
        *,
        standin: bool = False,
    ) -> FrameRequest:
        """A request of one frame (a new cancel token unless ``cancel`` is given)."""
        return cls(node, (int(frame),), output, scale, cancel or CancelToken(), cache_frames, standin)

    @classmethod
    def of(
        cls,
        node: str | NodeInstance,
        frames: Iterable[int],
        output: str | None = None,
        scale: float = 1.0,
        cancel: CancelToken | None = None,
        cache_frames: bool = True,
    ) -> FrameRequest:
        """A request of several frames, run as one (exports, batched model nodes)."""
        return cls(node, tuple(int(f) for f in frames), output, scale, cancel or CancelToken(), cache_frames)

    @property
    def frame(self) -> int:
        """The frame of a one-frame request."""
        if len(self.frames) != 1:
            raise ValueError(f"this request is of {len(self.frames)} frames, not one")
        return self.frames[0]
