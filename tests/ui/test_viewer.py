"""The viewer: what it shows equals a headless evaluation; frames never block the GUI thread; stale
requests are cancelled; edits, keyframes, errors, A/B wipe, channels, masks and the readout."""

from __future__ import annotations

import time

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt, QTimer
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from filmstudio.engine.engine import Engine
from filmstudio.ui.viewer import ViewerPanel
from filmstudio.ui.viewer.display import Channel, to_display
from tests.helpers import Slow


@pytest.fixture(name="viewer")
def viewer_panel(session, qtbot):
    """A shown 900x600 viewer panel on the test session, shut down before the session closes."""
    panel = ViewerPanel(session)
    qtbot.addWidget(panel)
    panel.resize(900, 600)
    panel.show()
    yield panel
    panel.shutdown()
    panel.close()


def pixels(image) -> np.ndarray:
    """A QImage (RGBX8888) as an [H, W, 4] uint8 array."""
    buffer = np.frombuffer(image.constBits(), np.uint8, image.sizeInBytes())
    rows = buffer.reshape(image.height(), image.bytesPerLine())[:, : image.width() * 4]
    # A copy: the buffer belongs to the QImage, which may be a temporary (grab().toImage()).
    return rows.reshape(image.height(), image.width(), 4).copy()


def headless(session, node, frame: int, **options) -> np.ndarray:
    """What the viewer must show: a fresh engine's evaluation converted the viewer's way."""
    with Engine(session.project, cpu_workers=1) as engine:
        return to_display(engine.evaluate(node, frame), **options)


def shown(viewer, frame: int, qtbot, timeout: int = 30_000, images: int = 1, error: bool = False):
    """Wait until the viewer shows ``frame`` (at full resolution, or an error) and return it."""

    def arrived() -> None:
        result = viewer.requester.last_result
        assert result is not None and result.frame == frame and viewer.requester.pending is None
        assert not viewer.requester._coalesce.isActive()  # no graph edit waiting to be shown
        if error:
            assert result.error
        else:
            assert len(result.images) == images and result.images[0].scale == 1.0

    qtbot.waitUntil(arrived, timeout=timeout)
    return viewer.requester.last_result


def send_mouse(widget, kind: QEvent.Type, x: float, buttons=Qt.MouseButton.LeftButton) -> None:
    button = Qt.MouseButton.LeftButton if kind != QEvent.Type.MouseMove else Qt.MouseButton.NoButton
    point = QPointF(x, widget.height() / 2)
    event = QMouseEvent(
        kind, point, widget.mapToGlobal(point), button, buttons, Qt.KeyboardModifier.NoModifier
    )
    QApplication.sendEvent(widget, event)


def noise(session):
    node = session.graph.create("Noise", size=8.0)
    node.set_keyframe("evolution", 1, 0.0)
    node.set_keyframe("evolution", 100, 20.0)
    return node


def test_scrubbing_the_timeline_shows_the_headless_frame(session, viewer, qtbot):
    node = noise(session)
    viewer.state.last_full_seconds = 1.0  # as after a slow full frame: automatic proxy acts
    ruler = viewer.timeline.ruler
    scales = []
    viewer.requester.frameReady.connect(lambda result: scales.append((result.frame, result.request.scale)))
    send_mouse(ruler, QEvent.Type.MouseButtonPress, ruler.x_of(10))
    qtbot.waitUntil(lambda: viewer.requester.last_result.frame == 10)
    for frame in (20, 30, 37):
        send_mouse(ruler, QEvent.Type.MouseMove, ruler.x_of(frame))
        assert session.current_frame == frame  # the playhead follows the drag at once
    qtbot.waitUntil(lambda: viewer.requester.last_result.frame == 37)
    assert (10, 0.25) in scales and (37, 0.25) in scales  # automatic proxy while dragging
    send_mouse(ruler, QEvent.Type.MouseButtonRelease, ruler.x_of(37), Qt.MouseButton.NoButton)

    result = shown(viewer, 37, qtbot)  # refined to full resolution on release
    assert not result.error
    assert np.array_equal(pixels(viewer.canvas.image()), headless(session, node, 37))
    assert not np.array_equal(pixels(viewer.canvas.image()), headless(session, node, 36))


