"""Stand-ins in the viewer: selecting a slow model node shows its stand-in at once, marked preview
with the node's progress and the time elapsed, then the real frame; another node's picture never
stays under the new name; a stand-in is never cached as the real frame nor exported; playing over
the slow node never stops on its own; Render to cache fills the cache bar so the range plays."""

from __future__ import annotations

import time

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from filmstudio.core.registry import NodeRegistry
from filmstudio.core.timebase import FrameRange
from filmstudio.engine.engine import Engine
from filmstudio.media import read_image
from filmstudio.render.export import render
from filmstudio.ui.jobs import JobsPanel
from filmstudio.ui.viewer.display import to_display
from tests.engine.test_standin import STANDIN_NODES
from tests.ui.test_viewer import headless, pixels, shown, viewer_panel  # noqa: F401  (the `viewer` fixture)

SCREENSHOT = "/tmp/filmstudio-viewer-standin.png"


@pytest.fixture
def registry() -> NodeRegistry:
    """The built-in and test nodes and test.SlowModel (2 s a frame; a stand-in at once)."""
    return NodeRegistry(STANDIN_NODES)


def slow_model(session, seconds: float = 2.0):
    """A Constant (viewed first) and FrameNumber -> SlowModel; returns (constant, source, slow)."""
    constant = session.graph.create("Constant", color=(0.2, 0.4, 0.6, 1.0))
    source = session.graph.create("test.FrameNumber")
    slow = session.graph.create("test.SlowModel", seconds=seconds)
    session.graph.connect(source, slow)
    return constant, source, slow


def shown_events(viewer) -> list[tuple[float, bool, str]]:
    """(when, preview, node) of every picture the canvas shows from now on."""
    events: list[tuple[float, bool, str]] = []

    def record(_frame: int) -> None:
        result = viewer.canvas.result
        if result is not None and result.images:
            events.append((time.perf_counter(), result.preview, result.request.layers[0].node))

    viewer.canvas.imageShown.connect(record)
    return events


@pytest.mark.slow
def test_selecting_a_slow_model_shows_a_standin_at_once_then_the_real_frame(
    session, viewer, qtbot, dark_theme
):
    constant, source, slow = slow_model(session)
    session.select([constant.uuid])
    shown(viewer, 1, qtbot)
    events = shown_events(viewer)
    selected = time.perf_counter()
    session.select([slow.uuid])
    # At once: the Constant's picture is gone; nothing of SlowModel1 exists yet.
    assert viewer.canvas.image() is None and viewer.canvas.computing
    assert viewer.toolbar.node_label.text() == "SlowModel1"

    qtbot.waitUntil(lambda: bool(events), timeout=30_000)
    standin_at, preview, node = events[0]
    assert preview and node == slow.uuid
    assert viewer.requester.pending is not None  # the real frame is still computing
    print(f"\nstand-in on screen {(standin_at - selected) * 1000:.0f} ms after selecting SlowModel1")
    with Engine(session.project, cpu_workers=1) as engine:
        expected = to_display(engine.evaluate(source, 1) * 0.5)
    assert np.array_equal(pixels(viewer.canvas.image()), expected)  # the stand-in's picture

    # marked preview, with the node's progress and the time elapsed
    qtbot.waitUntil(lambda: (viewer.canvas.fraction or 0.0) >= 0.2, timeout=10_000)  # 4 of 20 slices
    status = viewer.canvas.status
    assert status.startswith("stand-in · computing SlowModel1 · frame 1 · ") and status.endswith(" s")
    assert "/20 · " in status
    assert viewer.info_label.text().startswith("preview · computing frame 1")
    QApplication.processEvents()
    assert viewer.grab().save(SCREENSHOT)

    shown(viewer, 1, qtbot)  # then the real frame replaces it
    assert [preview for _at, preview, _node in events] == [True, False]
    assert not viewer.canvas.result.preview and viewer.canvas.status == ""
    assert np.array_equal(pixels(viewer.canvas.image()), headless(session, slow, 1))


def test_a_slow_node_without_a_standin_shows_computing_never_the_previous_picture(session, viewer, qtbot):
    constant = session.graph.create("Constant", color=(0.2, 0.4, 0.6, 1.0))
    source = session.graph.create("test.FrameNumber")
    slow = session.graph.create("test.Slow", seconds=0.8)
    session.graph.connect(source, slow)
    session.select([constant.uuid])
    shown(viewer, 1, qtbot)
    events = shown_events(viewer)
    session.select([slow.uuid])
    canvas = viewer.canvas
    assert canvas.image() is None and canvas.computing
    qtbot.waitUntil(lambda: canvas.busy and canvas.status.startswith("Slow1 · frame 1 · "), timeout=10_000)
    assert canvas.status.endswith(" s") and canvas.image() is None
    assert viewer.grab().save(SCREENSHOT.replace("standin", "computing"))
    shown(viewer, 1, qtbot)
    assert [(preview, node) for _at, preview, node in events] == [(False, slow.uuid)]
    assert not canvas.computing and canvas.status == ""
    # scrubbing the same node keeps its picture under a "computing" banner, not a blank
    session.set_frame(2)
    assert canvas.image() is not None and not canvas.computing
    qtbot.waitUntil(lambda: canvas.busy and canvas.status.startswith("Slow1 · frame 2 · "), timeout=10_000)
    shown(viewer, 2, qtbot)


