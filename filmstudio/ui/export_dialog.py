"""Render > Export: choose a Write node, file, range and proxy scale, then render in the jobs panel
through the same :func:`filmstudio.render.export.render` the command line uses.

The job renders a snapshot of the project taken when the dialog is accepted, with its own engine:
the artist can keep editing while it renders, and an edit never changes a render half-way.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from filmstudio.core.context import CancelToken
from filmstudio.core.errors import FilmStudioError
from filmstudio.core.graph import NodeInstance
from filmstudio.core.project import Project
from filmstudio.core.timebase import FrameRange
from filmstudio.render.farm_plan import FarmSettings
from filmstudio.render.settings import output_file, writers
from filmstudio.ui.export_summary import export_summary
from filmstudio.ui.jobs import Job
from filmstudio.ui.session import EditorSession

SCALES = (("Full resolution", 1.0), ("1/2", 0.5), ("1/4", 0.25))


def snapshot(project: Project) -> Project:
    """An independent copy of ``project`` (same file location, so relative paths resolve)."""
    copy = Project.from_json(project.to_json(), project.graph.registry, path=project.path)
    copy.path = project.path
    return copy


def export_job(
    project: Project,
    write: str,
    output: str | None,
    frames: FrameRange,
    scale: float,
    farm: FarmSettings | None = None,
) -> Job:
    """A job rendering ``write`` of a snapshot of ``project``; refuses at once (FilmStudioError)
    what the render would refuse before its first frame (no Write, a missing folder, a folder given
    as the file, several frames for a plain image name). With ``farm``, the chunks render on Dask
    workers (:mod:`filmstudio.render.farm`); lost chunks are listed in the job's log."""
    from filmstudio.render.export import check_target, find_write, output_path

    copy = snapshot(project)
    node = find_write(copy, write)
    target = output_path(copy, node, output)
    check_target(copy, node, target, frames)

    def run(progress: Callable[[int, int], None], cancel: CancelToken) -> str:
        from filmstudio.render.export import render

        if farm is not None:
            return _render_on_farm(copy, node, target, frames, scale, farm, progress, cancel)
        result = render(copy, node, target, frames, scale, progress=progress, cancel=cancel)
        return f"wrote {result.path} ({result.frames} frames in {result.seconds:.1f} s, {result.fps:.1f} fps)"

    # an export renders a snapshot: it goes on when another project is opened
    return Job(f"Export {target.name}", run, frames=list(frames), outlives_project=True)


def _render_on_farm(
    copy: Project,
    node: NodeInstance,
    target: Path,
    frames: FrameRange,
    scale: float,
    farm: FarmSettings,
    progress: Callable[[int, int], None],
    cancel: CancelToken,
) -> str:
    from filmstudio.render.farm import render_on_farm

    lost: list[str] = []
    result = render_on_farm(
        copy, farm, node, target, frames, scale, progress=progress, cancel=cancel, log=lost.append
    )
    summary = (
        f"wrote {result.path} ({result.frames} frames in {result.chunks} chunks, {result.seconds:.1f} s)"
    )
    return "\n".join([summary, *lost])  # what was lost and run again goes to the log


