"""Keyframes in the inspector: the key button, editing animated parameters, navigation, and
keys that animate the render."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt

from filmstudio.core.params import Interp
from filmstudio.ui.inspector import KeyState
from tests.ui.test_inspector import drag, type_into


@pytest.fixture
def graded(session, inspector):
    """Constant(0.25 grey) -> Grade, the Grade shown in the inspector."""
    constant = session.graph.create("Constant", color=(0.25, 0.25, 0.25, 1.0))
    grade = session.graph.create("Grade")
    session.graph.connect(constant, grade)
    session.select([grade.uuid])
    return grade


def click(qtbot, button) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton, pos=QPoint(button.width() // 2, button.height() // 2))


def test_keys_set_in_the_inspector_at_two_frames_animate_the_render(session, inspector, graded, qtbot):
    gain = inspector.row("gain")
    session.set_frame(10)
    click(qtbot, gain.key_button)  # key the current value (1, 1, 1, 1) at frame 10
    session.set_frame(20)
    for spin in gain.editor.spins[:3]:  # editing an animated parameter keys it here
        type_into(qtbot, spin, "3")
    curve = graded.animation("gain")
    assert curve is not None and curve.frames == (10.0, 20.0)
    assert curve.key_at(20.0).value == (3.0, 3.0, 3.0, 1.0)

    for frame, expected in ((10, 0.25), (15, 0.5), (20, 0.75), (25, 0.75)):
        image = session.engine.evaluate(graded, frame)
        assert image[:3].mean().item() == pytest.approx(expected, abs=1e-5), frame
        assert image[3].mean().item() == pytest.approx(1.0)

    session.set_frame(15)  # the widgets show the interpolated value
    assert [spin.value() for spin in gain.editor.spins] == pytest.approx([2.0, 2.0, 2.0, 1.0])


def test_key_button_states_follow_the_current_frame(session, inspector, graded, qtbot):
    button = inspector.row("mix").key_button
    assert button.state is KeyState.NONE
    session.set_frame(10)
    click(qtbot, button)
    assert button.state is KeyState.KEY and graded.animation("mix").frames == (10.0,)
    session.set_frame(11)
    assert button.state is KeyState.CURVE
    session.set_frame(10)
    assert button.state is KeyState.KEY
    click(qtbot, button)  # a key here: the click deletes it; the last key leaves a constant
    assert button.state is KeyState.NONE and graded.animation("mix") is None
    assert graded["mix"] == 1.0
    session.undo_stack.undo()
    assert button.state is KeyState.KEY


def test_editing_an_animated_parameter_keys_it_and_a_drag_is_one_step(session, inspector, graded, qtbot):
    graded.set_keyframe("gamma", 1, 1.0)
    graded.set_keyframe("gamma", 50, 2.0)
    session.set_frame(30)
    row = inspector.row("gamma")
    assert row.key_button.state is KeyState.CURVE
    steps = session.undo_stack.count()
    drag(qtbot, row.editor.slider, [0.1, 0.3, 0.5, 0.75])
    assert session.undo_stack.count() == steps + 1
    curve = graded.animation("gamma")
    assert curve.frames == (1.0, 30.0, 50.0)  # a key added, the curve kept
    assert curve.key_at(30.0).value == pytest.approx(3.0, abs=0.1)  # the handle centre follows the mouse
    assert row.key_button.state is KeyState.KEY
    session.undo_stack.undo()
    assert graded.animation("gamma").frames == (1.0, 50.0)
    assert row.key_button.state is KeyState.CURVE


def test_frame_changes_refresh_only_animated_rows_without_making_edits(session, inspector, graded):
    graded.set_keyframe("mix", 1, 0.0)
    graded.set_keyframe("mix", 11, 1.0)
    steps = session.undo_stack.count()
    calls = {name: 0 for name in inspector.rows}
    for name, row in inspector.rows.items():
        original = row.refresh

        def counting(name=name, original=original):
            calls[name] += 1
            original()

        row.refresh = counting
    for frame in range(1, 12):
        session.set_frame(frame)
    assert calls["mix"] == 10 and calls["gamma"] == 0 and calls["gain"] == 0
    assert inspector.row("mix").editor.spin.value() == pytest.approx(1.0)
    assert session.undo_stack.count() == steps


def test_previous_and_next_key_buttons_move_the_playhead(session, inspector, graded, qtbot):
    graded.set_keyframe("gain", 10, 1.0)
    graded.set_keyframe("gain", 20, 2.0)
    graded.set_keyframe("gamma", 30, 1.5)
    header = inspector.header
    session.set_frame(15)
    click(qtbot, header.next_key)
    assert session.current_frame == 20
    click(qtbot, header.next_key)
    assert session.current_frame == 30
    assert not header.next_key.isEnabled() and header.previous_key.isEnabled()
    click(qtbot, header.previous_key)
    click(qtbot, header.previous_key)
    assert session.current_frame == 10
    assert not header.previous_key.isEnabled()


def test_key_menu_sets_interpolation_and_deletes_keys_or_the_animation(session, inspector, graded):
    graded.set_keyframe("mix", 1, 0.0)
    graded.set_keyframe("mix", 11, 1.0)
    button = inspector.row("mix").key_button

    def action(text):
        menu = button.build_menu()
        found = next(a for a in menu.actions() if a.text() == text)
        return found, menu

    session.set_frame(5)
    hold, _menu = action("Hold")
    assert not hold.isEnabled()  # no key at frame 5
    set_key, _menu = action("Set key")
    set_key.trigger()
    assert graded.animation("mix").frames == (1.0, 5.0, 11.0)
    assert graded.animation("mix").key_at(5.0).value == pytest.approx(0.4)

    session.set_frame(1)
    hold, _menu = action("Hold")
    assert hold.isEnabled() and not hold.isChecked()
    hold.trigger()
    assert graded.animation("mix").key_at(1.0).interp is Interp.HOLD
    session.set_frame(3)
    assert inspector.row("mix").editor.spin.value() == 0.0  # held
    linear, _menu = action("Linear")
    assert not linear.isEnabled()

    session.set_frame(5)
    delete_key, _menu = action("Delete key")
    delete_key.trigger()
    assert graded.animation("mix").frames == (1.0, 11.0)
    delete_all, _menu = action("Delete animation")
    delete_all.trigger()
    assert graded.animation("mix") is None and graded["mix"] == 0.0  # the value at frame 5 (held)
    assert button.state is KeyState.NONE


def test_a_new_key_continues_the_interpolation_of_the_segment_it_splits(session, inspector, graded):
    graded.set_keyframe("gamma", 1, 1.0, "smooth")
    graded.set_keyframe("gamma", 21, 2.0, "smooth")
    session.set_frame(11)
    inspector.row("gamma").key_button.toggle_key()
    assert graded.animation("gamma").key_at(11.0).interp is Interp.SMOOTH


def test_the_animated_tint_shows_curve_and_key_in_the_editors_theme(session, inspector, graded, dark_theme):
    from filmstudio.ui.inspector.rows import CURVE_TINT, KEY_TINT

    def field_colour():  # what the artist sees: a pixel of the field's background
        image = row.editor.spin.grab().toImage()
        return image.pixelColor(4, image.height() // 2)

    row = inspector.row("mix")
    base = field_colour()
    graded.set_keyframe("mix", 1, 0.5)
    session.set_frame(2)
    assert field_colour() == CURVE_TINT
    session.set_frame(1)
    assert field_colour() == KEY_TINT
    graded.set("mix", 1.0)
    assert field_colour() == base


def test_enter_on_an_untouched_rounded_field_makes_no_key(session, inspector, graded, qtbot):
    graded.set_keyframe("gamma", 1, 1.0)
    graded.set_keyframe("gamma", 30, 1.2)
    session.set_frame(12)  # 1.0758620...: shown rounded as 1.0759
    spin = inspector.row("gamma").editor.spin
    assert spin.text() == "1.0759"
    steps = session.undo_stack.count()
    spin.setFocus()
    qtbot.keyClick(spin.lineEdit(), Qt.Key.Key_Return)
    assert session.undo_stack.count() == steps and graded.animation("gamma").frames == (1.0, 30.0)


def test_label_menu_resets_to_the_default_and_drops_the_animation(session, inspector, graded):
    graded.set_keyframe("gamma", 1, 1.5)
    graded.set_keyframe("gamma", 30, 2.0)
    row = inspector.row("gamma")
    reset = next(a for a in row.build_menu().actions() if a.text() == "Reset to default")
    reset.trigger()
    assert graded["gamma"] == 1.0 and row.key_button.state is KeyState.NONE
    assert row.editor.spin.value() == 1.0
    session.undo_stack.undo()
    assert graded.animation("gamma").frames == (1.0, 30.0)
