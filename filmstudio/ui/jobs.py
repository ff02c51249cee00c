"""Background jobs (exports, analysis passes) and the panel that lists them with the log.

A :class:`Job` runs one function on its own thread with a progress callback and a cancel token;
it reports through Qt signals, which arrive queued on the GUI thread. The panel owns its jobs:
closing it cancels and joins them, so no thread outlives the editor.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
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
from filmstudio.ui.session import EditorSession

# run(progress, cancel) -> a line for the log when it succeeds
JobFunction = Callable[[Callable[[int, int], None], CancelToken], str]


class Job(QObject):
    """One background task. Signals arrive on the GUI thread.

    progressed(done, total); finished(state, message) with state "done", "failed" or "cancelled".
    """

    progressed = Signal(int, int)
    finished = Signal(str, str)

    def __init__(self, title: str, run: JobFunction, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.title = title
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

    job = Job(title or f"Analyse {node.name}", run)
    # nodes check the job's own token
    plan = engine.plan_analysis(node, frames, job.token, reverse=reverse, carry=carry)

    def store(state: str, _message: str) -> None:
        if state == "done" and outcome and uuid in graph.nodes and session.graph is graph:
            outcome[0].apply(graph)

    job.finished.connect(store)
    return job


class JobsPanel(QWidget):
    """Jobs with progress and a cancel button, above the log of everything the session reported."""

    def __init__(self, session: EditorSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.jobs: list[Job] = []
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Job", "Progress", ""])
        self.tree.setRootIsDecorated(False)
        self.tree.setColumnWidth(0, 220)
        self.tree.setColumnWidth(1, 160)
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
        session.message.connect(self.append_log)

    def start(self, job: Job) -> Job:
        """List ``job`` and run it."""
        job.setParent(self)
        item = QTreeWidgetItem([job.title, "", ""])
        self.tree.addTopLevelItem(item)
        bar = QProgressBar()
        bar.setRange(0, 0)  # busy until the first progress report
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(job.cancel)
        self.tree.setItemWidget(item, 1, bar)
        self.tree.setItemWidget(item, 2, _padded(cancel))
        started = time.perf_counter()

        def progressed(done: int, total: int) -> None:
            bar.setRange(0, max(1, total))
            bar.setValue(done)
            elapsed = time.perf_counter() - started
            bar.setFormat(f"{done}/{total}  {done / elapsed if elapsed > 0 else 0:.1f}/s")

        def finished(state: str, message: str) -> None:
            cancel.setEnabled(False)
            if state == "done":
                bar.setRange(0, 1)
                bar.setValue(1)
            bar.setFormat(state)
            item.setText(0, f"{job.title} — {state}")
            level = {"done": "info", "cancelled": "warning"}.get(state, "error")
            self.session.report(message.split("\n", 1)[0], level)
            if "\n" in message:  # a bug's trace goes to the log only
                self.append_log("debug", message.split("\n", 1)[1])

        job.progressed.connect(progressed)
        job.finished.connect(finished)
        self.jobs.append(job)
        job.start()
        return job

    def append_log(self, level: str, text: str) -> None:
        stamp = time.strftime("%H:%M:%S")
        prefix = {"error": "ERROR ", "warning": "warning "}.get(level, "")
        self.log.appendPlainText(f"{stamp}  {prefix}{text}")

    @property
    def running(self) -> list[Job]:
        return [job for job in self.jobs if job.running]

    def shutdown(self, timeout: float = 10.0) -> None:
        """Cancel every running job and wait for its thread (editor exit)."""
        for job in self.running:
            job.cancel()
        deadline = time.monotonic() + timeout
        for job in self.jobs:
            job.wait(max(0.0, deadline - time.monotonic()))


def _padded(widget: QWidget) -> QWidget:
    holder = QWidget()
    layout = QHBoxLayout(holder)
    layout.setContentsMargins(2, 0, 2, 0)
    layout.addWidget(widget)
    return holder
