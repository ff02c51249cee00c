"""What the viewer is waiting for, said while it waits: the node and frame being computed, the slow
node's own progress (tiles, slices: ``ctx.report_progress``) and the time elapsed, refreshed every
``TICK_MS`` while a request is pending, on the canvas and in the panel's info line. GUI thread.

The artist who selects a 15-second model node sees at once what computes and how far it is, not a
few-pixel dot under the previous node's picture.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

from filmstudio.ui.viewer.canvas import ImageCanvas
from filmstudio.ui.viewer.frames import FrameRequester, FrameResult, ViewRequest

TICK_MS = 100


def wait_text(request: ViewRequest, progress: tuple[str, int, int] | None, now: float) -> str:
    """ "Upscale · frame 12 · 3/12 · 4.2 s": what is computed, how far, for how long (a slow node
    upstream of the viewed one is named: "Grade · frame 12 · Upscale 3/12 · 4.2 s")."""
    names = list(dict.fromkeys(layer.name or "the viewed node" for layer in request.layers))
    parts = [f"{' / '.join(names)} · frame {request.frame}"]
    if progress is not None:
        node, done, total = progress
        parts.append(f"{done}/{total}" if node in names else f"{node} {done}/{total}")
    parts.append(f"{now - request.created:.1f} s")
    return " · ".join(parts)


class ComputeStatus(QObject):
    """Follows ``requester``: tells ``canvas`` when a request starts (it keeps or clears the
    picture) and, while one is pending, what it waits for; ``info`` gets a short line for the
    panel's status bar. Call :meth:`stop` when the panel shuts down."""

    def __init__(
        self,
        requester: FrameRequester,
        canvas: ImageCanvas,
        info: Callable[[str], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.requester, self.canvas, self.info = requester, canvas, info
        self.timer = QTimer(self)
        self.timer.setObjectName("viewer compute status clock")
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self.update)
        requester.requestStarted.connect(self._started)
        requester.frameReady.connect(self._delivered)

    def _started(self, request: ViewRequest) -> None:
        self.canvas.begin_request(request)
        self.timer.start()
        self.update()

    def _delivered(self, result: FrameResult) -> None:
        if self.requester.pending is None:
            self.stop()
        else:
            self.update()  # a preview arrived: the real frame is still computing

    def update(self) -> None:
        """Refresh the texts now (the timer does it every TICK_MS)."""
        pending = self.requester.pending
        if pending is None:
            self.stop()
            return
        progress = self.requester.progress()
        fraction = None if progress is None or progress[2] <= 0 else progress[1] / progress[2]
        text = wait_text(pending, progress, time.perf_counter())
        shown = self.requester.last_result
        preview = shown is not None and shown.preview and shown.request is not None
        if preview:
            text = f"stand-in · computing {text}"
        self.canvas.set_status(text, fraction)
        elapsed = time.perf_counter() - pending.created
        self.info(f"{'preview · ' if preview else ''}computing frame {pending.frame} · {elapsed:.1f} s")

    def stop(self) -> None:
        self.timer.stop()
        self.canvas.set_status("")
