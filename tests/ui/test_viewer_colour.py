"""What you grade is what you deliver: the viewer shows a Rec.709 clip's own code values and what
the Write exports; a Write "same as viewer" renders through the view the artist picked, from the
saved project, headless."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest
from av.video.reformatter import Interpolation, VideoReformatter

from filmstudio import colour
from filmstudio.core.project import Project
from filmstudio.media import read_image
from filmstudio.render.export import render
from filmstudio.ui.viewer import display_lut
from filmstudio.ui.viewer.display import to_display
from filmstudio.ui.viewer.state import ViewerState
from tests.media.clips import frame_pixels, write_clip
from tests.ui.test_viewer import pixels, shown, viewer_panel  # noqa: F401 (the viewer fixture)

ACES_SDR = "ACES 2.0 - SDR 100 nits (Rec.709)"
PATCH = 16  # side of the flat colour patches of the graded clip
ACCURATE = Interpolation.BILINEAR | Interpolation.ACCURATE_RND | Interpolation.FULL_CHR_H_INT


@pytest.fixture(autouse=True)
def default_config(monkeypatch):
    monkeypatch.delenv("OCIO", raising=False)


def patch_pixels(columns: int = 8, rows: int = 5) -> np.ndarray:
    """Flat random colours in PATCH-sized squares: 4:2:0 chroma is exact inside each patch."""
    colours = np.random.default_rng(5).integers(20, 236, (rows, columns, 3)).astype(np.uint8)
    return np.repeat(np.repeat(colours, PATCH, axis=0), PATCH, axis=1)


def write_patch_clip(path: Path, pixels_: np.ndarray, frames: int = 3) -> Path:
    """A lossless 4:4:4 H.264 clip tagged Rec.709 showing ``pixels_`` in every frame."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=24, options={"qp": "0"})
        stream.width, stream.height, stream.pix_fmt = pixels_.shape[1], pixels_.shape[0], "yuv444p"
        context = stream.codec_context
        context.color_primaries, context.color_trc, context.colorspace, context.color_range = 1, 1, 1, 1
        for k in range(frames):
            frame = av.VideoFrame.from_ndarray(pixels_, format="rgb24").reformat(
                format="yuv444p", dst_colorspace="ITU709", dst_color_range="MPEG", interpolation=ACCURATE
            )
            frame.pts = k
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return path


def patch_interiors(height: int, width: int, margin: int = 3) -> np.ndarray:
    """True away from the patch borders, where chroma subsampling blends neighbours."""
    rows, columns = np.mgrid[0:height, 0:width] % PATCH
    return (rows >= margin) & (rows < PATCH - margin) & (columns >= margin) & (columns < PATCH - margin)


def decoded(path: Path, index: int) -> np.ndarray:
    """Frame ``index`` of a movie as 8-bit RGB through PyAV, with swscale's accurate rounding
    (its default fast path truncates, darkening everything by ~1-2 codes)."""
    with av.open(str(path)) as container:
        frame = next(f for i, f in enumerate(container.decode(video=0)) if i == index)
        return VideoReformatter().reformat(frame, format="rgb24", interpolation=ACCURATE).to_ndarray()


def test_the_viewer_starts_on_the_default_view_the_write_shares():
    state = ViewerState()
    assert (state.display, state.view) == colour.default_view() == colour.PREFERRED_VIEW


def test_the_viewers_fast_path_is_exact_for_the_default_view_and_a_lut_for_aces():
    from tests.colour.test_default_view import every_8bit_colour

    working = colour.to_working(every_8bit_colour(step=3), "Rec.709")
    display, view = colour.default_view()
    assert display_lut.baked(display, view).exact and not display_lut.baked(display, ACES_SDR).exact
    fast, exact = to_display(working), to_display(working, exact=True)
    assert np.array_equal(fast, exact)


def test_an_ungraded_rec709_read_shows_the_clips_own_code_values(session, viewer, qtbot, tmp_path):
    clip = write_clip(
        tmp_path / "rec709.mp4", codec="libx264", frames=4, width=160, height=96,
        pix_fmt="yuv444p", options={"qp": "0"},
    )  # fmt: skip
    session.graph.create("Read", file=str(clip))
    session.set_frame(3)
    shown(viewer, 3, qtbot)
    on_screen = pixels(viewer.canvas.image())[..., :3].astype(int)
    difference = np.abs(on_screen - frame_pixels(2, 160, 96).astype(int))
    assert difference.mean() <= 1.0 and difference.max() <= 2  # 8-bit codes


