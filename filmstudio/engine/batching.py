"""Batching model work across frames: exports hand model nodes several frames at once.

A node type opts in by declaring ``batch_size`` > 1 and ``evaluate_batch`` (checked when the class
is defined: only ``Device.GPU`` nodes batch, on the model worker). When one request plans several
frames (:meth:`Scheduler.execute_frames`), :class:`Batcher` holds that node's ready steps until a
batch is full, every step of the node in the request is ready, or nothing else can make progress —
then they run as one call on the model worker. A single step always goes through ``evaluate``.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from filmstudio.core.node import Node


def batch_size_of(node_type: type[Node]) -> int:
    """How many frames ``node_type`` evaluates in one call (1: it does not batch)."""
    return max(1, node_type.batch_size)


class Batcher:
    """Ready steps of batchable nodes, held per node until a batch is due. Used by one request's
    run loop, on that request's thread (not thread-safe, and need not be)."""

    def __init__(self, order: list[Any]) -> None:
        # stand-ins are never batched: they run alone, through the node's ``standin``
        self._pending: Counter[str] = Counter(
            s.node.uuid for s in order if batch_size_of(s.node.type) > 1 and not s.standin
        )
        self.held: dict[str, list[Any]] = {}
        self.active = bool(self._pending)  # whether any step of the run batches at all

    def hold(self, step: Any) -> bool:
        """Keep ``step`` for a batch (True), or leave it to run on its own (False)."""
        if step.standin or step.node.uuid not in self._pending:
            return False
        self.held.setdefault(step.node.uuid, []).append(step)
        return True

    def due(self, stalled: bool) -> list[list[Any]]:
        """Batches to start now, each sorted by frame. ``stalled``: nothing else is running or
        ready, so everything held must go (a frame's inputs may wait on another held node)."""
        batches: list[list[Any]] = []
        for uuid, steps in list(self.held.items()):
            limit = batch_size_of(steps[0].node.type)
            if stalled or len(steps) >= self._pending[uuid]:
                count = len(steps)
            else:
                count = len(steps) // limit * limit
            if not count:
                continue
            steps.sort(key=lambda s: s.frame)
            going, kept = steps[:count], steps[count:]
            if kept:
                self.held[uuid] = kept
            else:
                del self.held[uuid]
            self._pending[uuid] -= count
            batches.extend(going[i : i + limit] for i in range(0, count, limit))
        return batches
