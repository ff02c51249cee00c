"""Background jobs (exports, analysis passes) and the panel that lists them with the log.

A :class:`Job` runs one function on its own thread with a progress callback and a cancel token;
it reports through Qt signals, which arrive queued on the GUI thread. The panel owns its jobs:
closing it cancels and joins them, so no thread outlives the editor. Its progress lines say frames
done, the rate over the last seconds and the time left, or that a job is stuck on a frame
(:mod:`filmstudio.ui.job_rate`); Cancel shows "cancelling…" at once. Another project replaces the
list: finished jobs go, analysis passes of the old project are cancelled (their result has nowhere
to go), exports, which render a snapshot, go on.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from filmstudio.core.context import CancelToken
from filmstudio.core.errors import Cancelled, FilmStudioError
from filmstudio.ui.job_rate import RateMeter
from filmstudio.ui.session import EditorSession

# run(progress, cancel) -> a line for the log when it succeeds
JobFunction = Callable[[Callable[[int, int], None], CancelToken], str]


class Job(QObject):
    """One background task. Signals arrive on the GUI thread.

    progressed(done, total); finished(state, message) with state "done", "failed" or "cancelled".
    ``frames``: the frames it works through, in order (progress lines name the frame it is on);
    ``outlives_project``: it goes on when the editor opens another project (an export of a
    snapshot), instead of being cancelled.
    """

    progressed = Signal(int, int)
    finished = Signal(str, str)

    def __init__(
        self,
        title: str,
        run: JobFunction,
        parent: QObject | None = None,
        *,
        frames: Sequence[int] | None = None,
        outlives_project: bool = False,
    ) -> None:
        super().__init__(parent)
        self.title = title
        self.frames = list(frames) if frames is not None else None
        self.outlives_project = outlives_project
        self.state = "queued"
        self.message = ""
        self._run = run
        self.token = CancelToken()
        self._thread: threading.Thread | None = None
        self.finished.connect(self._record)

    def start(self) -> None:
        self.state = "running"
        self._thread = threading.Thread(target=self._main, name=f"job: {self.title}", daemon=True)
        self._thread.start()

    def cancel(self) -> None:
        if self.state in ("queued", "running"):
            self.state = "cancelling"  # until the thread notices, between frames
        self.token.cancel("cancelled by the user")

    def wait(self, timeout: float | None = None) -> bool:
        """Join the job's thread; True when it has ended."""
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _main(self) -> None:  # job thread
        try:
            message = self._run(self.progressed.emit, self.token)
        except Cancelled:
            self.finished.emit("cancelled", f"{self.title}: cancelled; nothing was written")
        except FilmStudioError as error:
            self.finished.emit("failed", f"{self.title} failed: {error}")
        except Exception as error:  # a bug: keep the editor alive, keep the trace for the report
            detail = "".join(traceback.format_exception(error)).rstrip()
            self.finished.emit("failed", f"{self.title} failed: {type(error).__name__}: {error}\n{detail}")
        else:
            self.finished.emit("done", message)

    def _record(self, state: str, message: str) -> None:
        self.state, self.message = state, message


def analysis_job(
    session: EditorSession,
    uuid: str,
    frames: Sequence[int] | None = None,
    *,
    reverse: bool = False,
    carry: Any = None,
    title: str = "",
) -> Job:
    """A job running a node's analysis pass (e.g. Deflicker, Tracker) over ``frames`` (default:
    the in/out range), descending with ``reverse`` (tracking backward), ``carry`` handed to the
    first frame (which of a Tracker's tracks); the result is stored in the node's state as one
    undo step when it finishes (GUI thread). The pass is planned here, on the GUI thread, so
    editing the graph while it runs is safe."""
    from filmstudio.engine.jobs import AnalysisJob

    node = session.node(uuid)
    if frames is None:
        frames = range(session.in_point, session.out_point + 1)
    frames = sorted(set(frames), reverse=reverse)
    if not frames:
        raise FilmStudioError(f"{node.name}: there are no frames to analyse; check the in and out points")
    engine, graph = session.engine, session.graph
    outcome: list[AnalysisJob] = []

    def run(progress: Callable[[int, int], None], cancel: CancelToken) -> str:
        outcome.append(engine.run_analysis_plan(plan, progress, cancel))
        return f"analysed {plan.name} over frames {frames[0]}-{frames[-1]}"

    job = Job(title or f"Analyse {node.name}", run, frames=frames)
    # nodes check the job's own token
    plan = engine.plan_analysis(node, frames, job.token, reverse=reverse, carry=carry)

    def store(state: str, _message: str) -> None:
        if state == "done" and outcome and uuid in graph.nodes and session.graph is graph:
            outcome[0].apply(graph)

    job.finished.connect(store)
    return job


