"""Soft subtitles: a render muxes the Write's linked subtitles as a track that probing reads back
on the same frames; containers without a text track get a sidecar file; bad requests fail first."""

from __future__ import annotations

from fractions import Fraction

import av
import pytest

import filmstudio as fs
from filmstudio.core.errors import FilmStudioError
from filmstudio.media.subtitles import read_subtitle_stream
from filmstudio.render.export import render
from filmstudio.subtitles import Cue, Subtitles, read_subtitles, write_subtitles

NTSC = Fraction(24000, 1001)
CUES = (
    Cue(3, 20, ("Héllo, Müller!", "日本語の字幕")),
    Cue(25, 47, ("Second cue",)),
    Cue(47, 60, ("Runs past the end",)),
)


def project_with_subtitles(tmp_path, output: str, fps=NTSC, frames="1-48", **write):
    write_subtitles(Subtitles(CUES, fps), tmp_path / "cues.srt")
    project = fs.Project(fps=fps, frame_range=frames, width=64, height=36)
    picture = project.add_node("Constant")
    writer = project.connect(
        picture, project.add_node("Write", file=str(tmp_path / output), speed="ultrafast", **write)
    )
    project.connect(
        project.add_node("SubtitleFile", file=str(tmp_path / "cues.srt")), writer, target_port="subtitles"
    )
    return project


def test_an_exported_mp4_carries_a_mov_text_track_read_back_on_the_same_frames(tmp_path):
    result = render(project_with_subtitles(tmp_path, "film.mp4", subtitle_language="fra"))
    with av.open(str(result.path)) as movie:
        (track,) = movie.streams.subtitles
        assert track.codec_context.name == "mov_text" and track.metadata["language"] == "fra"
    back = read_subtitle_stream(result.path, NTSC, origin=1)
    assert [(c.start, c.end, c.lines) for c in back] == [
        (3, 20, ("Héllo, Müller!", "日本語の字幕")),
        (25, 47, ("Second cue",)),
        (47, 49, ("Runs past the end",)),  # cut where the render ends (after frame 48)
    ]
    assert back.language == "fra"
    # and a Subtitle File node reads the movie's track the same way
    project = fs.Project(fps=NTSC, frame_range="1-48", width=64, height=36)
    node = project.add_node("SubtitleFile", file=str(result.path))
    with fs.Engine(project) as engine:
        assert engine.evaluate(node, 1).cues == back.cues


@pytest.mark.parametrize(("choice", "codec"), [("auto", "subrip"), ("ass", "ass"), ("webvtt", "webvtt")])
def test_mkv_carries_srt_ass_or_webvtt(tmp_path, choice, codec):
    fps = Fraction(25)
    result = render(project_with_subtitles(tmp_path, "film.mkv", fps=fps, subtitle_format=choice))
    with av.open(str(result.path)) as movie:
        assert movie.streams.subtitles[0].codec_context.name in (
            codec,
            {"subrip": "srt", "ass": "ssa"}.get(codec),
        )
    back = read_subtitle_stream(result.path, fps, origin=1)
    assert [(c.start, c.end) for c in back] == [(3, 20), (25, 47), (47, 49)]


def test_a_range_render_times_the_track_from_its_first_frame(tmp_path):
    project = project_with_subtitles(tmp_path, "part.mp4")
    result = render(project, frames=fs.FrameRange(11, 30))
    back = read_subtitle_stream(result.path, NTSC, origin=11)
    assert [(c.start, c.end) for c in back] == [(11, 20), (25, 31)]


def test_image_sequences_get_a_sidecar_file(tmp_path):
    project = project_with_subtitles(tmp_path, "shot.####.png", preset="png", frames="1-12")
    render(project)
    assert len(list(tmp_path.glob("shot.*.png"))) == 12
    sidecar = read_subtitles(tmp_path / "shot.srt", NTSC)
    assert [(c.start, c.end) for c in sidecar] == [(c.start, c.end) for c in CUES]


@pytest.mark.parametrize(
    ("output", "write", "message"),
    [
        ("film.mp4", {"subtitle_format": "ass"}, "cannot carry ass subtitles"),
        ("film.mp4", {"subtitle_language": "french!"}, "not a language code"),
    ],
)
def test_what_cannot_be_written_fails_before_any_frame(tmp_path, output, write, message):
    with pytest.raises(FilmStudioError, match=message):
        render(project_with_subtitles(tmp_path, output, **write))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cues.srt"]


def test_filmstudio_info_lists_a_movies_subtitle_tracks(tmp_path, capsys):
    from filmstudio.cli import main

    result = render(project_with_subtitles(tmp_path, "film.mp4", subtitle_language="fra"))
    assert main(["info", str(result.path)]) == 0
    out = capsys.readouterr().out
    assert "subtitles #1: mov_text, fra (a Subtitle File node's track 0)" in out, out
