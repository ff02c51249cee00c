"""Autosave and recovery at the session level (the main window's prompt is in test_main_window)."""

from __future__ import annotations

from filmstudio.core.project import Project
from filmstudio.ui.autosave import Autosaver, RecentFiles, find_recoveries


def test_unsaved_work_is_autosaved_and_a_clean_save_removes_it(session, tmp_path):
    autosaver = Autosaver(session, interval_s=3600)
    assert autosaver.save_now() is None  # nothing unsaved, nothing written
    grade = session.graph.create("Grade", gain=(2.0, 2.0, 2.0, 1.0))
    written = autosaver.save_now()
    assert written is not None and written.exists()
    assert autosaver._timer.isActive()  # modified: the periodic autosave runs

    (recovery,) = find_recoveries()
    assert recovery.project is None  # never saved
    restored = Project.load(recovery.autosave, session.graph.registry)
    assert restored[grade.name]["gain"] == (2.0, 2.0, 2.0, 1.0)

    session.save(tmp_path / "shot.fsproj")
    assert not autosaver._timer.isActive()
    assert find_recoveries() == []


def test_autosave_names_the_project_it_belongs_to(session, tmp_path):
    session.save(tmp_path / "shot.fsproj")
    autosaver = Autosaver(session, interval_s=3600)
    session.graph.create("Ramp")
    autosaver.save_now()
    (recovery,) = find_recoveries()
    assert recovery.project == (tmp_path / "shot.fsproj").resolve()
    assert "shot.fsproj" in recovery.describe()
    autosaver.stop()


def test_recent_files_most_recent_first_without_duplicates(tmp_path):
    recent = RecentFiles()
    for name in ("a", "b", "a", "c"):
        recent.add(tmp_path / f"{name}.fsproj")
    assert [p.stem for p in recent.paths()] == ["c", "a", "b"]