def test_a_graded_comp_shows_what_the_export_writes(session, viewer, qtbot, tmp_path):
    source = patch_pixels()
    read = session.graph.create("Read", file=str(write_patch_clip(tmp_path / "plate.mp4", source)))
    grade = session.graph.create("Grade", gain=(1.3, 1.0, 0.8, 1.0), gamma=1.2, offset=(0.01, 0, 0, 0))
    write = session.graph.create("Write", file=str(tmp_path / "graded.mp4"), crf=0)  # auto colour
    session.graph.connect(read, grade)
    session.graph.connect(grade, write)
    session.select([write.uuid])
    session.set_frame(2)
    shown(viewer, 2, qtbot)
    on_screen = pixels(viewer.canvas.image())[..., :3].astype(int)
    assert np.abs(on_screen - source).mean() > 10  # the grade shows

    session.project.update_settings(frame_range=session.project.settings.frame_range.parse("1-3"))
    render(session.project, write)
    exported = decoded(tmp_path / "graded.mp4", 1).astype(int)
    inside = patch_interiors(*source.shape[:2])
    difference = np.abs(on_screen - exported)[inside]
    assert difference.mean() <= 1.0 and difference.max() <= 2


def test_a_write_same_as_viewer_renders_the_view_the_artist_picked(session, viewer, qtbot, tmp_path):
    ramp = session.graph.create("Ramp")
    write = session.graph.create("Write", file=str(tmp_path / "shot.####.png"), preset="png")
    session.graph.connect(ramp, write)
    display = viewer.state.display
    viewer.set_view(ACES_SDR)  # the artist prefers the ACES look
    with session.edit("Write what the viewer shows"):
        write.set(colorspace=colour.VIEWER)
    qtbot.waitUntil(lambda: write["view"] == ACES_SDR)
    assert write["display"] == display and viewer.shown_view() == (display, ACES_SDR)
    shown(viewer, 1, qtbot)
    on_screen = pixels(viewer.canvas.image())[..., :3].astype(int)

    session.save(tmp_path / "shot.fsproj")  # a headless render of the saved project
    project = Project.load(tmp_path / "shot.fsproj", session.registry)
    project.update_settings(frame_range=project.settings.frame_range.parse("1-1"))
    render(project)
    written = read_image(tmp_path / "shot.0001.png")[..., :3].astype(int)
    with_aces = to_display(session.engine.evaluate(ramp, 1), display=display, view=ACES_SDR, exact=True)
    assert np.abs(written - with_aces[..., :3]).max() <= 1  # the exact ACES transform
    assert np.abs(written - on_screen).max() <= 2  # what the viewer showed (its baked LUT)
    untoned = to_display(session.engine.evaluate(ramp, 1))[..., :3].astype(int)
    assert np.abs(written - untoned).max() > 20  # not what "auto" would have written


def test_the_viewer_and_following_writes_stay_in_step(session, viewer, qtbot, tmp_path):
    ramp = session.graph.create("Ramp")
    follower = session.graph.create("Write", file=str(tmp_path / "a.mp4"), colorspace=colour.VIEWER)
    plain = session.graph.create("Write", file=str(tmp_path / "b.mp4"))
    session.graph.connect(ramp, follower)
    session.graph.connect(ramp, plain)
    display = viewer.state.display
    viewer.set_view(ACES_SDR)
    assert (follower["display"], follower["view"]) == (display, ACES_SDR)
    assert (plain["display"], plain["view"]) == ("", "")  # only Writes "same as viewer" follow
    session.undo_stack.undo()  # the Write goes back, and the viewer with it
    assert follower["view"] == "" and viewer.shown_view() == colour.default_view()
    session.undo_stack.redo()
    assert viewer.shown_view() == (display, ACES_SDR)
    session.save(tmp_path / "shot.fsproj")

    viewer.set_view("Un-tone-mapped")
    session.open(tmp_path / "shot.fsproj")  # opening a project shows its Writes' view
    assert viewer.shown_view() == (display, ACES_SDR)
    assert viewer.toolbar.view_combo.currentText() == ACES_SDR
