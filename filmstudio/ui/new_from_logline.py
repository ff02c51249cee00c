"""File > New from Logline: a dialog asks for the logline (and where to make the project), then the
animatic is built as a job in the jobs panel — progress by stage, Cancel, each stage in the log —
and opened when it is made (:func:`filmstudio.templates.animatic.build_animatic`, the same builder
as ``filmstudio new animatic``). The editor stays usable meanwhile: the build works on a project
of its own, on the job's thread."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from filmstudio.core.context import CancelToken
from filmstudio.ui.jobs import Job
from filmstudio.ui.session import EditorSession

IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.tif *.tiff *.exr);;All files (*)"


class LoglineDialog(QDialog):
    """The logline, the folder to make the project in, an optional plate (a still) and a seed."""

    def __init__(self, parent: QWidget | None = None, folder: Path | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New from Logline")
        self.setMinimumWidth(560)
        self.logline = QPlainTextEdit()
        self.logline.setPlaceholderText(
            "A lighthouse keeper and a lost pilot argue about who leaves the island."
        )
        self.logline.setFixedHeight(72)
        self.folder = QLineEdit(str(folder or Path.home() / "animatic"))
        self.plate = QLineEdit()
        self.plate.setPlaceholderText("optional: a still to paint the backgrounds from")
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setValue(1)
        self.problem = QLabel()
        self.problem.setStyleSheet("color: #e07070")
        form = QFormLayout(self)
        form.addRow("Logline", self.logline)
        form.addRow("Folder", _with_browse(self.folder, self._choose_folder))
        form.addRow("Plate", _with_browse(self.plate, self._choose_plate))
        form.addRow("Seed", self.seed)
        form.addRow(self.problem)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Build")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def project_path(self) -> Path:
        return Path(self.folder.text().strip()).expanduser() / "animatic.fsproj"

    def request(self) -> tuple[str, Path, Path | None, int]:
        """(logline, project path, plate or None, seed) as typed."""
        plate = self.plate.text().strip()
        return (
            self.logline.toPlainText().strip(),
            self.project_path(),
            Path(plate) if plate else None,
            self.seed.value(),
        )

    def accept(self) -> None:
        """Refuse, saying why in the dialog, what the build would refuse at once."""
        logline, path, plate, _seed = self.request()
        if not logline:
            self.problem.setText("Type a logline: what happens, to whom, in a sentence.")
        elif not self.folder.text().strip():
            self.problem.setText("Choose a folder to make the project in.")
        elif path.exists():
            self.problem.setText(f"{path} exists: choose another folder.")
        elif plate is not None and not plate.expanduser().is_file():
            self.problem.setText(f"The plate {plate} is not a file.")
        else:
            super().accept()

    def _choose_folder(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Make the animatic in", self.folder.text())
        if chosen:
            self.folder.setText(chosen)

    def _choose_plate(self) -> None:
        chosen, _filter = QFileDialog.getOpenFileName(self, "Plate", self.plate.text(), IMAGE_FILTER)
        if chosen:
            self.plate.setText(chosen)


def _with_browse(field: QLineEdit, choose: Callable[[], None]) -> QWidget:
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(field)
    browse = QPushButton("Browse…")
    browse.clicked.connect(choose)
    layout.addWidget(browse)
    return row


class _StageRelay(QObject):
    """Carries the build's stage names from the job's thread to the log (GUI thread)."""

    stage = Signal(str)


def animatic_job(
    session: EditorSession,
    logline: str,
    path: Path,
    plate: Path | None,
    seed: int,
    build: Callable[..., Any] | None = None,
) -> Job:
    """A job building the animatic of ``logline`` at ``path``; its progress counts the build's
    stages, each of which is logged. ``build`` replaces the builder (tests)."""
    if build is None:
        from filmstudio.templates.animatic import build_animatic as build
    relay = _StageRelay()
    relay.stage.connect(lambda what: session.report(f"New from logline: {what}…"))

    def run(progress: Callable[[int, int], None], cancel: CancelToken) -> str:
        def stage(done: int, total: int, what: str) -> None:
            progress(done, total)
            if done < total:
                relay.stage.emit(what)

        made = build(logline, path, plate=plate, seed=seed, progress=stage, cancel=cancel)
        notes = "".join(f"\n  {note}" for note in made.notes)
        return f"made {made.path}: {len(made.shots)} shots, {made.seconds:.1f} s{notes}"

    job = Job(f"New animatic {path.parent.name}", run, outlives_project=True)
    job.setProperty("project_path", str(path))
    relay.setParent(job)  # lives as long as the job
    return job


def new_from_logline(window: Any) -> Job | None:
    """Ask for a logline and start the build in ``window``'s jobs panel; the project opens when it
    is made (asking to save the current one first). None when the dialog was cancelled."""
    dialog = LoglineDialog(window)
    if not dialog.exec():
        return None
    logline, path, plate, seed = dialog.request()
    job = animatic_job(window.session, logline, path, plate, seed)
    job.finished.connect(lambda state, _message: window.open_project(path) if state == "done" else None)
    window.start_job(job)
    return job
