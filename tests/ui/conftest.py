"""Editor test fixtures (pytest-qt, offscreen). Besides the thread check every test gets from the
root conftest, every editor test must leave no running QTimer and no open top-level window."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from filmstudio.core.project import Project
from filmstudio.ui.session import EditorSession


@pytest.fixture(autouse=True)
def user_folders(tmp_path, monkeypatch):
    """Autosaves and recent files go to the test's folder, never the user's."""
    monkeypatch.setenv("FILMSTUDIO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("FILMSTUDIO_CONFIG_DIR", str(tmp_path / "config"))


@pytest.fixture(autouse=True)
def no_leaked_timers(qapp):
    yield
    QApplication.processEvents()
    windows = [w for w in QApplication.topLevelWidgets() if w.isVisible()]
    timers = [
        t
        for w in QApplication.topLevelWidgets()
        for t in w.findChildren(QTimer)
        if t.isActive() and w.isVisible()
    ]
    timers += [t for t in qapp.findChildren(QTimer) if t.isActive()]
    for window in windows:  # do not let one leak fail every later test too
        window.close()
    assert not windows, f"windows left open: {[type(w).__name__ for w in windows]}"
    assert not timers, f"timers left running: {[t.objectName() or repr(t) for t in timers]}"


@pytest.fixture
def session(project: Project, qtbot):
    """An editor session on the 64x36, 1-100 test project (built-in and test nodes), closed after."""
    editor = EditorSession(project, engine_options={"cpu_workers": 2})
    yield editor
    editor.close()
    editor.deleteLater()


@pytest.fixture
def dark_theme(qapp):
    """The editor's own theme (filmstudio.ui.theme) for screenshots, restored afterwards."""
    from filmstudio.ui.theme import apply_theme

    style, palette, sheet = qapp.style().name(), qapp.palette(), qapp.styleSheet()
    apply_theme(qapp)
    yield
    qapp.setStyle(style)
    qapp.setPalette(palette)
    qapp.setStyleSheet(sheet)


@pytest.fixture
def inspector(session, qtbot):
    """An Inspector on the session, shown at 420x900."""
    from filmstudio.ui.inspector import Inspector

    panel = Inspector(session)
    qtbot.addWidget(panel)
    panel.resize(420, 900)
    panel.show()
    return panel