class ExportDialog(QDialog):
    """Asks what to export; :meth:`job` builds the export job from the answers."""

    def __init__(self, session: EditorSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export")
        self.setMinimumWidth(640)  # the whole output path, not an elided stub
        self.session = session
        project = session.project
        self.write = QComboBox()
        writes = writers(project)
        for node in writes:
            self.write.addItem(node.name + (" (disabled)" if node.disabled else ""), node.name)
        self.output = QLineEdit()
        self.output.setPlaceholderText("the Write node's file")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.output, 1)
        row.addWidget(browse)
        self.range = QLineEdit(_range_text(session.in_point, session.out_point))
        self.range.setToolTip("frames to render: 1-100, or 1-100x2 for every second frame")
        self.scale = QComboBox()
        for label, value in SCALES:
            self.scale.addItem(label, value)
        self.workers = QSpinBox()  # a LocalCluster; 0: render in this process
        self.workers.setRange(0, 256)
        self.workers.setSpecialValueText("off: render here")
        self.workers.setToolTip("render on this many worker processes (Dask), one chunk each at a time")
        self.cluster = QLineEdit()
        self.cluster.setPlaceholderText("tcp://host:8786 (empty: this machine)")
        self.cluster.setToolTip("a Dask scheduler whose workers render the chunks (FilmStudio installed)")
        self.chunk = QSpinBox()
        self.chunk.setRange(0, 1_000_000)
        self.chunk.setSpecialValueText("automatic")
        self.chunk.setSuffix(" frames")
        self.problem = QLabel()
        self.problem.setStyleSheet("color: #ff6b5b")
        self.problem.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.render_button = buttons.addButton("Render", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("Write node", self.write)
        form.addRow("File", row)
        form.addRow("Frames", self.range)
        form.addRow("Resolution", self.scale)
        form.addRow("Farm workers", self.workers)
        form.addRow("Farm cluster", self.cluster)
        form.addRow("Chunk", self.chunk)
        self.summary = QLabel()
        self.summary.setObjectName("ExportSummary")
        self.summary.setStyleSheet("color: #a8a8a8")  # one line: the dialog widens to hold it
        form.addRow("Encodes", self.summary)
        form.addRow(self.problem)
        form.addRow(buttons)
        self.write.currentIndexChanged.connect(self._show_default_file)
        self.range.textChanged.connect(self._update_summary)
        self.scale.currentIndexChanged.connect(self._update_summary)
        self._show_default_file()
        self._job: Job | None = None
        if not writes:
            self.problem.setText("This project has no Write node: add one (Tab, Write) and connect it.")
            self.render_button.setEnabled(False)

    def job(self) -> Job | None:
        """The export job, once the dialog was accepted."""
        return self._job

    def _show_default_file(self) -> None:
        name = self.write.currentData()
        if name:
            node = self.session.project.graph.node(name)
            path = str(self.session.project.resolve_path(output_file(node)))
            self.output.setPlaceholderText(path)
            self.output.setToolTip(path)
            width = self.output.fontMetrics().horizontalAdvance(path) + 24
            self.output.setMinimumWidth(min(width, 900))
        self._update_summary()

    def _update_summary(self) -> None:
        """What the chosen Write encodes, at what size and rate, for how many frames."""
        name = self.write.currentData()
        try:
            frames = FrameRange.parse(self.range.text().strip())
        except ValueError:
            frames = None
        if not name or frames is None:
            self.summary.setText("")
            return
        node, scale = self.session.project.graph.node(name), float(self.scale.currentData())
        self.summary.setText(export_summary(self.session.project, node, frames, scale))
        self.summary.setToolTip(self.summary.text())

    def _browse(self) -> None:
        start = self.output.text() or self.output.placeholderText()
        chosen, _filter = QFileDialog.getSaveFileName(self, "Export to", start)
        if chosen:
            self.output.setText(chosen)

    def _accept(self) -> None:
        try:
            frames = FrameRange.parse(self.range.text().strip())
            self._job = export_job(
                self.session.project,
                self.write.currentData(),
                self.output.text().strip() or None,
                frames,
                float(self.scale.currentData()),
                self.farm(),
            )
        except ValueError as error:
            self.problem.setText(f"Frames: {error}")
            return
        except FilmStudioError as error:
            self.problem.setText(str(error))
            return
        self.accept()

    def farm(self) -> FarmSettings | None:
        """The farm the answers ask for: a cluster address wins over local workers; None renders here.
        :class:`FilmStudioError` for a chunk size without a farm."""
        cluster, workers = self.cluster.text().strip(), self.workers.value()
        chunk = self.chunk.value() or None
        if not cluster and not workers:
            if chunk:
                raise FilmStudioError("Chunk: set farm workers or a cluster, or leave the chunk automatic")
            return None
        return FarmSettings(cluster=cluster or None, workers=None if cluster else workers, chunk=chunk)


def _range_text(first: int, last: int) -> str:
    return f"{first}-{last}"