def test_a_cached_frame_shows_synchronously(session, viewer, qtbot):
    node = noise(session)
    session.engine.evaluate(node, 42)
    session.set_frame(42)  # no event loop turn: delivered inside set_frame
    result = viewer.requester.last_result
    assert result.frame == 42 and result.synchronous and viewer.requester.pending is None
    assert np.array_equal(pixels(viewer.canvas.image()), headless(session, node, 42))
    session.set_frame(43)
    shown(viewer, 43, qtbot)
    evaluations = session.engine.evaluations(node)
    session.set_frame(42)  # scrubbing back: shown inside set_frame, nothing computed again
    assert viewer.requester.last_result.synchronous and viewer.requester.last_result.frame == 42
    assert session.engine.evaluations(node) == evaluations  # (its latency: benchmarks/viewer_latency)


def test_a_slow_node_never_blocks_the_gui_and_moving_the_playhead_cancels_it(session, viewer, qtbot):
    source = session.graph.create("test.FrameNumber")
    slow = session.graph.create("test.Slow", seconds=0.6)
    session.graph.connect(source, slow)
    shown(viewer, 1, qtbot, timeout=5000)
    frames_shown = []
    viewer.requester.frameReady.connect(lambda result: frames_shown.append(result.frame))
    Slow.started.clear()

    session.set_frame(5)
    stale = viewer.requester.pending
    assert stale is not None and stale.frame == 5
    assert Slow.started.wait(2.0)
    gaps = []
    last = [time.perf_counter()]

    def ping() -> None:
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    timer = QTimer()
    timer.timeout.connect(ping)
    timer.start(10)
    try:
        qtbot.wait(300)  # the slow node computes meanwhile
    finally:
        timer.stop()
    assert len(gaps) > 10 and max(gaps) < 0.1, f"the GUI stalled for {max(gaps) * 1000:.0f} ms"

    session.set_frame(6)
    assert stale.token.cancelled and viewer.requester.pending.frame == 6
    result = shown(viewer, 6, qtbot)
    assert not result.error
    assert 5 not in frames_shown  # the stale frame was never shown
    assert np.array_equal(pixels(viewer.canvas.image()), headless(session, slow, 6))


def test_an_inspector_edit_updates_the_viewer(session, viewer, qtbot):
    node = session.graph.create("Constant", color=(0.2, 0.2, 0.2, 1.0))
    shown(viewer, 1, qtbot)
    before = pixels(viewer.canvas.image()).copy()
    node.set(color=(0.8, 0.4, 0.1, 1.0), merge=True)  # what a colour swatch drag does
    qtbot.waitUntil(lambda: not np.array_equal(pixels(viewer.canvas.image()), before))
    shown(viewer, 1, qtbot)
    assert np.array_equal(pixels(viewer.canvas.image()), headless(session, node, 1))


def test_keyframes_animate_the_render_and_step_keys_jumps_to_them(session, viewer, qtbot):
    node = session.graph.create("test.CountingSource")
    node.set_keyframe("value", 1, 0.0)
    node.set_keyframe("value", 21, 1.0)
    shown(viewer, 1, qtbot)
    assert viewer.keys == [1, 21]
    viewer.actions_by_name["next_key"].trigger()
    assert session.current_frame == 21
    shown(viewer, 21, qtbot)
    assert np.array_equal(pixels(viewer.canvas.image()), headless(session, node, 21))
    session.set_frame(11)  # halfway: linear 0.5
    shown(viewer, 11, qtbot)
    assert np.array_equal(pixels(viewer.canvas.image()), headless(session, node, 11))
    assert 0 < pixels(viewer.canvas.image())[0, 0, 0] < headless(session, node, 21)[0, 0, 0]
    viewer.actions_by_name["previous_key"].trigger()
    assert session.current_frame == 1


