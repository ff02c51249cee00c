"""SRT, WebVTT and ASS files keep every cue on its frames, however many times they are written and
read, at the frame rates subtitles are made for; third-party files land where players show them."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from filmstudio.subtitles import (
    Cue,
    SubtitleError,
    Subtitles,
    parse_subtitles,
    read_subtitles,
    subtitles_text,
    write_subtitles,
)
from filmstudio.subtitles.timebase import CENTISECOND, MILLISECOND, frame_to_ticks, ticks_to_frame

RATES = (Fraction(24000, 1001), Fraction(24), Fraction(25), Fraction(30000, 1001))
FORMATS = ("srt", "vtt", "ass")


@given(
    frame=st.integers(min_value=0, max_value=10 * 3600 * 60),
    fps=st.sampled_from((*RATES, Fraction(50), Fraction(60000, 1001), Fraction(60))),
    tick=st.sampled_from((MILLISECOND, CENTISECOND)),
)
def test_a_boundary_written_at_its_tick_reads_back_as_the_same_frame(frame, fps, tick):
    ticks = frame_to_ticks(frame, fps, tick)
    assert ticks_to_frame(ticks, fps, tick) == frame
    # and the time lies where a player shows the cue from that frame: after the frame before it
    # appears, not after the frame itself appears
    assert (frame - 1) / fps < ticks * tick <= frame / fps


def _cues(draw_starts: list[int], lengths: list[int]) -> tuple[Cue, ...]:
    cues, frame = [], 1
    for number, (gap, length) in enumerate(zip(draw_starts, lengths, strict=False), start=1):
        frame += gap
        cues.append(Cue(frame, frame + length, (f"cue {number}", "é 日本"), id=str(number)))
        frame += length
    return tuple(cues)


@settings(max_examples=60, deadline=None)
@given(
    gaps=st.lists(st.integers(0, 5000), min_size=1, max_size=12),
    lengths=st.lists(st.integers(1, 400), min_size=12, max_size=12),
    fps=st.sampled_from(RATES),
    fmt=st.sampled_from(FORMATS),
)
def test_round_trips_keep_every_cue_on_its_frames(gaps, lengths, fps, fmt):
    subtitles = Subtitles(_cues(gaps, lengths), fps)
    text, dropped = subtitles_text(subtitles, fmt, origin=1)
    back = parse_subtitles(text, fps, fmt, origin=1)
    assert dropped == 0
    assert [(c.start, c.end, c.lines) for c in back] == [(c.start, c.end, c.lines) for c in subtitles]
    again, _ = subtitles_text(back, fmt, origin=1)
    assert again == text  # a second round trip changes nothing


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("fps", RATES, ids=("23.976", "24", "25", "29.97"))
def test_a_long_file_round_trips_through_disk(tmp_path, fmt, fps):
    # an hour of back-to-back cues: every frame boundary class at this rate is met
    cues = tuple(Cue(n * 37 + 1, n * 37 + 36, (f"line {n}",), id=str(n + 1)) for n in range(2500))
    subtitles = Subtitles(cues, fps)
    written = write_subtitles(subtitles, tmp_path / f"film.{fmt}")
    assert (written.cues, written.dropped) == (2500, 0)
    back = read_subtitles(tmp_path / f"film.{fmt}", fps)
    assert [(c.start, c.end) for c in back] == [(c.start, c.end) for c in cues]


def test_srt_times_are_the_latest_millisecond_not_after_the_frame():
    fps = Fraction(24000, 1001)  # frame 1 appears at 41.708 ms, frame 2 at 83.417 ms
    text, _ = subtitles_text(Subtitles((Cue(2, 3, ("Hi",)),), fps), "srt", origin=1)
    assert "00:00:00,041 --> 00:00:00,083" in text


def test_ass_keeps_speaker_and_style_and_times_in_centiseconds():
    fps = Fraction(25)
    subtitles = Subtitles((Cue(26, 51, ("Bonjour,", "ça va ?"), "MARIE", "Sign", "1"),), fps)
    text, _ = subtitles_text(subtitles, "ass", origin=1)
    assert "Dialogue: 0,0:00:01.00,0:00:02.00,Sign,MARIE,0,0,0,,Bonjour,\\Nça va ?" in text
    back = parse_subtitles(text, fps, "ass")
    assert back.cues == subtitles.cues


def test_webvtt_voices_notes_and_entities_are_read_as_a_viewer_sees_them():
    text = (
        "WEBVTT - pilot\n\nSTYLE\n::cue { color: yellow }\n\n"
        "00:00:01.000 --> 00:00:02.000\n<v Ann>Fish &amp; <i>chips</i>\n\n"
        "NOTE the next cue was re-timed\n\n"
        "intro\n00:03.000 --> 00:04.000 align:start\nsecond\n"
    )
    subtitles = parse_subtitles(text, 24, "vtt")
    assert [(c.start, c.end, c.lines, c.speaker) for c in subtitles] == [
        (25, 49, ("Fish & chips",), "Ann"),
        (73, 97, ("second",), ""),
    ]
    written, _ = subtitles_text(subtitles, "vtt")
    assert "<v Ann>Fish &amp; chips" in written
    assert parse_subtitles(written, 24, "vtt").cues == subtitles.cues


def test_third_party_times_land_on_the_first_frame_shown_at_or_after_them():
    # 00:00:01,000 at 23.976: frame 24 appears at 1.001 s, frame 23 at 0.959 s
    text = "1\n00:00:01,000 --> 00:00:02,000\n<i>Hello</i> <font color='red'>there</font>\n"
    (cue,) = parse_subtitles(text, Fraction(24000, 1001), "srt", origin=1).cues
    assert (cue.start, cue.end, cue.lines) == (1 + 24, 1 + 48, ("Hello there",))


def test_cues_before_time_zero_are_cut_or_dropped():
    subtitles = Subtitles((Cue(1, 20, ("early",)), Cue(90, 130, ("straddles",)), Cue(150, 160, ("in",))), 24)
    text, dropped = subtitles_text(subtitles, "srt", origin=100)
    assert dropped == 1
    assert [(c.start, c.end) for c in parse_subtitles(text, 24, "srt", origin=100)] == [
        (100, 130),
        (150, 160),
    ]


def test_ass_refuses_rates_its_centiseconds_cannot_hold():
    with pytest.raises(SubtitleError, match="write SRT or WebVTT"):
        subtitles_text(Subtitles((Cue(1, 5, ("x",)),), 120), "ass")


def test_bad_files_get_clear_errors(tmp_path):
    with pytest.raises(SubtitleError, match="was not found"):
        read_subtitles(tmp_path / "missing.srt", 24)
    (tmp_path / "latin1.srt").write_bytes("1\n00:00:01,000 --> 00:00:02,000\ncaf\xe9\n".encode("latin-1"))
    with pytest.raises(SubtitleError, match="not utf-8 text.*cp1252"):
        read_subtitles(tmp_path / "latin1.srt", 24)
    assert read_subtitles(tmp_path / "latin1.srt", 24, encoding="cp1252").cues[0].lines == ("café",)
    (tmp_path / "notes.srt").write_text("shopping list\nmilk\n")
    with pytest.raises(SubtitleError, match="no SRT cues"):
        read_subtitles(tmp_path / "notes.srt", 24)
    (tmp_path / "bad.vtt").write_text("not a webvtt file\n")
    with pytest.raises(SubtitleError, match="could not be read as WebVTT"):
        read_subtitles(tmp_path / "bad.vtt", 24)
    with pytest.raises(SubtitleError, match="use .srt, .vtt, .ass"):
        read_subtitles(tmp_path / "film.txt", 24)


def test_a_failed_write_leaves_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "film.srt"
    target.write_text("old")
    subtitles = Subtitles((Cue(1, 30, ("new",)),), 24)

    def broken(*_args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("filmstudio.subtitles.formats.os.replace", broken)
    with pytest.raises(SubtitleError, match="No space left"):
        write_subtitles(subtitles, target)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["film.srt"]
