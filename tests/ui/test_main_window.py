"""The main window end to end: panels wired through the session, project files through the GUI,
the unsaved-changes prompt, autosave and crash recovery."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from filmstudio.core.project import Project
from filmstudio.ui.main_window import MainWindow
from filmstudio.ui.session import EditorSession
from tests.ui.test_inspector import type_into


@pytest.fixture
def shot(registry, tmp_path):
    """A saved project: Constant -> Grade, 64x36, frames 1-100."""
    project = Project(fps=24, frame_range=(1, 100), width=64, height=36, registry=registry)
    constant = project.add_node("Constant", color=(0.5, 0.5, 0.5, 1.0))
    project.connect(constant, project.add_node("Grade", name="Look"))
    project.save(tmp_path / "shot.fsproj")
    return tmp_path / "shot.fsproj"


@pytest.fixture
def make_window(qtbot, registry):
    """Opens main windows (on ``path`` if given); each is closed after the test, which stops its
    threads. The list keeps them alive until then (pytest-qt holds only weak references)."""
    windows: list[MainWindow] = []

    def make(path=None) -> MainWindow:
        session = EditorSession(registry=registry, engine_options={"cpu_workers": 2})
        window = MainWindow(session, autosave_s=3600)
        qtbot.addWidget(window, before_close_func=lambda w: w.session.undo_stack.setClean())
        windows.append(window)
        if path is not None:
            assert window.open_project(path, ask=False)
        window.show()
        return window

    return make


def answer(monkeypatch, button) -> list[str]:
    """Make every QMessageBox.question answer ``button``; returns the questions asked."""
    asked: list[str] = []

    def question(_parent, _title, text, *_args, **_kwargs):
        asked.append(text)
        return button

    monkeypatch.setattr(QMessageBox, "question", question)
    return asked


def crash(window: MainWindow) -> None:
    """What a crash leaves: no prompt, no clean shutdown of the autosave (threads still stopped,
    so the test itself does not leak)."""
    window.autosaver.stop()
    window._stats_timer.stop()
    window.viewer.shutdown()
    window.session.close()
    window.hide()


def test_inspector_edit_updates_the_viewer(qtbot, make_window, registry, shot):
    window = make_window(shot)
    look = window.session.node("Look")
    window.session.select([look.uuid])
    canvas = window.viewer.canvas
    qtbot.waitUntil(lambda: canvas.image() is not None, timeout=10_000)
    before = canvas.image().pixelColor(10, 10).red()
    with qtbot.waitSignal(canvas.imageShown, timeout=10_000):
        type_into(qtbot, window.inspector.row("gamma").editor.spin, "2")
    qtbot.waitUntil(lambda: canvas.image().pixelColor(10, 10).red() > before + 10, timeout=10_000)
    assert look["gamma"] == 2.0


def test_save_close_and_reopen_through_the_gui(qtbot, make_window, registry, shot, monkeypatch):
    window = make_window(shot)
    session = window.session
    look = session.node("Look")
    look.set(gain=(1.5, 1.2, 1.0, 1.0))
    look.set_keyframe("gamma", 10, 1.0)
    look.set_keyframe("gamma", 40, 2.0)
    session.set_frame(37)
    assert window.windowTitle().startswith("shot.fsproj*")
    window.save()
    assert not session.modified and window.windowTitle().startswith("shot.fsproj ")
    saved = session.project.to_json()
    answer(monkeypatch, QMessageBox.StandardButton.Cancel)  # must not be asked: nothing unsaved
    assert window.close()

    reopened = make_window(shot)
    assert reopened.session.project.to_json() == saved
    assert reopened.session.current_frame == 37
    assert reopened.recent.paths()[0] == shot.resolve()
    reopened.close()


def test_unsaved_changes_prompt_can_cancel_or_discard(qtbot, make_window, registry, shot, monkeypatch):
    window = make_window(shot)
    window.session.node("Look").set(gamma=1.4)
    asked = answer(monkeypatch, QMessageBox.StandardButton.Cancel)
    assert not window.close() and window.isVisible() and asked
    answer(monkeypatch, QMessageBox.StandardButton.Discard)
    assert window.close()
    assert Project.load(shot, registry)["Look"]["gamma"] == 1.0  # discarded, file untouched


def test_a_crash_leaves_an_autosave_the_next_start_offers_to_restore(
    qtbot, make_window, registry, shot, monkeypatch
):
    window = make_window(shot)
    window.autosaver._timer.setInterval(50)
    window.session.node("Look").set(gamma=1.7)
    qtbot.waitUntil(lambda: window.autosaver.path.exists(), timeout=5_000)  # the timer wrote it
    crash(window)

    asked = answer(monkeypatch, QMessageBox.StandardButton.Yes)
    restarted = make_window()
    assert restarted.offer_recovery()
    assert "shot.fsproj" in asked[0]
    session = restarted.session
    assert session.node("Look")["gamma"] == 1.7 and session.modified
    assert session.project.path == shot.resolve()
    assert Project.load(shot, registry)["Look"]["gamma"] == 1.0  # the real file is untouched
    answer(monkeypatch, QMessageBox.StandardButton.Discard)
    restarted.close()
    assert not restarted.autosaver.path.exists()  # a clean exit leaves nothing to recover


def test_a_failed_save_keeps_the_autosave_of_the_unsaved_work(
    qtbot, make_window, shot, tmp_path, monkeypatch
):
    window = make_window(shot)
    window.session.node("Look").set(gamma=1.4)
    autosave = window.autosaver.save_now()
    assert autosave is not None and autosave.exists()
    monkeypatch.setattr(QMessageBox, "critical", lambda *args: QMessageBox.StandardButton.Ok)
    assert not window._save_to(tmp_path / "no such folder" / "shot.fsproj")
    assert autosave.exists()  # the only copy of the work is kept
    assert window._save_to(shot)
    assert not autosave.exists()  # the file holds the work now


def test_a_broken_project_file_is_explained_and_the_open_project_stays(
    qtbot, make_window, registry, shot, monkeypatch
):
    window = make_window(shot)
    broken = shot.with_name("broken.fsproj")
    broken.write_text('{"schema": 1, "nodes": [', encoding="utf-8")
    warned: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a, **k: warned.append(text))
    assert not window.open_project(broken, ask=False)
    assert "broken.fsproj" in warned[0]
    assert window.session.project.path == shot
    assert "broken.fsproj" in window.jobs.log.toPlainText()


def test_status_bar_shows_frame_cache_and_device(qtbot, make_window, registry, shot):
    window = make_window(shot)
    window.session.set_frame(25)
    assert window.frame_label.text().startswith("Frame 25")
    window._update_stats()
    assert "Cache" in window.cache_label.text() and "/ 2.0 GB" in window.cache_label.text()
    assert window.device_label.text() == "Device CPU"
    assert window.graph_dock.widget() is window.graph_view
    assert window.inspector_dock.widget() is window.inspector
    assert window.centralWidget() is window.viewer
    menus = [a.text().replace("&", "") for a in window.menuBar().actions()]
    assert menus == ["File", "Edit", "View", "Viewer", "Render", "Help"]
    assert Qt.DockWidgetArea.RightDockWidgetArea == window.dockWidgetArea(window.inspector_dock)


def test_space_and_arrows_drive_the_playhead_from_the_graph(qtbot, make_window, shot):
    window = make_window(shot)
    with qtbot.waitActive(window):
        window.activateWindow()
    window.graph_view.setFocus()
    window.session.set_frame(10)
    qtbot.keyClick(window.graph_view, Qt.Key.Key_Right)
    assert window.session.current_frame == 11
    qtbot.keyClick(window.graph_view, Qt.Key.Key_End)
    assert window.session.current_frame == 100


def test_analysis_pass_runs_in_the_jobs_panel_and_is_one_undo_step(qtbot, make_window, registry, tmp_path):
    project = Project(fps=24, frame_range=(1, 20), width=32, height=18, registry=registry)
    card = project.add_node("Constant", color=(0.5, 0.4, 0.3, 1.0))
    grade = project.connect(card, project.add_node("Grade"))
    for frame in range(1, 21):
        grade.set_keyframe("gain", frame, (0.8 if frame % 2 else 1.2,) * 3 + (1.0,))
    project.connect(grade, project.add_node("Deflicker", name="Even"))
    project.save(tmp_path / "flicker.fsproj")
    window = make_window(tmp_path / "flicker.fsproj")
    even = window.session.node("Even")
    window.session.select([even.uuid])
    steps = window.session.undo_stack.count()
    window.analyse_selected()
    (job,) = window.jobs.jobs
    qtbot.waitUntil(lambda: job.state == "done" and "luminance" in even.state, timeout=20_000)
    assert sorted(map(int, even.state["luminance"])) == list(range(1, 21))
    assert window.session.undo_stack.count() == steps + 1
    window.session.undo_stack.undo()
    assert "luminance" not in even.state


def test_the_editor_opens_the_demo_project_and_shows_a_frame(qtbot, request):
    from filmstudio.bundle.demos import demos_dir
    from filmstudio.ui.app import open_window

    window = open_window(offer_recovery=False)
    qtbot.addWidget(window)
    request.addfinalizer(lambda: window)  # alive until pytest-qt has closed it (threads stop)
    window.show()
    # the user's writable copy of the bundled demo, with the clip it reads
    assert window.session.project.path == demos_dir() / "demo" / "demo.fsproj"
    assert (demos_dir() / "demo" / "media" / "launch.mp4").is_file()
    canvas = window.viewer.canvas
    qtbot.waitUntil(lambda: canvas.image() is not None, timeout=30_000)
    assert not canvas.error
    assert window.windowTitle().startswith("demo.fsproj")


def test_a_stale_copy_of_a_dock_tab_bar_is_hidden_and_the_live_ones_kept(qtbot, make_window):
    """Qt 6.11 can leave a copy of a tabbed dock group's tab bar where the docks were before the
    first layout (seen over the graph's corner when the editor opened on the demo); the window
    hides bars that sit under no dock. The copy is made here as Qt leaves it."""
    from PySide6.QtWidgets import QTabBar

    window = make_window()
    qtbot.wait(50)

    def shown() -> list[tuple[str, ...]]:
        return sorted(
            tuple(bar.tabText(i) for i in range(bar.count()))
            for bar in window.findChildren(QTabBar)
            if bar.parent() is window and bar.isVisible()
        )

    live = shown()
    assert live == [("Jobs and Log", "Script"), ("Node Graph", "Curve Editor")]
    stale = QTabBar(window)
    for title in ("Jobs and Log", "Script"):
        stale.addTab(title)
    stale.setGeometry(200, 300, 300, 26)
    stale.show()
    assert len(shown()) == 3
    window.hide_stale_tab_bars()
    assert shown() == live and not stale.isVisible()