def test_an_error_shows_as_text_not_a_traceback(session, viewer, qtbot):
    source = session.graph.create("Constant")
    failing = session.graph.create("test.Failing")
    session.graph.connect(source, failing)
    session.set_frame(12)
    result = shown(viewer, 12, qtbot, error=True)
    assert result.error == f"{failing.name} failed at frame 12: ZeroDivisionError: the test node always fails"
    assert viewer.canvas.error == result.error and "Traceback" not in result.error
    failing.set_disabled(True)  # pass-through: the image comes back
    qtbot.waitUntil(lambda: not viewer.requester.last_result.error and viewer.canvas.image() is not None)


def test_ab_wipe_shows_a_left_of_the_line_and_b_right(session, viewer, qtbot):
    dark = session.graph.create("Constant", color=(0.05, 0.05, 0.05, 1.0))
    bright = session.graph.create("Constant", color=(0.9, 0.9, 0.9, 1.0))
    session.select([dark.uuid])
    viewer.actions_by_name["input_a"].trigger()
    session.select([bright.uuid])
    viewer.actions_by_name["input_b"].trigger()  # assigning B turns the wipe on
    assert viewer.state.wipe
    shown(viewer, 1, qtbot, images=2)
    canvas = viewer.canvas
    canvas.set_wipe(0.25)
    grabbed = canvas.grab().toImage()
    line = canvas.to_widget(QPointF(0.25 * canvas.image_size.width(), 0)).x()
    y = round(canvas.height() / 2)
    left, right = grabbed.pixelColor(round(line) - 20, y), grabbed.pixelColor(round(line) + 20, y)
    assert left.red() == headless(session, dark, 1)[0, 0, 0]
    assert right.red() == headless(session, bright, 1)[0, 0, 0]
    # dragging the line moves it
    press = canvas.to_widget(QPointF(0.25 * canvas.image_size.width(), 18)).toPoint()
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=press)
    qtbot.mouseMove(canvas, QPoint(press.x() + 100, press.y()))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=QPoint(press.x() + 100, press.y()))
    assert canvas.wipe > 0.3


def test_channel_view_red_shows_the_red_channel_as_grey(session, viewer, qtbot):
    node = session.graph.create("Constant", color=(0.8, 0.2, 0.05, 1.0))
    shown(viewer, 1, qtbot)
    viewer.setFocus()
    qtbot.keyClick(viewer.canvas, Qt.Key.Key_R)
    assert viewer.state.channel is Channel.RED
    qtbot.waitUntil(lambda: viewer.requester.last_result.request.channel is Channel.RED)
    red, green, blue = pixels(viewer.canvas.image())[5, 5, :3].tolist()
    assert red == green == blue > 0
    session.pin(node.uuid)  # the viewer stays on node while a reference grey is added
    grey = session.graph.create("Constant", color=(0.8, 0.8, 0.8, 1.0))
    assert red == headless(session, grey, 1)[5, 5, 1]  # the red channel shown as a grey of it
    assert np.array_equal(pixels(viewer.canvas.image()), headless(session, node, 1, channel=Channel.RED))
    qtbot.keyClick(viewer.canvas, Qt.Key.Key_R)  # again: back to RGB
    assert viewer.state.channel is Channel.RGB


def test_pixel_readout_shows_the_working_value_under_the_cursor(session, viewer, qtbot):
    session.graph.create("Constant", color=(0.8, 0.25, 0.125, 1.0))
    shown(viewer, 1, qtbot)
    canvas = viewer.canvas
    point = canvas.to_widget(QPointF(10.5, 20.5)).toPoint()
    qtbot.mouseMove(canvas, point)
    qtbot.waitUntil(lambda: "x 10" in viewer.readout_label.text())
    text = viewer.readout_label.text()
    assert "y 20" in text and "R  0.8000" in text and "G  0.2500" in text and "A  1.0000" in text


