"""The jobs panel tells the truth: a rate over the last seconds and the time left, "stalled on frame
N" when a frame takes far longer than frames took, "cancelling…" the moment Cancel is pressed,
Cancel visible in the default layout, and a new project starts with a clean list."""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint

from filmstudio.core.project import Project
from filmstudio.ui.job_rate import RateMeter
from filmstudio.ui.jobs import Job, JobsPanel
from filmstudio.ui.main_window import MainWindow
from filmstudio.ui.session import EditorSession


def test_a_steady_job_shows_its_rate_and_time_left():
    meter = RateMeter(0.0)
    for done in range(1, 21):  # 2 frames a second
        meter.report(done, 100, done * 0.5)
    assert meter.text(10.0) == "20/100  2.0 fps  ETA 0:40"


def test_a_job_stuck_on_one_frame_says_so_and_its_rate_falls():
    meter = RateMeter(0.0, frame_of=lambda done: 1001 + done)
    for done in range(1, 38):  # 16.5 frames a second, then frame 1038 takes long
        meter.report(done, 100, done / 16.5)
    stuck_at = 37 / 16.5
    assert meter.text(stuck_at + 0.1).startswith("37/100  ")
    assert meter.rate(stuck_at + 4.0) < meter.rate(stuck_at)  # honest: the wait counts
    assert meter.text(stuck_at + 12.0) == "37/100  stalled on frame 1038 for 12 s"


def test_a_slow_model_is_slow_not_stalled():
    meter = RateMeter(0.0)
    for done in range(1, 4):  # 15 s a frame (an upscaler on a CPU)
        meter.report(done, 10, done * 15.0)
    assert meter.text(46.0) == "3/10  16.0 s/frame  ETA 1:52"  # the frame under way counts
    assert "stalled" not in meter.text(45.0 + 30.0)  # twice as long as usual: still working
    assert "stalled on frame 4 for 45 s" in meter.text(45.0 + 45.0)


def test_before_the_first_frame_the_line_says_how_long_it_has_taken():
    meter = RateMeter(0.0)
    meter.report(0, 10, 0.0)
    assert meter.text(12.0) == "0/10  frame 1: 12 s"


class Controlled:
    """A job body that does one frame each time the test says so, and stops when cancelled."""

    def __init__(self, frames: int) -> None:
        self.frames = frames
        self.step = threading.Semaphore(0)
        self.started_frame = threading.Event()

    def run(self, progress, cancel) -> str:
        for done in range(self.frames):
            progress(done, self.frames)
            while not self.step.acquire(timeout=0.01):
                cancel.raise_if_cancelled()
        progress(self.frames, self.frames)
        return "all done"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def panel(session, qtbot):
    clock = Clock()
    jobs = JobsPanel(session, clock=clock)
    jobs.resize(480, 300)
    qtbot.addWidget(jobs)
    jobs.show()
    yield jobs, clock
    jobs.shutdown()


def test_progress_lines_and_an_immediate_cancelling_state(qtbot, panel):
    jobs, clock = panel
    body = Controlled(10)
    job = jobs.start(Job("Export shot.mp4", body.run, frames=range(1001, 1011)))
    row = jobs.rows[job]
    qtbot.waitUntil(lambda: row.meter.total == 10)
    for _ in range(4):
        clock.now += 0.5
        done = row.meter.done
        body.step.release()
        qtbot.waitUntil(lambda done=done: row.meter.done == done + 1)
    assert row.bar.format() == "4/10  2.0 fps  ETA 0:03"
    clock.now += 20.0
    jobs._tick()  # the panel's once-a-second refresh
    assert row.bar.format() == "4/10  stalled on frame 1005 for 20 s"

    jobs.cancel(job)  # what the Cancel button does
    assert row.bar.format() == "cancelling…" and row.item.text(0).endswith("cancelling…")
    assert not row.cancel_button.isEnabled() and job.state == "cancelling"
    with qtbot.waitSignal(job.finished, timeout=10_000):
        pass
    assert job.state == "cancelled" and row.bar.format() == "cancelled"


def test_a_new_project_clears_the_list_but_an_export_goes_on(qtbot, panel, session, registry):
    jobs, _clock = panel
    finished = jobs.start(Job("Analyse Old", lambda progress, cancel: "measured"))
    qtbot.waitUntil(lambda: finished.state == "done")
    analysis, export = Controlled(5), Controlled(5)
    pass_of_old_project = jobs.start(Job("Track Old", analysis.run))
    running_export = jobs.start(Job("Export old.mp4", export.run, outlives_project=True))
    session.replace_project(Project(registry=registry))
    assert finished not in jobs.jobs and jobs.tree.topLevelItemCount() == 2
    assert pass_of_old_project.state == "cancelling" and running_export.state == "running"
    qtbot.waitUntil(lambda: pass_of_old_project.state == "cancelled", timeout=10_000)
    for _ in range(5):
        export.step.release()
    qtbot.waitUntil(lambda: running_export.state == "done", timeout=10_000)


def test_cancel_is_visible_in_the_default_layout(qtbot, registry):
    session = EditorSession(Project(registry=registry), engine_options={"cpu_workers": 2})
    window = MainWindow(session, autosave_s=3600, autosave_debounce_s=3600)
    qtbot.addWidget(window, before_close_func=lambda w: w.session.undo_stack.setClean())
    window.show()
    body = Controlled(3)
    job = window.jobs.start(Job("Export a_rather_long_output_name_v012.mp4", body.run))
    qtbot.waitUntil(lambda: window.jobs.rows[job].meter.total == 3)
    button = window.jobs.rows[job].cancel_button
    viewport = window.jobs.tree.viewport()
    corner = button.mapTo(viewport, QPoint(button.width(), button.height()))
    assert button.isVisible() and viewport.rect().contains(corner - QPoint(1, 1))
    assert button.mapTo(viewport, QPoint(0, 0)).x() >= 0
    window.jobs.grab().save(str(Path(tempfile.gettempdir()) / "filmstudio_jobs_panel.png"))
    window.jobs.cancel(job)
    qtbot.waitUntil(lambda: job.state == "cancelled", timeout=10_000)
