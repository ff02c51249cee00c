"""File > Reload Media: footage changed behind the editor's back is read again, and only the
frames that depend on footage are recomputed."""

from __future__ import annotations

import os

import pytest
import torch

from filmstudio.core.project import Project
from filmstudio.media import write_image
from filmstudio.ui.main_window import MainWindow
from filmstudio.ui.session import EditorSession


@pytest.fixture
def window(qtbot, registry, tmp_path):
    """A window on a 16x16 project: a Read of an 8-frame grey PNG sequence, and a Constant."""
    for number in range(1, 9):
        write_image(tmp_path / f"plate.{number:04d}.png", torch.full((4, 16, 16), 0.2))
    project = Project(fps=24, frame_range=(1, 8), width=16, height=16, registry=registry)
    project.add_node("Read", name="Plate", file=str(tmp_path / "plate.####.png"), colorspace="linear")
    project.add_node("Constant", name="Fill", color=(0.5, 0.5, 0.5, 1.0))
    session = EditorSession(project, engine_options={"cpu_workers": 2})
    main = MainWindow(session, autosave_s=3600)
    qtbot.addWidget(main, before_close_func=lambda w: w.session.undo_stack.setClean())
    main.show()
    return main


def rewrite_unnoticed(path, value: float) -> None:
    """Change an image's pixels but not its size, time or inode: what a stat cannot see (a copy
    tool that keeps times, a file system with a coarse clock)."""
    before = os.stat(path)
    other = path.with_name("other.png")
    write_image(other, torch.full((4, 16, 16), value))
    data = other.read_bytes()
    other.unlink()
    assert len(data) == before.st_size
    with open(path, "r+b") as file:
        file.write(data)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert os.stat(path)[1:9] == before[1:9]


def red(window: MainWindow) -> int:
    return window.viewer.canvas.image().pixelColor(8, 8).red()


def test_reload_media_shows_footage_changed_on_disk(qtbot, window, tmp_path):
    session, canvas = window.session, window.viewer.canvas
    plate, fill = session.node("Plate"), session.node("Fill")
    for node, frame in ((fill, 1), (plate, 2)):
        session.engine.evaluate(node, frame)
    session.select([plate.uuid])
    qtbot.waitUntil(lambda: canvas.image() is not None and session.engine.is_cached(plate, 1), timeout=10_000)
    grey = red(window)
    assert session.engine.is_cached(plate, 2)

    rewrite_unnoticed(tmp_path / "plate.0001.png", 0.8)
    (reload,) = [a for a in window.menuBar().actions()[0].menu().actions() if a.text() == "Re&load Media"]
    with qtbot.waitSignal(canvas.imageShown, timeout=10_000):
        reload.trigger()
    qtbot.waitUntil(lambda: red(window) > grey + 40, timeout=10_000)
    assert session.engine.is_cached(fill, 1)  # frames that read no footage stay cached
    assert not session.engine.is_cached(plate, 2)  # every frame that reads footage is read again
