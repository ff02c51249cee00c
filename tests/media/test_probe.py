"""probe(): exact frame counts, rates, sizes, VFR, rotation, depth, alpha, colour and audio."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from filmstudio.media import MediaInfo, probe, write_image
from tests.media.clips import ClipSpec


def test_probe_describes_each_clip(clip: ClipSpec):
    info = probe(clip.path)
    assert isinstance(info, MediaInfo)
    assert info.kind == "video" and info.path == str(clip.path)
    assert info.codec == clip.codec
    assert info.frame_count == clip.frame_count
    assert (info.width, info.height) == (clip.width, clip.height)
    assert info.variable_frame_rate is clip.vfr
    assert info.rotation == clip.rotation
    assert info.bit_depth == clip.bit_depth
    assert info.has_alpha is clip.has_alpha
    assert info.pixel_aspect == Fraction(1)
    if clip.fps is not None:
        assert info.fps == clip.fps
        assert info.duration_s == pytest.approx(clip.frame_count / clip.fps, abs=1e-6)
    if clip.colour_space:
        assert info.colour_space == clip.colour_space
    assert len(info.audio) == (1 if clip.audio_channels else 0)


def test_vfr_average_rate_comes_from_the_timestamps(clips: dict[str, ClipSpec]):
    from tests.media.clips import vfr_timestamps

    info = probe(clips["vfr"].path)
    stamps = vfr_timestamps(90)
    span = (stamps[-1] - stamps[0]) / 1000
    assert info.variable_frame_rate
    assert float(info.fps) == pytest.approx(90 / info.duration_s, rel=1e-6)
    assert span < info.duration_s < span + 0.11


def test_variable_rate_clips_report_their_slowest_and_fastest_rate(clips: dict[str, ClipSpec]):
    vfr = probe(clips["vfr"].path)  # frames last 20 to 100 ms
    assert (vfr.min_fps, vfr.max_fps) == (10, 50)
    constant = probe(clips["h264_long_gop"].path)
    assert (constant.min_fps, constant.max_fps) == (None, None)


def test_filmstudio_info_says_whether_a_clip_has_a_variable_rate(clips: dict[str, ClipSpec], capsys):
    from filmstudio.cli import main

    assert main(["info", str(clips["vfr"].path)]) == 0
    out = capsys.readouterr().out
    assert "(variable frame rate: 10.000 to 50.000 fps)" in out and "fps average" in out
    assert "places it by time" in out
    assert main(["info", str(clips["h264_long_gop"].path)]) == 0
    assert "150 frames at 25.000 fps (constant), 6.000 s" in capsys.readouterr().out


def test_audio_track_facts(clips: dict[str, ClipSpec]):
    (audio,) = probe(clips["h264_audio"].path).audio
    assert (audio.codec, audio.sample_rate, audio.channels) == ("aac", 48000, 2)
    assert audio.duration_s == pytest.approx(3.0, abs=0.03)


def test_colour_tags_and_guesses(clips: dict[str, ClipSpec]):
    tagged = probe(clips["h264_long_gop"].path)
    assert (tagged.colour_primaries, tagged.colour_transfer, tagged.colour_matrix, tagged.colour_range) == (
        "bt709",
        "bt709",
        "bt709",
        "tv",
    )
    hdr = probe(clips["h265_10bit"].path)
    assert (hdr.colour_primaries, hdr.colour_matrix, hdr.colour_space) == ("bt2020", "bt2020nc", "Rec.2020")
    untagged = probe(clips["h264_audio"].path)
    assert untagged.colour_primaries == "unknown" and untagged.colour_space == "Rec.601"  # SD-sized, untagged


@pytest.mark.parametrize(
    ("name", "depth", "alpha", "space"),
    [
        ("s.png", 8, False, "sRGB"),
        ("s16.png", 16, True, "sRGB"),
        ("s.tif", 8, True, "sRGB"),
        ("s.jpg", 8, False, "Rec.601"),
        ("s.exr", 16, True, "Linear Rec.709"),
    ],
)
def test_probe_stills(folder, name, depth, alpha, space):
    pixels = np.random.default_rng(0).random((30, 40, 4 if alpha else 3)).astype(np.float32)
    path = write_image(folder / name, pixels, bit_depth=depth)
    info = probe(path)
    assert info.kind == "image" and info.frame_count == 1 and info.fps is None
    assert (info.width, info.height) == (40, 30)
    assert info.has_alpha is alpha and info.bit_depth == depth
    assert info.colour_space == space


def test_probe_sequence_pattern(folder):
    for n in (1001, 1002, 1004):
        write_image(folder / f"shot.{n:04d}.png", np.zeros((8, 10, 3), np.uint8))
    info = probe(folder / "shot.####.png")
    assert info.kind == "sequence" and info.first_frame == 1001 and info.last_frame == 1004
    assert info.frame_count == 4 and info.missing_frames == (1003,)
    assert (info.width, info.height, info.fps) == (10, 8, Fraction(24))
