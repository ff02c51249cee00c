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

Then stand-ins: the demo's Upscale set to a slow model (a random-weight ESRGAN written into the
benchmark's own model folder: seconds a frame on a CPU); for each of ``STANDIN_POSITIONS`` random
frames the caches are emptied, the node above it (PunchIn) is viewed until shown, then the Upscale
is selected: the time from the selection to the canvas showing its stand-in (Lanczos, marked
preview) while the model computes.

Every model folder the store searches points into a temporary folder first, so installed weights
(DAT-light would make the demo's Upscale a model node) cannot change what is measured.

Targets: cached median <= 1/60 s (the engine-cache hits: the slower kind); uncached ratio (median
uncached latency / median bare cost) <= 1.2; stand-in median <= 100 ms.
Last line: RESULT cached_ms=<x> uncached_ratio=<y> standin_ms=<z>
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
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
STANDIN_POSITIONS = int(os.environ.get("STANDIN_POSITIONS", 20))
SLOW_MODEL = "viewer-latency-esrgan-x2.pth"
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


def isolate_models() -> Path:
    """Point every folder the model store searches (it reads them when it looks) at a new
    temporary folder; returns the one for ``$FILMSTUDIO_MODELS``."""
    root = Path(tempfile.mkdtemp(prefix="viewer-latency-models-"))
    for variable, folder in (
        ("XDG_DATA_HOME", "data"),  # the user's model folder (filmstudio models install)
        ("FILMSTUDIO_MODELS", "models"),
        ("HF_HUB_CACHE", "hf"),
        ("TORCH_HOME", "torch"),
    ):
        os.environ[variable] = str(root / folder)
    (root / "models").mkdir()
    return root / "models"


def write_slow_model(folder: Path) -> None:
    """A random-weight ESRGAN x2 (spandrel's architecture, 6 RRDB blocks of 32 features: seconds
    a 640x360 frame on a CPU) in the benchmark's own model folder."""
    import torch
    from spandrel.architectures.ESRGAN import ESRGAN

    torch.manual_seed(0)
    net = ESRGAN(in_nc=3, out_nc=3, num_filters=32, num_blocks=6, scale=2)
    torch.save({"params_ema": net.state_dict()}, folder / SLOW_MODEL)


def standin_latencies(app: QApplication, panel: ViewerPanel, rng: random.Random) -> list[float]:
    """Seconds from selecting the (uncached, slow) Upscale to its stand-in on the canvas."""
    session = panel.session
    graph = session.graph
    upscale = next(n for n in graph.nodes.values() if n.name == "Upscale")
    above = next(n for n in graph.nodes.values() if n.name == "PunchIn")
    upscale.set("method", "model")
    upscale.set("model", SLOW_MODEL)
    upscale.set("tile_size", 128)  # progress by tiles; a cancel waits for one tile at most
    shown_at: list[float] = []

    def record(_frame: int) -> None:
        result = panel.canvas.result
        if result is not None and result.preview and not shown_at:
            shown_at.append(time.perf_counter())

    panel.canvas.imageShown.connect(record)
    times = []
    for index in range(-2, STANDIN_POSITIONS):
        session.engine.cache.clear()
        panel.requester.images.clear()
        session.select([above.uuid])
        session.set_frame(rng.choice(list(session.frame_range)))
        wait_for(app, lambda: panel.requester.pending is None and not panel.canvas.error, 60)
        settle(app)
        shown_at.clear()
        started = time.perf_counter()
        session.select([upscale.uuid])
        wait_for(app, lambda: bool(shown_at) or bool(panel.canvas.error), 20)
        if not shown_at:
            raise RuntimeError(f"no stand-in was shown: {panel.canvas.error or 'timeout'}")
        if index >= 0:
            times.append(shown_at[0] - started)
    session.select([above.uuid])  # the real Upscale frame is cancelled
    return times


def wait_for(app: QApplication, condition, seconds: float) -> None:
    deadline = time.perf_counter() + seconds
    while not condition() and time.perf_counter() < deadline:
        app.processEvents()
        time.sleep(0.0005)


def settle(app: QApplication) -> None:
    """Let queued events (cache bar, status) run, so they are not counted in the next move."""
    deadline = time.perf_counter() + 0.02
    while time.perf_counter() < deadline:
        app.processEvents()
        time.sleep(0.001)


def main() -> int:
    models = isolate_models()
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
        write_slow_model(models)
        standins = standin_latencies(app, panel, rng)
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
    standin_ms = median(standins) * 1e3
    print(
        f"stand-in: selecting the uncached Upscale (a slow model) to its preview on screen: median "
        f"{standin_ms:.1f} ms, max {max(standins) * 1e3:.1f} ms over {len(standins)} selections"
    )
    print(f"RESULT cached_ms={cached_ms:.2f} uncached_ratio={ratio:.3f} standin_ms={standin_ms:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
