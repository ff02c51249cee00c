"""Render > Export: the dialog builds a job that renders a snapshot through the CLI's render code;
progress and cancel work from the jobs panel."""

from __future__ import annotations

from filmstudio.core.timebase import FrameRange
from filmstudio.media import probe
from filmstudio.ui.export_dialog import ExportDialog, export_job
from filmstudio.ui.jobs import JobsPanel


def _renderable(session, tmp_path, frames=24):
    graph = session.graph
    ramp = graph.create("Ramp")
    grade = graph.create("Grade", gain=(1.2, 1.0, 0.8, 1.0))
    write = graph.create("Write", file="out.mp4", speed="ultrafast")
    graph.connect(ramp, grade)
    graph.connect(grade, write)
    session.save(tmp_path / "shot.fsproj")
    session.set_in_out(1, frames)
    return grade, write


def test_export_dialog_renders_in_the_jobs_panel(session, qtbot, tmp_path):
    grade, _write = _renderable(session, tmp_path)
    panel = JobsPanel(session)
    qtbot.addWidget(panel)
    dialog = ExportDialog(session)
    qtbot.addWidget(dialog)
    assert dialog.range.text() == "1-24"
    dialog.scale.setCurrentIndex(1)  # 1/2
    dialog.render_button.click()
    job = dialog.job()
    assert job is not None
    progress = []
    job.progressed.connect(lambda done, total: progress.append((done, total)))
    with qtbot.waitSignal(job.finished, timeout=30_000) as finished:
        panel.start(job)
        grade.set(gain=(9.0, 9.0, 9.0, 1.0))  # an edit during the render does not reach it
    assert finished.args[0] == "done", finished.args[1]
    assert progress[-1] == (24, 24)
    info = probe(tmp_path / "out.mp4")
    assert (info.frame_count, info.width, info.height) == (24, 32, 18)
    qtbot.waitUntil(lambda: "wrote" in panel.log.toPlainText(), timeout=2000)


def test_cancel_leaves_no_file(session, qtbot, tmp_path):
    _renderable(session, tmp_path)
    panel = JobsPanel(session)
    qtbot.addWidget(panel)
    job = export_job(session.project, "Write1", str(tmp_path / "long.mp4"), FrameRange(1, 100), 1.0)
    job.progressed.connect(lambda done, total: job.cancel() if done >= 2 else None)
    with qtbot.waitSignal(job.finished, timeout=30_000) as finished:
        panel.start(job)
    assert finished.args[0] == "cancelled"
    assert not (tmp_path / "long.mp4").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".long")] == []
    panel.shutdown()


def test_impossible_export_is_explained_in_the_dialog(session, qtbot, tmp_path):
    _renderable(session, tmp_path)
    dialog = ExportDialog(session)
    qtbot.addWidget(dialog)
    dialog.output.setText(str(tmp_path / "missing" / "out.mp4"))
    dialog.render_button.click()
    assert dialog.job() is None and "does not exist" in dialog.problem.text()
    (tmp_path / "renders").mkdir()
    dialog.output.setText(str(tmp_path / "renders"))
    dialog.render_button.click()
    assert dialog.job() is None and "this is a folder, not a file name" in dialog.problem.text()
    dialog.range.setText("20-10")
    dialog.render_button.click()
    assert "Frames" in dialog.problem.text()
