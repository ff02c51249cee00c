"""Viewer latency on the demo project: a real ViewerPanel in an offscreen QApplication.

For each of 200 random scrub positions (interleaved, the order of the two sides alternating):

  * uncached: the engine's frame cache, the viewer's display cache and the decoders' decoded-frame
    windows emptied; time from ``session.set_frame`` to the canvas announcing the new QImage
    (``ImageCanvas.imageShown``), with the GUI event loop running (a QEventLoop, not a busy wait);
  * bare: the same node and frame on a separate headless Engine with its cache and the decoded
    frames emptied the same way: ``engine.evaluate`` alone (decode + evaluate, no display work);
  * cached: the playhead moved to a frame the engine has cached but the viewer has never shown
    (the display conversion runs on this move), and back to a frame the viewer has shown (a
    display-cache hit, what scrubbing back costs).

Targets: cached median <= 1/60 s (the engine-cache hits: the slower kind); uncached ratio (median
uncached latency / median bare cost) <= 1.2.
Last line: RESULT cached_ms=<x> uncached_ratio=<y>
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

from filmstudio.core.project import Project
from filmstudio.engine.engine import Engine
from filmstudio.ui.session import EditorSession
from filmstudio.ui.viewer import ViewerPanel

DEMO = Path(__file__).resolve().parent.parent / "resources" / "demo" / "demo.fsproj"
POSITIONS = int(os.environ.get("POSITIONS", 200))
WARMUP = 10
SEED = 4


def forget_decoded_frames() -> None:
    """Empty every open clip's decoded-frame window and decoder position, so the next read of any
    frame seeks and decodes (private media state; a benchmark may reach into it, the app never)."""
    from filmstudio.media.pool import shared_pool

    for clip in list(shared_pool._clips.values()):
        reader = clip.source
        lock = getattr(reader, "_lock", None)
        if lock is None:
            continue
        with lock:
            reader._cache.clear()
            reader._frames = None
            reader._decoded_position = None


class Probe:
    """Times playhead moves to the canvas's imageShown, waiting in a real event loop."""

    def __init__(self, panel: ViewerPanel) -> None:
        self.panel = panel
        self.loop = QEventLoop()
        self.timeout = QTimer()
        self.timeout.setSingleShot(True)
        self.timeout.timeout.connect(self.loop.quit)
        self.target: int | None = None
        self.shown_at: float | None = None
        panel.canvas.imageShown.connect(self._shown)

    def _shown(self, frame: int) -> None:
        if frame == self.target and self.shown_at is None:
            self.shown_at = time.perf_counter()
            self.loop.quit()

    def move(self, frame: int) -> tuple[float, bool]:
        """Seconds from ``set_frame(frame)`` to the image shown, and whether it came synchronously."""
        session = self.panel.session
        self.target, self.shown_at = frame, None
        started = time.perf_counter()
        session.set_frame(frame)
        synchronous = self.shown_at is not None
        if not synchronous:
            self.timeout.start(20_000)
            self.loop.exec()
            self.timeout.stop()
        if self.shown_at is None or self.panel.canvas.error:
            raise RuntimeError(f"frame {frame} was not shown: {self.panel.canvas.error or 'timeout'}")
        return self.shown_at - started, synchronous


def display_cost(engine: Engine, node: str, frame: int) -> tuple[float, float]:
    """Median milliseconds of the viewer's display conversion of one frame: baked LUT, exact view."""
    from filmstudio.ui.viewer.display import to_display

    value = engine.evaluate(node, frame)
    costs = []
    for exact in (False, True):
        to_display(value, exact=exact)
        times = []
        for _ in range(5 if exact else 30):
            started = time.perf_counter()
            to_display(value, exact=exact)
            times.append(time.perf_counter() - started)
        costs.append(statistics.median(times) * 1e3)
    return costs[0], costs[1]


def settle(app: QApplication) -> None:
    """Let queued events (cache bar, status) run, so they are not counted in the next move."""
    deadline = time.perf_counter() + 0.02
    while time.perf_counter() < deadline:
        app.processEvents()
        time.sleep(0.001)


def main() -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    session = EditorSession(Project.load(DEMO))
    panel = ViewerPanel(session)
    panel.resize(1280, 800)
    panel.show()
    probe = Probe(panel)
    bare = Engine(Project.load(DEMO))
    node = session.viewed_node
    name = session.graph.nodes[node].name
    frames = list(session.frame_range)
    rng = random.Random(SEED)

    uncached, bare_s, engine_hits, display_hits, hops = [], [], [], [], 0
    previous = session.current_frame
    try:
        for index in range(-WARMUP, POSITIONS):
            frame = rng.choice([f for f in frames if f != previous])
            other = rng.choice([f for f in frames if f not in (frame, previous)])

            def viewer_side(frame: int = frame) -> float:
                session.engine.cache.clear()
                panel.requester.images.clear()
                forget_decoded_frames()
                settle(app)
                seconds, synchronous = probe.move(frame)
                assert not synchronous, "an uncached frame cannot be shown synchronously"
                return seconds

            def bare_side(frame: int = frame) -> float:
                bare.cache.clear()
                forget_decoded_frames()
                started = time.perf_counter()
                bare.evaluate(node, frame)
                return time.perf_counter() - started

            if index % 2 == 0:
                viewer_s, headless_s = viewer_side(), bare_side()
            else:
                headless_s, viewer_s = bare_side(), viewer_side()

            session.engine.evaluate(node, other)  # cached by the engine, never shown by the viewer
            settle(app)
            engine_hit, synchronous = probe.move(other)
            settle(app)
            display_hit, _synchronous = probe.move(frame)  # scrubbing back to a shown frame
            settle(app)
            previous = frame
            if index >= 0:
                uncached.append(viewer_s)
                bare_s.append(headless_s)
                engine_hits.append(engine_hit)
                display_hits.append(display_hit)
                hops += not synchronous
        baked_ms, exact_ms = display_cost(bare, node, frames[len(frames) // 2])
    finally:
        panel.shutdown()
        panel.close()
        session.close()
        bare.close()

    median = statistics.median
    ratio = median(uncached) / median(bare_s)
    per_frame = median(u / b for u, b in zip(uncached, bare_s, strict=True))
    cached_ms = median(engine_hits) * 1e3
    display = panel.requester.state.display, panel.requester.state.view or "default view"
    print(f"demo project, viewing {name!r} (640x360), {POSITIONS} random positions, display {display}")
    viewer_ms, bare_ms = median(uncached) * 1e3, median(bare_s) * 1e3
    print(f"uncached: viewer {viewer_ms:7.2f} ms   bare decode+evaluate {bare_ms:7.2f} ms")
    print(f"uncached: ratio of medians {ratio:.3f}   median of per-frame ratios {per_frame:.3f}")
    print(f"display transform alone: baked LUT {baked_ms:.2f} ms, exact view {exact_ms:.2f} ms per frame")
    print(
        f"cached:   engine-cache hit {cached_ms:6.2f} ms ({POSITIONS - hops}/{POSITIONS} with no thread hop)"
        f"   display-cache hit {median(display_hits) * 1e3:6.2f} ms"
    )
    print(f"RESULT cached_ms={cached_ms:.2f} uncached_ratio={ratio:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
