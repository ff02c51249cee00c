"""The main window: viewer + timeline in the middle, node graph below, inspector on the right,
jobs and log beside the graph (the Script panel tabbed with them); menus, status bar, project
files, autosave and recovery.

Panels only talk to the :class:`EditorSession`; the window wires menus to panel actions and owns
the project lifetime (new/open/save, the unsaved-changes prompt, autosave, recent files).
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QTabBar,
    QWidget,
)

from filmstudio.core.errors import FilmStudioError
from filmstudio.core.graph import GraphEvent, GraphEventKind
from filmstudio.core.project import Project
from filmstudio.core.timebase import timecode
from filmstudio.media.pool import reload_media
from filmstudio.ui.autosave import Autosaver, RecentFiles, Recovery, find_recoveries
from filmstudio.ui.curves import CurveEditor
from filmstudio.ui.export_dialog import ExportDialog
from filmstudio.ui.graph import GraphView
from filmstudio.ui.inspector import Inspector
from filmstudio.ui.jobs import Job, JobsPanel, analysis_job
from filmstudio.ui.project_dialogs import ProjectDialogs
from filmstudio.ui.script_panel import ScriptPanel
from filmstudio.ui.session import EditorSession
from filmstudio.ui.takes import hub_of
from filmstudio.ui.viewer import ViewerPanel
from filmstudio.ui.viewer.actions import ANYWHERE

PROJECT_FILTER = "FilmStudio projects (*.fsproj);;All files (*)"
VIEWER_MENU = (
    ("play", "loop", "step_back", "step_forward", "previous_key", "next_key", "first_frame", "last_frame"),
    ("set_in", "set_out", "clear_in_out"),
    ("fit", "zoom_100", "input_a", "input_b", "wipe"),
    ("render_to_cache",),
)


class MainWindow(QMainWindow):
    """The editor window for one :class:`EditorSession` (which it owns and closes)."""

    def __init__(
        self, session: EditorSession, *, autosave_s: float = 30.0, autosave_debounce_s: float = 3.0
    ) -> None:
        super().__init__()
        self.session = session
        self.recent = RecentFiles()
        self.autosaver = Autosaver(session, autosave_s, autosave_debounce_s)
        self.setObjectName("FilmStudioMainWindow")
        self.resize(QSize(1600, 1000))

        self.viewer = ViewerPanel(session)
        self.graph_view = GraphView(session)
        self.inspector = Inspector(session)
        self.jobs = JobsPanel(session)
        self.setCentralWidget(self.viewer)
        self.graph_dock = self._dock("Node Graph", self.graph_view, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.jobs_dock = self._dock("Jobs and Log", self.jobs, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.inspector_dock = self._dock("Properties", self.inspector, Qt.DockWidgetArea.RightDockWidgetArea)
        self.splitDockWidget(self.graph_dock, self.jobs_dock, Qt.Orientation.Horizontal)
        # the Curve Editor tabbed with the graph, as in Nuke; the graph stays in front
        self.curves = CurveEditor(session)
        self.curves_dock = self._dock("Curve Editor", self.curves, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.tabifyDockWidget(self.graph_dock, self.curves_dock)
        self.graph_dock.raise_()
        # the Script panel tabbed with the jobs (the prompt stays in view in the inspector), in
        # front when the artist selects another node with a Script output
        self.script_panel = ScriptPanel(session)
        self.script_dock = self._dock("Script", self.script_panel, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.tabifyDockWidget(self.jobs_dock, self.script_dock)
        self.jobs_dock.raise_()
        # Sizes last: resizing before the tabs exist left a stale copy of the jobs' tab bar drawn
        # over the graph's corner. The jobs panel is wide enough for a job's title, progress with
        # its ETA, and Cancel.
        self.resizeDocks([self.graph_dock, self.jobs_dock], [1000, 480], Qt.Orientation.Horizontal)
        self.resizeDocks([self.graph_dock], [430], Qt.Orientation.Vertical)
        self.resizeDocks([self.inspector_dock], [400], Qt.Orientation.Horizontal)
        self._script_node = self.script_panel.node
        session.selectionChanged.connect(self._show_script_panel)
        self.takes_hub = hub_of(session)
        self.takes_hub.jobCreated.connect(self.start_job)  # Generate, Stop, contact sheets
        self.dialogs = ProjectDialogs(session, self)

        self._build_menus()
        self._build_status_bar()
        session.modifiedChanged.connect(self._update_title)
        session.projectReplaced.connect(self._update_title)
        session.frameChanged.connect(self._update_frame_label)
        session.graphChanged.connect(self._graph_changed)
        session.message.connect(self._show_message)
        self.viewer.node_tools.jobCreated.connect(self.start_job)  # a Tracker's Track Forward...
        self._update_title()
        self._update_frame_label(session.current_frame)

    # --- layout ----------------------------------------------------------------------------------

    def _dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(title.replace(" ", "").replace("&", ""))
        dock.setWidget(widget)
        features = QDockWidget.DockWidgetFeature
        dock.setFeatures(features.DockWidgetMovable | features.DockWidgetFloatable)
        self.addDockWidget(area, dock)
        return dock

    def _action(self, menu, text: str, slot, shortcut: str | QKeySequence | None = None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file = bar.addMenu("&File")
        self._action(file, "&New", self.new_project, QKeySequence.StandardKey.New)
        self._action(file, "New from &Logline…", self.new_from_logline)
        self._action(file, "&Open…", self.open_dialog, QKeySequence.StandardKey.Open)
        self.recent_menu = file.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file.addSeparator()
        self._action(file, "&Save", self.save, QKeySequence.StandardKey.Save)
        self._action(file, "Save &As…", self.save_as, QKeySequence("Ctrl+Shift+S"))
        file.addSeparator()
        self._action(file, "&Export…", self.export_dialog, QKeySequence("Ctrl+R"))
        self._action(file, "Re&load Media", self.reload_media)
        file.addSeparator()
        self._action(file, "&Quit", self.close, QKeySequence.StandardKey.Quit)

        edit = bar.addMenu("&Edit")
        undo = self.session.undo_stack.createUndoAction(self, "&Undo")
        undo.setShortcut(QKeySequence.StandardKey.Undo)
        redo = self.session.undo_stack.createRedoAction(self, "&Redo")
        redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        edit.addActions([undo, redo])
        edit.addSeparator()
        graph = self.graph_view
        # The graph's own shortcuts (Tab, D, Del, Ctrl+C/V, F, .) act while it has focus; the
        # menu entries below work from anywhere and show the shortcuts.
        self._action(edit, "Cu&t", graph.cut_selection)
        self._action(edit, "&Copy", graph.copy_selection)
        self._action(edit, "&Paste", graph.paste)
        self._action(edit, "&Delete", graph.delete_selection)
        self._action(edit, "&Disable / Enable  (D)", graph.toggle_disable_selection)
        edit.addSeparator()
        self._action(edit, "Add &Node…  (Tab)", graph.open_node_search)
        self._action(edit, "Add D&ot  (.)", graph.add_dot)
        self._action(edit, "Add &Backdrop", graph.add_backdrop)
        edit.addSeparator()
        self._action(edit, "Project &Settings…", self.dialogs.project_settings, QKeySequence("S"))

        view = bar.addMenu("&View")
        self._action(view, "&Frame All Nodes  (F)", graph.frame_all)
        view.addSeparator()
        for dock in (
            self.graph_dock,
            self.curves_dock,
            self.inspector_dock,
            self.jobs_dock,
            self.script_dock,
        ):
            view.addAction(dock.toggleViewAction())

        viewer = bar.addMenu("V&iewer")
        actions = self.viewer.actions_by_name
        for group in VIEWER_MENU:
            for name in group:
                viewer.addAction(actions[name])
            viewer.addSeparator()
        for name in ANYWHERE:  # work from anywhere, as in Nuke; text fields keep their keys
            actions[name].setShortcutContext(Qt.ShortcutContext.WindowShortcut)

        render = bar.addMenu("&Render")
        self._action(render, "&Export…", self.export_dialog)
        self._action(render, "&Analyse Selected Node", self.analyse_selected, QKeySequence("Ctrl+Shift+A"))

        help_menu = bar.addMenu("&Help")
        self._action(help_menu, "&About FilmStudio", self._about)

    def _build_status_bar(self) -> None:
        status = self.statusBar()
        self.frame_label = QLabel()
        self.cache_label = QLabel()
        self.device_label = QLabel()
        for label in (self.frame_label, self.cache_label, self.device_label):
            status.addPermanentWidget(label)
        self._stats_timer = QTimer(self)
        self._stats_timer.setObjectName("status bar memory readout")
        self._stats_timer.setInterval(1000)
        self._stats_timer.timeout.connect(self._update_stats)
        self._stats_timer.start()
        self._update_stats()

    # --- status ----------------------------------------------------------------------------------

    def _update_title(self, *_args: object) -> None:
        path = self.session.project.path
        name = path.name if path else "untitled"
        self.setWindowTitle(f"{name}{'*' if self.session.modified else ''} — FilmStudio")

    def _graph_changed(self, event: GraphEvent) -> None:
        if event.kind is GraphEventKind.SETTINGS_CHANGED:  # the rate shapes the timecode
            self._update_frame_label(self.session.current_frame)

    def _show_script_panel(self) -> None:
        """Bring the Script panel to the front when it follows a newly selected script node."""
        if self.script_panel.node is not self._script_node:
            self._script_node = self.script_panel.node
            if self._script_node is not None:
                self.script_dock.show()
                self.script_dock.raise_()

    def _update_frame_label(self, frame: int) -> None:
        fps = self.session.project.settings.fps
        self.frame_label.setText(f"Frame {frame}   {timecode(frame, fps)}")

    def _update_stats(self) -> None:
        stats = self.session.engine.cache_stats()
        self.cache_label.setText(f"Cache {_size(stats.ram_bytes)} / {_size(stats.ram_budget)}")
        device = self.session.engine.compute_device
        self.device_label.setText(f"Device {device.upper() if device == 'cpu' else device}")

    def _show_message(self, level: str, text: str) -> None:
        first_line = text.split("\n", 1)[0]
        self.statusBar().showMessage(first_line, 8000 if level == "error" else 4000)

    # --- project files ---------------------------------------------------------------------------

    def new_project(self) -> None:
        """An empty project with the default settings (HD 1080, 24 fps, 1-100), and Project Settings
        open to change them."""
        if self.maybe_save():
            self.session.replace_project(Project(registry=self.session.project.graph.registry))
            self.dialogs.project_settings()

    def new_from_logline(self) -> None:
        """An animatic from a logline, built as a job and opened when made (see new_from_logline)."""
        from filmstudio.ui.new_from_logline import new_from_logline

        new_from_logline(self)

    def open_dialog(self) -> None:
        if not self.maybe_save():
            return
        start = str(self.session.project.path.parent) if self.session.project.path else ""
        chosen, _filter = QFileDialog.getOpenFileName(self, "Open project", start, PROJECT_FILTER)
        if chosen:
            self.open_project(Path(chosen), ask=False)

    def open_project(self, path: Path, ask: bool = True) -> bool:
        """Open ``path``; a bad file is explained in a dialog and the current project stays."""
        if ask and not self.maybe_save():
            return False
        try:
            self.session.open(path)
        except FilmStudioError as error:
            self.session.report(str(error), "error")
            QMessageBox.warning(self, "Cannot open project", str(error))
            return False
        self.recent.add(path)
        for warning in self.session.project.load_warnings:
            self.session.report(warning, "warning")
        self.session.report(f"opened {path}")
        self.dialogs.check_missing_media()
        return True

    def save(self) -> bool:
        if self.session.project.path is None:
            return self.save_as()
        return self._save_to(self.session.project.path)

    def save_as(self) -> bool:
        start = str(self.session.project.path or Path.cwd() / "untitled.fsproj")
        chosen, _filter = QFileDialog.getSaveFileName(self, "Save project as", start, PROJECT_FILTER)
        if not chosen:
            return False
        path = Path(chosen)
        return self._save_to(path if path.suffix else path.with_suffix(".fsproj"))

    def _save_to(self, path: Path) -> bool:
        try:
            self.session.save(path)
        except FilmStudioError as error:
            # The last autosave stays: it may be the only copy of the unsaved work.
            QMessageBox.critical(self, "Save failed", str(error))
            self.session.report(str(error), "error")
            return False
        self.autosaver.discard()  # the saved file holds the work now (and "save as" renames it)
        self.recent.add(path)
        self._update_title()
        self.session.report(f"saved {path}")
        return True

    def maybe_save(self) -> bool:
        """Ask about unsaved changes; False when the artist cancels."""
        if not self.session.modified:
            return True
        answer = QMessageBox.question(
            self,
            "Unsaved changes",
            "The project has unsaved changes. Save them first?",
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save,
        )
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        paths = [p for p in self.recent.paths() if p.exists()]
        for path in paths:
            action = self.recent_menu.addAction(str(path))
            action.triggered.connect(lambda _checked=False, p=path: self.open_project(p))
        if not paths:
            self.recent_menu.addAction("(none)").setEnabled(False)
        else:
            self.recent_menu.addSeparator()
            self.recent_menu.addAction("Clear list").triggered.connect(self.recent.clear)

    def offer_recovery(self) -> bool:
        """At start-up: offer to restore an autosave left by a crash; True if one was restored."""
        for recovery in find_recoveries():
            answer = QMessageBox.question(
                self,
                "Recover unsaved work",
                f"FilmStudio did not exit cleanly. Restore the autosave of {recovery.describe()}?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.Yes,
            )
            if answer == QMessageBox.StandardButton.Yes:
                return self._restore(recovery)
            recovery.discard()
        return False

    def _restore(self, recovery: Recovery) -> bool:
        registry = self.session.project.graph.registry
        try:
            project = Project.load(recovery.autosave, registry)
        except FilmStudioError as error:
            self.session.report(f"the autosave could not be read: {error}", "error")
            recovery.discard()
            return False
        project.path = recovery.project
        self.session.replace_project(project)
        # Restored work is unsaved work: mark it so, and keep autosaving it.
        self.session.undo_stack.resetClean()
        self.session.modifiedChanged.emit(True)
        recovery.discard()
        self.session.report(f"restored {recovery.describe()}; save it to keep it", "warning")
        return True

    # --- render ----------------------------------------------------------------------------------

    def export_dialog(self) -> None:
        dialog = ExportDialog(self.session, self)
        if dialog.exec() and dialog.job() is not None:
            self.jobs_dock.show()
            self.jobs.start(dialog.job())

    def reload_media(self) -> None:
        """Read footage from disk afresh (after files were changed behind the editor's back, e.g. on a
        file system whose clock is too coarse to tell): clips re-open, sequences re-scan, every cached
        frame that depends on media is recomputed, and the viewer shows the current frame again."""
        reload_media()
        self.viewer.requester.refresh()
        self.viewer.timeline.schedule_cache_refresh()
        self.session.report("reloaded media from disk")

    def start_job(self, job: Job) -> None:
        """List ``job`` in the jobs panel (shown) and run it."""
        self.jobs_dock.show()
        self.jobs.start(job)

    def analyse_selected(self) -> None:
        """Run the selected node's analysis pass over the in/out range in the jobs panel."""
        if not self.session.selected:
            self.session.report("select a node with an analysis pass (e.g. Deflicker) first", "warning")
            return
        try:
            job = analysis_job(self.session, self.session.selected[-1])
        except FilmStudioError as error:
            self.session.report(str(error), "warning")
            return
        self.jobs_dock.show()
        self.jobs.start(job)

    def _about(self) -> None:
        from filmstudio import __version__

        text = f"FilmStudio {__version__}\nNode-based editor for AI-assisted film making."
        QMessageBox.about(self, "About FilmStudio", text)

    # --- lifetime --------------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        QTimer.singleShot(0, self.hide_stale_tab_bars)  # once the layout has placed the docks

    def hide_stale_tab_bars(self) -> None:
        """Hide tab bars the dock layout no longer places. With two tabbed dock groups (graph +
        curves, jobs + script) Qt 6.11 leaves a copy of the second group's tab bar where the
        docks were before the window was first laid out, drawn over the graph's corner. A live
        bar sits just under the dock it switches; a stale one under none."""
        docks = [dock for dock in self.findChildren(QDockWidget) if dock.isVisible()]
        for bar in self.findChildren(QTabBar):
            if bar.parent() is not self or not bar.isVisible():
                continue
            titles = {bar.tabText(i) for i in range(bar.count())}
            placed = any(
                dock.windowTitle() in titles
                and abs(dock.geometry().bottom() + 1 - bar.geometry().top()) <= 2
                and dock.geometry().left() <= bar.geometry().left() <= dock.geometry().right()
                for dock in docks
            )
            if not placed:
                bar.hide()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.maybe_save():
            event.ignore()
            return
        try:
            self.shutdown()
        except Exception as error:  # one escaping closeEvent can crash PySide6 6.12
            print(f"filmstudio: error while closing: {type(error).__name__}: {error}", file=sys.stderr)
        event.accept()

    def shutdown(self) -> None:
        """Stop timers, jobs and threads; a clean exit leaves no autosave behind."""
        self._stats_timer.stop()
        self.autosaver.stop()
        self.dialogs.close_all()
        self.jobs.shutdown()
        self.takes_hub.shutdown()
        self.viewer.shutdown()
        self.graph_view.shutdown()
        self.autosaver.discard()  # saved, or discarded by the artist's answer: nothing to recover
        self.session.close()


def _size(nbytes: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if nbytes < 1024 or unit == "GB":
            return f"{nbytes:.0f} {unit}" if unit in ("B", "KB") else f"{nbytes:.1f} {unit}"
        nbytes /= 1024
    return f"{nbytes:.1f} GB"
