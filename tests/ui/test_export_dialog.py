"""The Export dialog at a usable size: the whole output path, a real Browse… button, and a line
saying what will be encoded; an export keeps running when another project is opened. Screenshots
of it and of Project Settings (dark theme) go to the temp folder to be looked at."""

from __future__ import annotations

import tempfile
from pathlib import Path

from filmstudio.core.timebase import FrameRange
from filmstudio.ui.export_dialog import ExportDialog, export_job
from filmstudio.ui.project_settings import ProjectSettingsDialog
from tests.ui.test_export import _renderable

SCREENSHOTS = Path(tempfile.gettempdir())


def test_the_dialog_shows_the_whole_path_a_browse_button_and_what_it_encodes(
    session, qtbot, tmp_path, dark_theme
):
    _renderable(session, tmp_path)
    dialog = ExportDialog(session)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    path = str(tmp_path / "out.mp4")
    assert dialog.output.placeholderText() == path
    assert dialog.output.fontMetrics().horizontalAdvance(path) < dialog.output.width()
    assert dialog.width() >= 640
    assert [b.text() for b in dialog.findChildren(type(dialog.render_button)) if "Browse" in b.text()] == [
        "Browse…"
    ]
    summary = dialog.summary.text()
    assert summary == "H.264 · libx264 yuv420p, crf 18, ultrafast\n64x36 · 24 fps · 24 frames (00:00:01:00)"
    dialog.range.setText("1-12")
    dialog.scale.setCurrentIndex(1)
    assert "32x18" in dialog.summary.text() and dialog.summary.text().endswith("12 frames (00:00:00:12)")
    dialog.range.setText("twelve")
    assert dialog.summary.text() == ""
    dialog.range.setText("1-24")
    dialog.grab().save(str(SCREENSHOTS / "filmstudio_export_dialog.png"))


def test_the_project_settings_dialog_screenshot(session, qtbot, dark_theme):
    dialog = ProjectSettingsDialog(session)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.width() >= 520
    dialog.grab().save(str(SCREENSHOTS / "filmstudio_project_settings.png"))


def test_an_export_job_names_its_frames_and_outlives_its_project(session, tmp_path):
    _renderable(session, tmp_path)
    job = export_job(session.project, "Write1", str(tmp_path / "a.mp4"), FrameRange(5, 8), 1.0)
    assert job.frames == [5, 6, 7, 8] and job.outlives_project