class JobsPanel(QWidget):
    """Jobs with progress and a cancel button, above the log of everything the session reported.
    ``clock`` (monotonic seconds) is injectable so tests can say how long a frame took."""

    def __init__(
        self,
        session: EditorSession,
        parent: QWidget | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.clock = clock
        self.jobs: list[Job] = []
        self.rows: dict[Job, _JobRow] = {}
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Job", "Progress", ""])
        self.tree.setRootIsDecorated(False)
        header = self.tree.header()
        header.setStretchLastSection(False)  # Cancel keeps its width; the title gives way
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setMinimumSectionSize(60)
        self.tree.setColumnWidth(1, 230)
        self.log = QPlainTextEdit()
        self.log.setReadOnly(True)
        self.log.setMaximumBlockCount(5000)
        self.log.setPlaceholderText("Messages, warnings and errors appear here.")
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.tree)
        splitter.addWidget(self.log)
        splitter.setSizes([120, 200])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)
        self._ticker = QTimer(self)
        self._ticker.setObjectName("jobs panel progress lines")
        self._ticker.setInterval(1000)
        self._ticker.timeout.connect(self._tick)
        session.message.connect(self.append_log)
        session.projectReplaced.connect(self._project_replaced)

    def start(self, job: Job) -> Job:
        """List ``job`` and run it."""
        job.setParent(self)
        row = _JobRow(job, self.clock(), self.tree)
        row.cancel_button.clicked.connect(lambda: self.cancel(job))
        self.rows[job] = row
        job.progressed.connect(lambda done, total: row.progressed(done, total, self.clock()))
        job.finished.connect(lambda state, message: self._finished(job, state, message))
        self.jobs.append(job)
        job.start()
        self._ticker.start()
        return job

    def cancel(self, job: Job) -> None:
        """Ask ``job`` to stop; its row says "cancelling…" until the job's thread has stopped."""
        job.cancel()
        if job.state == "cancelling" and job in self.rows:
            self.rows[job].cancelling()

    def _finished(self, job: Job, state: str, message: str) -> None:
        if job in self.rows:
            self.rows[job].finished(state)
        level = {"done": "info", "cancelled": "warning"}.get(state, "error")
        self.session.report(message.split("\n", 1)[0], level)
        if "\n" in message:  # a bug's trace goes to the log only
            self.append_log("debug", message.split("\n", 1)[1])
        if not self.running:
            self._ticker.stop()

    def _tick(self) -> None:
        """Refresh the lines of running jobs (a stuck frame shows its growing wait)."""
        now = self.clock()
        for job, row in self.rows.items():
            if job.state == "running":
                row.show_progress(now)
        if not self.running:
            self._ticker.stop()

    def _project_replaced(self) -> None:
        for job in list(self.jobs):
            if job.running and job.outlives_project:
                continue
            if job.running:
                self.cancel(job)  # its result belongs to a project that is gone
            else:
                self.jobs.remove(job)
                row = self.rows.pop(job, None)
                if row is not None:
                    row.remove()

    def append_log(self, level: str, text: str) -> None:
        stamp = time.strftime("%H:%M:%S")
        prefix = {"error": "ERROR ", "warning": "warning "}.get(level, "")
        self.log.appendPlainText(f"{stamp}  {prefix}{text}")

    @property
    def running(self) -> list[Job]:
        return [job for job in self.jobs if job.running]

    def shutdown(self, timeout: float = 10.0) -> None:
        """Cancel every running job and wait for its thread (editor exit)."""
        self._ticker.stop()
        for job in self.running:
            job.cancel()
        deadline = time.monotonic() + timeout
        for job in self.jobs:
            job.wait(max(0.0, deadline - time.monotonic()))


class _JobRow:
    """One job's line in the panel: title, progress bar with the progress text, Cancel."""

    def __init__(self, job: Job, started: float, tree: QTreeWidget) -> None:
        self.job = job
        self.tree = tree
        frames = job.frames
        self.meter = RateMeter(started, (lambda done: frames[min(done, len(frames) - 1)]) if frames else None)
        self.item = QTreeWidgetItem([job.title, "", ""])
        self.item.setToolTip(0, job.title)
        tree.addTopLevelItem(self.item)
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)  # busy until the first progress report
        self.cancel_button = QPushButton("Cancel")
        tree.setItemWidget(self.item, 1, self.bar)
        tree.setItemWidget(self.item, 2, _padded(self.cancel_button))

    def progressed(self, done: int, total: int, now: float) -> None:
        self.meter.report(done, total, now)
        self.bar.setRange(0, max(1, total))
        self.bar.setValue(done)
        self.show_progress(now)

    def show_progress(self, now: float) -> None:
        if self.job.state == "running" and self.meter.total:
            text = self.meter.text(now)
            self.bar.setFormat(text)
            self.bar.setToolTip(text)

    def cancelling(self) -> None:
        self.cancel_button.setEnabled(False)
        self.bar.setFormat("cancelling…")
        self.item.setText(0, f"{self.job.title} — cancelling…")

    def finished(self, state: str) -> None:
        self.cancel_button.setEnabled(False)
        if state == "done":
            self.bar.setRange(0, 1)
            self.bar.setValue(1)
        elif self.bar.maximum() == 0:
            self.bar.setRange(0, 1)  # stop the busy animation
        self.bar.setFormat(state)
        self.item.setText(0, f"{self.job.title} — {state}")

    def remove(self) -> None:
        self.tree.takeTopLevelItem(self.tree.indexOfTopLevelItem(self.item))


def _padded(widget: QWidget) -> QWidget:
    holder = QWidget()
    layout = QHBoxLayout(holder)
    layout.setContentsMargins(2, 0, 2, 0)
    layout.addWidget(widget)
    return holder
