"""Project Settings (S): format, rate, range as one undoable edit; the artist's cache budgets kept
for every project; File > New opens with the defaults and the dialog."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from filmstudio.core.project import Project
from filmstudio.core.timebase import Format, FrameRange
from filmstudio.ui.main_window import MainWindow
from filmstudio.ui.project_settings import ProjectSettingsDialog
from filmstudio.ui.session import EditorSession
from filmstudio.ui.user_settings import GIB, load_user_settings
from filmstudio.ui.viewer.timeline import last_frame_span
from tests.ui.test_viewer import shown


@pytest.fixture
def dialog(session, qtbot):
    shown_dialog = ProjectSettingsDialog(session)
    qtbot.addWidget(shown_dialog)
    return shown_dialog


def ok(dialog) -> None:
    dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()


def choose(combo, text: str) -> None:
    index = next(i for i in range(combo.count()) if combo.itemText(i).startswith(text))
    combo.setCurrentIndex(index)
    combo.activated.emit(index)


def test_the_dialog_shows_the_project_and_ok_is_one_undo_step(session, dialog):
    assert (dialog.width_box.value(), dialog.height_box.value()) == (64, 36)
    assert dialog.format_combo.currentText() == "Custom"  # 64x36 is no preset
    assert dialog.fps_combo.currentData() == 24
    assert (dialog.first_box.value(), dialog.last_box.value()) == (1, 100)
    choose(dialog.format_combo, "nHD")
    choose(dialog.fps_combo, "25")
    dialog.last_box.setValue(120)
    assert dialog.duration.text().startswith("120 frames")
    steps = session.undo_stack.count()
    ok(dialog)

    settings = session.project.settings
    assert (settings.format, settings.fps, settings.frame_range) == (Format(640, 360), 25, FrameRange(1, 120))
    assert session.undo_stack.count() == steps + 1 and session.modified
    assert session.undo_stack.undoText() == "Project settings"
    assert (session.in_point, session.out_point) == (1, 120)  # the whole range before, the whole range now
    session.undo_stack.undo()
    settings = session.project.settings
    assert (settings.format, settings.fps, settings.frame_range) == (Format(64, 36), 24, FrameRange(1, 100))
    assert (session.in_point, session.out_point) == (1, 100)
    session.undo_stack.redo()
    assert session.project.settings.frame_range == FrameRange(1, 120)


def test_rates_are_exact_and_a_bad_one_is_explained(session, dialog):
    choose(dialog.fps_combo, "23.976")
    assert dialog.settings().fps == Fraction(24000, 1001)
    choose(dialog.fps_combo, "59.94")
    assert dialog.settings().fps == Fraction(60000, 1001)
    choose(dialog.fps_combo, "Custom")
    assert dialog.fps_custom.isVisibleTo(dialog)
    dialog.fps_custom.setText("12.5")
    assert dialog.settings().fps == Fraction(25, 2)
    dialog.fps_custom.setText("fast")
    assert "not a frame rate" in dialog.problem.text()
    ok(dialog)
    assert dialog.result() == 0 and session.project.settings.fps == 24 and session.undo_stack.count() == 0
    dialog.fps_custom.setText("24")
    dialog.last_box.setValue(0)  # ends before it starts
    assert "ends before it starts" in dialog.problem.text()


def test_nothing_changed_records_nothing(session, dialog):
    ok(dialog)
    assert session.undo_stack.count() == 0 and not session.modified


def test_the_working_space_is_shown_but_not_offered_and_says_why(dialog):
    assert not dialog.working_space.isEnabled()
    assert dialog.working_space.currentText() == "ACEScg  (scene_linear)"
    assert "scene_linear role" in dialog.working_space.toolTip() and "$OCIO" in dialog.working_space.toolTip()


def test_cache_budgets_are_the_artists_setting_not_the_projects(session, dialog, registry):
    dialog.ram_box.setValue(1.5)
    dialog.vram_box.setValue(0.5)
    ok(dialog)
    stats = session.engine.cache_stats()
    assert (stats.ram_budget, stats.vram_budget) == (int(1.5 * GIB), int(0.5 * GIB))
    assert session.undo_stack.count() == 0  # not a project edit
    assert "cache" not in session.project.to_json()
    assert (load_user_settings().ram_cache_bytes, load_user_settings().vram_cache_bytes) == (
        int(1.5 * GIB),
        int(0.5 * GIB),
    )
    # the next project's engine has them too
    session.replace_project(Project(registry=registry))
    assert session.engine.cache_stats().ram_budget == int(1.5 * GIB)


def test_an_unreadable_user_settings_file_gives_the_defaults(tmp_path):
    settings_file = tmp_path / "config" / "settings.json"
    settings_file.parent.mkdir(parents=True)
    settings_file.write_text(json.dumps({"ram_cache_bytes": "lots", "ask_match_project": False}))
    loaded = load_user_settings()
    assert loaded.ram_cache_bytes == 2 * GIB and loaded.ask_match_project is False
    settings_file.write_text("{")
    assert load_user_settings().ask_match_project is True


@pytest.fixture
def window(qtbot, registry):
    session = EditorSession(
        Project(width=64, height=36, registry=registry), engine_options={"cpu_workers": 2}
    )
    main = MainWindow(session, autosave_s=3600, autosave_debounce_s=3600)
    qtbot.addWidget(main, before_close_func=lambda w: w.session.undo_stack.setClean())
    main.show()
    with qtbot.waitActive(main):
        main.activateWindow()
    return main


def test_s_opens_project_settings_and_a_change_reaches_the_timeline_and_viewer(qtbot, window):
    session = window.session
    session.graph.create("Constant")
    viewer = window.viewer
    shown(viewer, 1, qtbot)
    window.graph_view.setFocus()
    qtbot.keyClick(window.graph_view, Qt.Key.Key_S)
    dialog = window.dialogs.settings_dialog
    assert dialog is not None and dialog.isVisible()
    choose(dialog.format_combo, "nHD")
    dialog.last_box.setValue(150)
    ok(dialog)
    assert not dialog.isVisible() and window.dialogs.settings_dialog is None
    assert last_frame_span(session) == (1, 150) and viewer.timeline.ruler.isVisible()
    session.set_frame(150)
    assert session.current_frame == 150
    result = shown(viewer, 150, qtbot)
    assert (result.images[0].image.width(), result.images[0].image.height()) == (640, 360)
    assert window.frame_label.text().startswith("Frame 150")


def test_file_new_opens_with_the_defaults_and_the_dialog(qtbot, window):
    window.new_project()
    settings = window.session.project.settings
    assert (settings.format, settings.fps, settings.frame_range) == (
        Format(1920, 1080),
        24,
        FrameRange(1, 100),
    )
    dialog = window.dialogs.settings_dialog
    assert (
        dialog is not None and dialog.isVisible() and dialog.format_combo.currentText().startswith("HD 1080")
    )
    dialog.reject()
    assert window.session.undo_stack.count() == 0
