"""Which frames of the viewed node are in the engine's frame cache, for the timeline's cache bar.

Knowing that takes each frame's cache key, and a key is a plan pass over the node's upstream (it
reads the graph, so it runs on the GUI thread). Keys change only when the graph or the project's
format changes, so they are remembered and computed a slice at a time, nearest the playhead first,
within a small time budget per refresh; after that a refresh is one dictionary lookup per frame.
A frame is marked when showing it would compute nothing: for a node that hands on its input
unchanged (a Switch, a faded-out Title) that is when the input's result is cached
(:meth:`Engine.holds` follows the cache's links).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from filmstudio.engine.engine import Engine
from filmstudio.media.pool import reload_count

_UNPLANNABLE = ""  # a frame whose key cannot be made (the node fails to plan): never cached


class CachedFrames:
    """Cache-bar state for one (engine, node, scale). GUI thread only."""

    def __init__(self) -> None:
        self._keys: dict[int, str] = {}
        self._signature: tuple[Any, ...] | None = None
        self.frames: tuple[int, ...] = ()
        self.flags: bytearray = bytearray()  # per frame of :attr:`frames`: 1 = cached

    def note(self, frame: int, key: str) -> None:
        """A key learned elsewhere (a delivered frame's plan), valid for the current signature."""
        if self._signature is not None:
            self._keys[frame] = key

    def update(
        self,
        engine: Engine,
        node: str | None,
        frames: Sequence[int],
        scale: float,
        around: int,
        budget_s: float = 0.004,
    ) -> bool:
        """Recompute :attr:`flags` (one byte per frame of ``frames``: 1 = cached). Plans keys for
        at most ``budget_s`` seconds; returns True when every frame has a key (else call again)."""
        project = engine.project
        settings = project.settings
        signature = (
            id(engine), node, scale, project.graph.revision, settings.format, settings.fps, project.path,
            reload_count(),  # reloading media changes the key of every frame that reads footage
        )  # fmt: skip
        if signature != self._signature:
            self._signature = signature
            self._keys.clear()
        self.frames = tuple(frames)
        if node is None or node not in project.graph.nodes:
            self.flags = bytearray(len(frames))
            return True
        missing = [f for f in frames if f not in self._keys]
        missing.sort(key=lambda f: abs(f - around))
        deadline = time.perf_counter() + budget_s
        for frame in missing:
            try:
                self._keys[frame] = engine.key(node, frame, scale)
            except Exception:  # a node that cannot plan here shows as not cached; the viewer says why
                self._keys[frame] = _UNPLANNABLE
            if time.perf_counter() > deadline:
                break
        keys = self._keys
        self.flags = bytearray(
            1
            if keys.get(frame, _UNPLANNABLE) not in (_UNPLANNABLE, "nothing") and engine.holds(keys[frame])
            else 0
            for frame in frames
        )
        return len(keys) >= len(frames) and all(frame in keys for frame in frames)

    def cached(self, frame: int) -> bool:
        return any(f == frame and flag for f, flag in zip(self.frames, self.flags, strict=False))
