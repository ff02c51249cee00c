"""The main window's project questions: Project Settings, Missing Media on open, and the offer to
match a new project to its first clip. One object owns them so the window only wires menus to
it and closes it on exit. GUI thread.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QMainWindow

from filmstudio.ui.match_clip import ClipMatcher, MatchProjectBar
from filmstudio.ui.missing_media import MissingMediaDialog, missing_files
from filmstudio.ui.project_settings import ProjectSettingsDialog
from filmstudio.ui.session import EditorSession


class ProjectDialogs(QObject):
    """Project Settings (:meth:`project_settings`), Missing Media (:meth:`check_missing_media`)
    and the match-to-clip bar (:attr:`match_bar`, added to ``window``'s top tool bar area). The
    open dialogs are :attr:`settings_dialog` and :attr:`missing_media_dialog` (None when closed)."""

    def __init__(self, session: EditorSession, window: QMainWindow) -> None:
        super().__init__(window)
        self.session = session
        self.window = window
        self.settings_dialog: ProjectSettingsDialog | None = None
        self.missing_media_dialog: MissingMediaDialog | None = None
        self.match_bar = MatchProjectBar(session, window)
        window.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.match_bar)
        self.clip_matcher = ClipMatcher(session, self)
        self.clip_matcher.offered.connect(self.match_bar.offer)

    def project_settings(self) -> ProjectSettingsDialog:
        """Show Project Settings (window-modal, without blocking); OK applies as one undo step."""
        if self.settings_dialog is not None:
            self.settings_dialog.close()
        dialog = ProjectSettingsDialog(self.session, self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _result: self._forget("settings_dialog", dialog))
        self.settings_dialog = dialog
        dialog.open()
        return dialog

    def check_missing_media(self) -> MissingMediaDialog | None:
        """List the files the project reads that are missing (a dialog, not modal); None when
        every file is there."""
        if self.missing_media_dialog is not None:
            self.missing_media_dialog.close()
        missing = missing_files(self.session.project)
        if not missing:
            return None
        self.session.report(
            f"{len(missing)} media file(s) of this project are missing: relink them", "warning"
        )
        dialog = MissingMediaDialog(self.session, missing, self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _result: self._forget("missing_media_dialog", dialog))
        self.missing_media_dialog = dialog
        dialog.show()
        return dialog

    def _forget(self, name: str, dialog: object) -> None:
        if getattr(self, name) is dialog:
            setattr(self, name, None)

    def close_all(self) -> None:
        """Close the open dialogs and the question bar (the window is closing)."""
        for dialog in (self.settings_dialog, self.missing_media_dialog):
            if dialog is not None:
                dialog.close()
        self.match_bar.dismiss()