def test_a_mask_shows_grey_or_red_over_its_image(session, viewer, qtbot):
    ramp = session.graph.create("Ramp")  # alpha 1 everywhere
    split = session.graph.create("test.Split")
    session.graph.connect(ramp, split)
    session.select([split.uuid])
    assert not viewer.toolbar.output_combo.isHidden()  # two viewable outputs
    viewer.set_output("alpha")
    shown(viewer, 1, qtbot)
    assert pixels(viewer.canvas.image())[3, 3, :3].tolist() == [255, 255, 255]  # alpha 1 as grey
    viewer.actions_by_name["mask_overlay"].trigger()
    qtbot.waitUntil(lambda: viewer.requester.last_result.request.layers[0].under is not None)
    shown(viewer, 1, qtbot)
    r, g, b = pixels(viewer.canvas.image())[3, 3, :3].tolist()
    assert r > g + 60 and g == b  # the dark end of the ramp, half covered in red


def test_zoom_keeps_the_point_under_the_cursor_and_shortcuts_fit(session, viewer, qtbot):
    session.graph.create("Constant")
    shown(viewer, 1, qtbot)
    canvas = viewer.canvas
    anchor = QPointF(300, 200)
    before = canvas.to_image(anchor)
    canvas.zoom_by(2.0, anchor)
    after = canvas.to_image(anchor)
    assert abs(before.x() - after.x()) < 1e-6 and abs(before.y() - after.y()) < 1e-6
    canvas.setFocus()
    qtbot.keyClick(canvas, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert canvas.zoom == 1.0
    qtbot.keyClick(canvas, Qt.Key.Key_H)
    fitted = min(canvas.width() / 64, canvas.height() / 36) * 0.92
    assert canvas.fitted and canvas.zoom == pytest.approx(fitted)


def test_proxy_scale_evaluates_smaller_frames(session, viewer, qtbot):
    node = session.graph.create("Ramp")
    viewer.actions_by_name["proxy_2"].trigger()
    qtbot.waitUntil(lambda: viewer.canvas.image() is not None and viewer.canvas.image().width() == 32)
    assert viewer.canvas.image().width() == 32 and viewer.canvas.image_size.width() == 64
    with Engine(session.project, cpu_workers=1) as engine:
        expected = to_display(engine.evaluate(node, 1, scale=0.5))
    assert np.array_equal(pixels(viewer.canvas.image()), expected)


def test_the_baked_view_matches_the_exact_one_and_exact_mode_runs_it(session, viewer, qtbot):
    ramp = session.graph.create("Ramp", end_color=(2.0, 1.2, 0.4, 1.0))  # colours and super-whites
    noise = session.graph.create("Noise", size=6.0, high=(0.9, 0.3, 1.5, 1.0))
    for node in (ramp, noise):
        with Engine(session.project, cpu_workers=1) as engine:
            value = engine.evaluate(node, 1)
        baked = to_display(value).astype(int)
        exact = to_display(value, exact=True).astype(int)
        assert np.abs(baked - exact).max() <= 2, node.name
    shown(viewer, 1, qtbot)
    viewer.actions_by_name["exact_display"].trigger()
    qtbot.waitUntil(lambda: viewer.requester.last_result.request.exact)
    shown(viewer, 1, qtbot)
    assert np.array_equal(pixels(viewer.canvas.image()), headless(session, noise, 1, exact=True))
    assert viewer.toolbar.view_combo.count() > 1 and viewer.toolbar.view_combo.isVisibleTo(viewer)


def test_force_sync_evaluates_on_the_calling_thread(session, viewer):
    node = noise(session)
    viewer.requester.force_sync = True  # tests and scripts: no thread, no event loop
    session.set_frame(77)
    result = viewer.requester.last_result
    assert result.frame == 77 and not result.error and viewer.requester.pending is None
    assert np.array_equal(pixels(viewer.canvas.image()), headless(session, node, 77))


def test_the_display_cache_keeps_the_most_recent_images_within_its_budget(qapp):
    from filmstudio.ui.viewer.display_cache import DisplayCache, DisplayImage

    cache = DisplayCache(budget_bytes=3 * 16 * 16 * 4)
    images = [DisplayImage.wrap(key, np.full((16, 16, 4), key, np.uint8), 1.0) for key in range(4)]
    for image in images[:3]:
        cache.put(image)
    assert cache.get(0) is images[0]  # now the most recently used
    cache.put(images[3])
    assert 1 not in cache and all(key in cache for key in (0, 2, 3))
    assert cache.get(3).image.pixelColor(0, 0).red() == 3
