"""The Tracker in the editor, as a Nuke artist uses it: Ctrl+Alt+click places a track (the press
goes on dragging it), the viewer's node tools track forward as a job in the jobs panel, the
overlay draws the path, the timeline draws the selected track's confidence, undo takes the whole
tracking result back in one step.

The clip is made here: a textured patch moving on a known sub-pixel path over noise, H.264 through
PyAV (tests/tracking/synthetic.py); its centre at project frame f is ``MOTION.centre(f - 1)``.
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QImage

from filmstudio.core.project import Project
from filmstudio.ui.main_window import MainWindow
from filmstudio.ui.session import EditorSession
from filmstudio.ui.viewer.curve_strip import CURVE, WEAK
from filmstudio.ui.viewer.timeline import KEY
from tests.tracking.synthetic import Motion, frames, write_clip
from tests.ui.test_viewer import pixels, shown

WIDTH, HEIGHT, COUNT = 192, 144, 12
MOTION = Motion()
CTRL_ALT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
SCREENSHOT = "/tmp/tracker_editor.png"


def truth(frame: int) -> tuple[float, float]:
    return MOTION.centre(frame - 1)


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tracker_editor")
    return write_clip(folder / "patch.mp4", frames(MOTION, COUNT, (WIDTH, HEIGHT)))


@pytest.fixture
def window(qtbot, registry, clip, tmp_path, dark_theme):
    """The main window on Read(clip) -> Tracker, frames 1-12, closed (threads stopped) after."""
    project = Project(fps=24, frame_range=(1, COUNT), width=WIDTH, height=HEIGHT, registry=registry)
    read = project.add_node("Read", file=str(clip))
    tracker = project.connect(read, project.add_node("Tracker", name="Tracker1"))
    project.graph.move(tracker.uuid, (0.0, 140.0))  # below the Read, for the screenshot
    project.save(tmp_path / "track.fsproj")
    session = EditorSession(registry=registry, engine_options={"cpu_workers": 2})
    main = MainWindow(session, autosave_s=3600)
    qtbot.addWidget(main, before_close_func=lambda w: w.session.undo_stack.setClean())
    assert main.open_project(tmp_path / "track.fsproj", ask=False)
    main.show()
    return main


def at(viewer, x: float, y: float) -> QPoint:
    return viewer.canvas.to_widget(QPointF(x, y)).toPoint()


def rgb(widget) -> np.ndarray:
    """What ``widget`` paints, [H, W, 3] ints (copied while the grabbed image is alive)."""
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGBX8888)
    return pixels(image)[..., :3].astype(int)


def colour_pixels(widget, colour, tolerance: int = 40) -> int:
    """How many pixels ``widget`` paints within ``tolerance`` of ``colour`` (a QColor)."""
    target = np.array([colour.red(), colour.green(), colour.blue()])
    return int((np.abs(rgb(widget) - target).max(axis=-1) <= tolerance).sum())


@pytest.mark.slow
def test_place_a_track_track_forward_see_the_path_and_confidence_and_undo(qtbot, window):
    session, viewer = window.session, window.viewer
    tracker = session.node("Tracker1")
    session.select([tracker.uuid])
    session.set_frame(1)
    shown(viewer, 1, qtbot, timeout=20_000)
    tools = viewer.node_tools
    assert tools.isVisible() and tools.add_button.isVisible()
    assert tools.curve_strip.isVisible() and tools.curve_strip.curve is None  # no track selected yet
    zoom = viewer.canvas.zoom

    # Ctrl+Alt+click a little off the patch, drag onto its centre: one step, "track1", keyed at 1
    steps = session.undo_stack.count()
    x, y = truth(1)
    canvas = viewer.canvas
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, CTRL_ALT, at(viewer, x + 6, y - 5))
    qtbot.mouseMove(canvas, at(viewer, x + 3, y - 2))
    qtbot.mouseMove(canvas, at(viewer, x, y))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, CTRL_ALT, at(viewer, x, y))
    assert session.undo_stack.count() == steps + 1
    assert session.undo_stack.undoText() == "Add track track1"
    placed = tracker.positions("track1")
    assert list(placed) == [1] and tracker.tracks().sample("track1", 1).keyed
    assert np.hypot(placed[1][0] - x, placed[1][1] - y) < 0.5  # a widget pixel is < 1/2 image pixel
    assert canvas.overlays.selected_key() == "track1" and tools.selected_label.text() == "selected: track1"
    assert tools.curve_strip.curve.label == "track1 confidence"
    assert viewer.canvas.zoom == zoom  # the viewer did not jump under the mouse

    # Track forward (V in Nuke) over the in/out range 1-11: 10 frames tracked, one undo step
    session.set_in_out(1, 11)
    steps = session.undo_stack.count()
    qtbot.mouseClick(tools.pass_buttons["forward"], Qt.MouseButton.LeftButton)
    (job,) = window.jobs.jobs
    assert job.title == "Tracker1 track1: forward 1→11" and tools.stop_action.isEnabled()
    qtbot.waitUntil(lambda: job.state == "done" and tools.job is None, timeout=30_000)
    positions = tracker.positions("track1")
    assert sorted(positions) == list(range(1, 12))
    error = [np.hypot(px - truth(f)[0], py - truth(f)[1]) for f, (px, py, _c) in positions.items()]
    assert np.mean(error) <= 0.5 and max(error) <= 1.0
    assert min(c for _x, _y, c in positions.values()) > 0.9
    assert session.undo_stack.count() == steps + 1
    assert session.current_frame == 11  # the playhead ends where tracking ended

    # the overlay draws the path: with it, the canvas differs on the path's first point
    shown(viewer, 11, qtbot, timeout=20_000)
    qtbot.waitUntil(lambda: not canvas.busy)
    with_overlay = rgb(canvas)
    window.grab().save(SCREENSHOT)
    # the timeline draws the confidence curve (green, none of it weak: no red ticks)
    strip = tools.curve_strip
    assert strip.isVisible() and len(strip.curve.values) == 11
    assert colour_pixels(strip, CURVE) > 40
    assert colour_pixels(strip, WEAK, tolerance=20) == 0
    session.select([])
    qtbot.waitUntil(lambda: not tools.isVisible() and not strip.isVisible())
    without = rgb(canvas)
    point = at(viewer, *positions[1][:2])
    near = (slice(point.y() - 2, point.y() + 3), slice(point.x() - 2, point.x() + 3))
    assert (with_overlay[near] != without[near]).any()

    # undo takes the tracking back in one step; the placed key stays
    session.select([tracker.uuid])
    session.undo_stack.undo()
    assert list(tracker.positions("track1")) == [1]
    canvas.overlays.select("track1")
    assert list(strip.curve.values) == [1] and strip.curve.keyed == (1,)


def test_one_frame_forward_tracks_the_selected_track_only_and_steps_the_playhead(qtbot, window):
    session, viewer = window.session, window.viewer
    tracker = session.node("Tracker1")
    tracker.add_track("A", *truth(3), frame=3)
    tracker.add_track("B", *truth(3), frame=3)
    session.select([tracker.uuid])
    session.set_frame(3)
    viewer.canvas.overlays.select("A")
    viewer.node_tools.pass_actions["step_forward"].trigger()  # C, as in Nuke
    (job,) = window.jobs.jobs
    qtbot.waitUntil(lambda: job.state == "done" and viewer.node_tools.job is None, timeout=30_000)
    assert sorted(tracker.positions("A")) == [3, 4] and sorted(tracker.positions("B")) == [3]
    assert session.current_frame == 4
    x, y, _confidence = tracker.positions("A")[4]
    assert np.hypot(x - truth(4)[0], y - truth(4)[1]) < 0.5


def test_tracking_a_track_with_nothing_to_start_from_is_refused_with_advice(qtbot, window):
    session, viewer = window.session, window.viewer
    tracker = session.node("Tracker1")
    tracker.add_track("A", 50, 50, frame=5)
    session.select([tracker.uuid])
    session.set_frame(2)
    viewer.canvas.overlays.select("A")
    with qtbot.waitSignal(session.message) as said:
        viewer.node_tools.pass_actions["forward"].trigger()
    assert said.args[0] == "warning" and "track A has no position at frame 2" in said.args[1]
    assert window.jobs.jobs == [] and viewer.node_tools.pass_actions["forward"].isEnabled()


def test_one_frame_back_from_the_first_frame_says_there_is_nowhere_to_go(qtbot, window):
    session, viewer = window.session, window.viewer
    tracker = session.node("Tracker1")
    tracker.add_track("A", 50, 50)
    session.select([tracker.uuid])
    session.set_frame(1)
    with qtbot.waitSignal(session.message) as said:
        viewer.node_tools.pass_actions["step_backward"].trigger()
    assert said.args[0] == "warning" and "nothing to analyse that way from frame 1" in said.args[1]
    assert window.jobs.jobs == []


def test_bake_in_the_inspector_keys_a_linked_title_and_unlinks_it_in_one_step(qtbot, window):
    session = window.session
    tracker = session.node("Tracker1")
    tracker.add_track("A", *truth(1))
    session.project.analyse(tracker)
    title = session.graph.create("Title", text="Hi", position_track="A", position_track_frame=1)
    session.graph.connect(tracker, title, "tracks", "track")
    session.select([title.uuid])
    header = window.inspector.header
    assert header.bake_button.isVisible() and header.bake_button.isEnabled()
    steps = session.undo_stack.count()
    qtbot.mouseClick(header.bake_button, Qt.MouseButton.LeftButton)
    assert title["position_track"] == "" and not header.bake_button.isEnabled()
    curve = title.animation("position")
    assert curve is not None and curve.frames == tuple(float(f) for f in range(1, COUNT + 1))
    (x1, y1), (x9, y9) = tracker.positions("A")[1][:2], tracker.positions("A")[9][:2]
    start = title.value_at("position", 1)
    assert title.value_at("position", 9) == pytest.approx(
        (start[0] + (x9 - x1) / WIDTH, start[1] + (y9 - y1) / HEIGHT)
    )
    assert session.undo_stack.count() == steps + 1
    session.undo_stack.undo()
    assert title["position_track"] == "A" and title.animation("position") is None
    session.select([tracker.uuid])
    assert not window.inspector.header.bake_button.isVisible()  # a Tracker has nothing to bake


# --- on the 64x36 test project: Constant -> Tracker in a viewer panel ---------------------------


@pytest.fixture
def viewer(session, qtbot):
    from filmstudio.ui.viewer import ViewerPanel

    panel = ViewerPanel(session)
    qtbot.addWidget(panel)
    panel.resize(900, 600)
    panel.show()
    yield panel
    panel.shutdown()
    panel.close()


@pytest.fixture
def small_tracker(session, viewer, qtbot):
    card = session.graph.create("Constant", color=(0.4, 0.4, 0.4, 1.0))
    tracker = session.graph.create("Tracker")
    session.graph.connect(card.uuid, tracker.uuid)
    session.select([tracker.uuid])
    shown(viewer, session.current_frame, qtbot, timeout=20_000)
    return tracker


def test_ctrl_alt_clicks_add_tracks_and_delete_removes_the_selected_one(
    session, viewer, small_tracker, qtbot
):
    canvas = viewer.canvas
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, CTRL_ALT, at(viewer, 10, 10))
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, CTRL_ALT, at(viewer, 50, 25))
    assert small_tracker.tracks().names() == ("track1", "track2")
    assert canvas.overlays.selected_key() == "track2"
    steps = session.undo_stack.count()
    qtbot.keyClick(canvas, Qt.Key.Key_Delete)
    assert small_tracker.tracks().names() == ("track1",)
    assert session.undo_stack.count() == steps + 1 and canvas.overlays.selected_key() is None
    qtbot.keyClick(canvas, Qt.Key.Key_Delete)  # nothing selected: nothing removed
    assert small_tracker.tracks().names() == ("track1",)
    session.undo_stack.undo()
    assert small_tracker.tracks().names() == ("track1", "track2")


def test_the_add_tool_adds_with_a_plain_click_and_a_click_on_a_handle_selects_it(
    session, viewer, small_tracker, qtbot
):
    canvas, tools = viewer.canvas, viewer.node_tools
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=at(viewer, 10, 10))
    assert small_tracker.tracks().names() == ()  # the tool is off: a plain click adds nothing
    qtbot.mouseClick(tools.add_button, Qt.MouseButton.LeftButton)
    assert canvas.overlays.add_tool
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=at(viewer, 10, 10))
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=at(viewer, 50, 25))
    assert small_tracker.tracks().names() == ("track1", "track2")
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=at(viewer, 10, 10))  # on track1's handle
    assert small_tracker.tracks().names() == ("track1", "track2")
    assert canvas.overlays.selected_key() == "track1"
    assert tools.curve_strip.curve.label == "track1 confidence"


def test_alt_drag_pans_even_over_a_track(session, viewer, small_tracker, qtbot):
    small_tracker.add_track("A", 32, 18, frame=session.current_frame)
    canvas = viewer.canvas
    centre = QPointF(canvas.center)
    start = at(viewer, 32, 18)
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.AltModifier, start)
    qtbot.mouseMove(canvas, start + QPoint(40, 0))
    qtbot.mouseRelease(
        canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.AltModifier, start + QPoint(40, 0)
    )
    assert canvas.center.x() < centre.x()  # the view moved...
    assert small_tracker.positions("A") == {session.current_frame: (32.0, 18.0, 1.0)}  # ...the track did not


def test_the_context_menu_adds_here_and_removes_the_track_under_it(session, viewer, small_tracker, qtbot):
    canvas = viewer.canvas
    overlays = canvas.overlays
    point = QPointF(at(viewer, 20, 12))
    menu = overlays.context_menu(point, canvas.to_image(point), canvas.to_widget, canvas)
    (add,) = menu.actions()
    add.trigger()
    assert small_tracker.tracks().names() == ("track1",)
    overlays.select(None)
    menu = overlays.context_menu(point, canvas.to_image(point), canvas.to_widget, canvas)
    assert [a.text() for a in menu.actions()] == ["Add Here  (Ctrl+Alt+Click)", "Remove track1  (Delete)"]
    assert overlays.selected_key() == "track1"
    menu.actions()[1].trigger()
    assert small_tracker.tracks().names() == ()


def test_the_timeline_marks_weak_frames_red_and_keys_gold(session, viewer, small_tracker, qtbot):
    from filmstudio.core.track import TrackSample

    small_tracker.add_track("A", 32, 18, frame=10)
    tracks = small_tracker.tracks()
    for frame in range(11, 31):
        weak = 20 <= frame < 25  # an occlusion
        sample = TrackSample.square(32, 18, 21, confidence=0.3 if weak else 0.95)
        tracks = tracks.with_sample("A", frame, sample)
    small_tracker.replace_state(tracks.to_json())
    viewer.canvas.overlays.select("A")
    strip = viewer.node_tools.curve_strip
    assert strip.curve.weak_frames() == [20, 21, 22, 23, 24]
    image = rgb(strip)
    ruler = viewer.timeline.ruler

    def has(colour, frame: int, rows: slice) -> bool:
        x = round(ruler.x_of(frame))
        target = np.array([colour.red(), colour.green(), colour.blue()])
        return bool((np.abs(image[rows, x - 1 : x + 2] - target).max(axis=-1) <= 30).any())

    bottom = slice(strip.height() - 5, strip.height())
    assert all(has(WEAK, f, bottom) for f in range(20, 25))
    assert not has(WEAK, 15, bottom) and not has(WEAK, 28, bottom)
    assert has(KEY, 10, slice(0, strip.height()))  # the keyframe's diamond
    assert has(CURVE, 15, slice(0, strip.height() // 2))  # confident frames run high


def test_stop_cancels_the_pass_and_keeps_the_tracks(session, viewer, small_tracker, qtbot):
    small_tracker.add_track("A", 32, 18)
    before = dict(small_tracker.state)
    tools = viewer.node_tools
    made = []
    tools.jobCreated.connect(made.append)  # the viewer alone: the test starts the job
    tools.pass_actions["forward"].trigger()
    (job,) = made
    assert tools.stop_action.isEnabled() and not tools.pass_actions["forward"].isEnabled()
    qtbot.mouseClick(tools.stop_button, Qt.MouseButton.LeftButton)
    job.start()
    qtbot.waitUntil(lambda: job.state == "cancelled" and tools.job is None, timeout=10_000)
    assert job.wait(5)
    assert dict(small_tracker.state) == before and tools.progress_label.text() == "cancelled"
    assert tools.pass_actions["forward"].isEnabled() and not tools.stop_action.isEnabled()


def test_the_node_tools_show_what_the_selected_node_offers(session, viewer, qtbot):
    tools = viewer.node_tools
    card = session.graph.create("Constant")
    deflicker = session.graph.create("Deflicker")
    session.graph.connect(card.uuid, deflicker.uuid)
    session.select([card.uuid])
    assert not tools.isVisible()
    session.select([deflicker.uuid])  # an analysis pass but nothing to add
    assert tools.isVisible() and not tools.add_button.isVisible()
    assert tools.pass_buttons["forward"].isVisible() and tools.pass_actions["forward"].isEnabled()
    session.select([])
    assert not tools.isVisible() and not tools.pass_actions["forward"].isEnabled()


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("forward", [5, 6, 7, 8]),
        ("backward", [5, 4, 3, 2]),
        ("step_forward", [5, 6]),
        ("step_backward", [5, 4]),
        ("range", [2, 3, 4, 5, 6, 7, 8]),
    ],
)
def test_passes_start_at_the_current_frame(kind, expected):
    from filmstudio.ui.viewer.node_tools import pass_frames

    assert pass_frames(kind, 5, 2, 8, 1, 10) == expected


def test_passes_with_nowhere_to_go_are_empty():
    from filmstudio.ui.viewer.node_tools import pass_frames

    assert pass_frames("forward", 8, 2, 8, 1, 10) == [] and pass_frames("backward", 2, 2, 8, 1, 10) == []
    assert (
        pass_frames("step_forward", 10, 2, 8, 1, 10) == []
        and pass_frames("step_backward", 1, 1, 8, 1, 10) == []
    )
