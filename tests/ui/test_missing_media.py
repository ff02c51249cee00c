"""Missing media on open: every missing file a project reads in one dialog (footage, LUT, font,
model file, screenplay, subtitles), found by declaration; Relink searches a folder by name and
sets them all in one undo step."""

from __future__ import annotations

import pytest

from filmstudio.core.project import Project
from filmstudio.ui.main_window import MainWindow
from filmstudio.ui.missing_media import find_replacements, missing_files
from filmstudio.ui.session import EditorSession


def touch(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")
    return path


@pytest.fixture
def moved(tmp_path, registry):
    """A project saved in ``project/`` whose files were moved to ``archive/`` (some in subfolders),
    plus files that are still there and a model given by name."""
    folder = tmp_path / "project"
    folder.mkdir()
    project = Project(width=64, height=36, registry=registry)
    project.add_node("Read", name="Plate", file="media/plate.mp4")
    project.add_node("Read", name="Frames", file=str(tmp_path / "old" / "shot.####.exr"))
    project.add_node("LUT", name="Look", file="luts/show.cube")
    project.add_node("Title", name="Card", font=str(tmp_path / "old" / "Brand.otf"))
    project.add_node("ScriptFile", name="Pages", file="scripts/pilot.fountain")
    project.add_node("SubtitleFile", name="Subs", file="subs/en.srt")
    project.add_node("Upscaler", name="Big", model=str(tmp_path / "old" / "mine.pth"))
    project.add_node("Upscaler", name="Known", model="dat-light-x2")  # installed by name: not media
    project.add_node("Read", name="Here", file="here.mp4")
    project.add_node("Write", name="Out", file="renders/out.mp4")  # written, never missing
    touch(folder / "here.mp4")
    project.save(folder / "shot.fsproj")
    archive = tmp_path / "archive"
    for name in ("a/plate.mp4", "show.cube", "fonts/Brand.otf", "b/c/pilot.fountain", "en.srt", "mine.pth"):
        touch(archive / name)
    for frame in (1001, 1002):
        touch(archive / "exr" / f"shot.{frame}.exr")
    return folder / "shot.fsproj", archive


def test_every_missing_file_a_project_reads_is_listed_by_declaration(moved, registry):
    path, _archive = moved
    project = Project.load(path, registry)
    listed = {(m.node_name, m.param) for m in missing_files(project)}
    assert listed == {
        ("Plate", "file"),
        ("Frames", "file"),
        ("Look", "file"),
        ("Card", "font"),
        ("Pages", "file"),
        ("Subs", "file"),
        ("Big", "model"),
    }


def test_a_sequence_is_there_when_one_of_its_frames_is(tmp_path, registry):
    project = Project(registry=registry)
    project.add_node("Read", file=str(tmp_path / "shot.%04d.png"))
    assert len(missing_files(project)) == 1
    touch(tmp_path / "shot.0007.png")
    assert missing_files(project) == []


def test_relink_finds_files_by_name_below_a_folder(moved, registry):
    path, archive = moved
    missing = missing_files(Project.load(path, registry))
    found = {m.node_name: p for m, p in find_replacements(missing, archive).items()}
    assert found["Plate"] == archive / "a" / "plate.mp4"
    assert found["Pages"] == archive / "b" / "c" / "pilot.fountain"
    assert found["Frames"] == archive / "exr" / "shot.####.exr"
    assert len(found) == 7


@pytest.fixture
def window(qtbot, registry):
    session = EditorSession(registry=registry, engine_options={"cpu_workers": 2})
    main = MainWindow(session, autosave_s=3600, autosave_debounce_s=3600)
    qtbot.addWidget(main, before_close_func=lambda w: w.session.undo_stack.setClean())
    main.show()
    return main


def test_opening_lists_them_in_one_dialog_and_relink_is_one_undo_step(qtbot, window, moved):
    path, archive = moved
    assert window.open_project(path, ask=False)
    dialog = window.dialogs.missing_media_dialog
    assert dialog is not None and dialog.isVisible() and not dialog.isModal()
    assert dialog.tree.topLevelItemCount() == 7
    assert "7 files this project reads are missing" in dialog.summary.text()
    assert not dialog.relink_button.isEnabled()
    assert dialog.search(archive) == 7
    assert dialog.tree.topLevelItem(0).text(3) == str(archive / "a" / "plate.mp4")
    session = window.session
    steps = session.undo_stack.count()
    dialog.relink_button.click()
    assert not dialog.isVisible() and window.dialogs.missing_media_dialog is None
    assert missing_files(session.project) == []
    assert session.node("Frames")["file"] == str(archive / "exr" / "shot.####.exr")
    assert session.undo_stack.count() == steps + 1 and session.undo_stack.undoText() == "Relink media"
    session.undo_stack.undo()
    assert session.node("Plate")["file"] == "media/plate.mp4" and len(missing_files(session.project)) == 7


def test_a_project_with_everything_in_place_shows_no_dialog(qtbot, window, tmp_path, registry):
    project = Project(registry=registry)
    project.add_node("Read", file="clip.mp4")
    touch(tmp_path / "clip.mp4")
    project.save(tmp_path / "ok.fsproj")
    assert window.open_project(tmp_path / "ok.fsproj", ask=False)
    assert window.dialogs.missing_media_dialog is None
