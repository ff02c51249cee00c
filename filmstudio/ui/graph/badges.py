"""Keeps the green "cached" badges true without stalling the GUI.

A node's badge says whether its frame at the playhead is in the engine's cache. Asking costs a
planning pass over the node's upstream, so the scene never asks while painting: a change of frame
or of the graph only marks every badge stale (an epoch number), and a zero-delay timer then asks
the engine about the visible, stale nodes (a batch at a time, planned together) in slices of a few
milliseconds, repainting only those whose answer changed. Nodes out of view are asked when they
scroll in. GUI thread only.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QRectF, QTimer

from filmstudio.ui.graph.node_items import NodeItem

if TYPE_CHECKING:
    from filmstudio.ui.graph.scene import GraphScene

_SLICE_SECONDS = 0.006  # at most this long per event-loop turn, so scrubbing stays smooth
_PAUSE_MS = 10  # between slices when one was not enough
_BATCH = 16  # nodes asked about together: their shared upstream is planned once


class CachedBadges(QObject):
    """The refresher of one scene's cached badges. ``epoch`` moves when every badge may be wrong."""

    def __init__(self, scene: GraphScene) -> None:
        super().__init__(scene)
        self.scene = scene
        self.epoch = 0
        self._timer = QTimer(self)
        self._timer.setObjectName("graph-cached-badges")
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._refresh)

    def invalidate(self) -> None:
        """Every badge may be wrong now (another frame, an edit upstream)."""
        self.epoch += 1
        self.request()

    def request(self) -> None:
        """Check the visible stale badges soon (coalesced: one pending check at a time)."""
        if not self._timer.isActive():
            self._timer.start(0)

    def stop(self) -> None:
        self._timer.stop()

    def _visible_area(self) -> QRectF:
        area = QRectF()
        for view in self.scene.views():
            if view.isVisible():
                area = area.united(view.mapToScene(view.viewport().rect()).boundingRect())
        return area

    def _refresh(self) -> None:
        area = self._visible_area()
        if area.isNull():
            return
        deadline = time.perf_counter() + _SLICE_SECONDS
        items = self.scene.items(area)
        stale = [i for i in items if isinstance(i, NodeItem) and i.cached_epoch != self.epoch]
        for start in range(0, len(stale), _BATCH):
            batch = stale[start : start + _BATCH]
            answers = self.scene.cached_nodes([item.node for item in batch])
            for item in batch:
                item.set_cached(answers.get(item.node.uuid, False), self.epoch)
            if time.perf_counter() > deadline:
                self._timer.start(_PAUSE_MS)
                return
