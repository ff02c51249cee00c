"""The first clip read into an empty project offers to match the project to it (Resolve's way):
matching a 640x360, 120-frame, 25 fps clip makes every one of its frames reachable."""

from __future__ import annotations

import tempfile
from fractions import Fraction
from pathlib import Path

import pytest

from filmstudio.core.project import Project
from filmstudio.core.timebase import Format, FrameRange
from filmstudio.ui.main_window import MainWindow
from filmstudio.ui.session import EditorSession
from filmstudio.ui.user_settings import load_user_settings
from filmstudio.ui.viewer.timeline import last_frame_span
from tests.media.clips import frame_number, write_clip
from tests.ui.test_viewer import pixels, shown


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    """A 640x360, 120-frame, 25 fps H.264 clip whose frames carry their numbers."""
    path = tmp_path_factory.mktemp("clips") / "shot_640x360.mp4"
    return write_clip(path, codec="libx264", frames=120, fps=25, width=640, height=360, pix_fmt="yuv420p")


@pytest.fixture(scope="module")
def small_clip(tmp_path_factory):
    """A 64x36, 10-frame, 25 fps clip (quick to write) for the questions themselves."""
    path = tmp_path_factory.mktemp("clips") / "small.mp4"
    return write_clip(path, codec="libx264", frames=10, fps=25, width=64, height=36, pix_fmt="yuv420p")


@pytest.fixture
def window(qtbot, registry):
    session = EditorSession(registry=registry, engine_options={"cpu_workers": 2})
    main = MainWindow(session, autosave_s=3600, autosave_debounce_s=3600)
    qtbot.addWidget(main, before_close_func=lambda w: w.session.undo_stack.setClean())
    main.show()
    return main


def read(window: MainWindow, clip) -> None:
    """Add a Read as an artist does (Tab, Read), then choose the file in its properties."""
    read_node = window.graph_view.add_node("Read")
    read_node.set(file=str(clip))


@pytest.mark.slow
def test_matching_the_first_clip_makes_all_its_frames_reachable(qtbot, window, clip):
    session, bar = window.session, window.dialogs.match_bar
    window.new_project()  # 1920x1080, 24 fps, 1-100
    window.dialogs.settings_dialog.reject()
    read(window, clip)
    qtbot.waitUntil(bar.isVisible, timeout=20_000)
    assert "640x360, 25 fps, 120 frames" in bar.label.text()
    assert "1920x1080, 24 fps, frames 1-100" in bar.label.text()
    steps = session.undo_stack.count()
    bar.match_button.click()

    settings = session.project.settings
    assert (settings.format, settings.fps, settings.frame_range) == (
        Format(640, 360),
        Fraction(25),
        FrameRange(1, 120),
    )
    assert session.undo_stack.count() == steps + 1 and not bar.isVisible()
    assert last_frame_span(session) == (1, 120) and (session.in_point, session.out_point) == (1, 120)
    session.set_frame(120)  # the last frame of the clip: beyond the old range
    assert session.current_frame == 120
    result = shown(window.viewer, 120, qtbot)
    image = result.images[0].image
    assert (image.width(), image.height()) == (640, 360)
    assert frame_number(pixels(image)[..., :3]) == 119  # the clip's last frame (numbered from 0)

    session.undo_stack.undo()  # one step back to the old settings
    assert session.project.settings.frame_range == FrameRange(1, 100) and session.current_frame == 100


def test_keep_and_dont_ask_again(qtbot, window, small_clip, registry):
    clip = small_clip
    session, bar = window.session, window.dialogs.match_bar
    read(window, clip)
    qtbot.waitUntil(bar.isVisible, timeout=20_000)
    window.grab().save(str(Path(tempfile.gettempdir()) / "filmstudio_match_bar.png"))
    bar.keep_button.click()
    assert not bar.isVisible() and session.project.settings.format == Format(1920, 1080)
    assert load_user_settings().ask_match_project  # asked again in the next empty project

    session.replace_project(Project(registry=registry))
    read(window, clip)
    qtbot.waitUntil(bar.isVisible, timeout=20_000)
    bar.never_button.click()
    assert not load_user_settings().ask_match_project

    session.replace_project(Project(registry=registry))
    read(window, clip)
    probing = session.engine.run_in_background(lambda: None)  # after any probe, on the same threads
    probing.result(timeout=20)
    qtbot.wait(50)  # let a queued answer arrive, if one were coming
    assert not bar.isVisible()


def test_a_second_clip_or_a_matching_one_asks_nothing(qtbot, window, small_clip, registry, tmp_path):
    clip = small_clip
    session, bar = window.session, window.dialogs.match_bar
    project = Project(fps=25, frame_range=(1, 10), width=64, height=36, registry=registry)
    session.replace_project(project)
    read(window, clip)  # already matches
    session.engine.run_in_background(lambda: None).result(timeout=20)
    qtbot.wait(50)
    assert not bar.isVisible()
    session.replace_project(Project(registry=registry))
    first = session.graph.create("Read", file=str(tmp_path / "elsewhere.mp4"))
    assert first is not None
    read(window, clip)  # the project already reads another clip
    session.engine.run_in_background(lambda: None).result(timeout=20)
    qtbot.wait(50)
    assert not bar.isVisible()
