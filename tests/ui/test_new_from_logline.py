"""File > New from Logline: the dialog refuses what the build would, the build runs as a job
(stages as progress and in the log, Cancel) and the project opens when it is made. The builder
is replaced by a quick one here: tests/integration/test_animatic.py runs the real one."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from PySide6.QtWidgets import QDialog

from filmstudio.core.project import Project
from filmstudio.templates import animatic
from filmstudio.ui.main_window import MainWindow
from filmstudio.ui.new_from_logline import LoglineDialog
from filmstudio.ui.session import EditorSession

STAGES = ("writing the scene", "recording voices")


@pytest.fixture
def window(qtbot, registry):
    session = EditorSession(registry=registry, engine_options={"cpu_workers": 2})
    made = MainWindow(session, autosave_s=3600)
    qtbot.addWidget(made, before_close_func=lambda w: w.session.undo_stack.setClean())
    made.show()
    return made


@pytest.fixture
def quick_builder(monkeypatch, registry):
    """A builder that goes through two stages (each waits for a go from the test) and saves a
    small project; ``calls`` records its arguments."""
    calls, go = [], []

    def build(logline, path, *, plate, seed, progress, cancel):
        calls.append((logline, path, plate, seed))
        for done, what in enumerate(STAGES):
            progress(done, len(STAGES), what)
            while not go and not cancel.cancelled:
                cancel.wait(0.01)
            cancel.raise_if_cancelled()
        project = Project(fps=24, frame_range=(1, 48), width=64, height=36, registry=registry)
        project.add_node("Constant", "Sky")
        path.parent.mkdir(parents=True)
        project.save(path)
        progress(len(STAGES), len(STAGES), "done")
        return SimpleNamespace(path=path, shots=(1, 2, 3), seconds=2.0, notes=("scene: kept 3 lines",))

    monkeypatch.setattr(animatic, "build_animatic", build)
    return SimpleNamespace(calls=calls, go=go)


def fill(monkeypatch, logline: str, folder, plate: str = "") -> None:
    """Make the next LoglineDialog answer with these fields, as if typed and Build pressed."""

    def exec_(dialog: LoglineDialog) -> int:
        dialog.logline.setPlainText(logline)
        dialog.folder.setText(str(folder))
        dialog.plate.setText(plate)
        dialog.seed.setValue(7)
        dialog.accept()
        return dialog.result()

    monkeypatch.setattr(LoglineDialog, "exec", exec_)


def test_the_build_runs_as_a_job_and_the_project_opens(window, quick_builder, monkeypatch, qtbot, tmp_path):
    fill(monkeypatch, "  A baker finds a ring in the dough.  ", tmp_path / "ring")
    window.new_from_logline()
    (job,) = window.jobs.jobs
    qtbot.waitUntil(lambda: "writing the scene" in window.jobs.log.toPlainText(), timeout=10_000)
    assert job.state == "running" and window.session.project.path != tmp_path / "ring" / "animatic.fsproj"
    quick_builder.go.append(True)
    qtbot.waitUntil(lambda: job.state not in ("queued", "running"), timeout=10_000)
    assert job.state == "done", job.message
    path = tmp_path / "ring" / "animatic.fsproj"
    assert quick_builder.calls == [("A baker finds a ring in the dough.", path, None, 7)]
    qtbot.waitUntil(lambda: window.session.project.path == path, timeout=10_000)
    log = window.jobs.log.toPlainText()
    assert "recording voices" in log and "3 shots, 2.0 s" in log and "scene: kept 3 lines" in log


def test_cancel_stops_the_build_and_opens_nothing(window, quick_builder, monkeypatch, qtbot, tmp_path):
    before = window.session.project
    fill(monkeypatch, "A heist in a bakery.", tmp_path / "heist")
    window.new_from_logline()
    (job,) = window.jobs.jobs
    qtbot.waitUntil(lambda: "writing the scene" in window.jobs.log.toPlainText(), timeout=10_000)
    window.jobs.cancel(job)
    qtbot.waitUntil(lambda: job.state == "cancelled", timeout=10_000)
    assert window.session.project is before and not (tmp_path / "heist").exists()


def test_the_dialog_refuses_what_the_build_would(qtbot, tmp_path):
    dialog = LoglineDialog(folder=tmp_path / "new")
    qtbot.addWidget(dialog)
    dialog.accept()
    assert dialog.result() != QDialog.DialogCode.Accepted and "Type a logline" in dialog.problem.text()
    dialog.logline.setPlainText("A dog finds the sea.")
    (tmp_path / "new").mkdir()
    (tmp_path / "new" / "animatic.fsproj").write_text("{}")
    dialog.accept()
    assert "exists: choose another folder" in dialog.problem.text()
    dialog.folder.setText(str(tmp_path / "other"))
    dialog.plate.setText(str(tmp_path / "missing.png"))
    dialog.accept()
    assert "is not a file" in dialog.problem.text()
    dialog.plate.setText("")
    dialog.accept()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.request() == ("A dog finds the sea.", tmp_path / "other" / "animatic.fsproj", None, 1)
