"""Starting the editor: the QApplication, the theme, the first project, crash recovery, and a
safety net so a bug in a slot is reported in the log panel instead of killing the session."""

from __future__ import annotations

import sys
import traceback
from pathlib import Path
from types import TracebackType

from PySide6.QtWidgets import QApplication

from filmstudio.core.errors import FilmStudioError
from filmstudio.ui.main_window import MainWindow
from filmstudio.ui.session import EditorSession
from filmstudio.ui.system_libraries import check_platform_plugin
from filmstudio.ui.theme import apply_theme
from filmstudio.ui.user_settings import load_user_settings


def application(argv: list[str] | None = None) -> QApplication:
    """The process's QApplication, created and themed on first use. Before creating it, a
    missing system library of Qt's X11 plugin (which would abort the process with a misleading
    message) raises :class:`SystemLibrariesError` naming the packages to install."""
    app = QApplication.instance()
    if app is None:
        check_platform_plugin()
        app = QApplication(argv or [sys.argv[0]])
        app.setApplicationName("FilmStudio")
        app.setOrganizationName("FilmStudio")
    apply_theme(app)  # type: ignore[arg-type]
    return app  # type: ignore[return-value]


def open_window(project_path: str | Path | None = None, *, offer_recovery: bool = True) -> MainWindow:
    """A main window on ``project_path`` (default: the user's copy of the bundled demo project,
    made on first use; an empty project when it cannot be made). A project that cannot be opened is
    explained and an empty one opens."""
    application()
    session = EditorSession(engine_options=load_user_settings().engine_options())  # the artist's budgets
    window = MainWindow(session)
    path = Path(project_path) if project_path is not None else _demo_copy(session)
    if path is not None:
        window.open_project(path, ask=False)
    if offer_recovery:
        window.offer_recovery()
    return window


def _demo_copy(session: EditorSession) -> Path | None:
    """The writable copy of the bundled demo (package data may be read-only), or None when it
    cannot be made (reported)."""
    from filmstudio.bundle.demos import writable_demo

    try:
        return writable_demo()
    except FilmStudioError as error:
        session.report(f"the demo project cannot be opened: {error}", "warning")
        return None


def run_editor(project_path: str | Path | None = None) -> int:
    """Open the editor and run until its window closes; returns the exit code."""
    app = application()
    window = open_window(project_path)
    previous_hook = sys.excepthook
    sys.excepthook = _report_to(window)
    window.show()
    try:
        return app.exec()
    finally:
        sys.excepthook = previous_hook


def _report_to(window: MainWindow):
    """An excepthook that puts an unexpected error in the log panel (with its trace) and keeps
    the editor running; the project is autosaved so a follow-on crash loses nothing."""

    def hook(kind: type[BaseException], error: BaseException, trace: TracebackType | None) -> None:
        if isinstance(error, FilmStudioError):
            window.session.report(str(error), "error")
            return
        detail = "".join(traceback.format_exception(kind, error, trace)).rstrip()
        window.session.report(f"internal error: {kind.__name__}: {error} (details in the log)", "error")
        window.jobs.append_log("debug", detail)
        window.autosaver.save_now()

    return hook
