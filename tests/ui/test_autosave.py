"""Autosave and recovery at the session level (the main window's prompt is in test_main_window)."""

from __future__ import annotations

import pytest

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


def test_a_failed_autosave_is_reported_once_and_the_last_good_one_survives(session):
    autosaver = Autosaver(session, interval_s=3600)
    grade = session.graph.create("Grade")
    written = autosaver.save_now()
    good = written.read_bytes()
    told: list[tuple[str, str]] = []
    session.message.connect(lambda level, text: told.append((level, text)))

    deep: list = []
    for _ in range(400):  # a node wrote a state no project file can hold (it once raised RecursionError)
        deep = [deep]
    session.graph.set_state(grade.uuid, {"layout": deep})
    assert autosaver.save_now() is None
    assert autosaver.save_now() is None  # every 30 s: said once, not every time
    ((level, text),) = told
    assert level == "error" and text.startswith("autosave failed (") and "Traceback" not in text
    assert "node Grade1 holds data that cannot be saved: nested more than 100 levels deep" in text
    assert "at nodes[0].state.layout[0]" in text
    assert "the previous autosave is kept" in text
    assert written.read_bytes() == good
    (recovery,) = find_recoveries()
    assert Project.load(recovery.autosave, session.graph.registry)[grade.name].state == {}

    def broken(*args):  # any other failure, e.g. a bug in a plugin's state: reported the same way
        raise RuntimeError("plugin state went wrong")

    session.graph.set_state(grade.uuid, {"layout": []})
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Project, "to_json", broken)
        assert autosaver.save_now() is None
    assert told[-1] == (
        "error",
        "autosave failed (RuntimeError: plugin state went wrong); the previous autosave is kept: "
        "save your work manually",
    )
    assert autosaver.save_now() == written  # saving works again
    assert Project.load(written, session.graph.registry)[grade.name].state == {"layout": []}
    autosaver.stop()


def test_an_edit_is_autosaved_once_shortly_after_a_burst_of_edits(session, qtbot):
    autosaver = Autosaver(session, interval_s=3600, debounce_s=0.05)
    saves: list[int] = []
    autosaver._debounce.timeout.connect(lambda: saves.append(1))
    grade = session.graph.create("Grade")
    for gain in (1.1, 1.2, 1.3, 1.4):  # a slider drag: one burst, no event loop in between
        grade.set(gain=(gain, gain, gain, 1.0), merge=True)
    assert autosaver.pending and not autosaver.path.exists()
    qtbot.waitUntil(autosaver.path.exists, timeout=5_000)
    assert saves == [1] and not autosaver.pending
    (recovery,) = find_recoveries()
    assert Project.load(recovery.autosave, session.graph.registry)[grade.name]["gain"][0] == 1.4
    session.undo_stack.undo()  # an undo is an edit too
    assert autosaver.pending
    autosaver.stop()
    assert not autosaver.pending


def test_models_autosaves_and_settings_live_under_one_app_folder(tmp_path, monkeypatch):
    from filmstudio.models.store import user_models_dir
    from filmstudio.ui.autosave import config_dir, data_dir

    monkeypatch.delenv("FILMSTUDIO_DATA_DIR")
    monkeypatch.delenv("FILMSTUDIO_CONFIG_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    assert user_models_dir() == data_dir() / "models" == tmp_path / "share" / "filmstudio" / "models"
    assert config_dir() == tmp_path / "config" / "filmstudio"


def test_an_autosave_left_in_the_old_folder_is_still_offered(session, tmp_path, monkeypatch):
    monkeypatch.delenv("FILMSTUDIO_DATA_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    old = tmp_path / "share" / "FilmStudio" / "autosave"
    old.mkdir(parents=True)
    (old / "untitled-abc.fsproj").write_text(session.project.to_json(), encoding="utf-8")
    (old / "untitled-abc.json").write_text('{"project": null, "saved_at": 1.0}', encoding="utf-8")
    (recovery,) = find_recoveries()
    assert recovery.autosave == old / "untitled-abc.fsproj"