@pytest.mark.slow
def test_standins_are_never_cached_as_the_real_frame_nor_exported(session, viewer, tmp_path, qtbot):
    _constant, _source, slow = slow_model(session)
    write = session.graph.create("Write", file=str(tmp_path / "out.####.png"), preset="png")
    session.graph.connect(slow, write)
    session.select([slow.uuid])
    events = shown_events(viewer)
    qtbot.waitUntil(lambda: bool(events) and events[-1][1], timeout=30_000)  # the preview of frame 1
    session.set_frame(5)  # the real frame 1 is cancelled: only its stand-in was ever computed
    qtbot.waitUntil(lambda: events[-1][1] and viewer.requester.last_result.frame == 5, timeout=30_000)
    engine = session.engine
    assert engine.standins(slow) == 2 and engine.evaluations(slow) == 0
    assert not engine.is_cached(slow, 1) and not engine.is_cached(slow, 5)
    while not viewer.timeline.refresh_cache_bar():
        pass
    assert not viewer.timeline.cached.cached(1) and not viewer.timeline.cached.cached(5)
    session.set_frame(20)  # nothing left computing frame 5 (the export runs its own)

    render(session.project, write, frames=FrameRange(1, 1), engine=engine)  # the stand-ins are cached
    exported = read_image(tmp_path / "out.0001.png")
    render(session.project, write, output=tmp_path / "fresh.####.png", frames=FrameRange(1, 1))
    assert np.array_equal(exported, read_image(tmp_path / "fresh.0001.png"))  # what a fresh engine writes


@pytest.mark.slow
def test_playing_over_a_two_second_model_holds_and_never_stops_on_its_own(session, viewer, qtbot):
    _constant, _source, slow = slow_model(session)
    session.select([slow.uuid])
    shown(viewer, 1, qtbot)  # the real frame 1
    playback = viewer.playback
    viewer.actions_by_name["play"].trigger()
    qtbot.waitUntil(lambda: session.current_frame >= 3, timeout=30_000)  # frames arrive, one by one
    assert playback.playing  # ~5 s at a 24 fps clock, over 2 s frames: it holds, it does not stop
    held = playback.held_now
    assert held > 24  # over a second of frame intervals spent waiting, counted
    status = viewer.timeline.playback_label.text()
    assert "slower than real time" in status and "held" in status
    qtbot.waitUntil(lambda: playback.held_now > held)  # still counting: still playing
    viewer.actions_by_name["play"].trigger()
    assert not playback.playing


def test_render_to_cache_fills_the_cache_bar_and_the_range_then_plays_in_real_time(session, viewer, qtbot):
    source = session.graph.create("test.FrameNumber")
    slow = session.graph.create("test.SlowModel", seconds=0.05)
    session.graph.connect(source, slow)
    session.select([slow.uuid])
    session.set_in_out(3, 10)
    jobs = JobsPanel(session)
    qtbot.addWidget(jobs)
    viewer.node_tools.jobCreated.connect(jobs.start)  # as the main window does
    progress = []
    job = viewer.render_to_cache()
    assert job is not None and jobs.jobs == [job]
    job.progressed.connect(lambda done, total: progress.append((done, total)))
    qtbot.waitUntil(lambda: job.state == "done", timeout=30_000)
    assert progress[-1] == (8, 8)
    assert viewer.timeline.refresh_cache_bar() or viewer.timeline.refresh_cache_bar()
    cached = [frame for frame in range(1, 101) if viewer.timeline.cached.cached(frame)]
    assert set(range(3, 11)) <= set(cached)
    assert all(session.engine.is_cached(slow, frame) for frame in range(3, 11))
    # the cached range now plays with nothing held
    session.set_frame(3)
    viewer.playback.play()
    qtbot.waitUntil(lambda: session.current_frame == 10, timeout=5000)
    viewer.playback.stop()
    # every frame was ready when due (nothing held); a frame skipped because the GUI thread's timer
    # ticked late (a loaded 2-core runner, a collection of a big heap) is the machine, not the cache
    assert viewer.playback.held == 0 and viewer.playback.dropped <= 1
    jobs.shutdown()


def test_render_to_cache_says_so_when_the_range_cannot_fit(session, viewer, qtbot):
    session.graph.create("test.FrameNumber")
    session.engine.cache.set_budgets(ram=64 * 36 * 16 * 10, vram=0)  # ten 64x36 frames
    messages = []
    session.message.connect(lambda level, text: messages.append((level, text)))
    created = []
    viewer.node_tools.jobCreated.connect(created.append)
    assert viewer.render_to_cache() is None and not created
    level, text = messages[-1]
    assert level == "warning" and "frames 1-100" in text and "frame cache holds" in text
    assert "shorten the in/out range" in text


def test_automatic_proxy_only_when_the_last_full_frame_took_longer_than_a_frame(session, viewer, qtbot):
    source = session.graph.create("test.FrameNumber")
    slow = session.graph.create("test.Slow", seconds=0.5)
    session.graph.connect(source, slow)
    state = viewer.state
    state.scrubbing = True
    state.last_full_seconds = 0.015  # a 15 ms graph: scrubbing stays at full resolution
    assert state.scale == 1.0
    state.scrubbing = False
    shown(viewer, 1, qtbot)  # the slow node's full frame took 0.5 s: learned
    assert state.last_full_seconds >= 0.5 > state.frame_interval
    state.scrubbing = True
    assert state.scale == 0.25
    state.scrubbing, state.last_full_seconds = False, 0.0
    session.set_frame(2)  # superseded after running longer than a frame: slow, learned too
    qtbot.wait(150)
    session.set_frame(3)
    assert state.last_full_seconds > state.frame_interval
    shown(viewer, 3, qtbot)


def test_an_empty_project_says_what_to_do_not_error(session, viewer):
    result = viewer.requester.last_result
    assert not result.error and result.notice == "Nothing to view: add an image node"
    assert viewer.canvas.error == "" and viewer.info_label.text() == ""
