"""The Curve Editor: the selected node's keys as curves, edited with the mouse and keys, every edit
one undo step on the session's stack (so the inspector and the render follow)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QAction, QColor, QKeySequence, QWheelEvent
from PySide6.QtWidgets import QApplication, QMainWindow

from filmstudio.core.animation import Side
from filmstudio.core.params import Interp
from filmstudio.ui.curves import CurveEditor, KeyRef
from filmstudio.ui.curves.transform import AXIS, MARGIN, RULER

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def editor(session, qtbot):
    """A Curve Editor on the session, shown at 900x420."""
    panel = CurveEditor(session)
    qtbot.addWidget(panel)
    panel.resize(900, 420)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


@pytest.fixture
def corrector(session, editor):
    """A Color Corrector with its gain (a number) and gain_rgb (a 3-vector) keyed at 10 and 40,
    selected."""
    node = session.graph.create("ColorCorrector")
    node.set_keyframe("gain", 10, 0.8)
    node.set_keyframe("gain", 40, 2.0)
    node.set_keyframe("gain_rgb", 10, (1.0, 1.2, 1.4))
    node.set_keyframe("gain_rgb", 40, (0.5, 1.5, 1.1))
    session.select([node.uuid])
    return node


def at(point: QPointF) -> QPoint:
    return QPoint(round(point.x()), round(point.y()))


def drag(qtbot, widget, points: list[QPointF], modifier=Qt.KeyboardModifier.NoModifier) -> None:
    """Press at the first point, move through the others, release at the last."""
    qtbot.mousePress(widget, LEFT, modifier, at(points[0]))
    for point in points[1:]:
        qtbot.mouseMove(widget, at(point))
    qtbot.mouseRelease(widget, LEFT, modifier, at(points[-1]))


def click(qtbot, view, ref: KeyRef) -> None:
    qtbot.mouseClick(view, LEFT, pos=at(view.key_position(ref)))


def test_the_selected_nodes_keys_are_drawn_at_their_frames_and_values_in_channel_colours(
    session, editor, corrector, qtbot
):
    view = editor.view
    labels = [c.label for c in editor.shown_channels]
    assert labels == ["Gain", "Gain rgb r", "Gain rgb g", "Gain rgb b"]
    assert [editor.tree.topLevelItem(i).text(0) for i in range(2)] == ["Gain", "Gain rgb"]
    assert [editor.tree.topLevelItem(1).child(i).text(0) for i in range(3)] == ["r", "g", "b"]

    # Fitted: the first key's frame at the left of the plot, the last at the right, the highest
    # value (2.0) at the top and the lowest (0.5) at the bottom, each a margin inside.
    assert view.key_position(KeyRef("gain", 0, 10.0)).x() == pytest.approx(AXIS + MARGIN, abs=0.5)
    assert view.key_position(KeyRef("gain", 0, 40.0)).x() == pytest.approx(view.width() - MARGIN, abs=0.5)
    assert view.key_position(KeyRef("gain", 0, 40.0)).y() == pytest.approx(RULER + MARGIN, abs=0.5)
    assert view.key_position(KeyRef("gain_rgb", 0, 40.0)).y() == pytest.approx(
        view.height() - MARGIN, abs=0.5
    )
    a, b = view.key_position(KeyRef("gain", 0, 10.0)), view.key_position(KeyRef("gain_rgb", 2, 10.0))
    assert b.y() == pytest.approx(
        a.y() - (1.4 - 0.8) / (2.0 - 0.5) * (view.height() - RULER - 2 * MARGIN), abs=0.5
    )

    image = view.grab().toImage()
    for channel in editor.shown_channels:
        for frame in (10.0, 40.0):
            centre = at(view.key_position(KeyRef(channel.param, channel.component, frame)))
            assert image.pixelColor(centre) == QColor(channel.colour), (channel.label, frame)

    click(qtbot, view, KeyRef("gain_rgb", 1, 40.0))
    assert view.selection == {KeyRef("gain_rgb", 1, 40.0)}
    white = view.grab().toImage().pixelColor(at(view.key_position(KeyRef("gain_rgb", 1, 40.0))))
    assert white == QColor("#ffffff")  # a selected key is highlighted


def test_dragging_a_key_moves_it_to_a_whole_frame_and_a_value_in_one_undo_step(
    session, editor, corrector, qtbot
):
    view, transform = editor.view, editor.view.transform
    key = KeyRef("gain", 0, 40.0)
    start = view.key_position(key)
    target = QPointF(transform.x_of(33.3), transform.y_of(1.5))
    steps = session.undo_stack.count()
    path = [start + (target - start) * (i / 6) for i in range(7)]
    drag(qtbot, view, path)

    curve = corrector.animation("gain")
    assert curve.frames == (10.0, 33.0)  # snapped to a whole frame
    assert curve.key_at(33.0).value == pytest.approx(1.5, abs=transform.values_per_pixel())
    assert corrector.animation("gain_rgb").frames == (10.0, 40.0)  # other parameters untouched
    assert session.undo_stack.count() == steps + 1
    assert view.selection == {KeyRef("gain", 0, 33.0)}
    assert corrector.value_at("gain", 33) == curve.key_at(33.0).value  # what the node renders

    session.undo_stack.undo()
    assert corrector.animation("gain").key_at(40.0).value == 2.0
    assert corrector.animation("gain").frames == (10.0, 40.0)
    assert view.selection == set()  # the moved key is gone: the selection forgets it
    session.undo_stack.redo()
    assert corrector.animation("gain").frames == (10.0, 33.0)


def test_a_vector_component_moves_its_own_value_and_the_keys_frame(session, editor, corrector, qtbot):
    view = editor.view
    key = KeyRef("gain_rgb", 1, 10.0)  # g at frame 10
    start = view.key_position(key)
    target = QPointF(view.transform.x_of(14), view.transform.y_of(1.0))
    drag(qtbot, view, [start, (start + target) / 2, target])
    curve = corrector.animation("gain_rgb")
    assert curve.frames == (14.0, 40.0)
    r, g, b = curve.key_at(14.0).value
    assert (r, b) == (1.0, 1.4) and g == pytest.approx(1.0, abs=view.transform.values_per_pixel())


def test_interpolation_keys_and_the_menu_change_the_selected_keys(session, editor, corrector, qtbot):
    view = editor.view
    click(qtbot, view, KeyRef("gain", 0, 10.0))
    steps = session.undo_stack.count()
    for letter, interp in (
        ("s", Interp.SMOOTH),
        ("h", Interp.HOLD),
        ("b", Interp.BEZIER),
        ("l", Interp.LINEAR),
    ):
        qtbot.keyClick(view, letter)
        assert corrector.animation("gain").key_at(10.0).interp is interp
    assert session.undo_stack.count() == steps + 4
    assert corrector.animation("gain_rgb").key_at(10.0).interp is Interp.LINEAR  # not selected

    menu = view.build_menu()
    [hold] = [a for a in menu.actions() if a.text().startswith("Hold")]
    assert not hold.isChecked()
    hold.trigger()
    assert corrector.value_at("gain", 39) == 0.8  # held until the next key
    menu.deleteLater()
    session.undo_stack.undo()
    assert corrector.animation("gain").key_at(10.0).interp is Interp.LINEAR


def test_the_views_letters_win_over_window_shortcuts_while_it_has_focus(session, corrector, qtbot):
    """S is also Project Settings in the main window: in the focused curve view it means smooth."""
    window = QMainWindow()
    qtbot.addWidget(window)
    panel = CurveEditor(session)
    window.setCentralWidget(panel)
    settings = QAction("Project Settings", window)
    settings.setShortcut(QKeySequence("S"))
    opened = []
    settings.triggered.connect(lambda: opened.append(True))
    window.addAction(settings)
    window.resize(800, 400)
    window.show()
    qtbot.waitExposed(window)
    click(qtbot, panel.view, KeyRef("gain", 0, 40.0))
    panel.view.setFocus()
    qtbot.keyClick(panel.view, "s")
    assert corrector.animation("gain").key_at(40.0).interp is Interp.SMOOTH and not opened
    window.close()


def test_delete_removes_the_selected_keys_and_the_last_key_leaves_its_value(
    session, editor, corrector, qtbot
):
    view = editor.view
    click(qtbot, view, KeyRef("gain", 0, 10.0))
    qtbot.mouseClick(
        view, LEFT, Qt.KeyboardModifier.ShiftModifier, at(view.key_position(KeyRef("gain_rgb", 0, 40.0)))
    )
    assert len(view.selection) == 2
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert corrector.animation("gain").frames == (40.0,)
    assert corrector.animation("gain_rgb").frames == (10.0,)
    assert view.selection == set()
    session.undo_stack.undo()
    assert corrector.animation("gain").frames == (10.0, 40.0)

    session.set_frame(25)
    click(qtbot, view, KeyRef("gain", 0, 10.0))
    qtbot.mouseClick(
        view, LEFT, Qt.KeyboardModifier.ShiftModifier, at(view.key_position(KeyRef("gain", 0, 40.0)))
    )
    qtbot.keyClick(view, Qt.Key.Key_Backspace)
    assert corrector.animation("gain") is None and corrector["gain"] == pytest.approx(1.4)  # its value at 25
    assert [c.param for c in editor.shown_channels] == ["gain_rgb"] * 3


def test_rubber_band_selects_the_keys_inside_and_they_move_together(session, editor, corrector, qtbot):
    view = editor.view
    left = view.transform.x_of(30)
    drag(
        qtbot,
        view,
        [
            QPointF(left, RULER + 2),
            QPointF(left + 40, RULER + 60),
            QPointF(view.width() - 2, view.height() - 2),
        ],
    )
    assert view.selection == {
        KeyRef(p, c, 40.0) for p, c in (("gain", 0), ("gain_rgb", 0), ("gain_rgb", 1), ("gain_rgb", 2))
    }
    steps = session.undo_stack.count()
    start = view.key_position(KeyRef("gain", 0, 40.0))
    drag(qtbot, view, [start, start + QPointF(-30, 0), QPointF(view.transform.x_of(35), start.y())])
    assert corrector.animation("gain").frames == corrector.animation("gain_rgb").frames == (10.0, 35.0)
    assert corrector.animation("gain_rgb").key_at(35.0).value == pytest.approx((0.5, 1.5, 1.1), abs=0.02)
    assert session.undo_stack.count() == steps + 1  # two parameters, one step
    assert len(view.selection) == 4 and {r.frame for r in view.selection} == {35.0}


def test_frame_all_fits_the_keys_again_after_zoom_and_pan(session, editor, corrector, qtbot):
    view, transform = editor.view, editor.view.transform
    fitted = (transform.first, transform.last, transform.low, transform.high)
    qtbot.mousePress(view, Qt.MouseButton.MiddleButton, pos=QPoint(400, 200))
    qtbot.mouseMove(view, QPoint(520, 260))
    qtbot.mouseRelease(view, Qt.MouseButton.MiddleButton, pos=QPoint(520, 260))
    assert transform.first < fitted[0] and transform.low > fitted[2]  # the content followed the mouse
    under = (transform.frame_at(300), transform.value_at(200))
    at_mouse = QPointF(300, 200)
    wheel = QWheelEvent(
        at_mouse, view.mapToGlobal(at_mouse), QPoint(0, 0), QPoint(0, 480), Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False,
    )  # fmt: skip
    QApplication.sendEvent(view, wheel)
    assert transform.last - transform.first < (fitted[1] - fitted[0]) / 1.5  # zoomed in...
    assert (transform.frame_at(300), transform.value_at(200)) == pytest.approx(under)  # ...around the mouse
    view.setFocus()
    qtbot.keyClick(view, "f")
    assert (transform.first, transform.last, transform.low, transform.high) == pytest.approx(fitted)

    editor.set_checked("gain_rgb", None, False)  # only gain shown: its 0.8..2.0 fills the height
    assert view.key_position(KeyRef("gain", 0, 10.0)).y() == pytest.approx(view.height() - MARGIN, abs=0.5)
    assert all(ref.param == "gain" for ref in view.all_keys())


def test_double_click_on_a_curve_keys_it_there_without_changing_its_shape(session, editor, corrector, qtbot):
    view = editor.view
    before = [corrector.value_at("gain", f) for f in range(1, 60)]
    point = QPointF(view.transform.x_of(22), view.transform.y_of(corrector.value_at("gain", 22)))
    steps = session.undo_stack.count()
    qtbot.mouseDClick(view, LEFT, pos=at(point))
    assert corrector.animation("gain").frames == (10.0, 22.0, 40.0)
    assert [corrector.value_at("gain", f) for f in range(1, 60)] == pytest.approx(before)
    assert view.selection == {KeyRef("gain", 0, 22.0)}
    assert session.undo_stack.count() == steps + 1
    qtbot.mouseDClick(view, LEFT, pos=QPoint(view.width() - 5, RULER + 5))  # far from any curve
    assert corrector.animation("gain").frames == (10.0, 22.0, 40.0)


def test_dragging_a_bezier_handle_shapes_the_in_between_values_as_documented(
    session, editor, corrector, qtbot
):
    """The segment leaving a Bezier key is the cubic through the key, the key plus its out handle,
    the next key plus its in handle, and the next key (filmstudio.core.animation)."""
    view, transform = editor.view, editor.view.transform
    key = KeyRef("gain", 0, 10.0)
    click(qtbot, view, key)
    assert view.handle_position(key, Side.OUT) is None  # linear: no handles
    qtbot.keyClick(view, "b")
    smooth_like = corrector.value_at("gain", 20)
    handle = view.handle_position(key, Side.OUT)
    assert handle is not None and handle.x() == pytest.approx(transform.x_of(20), abs=0.5)  # a third of 30

    steps = session.undo_stack.count()
    target = QPointF(transform.x_of(16), transform.y_of(1.9))
    drag(qtbot, view, [handle, (handle + target) / 2, target])
    assert session.undo_stack.count() == steps + 1
    stored = corrector.animation("gain").key_at(10.0).out_handle
    assert stored[0] == pytest.approx((6.0, 1.1), abs=3 * transform.values_per_pixel() + 0.05)

    curve = corrector.animation("gain")
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = curve.segment_points(0)
    assert (x0, y0, x3, y3) == (10.0, 0.8, 40.0, 2.0) and (x1, y1) == (10 + stored[0][0], 0.8 + stored[0][1])
    for t in (0.2, 0.5, 0.8):
        frame = (1 - t) ** 3 * x0 + 3 * (1 - t) ** 2 * t * x1 + 3 * (1 - t) * t**2 * x2 + t**3 * x3
        value = (1 - t) ** 3 * y0 + 3 * (1 - t) ** 2 * t * y1 + 3 * (1 - t) * t**2 * y2 + t**3 * y3
        assert corrector.value_at("gain", frame) == pytest.approx(value, abs=1e-6)
    assert corrector.value_at("gain", 20) > smooth_like + 0.3  # pulled up towards the handle
    session.undo_stack.undo()
    assert corrector.value_at("gain", 20) == pytest.approx(smooth_like)


def test_the_view_follows_edits_from_elsewhere_and_the_playhead(session, editor, corrector, qtbot):
    view = editor.view
    click(qtbot, view, KeyRef("gain", 0, 40.0))
    corrector.remove_keyframe("gain", 40)  # e.g. the inspector's key button
    assert view.selection == set() and [r.frame for r in view.all_keys() if r.param == "gain"] == [10.0]
    corrector.set_keyframe("mix", 5, 0.5)  # a newly animated parameter joins the list
    assert "Mix" in [c.label for c in editor.shown_channels]
    session.set_frame(30)
    qtbot.mouseClick(
        view, LEFT, pos=QPoint(round(view.transform.x_of(20)), 8)
    )  # the ruler moves the playhead
    assert session.current_frame == 20
    session.select([])
    assert editor.node is None and view.message and view.all_keys() == []


def test_screenshot_of_the_curve_editor(session, registry, qtbot, tmp_path, dark_theme):
    """A Grade with keyed gain (r, g, b, a), mix and a Bezier key with its handles, keys selected;
    saved to $FILMSTUDIO_CURVES_SCREENSHOT when set (e.g. /tmp/curve_editor.png), else tmp_path."""
    grade = session.graph.create("Grade")
    for frame, value, interp in (
        (1, (1.0, 1.0, 1.0, 1.0), "smooth"),
        (30, (2.0, 1.5, 0.8, 1.0), "bezier"),
        (60, (1.2, 1.8, 1.4, 1.0), "bezier"),
        (90, (0.6, 0.9, 1.1, 1.0), "linear"),
    ):
        grade.set_keyframe("gain", frame, value, interp)
    for frame, value, interp in ((10, 0.2, "hold"), (50, 0.9, "linear"), (80, 0.4, "linear")):
        grade.set_keyframe("mix", frame, value, interp)
    session.select([grade.uuid])
    session.set_frame(42)
    panel = CurveEditor(session)
    qtbot.addWidget(panel)
    panel.resize(1000, 420)
    panel.show()
    qtbot.waitExposed(panel)
    view = panel.view
    click(qtbot, view, KeyRef("gain", 1, 60.0))
    handle = view.handle_position(KeyRef("gain", 1, 60.0), Side.OUT)
    drag(qtbot, view, [handle, QPointF(view.transform.x_of(68), view.transform.y_of(2.05))])
    for ref in (KeyRef("gain", 0, 60.0), KeyRef("mix", 0, 50.0)):
        qtbot.mouseClick(view, LEFT, Qt.KeyboardModifier.ShiftModifier, at(view.key_position(ref)))
    assert len(view.selection) == 3
    target = Path(os.environ.get("FILMSTUDIO_CURVES_SCREENSHOT") or tmp_path / "curve_editor.png")
    assert panel.grab().save(str(target))


def test_the_inspectors_edits_keep_a_bezier_keys_handles(session, editor, corrector, qtbot):
    from filmstudio.ui.inspector.binding import ParamBinding

    view = editor.view
    click(qtbot, view, KeyRef("gain", 0, 10.0))
    qtbot.keyClick(view, "b")
    handle = view.handle_position(KeyRef("gain", 0, 10.0), Side.OUT)
    drag(qtbot, view, [handle, handle + QPointF(0, -40)])
    shaped = corrector.animation("gain").key_at(10.0)
    assert shaped.out_handle is not None

    binding = ParamBinding(session, corrector, corrector.type.param("gain"))
    session.set_frame(10)
    binding.apply(1.1)  # re-keying the value keeps the shape's handles
    binding.set_interp(Interp.SMOOTH)
    binding.set_interp(Interp.BEZIER)
    key = corrector.animation("gain").key_at(10.0)
    assert key.value == 1.1 and key.interp is Interp.BEZIER
    assert (key.in_handle, key.out_handle) == (shaped.in_handle, shaped.out_handle)
