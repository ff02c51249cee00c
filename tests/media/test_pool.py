"""The media pool follows the disk: replaced movies re-open, changed sequence folders re-scan,
and Reload Media forgets everything without breaking reads in flight."""

from __future__ import annotations

import os
from fractions import Fraction
from types import SimpleNamespace

import numpy as np

from filmstudio.media import write_image
from filmstudio.media.pool import MediaPool, file_identity, footage_identity, reload_media, shared_pool
from tests.media.clips import ClipSpec, frame_number


def placement(**fields):
    values = {"start_frame": 1, "trim_in": 0, "trim_out": -1, "outside": "hold", "missing": "error"}
    return SimpleNamespace(**{**values, **fields})


def grey(folder, numbers, value=60):
    before = os.stat(folder).st_mtime_ns
    for number in numbers:
        write_image(folder / f"s.{number:04d}.png", np.full((6, 8, 3), value, np.uint8))
    if os.stat(folder).st_mtime_ns == before:  # a coarse file-system clock: let time move on
        os.utime(folder, ns=(before, before + 1_000_000))


def test_a_replaced_movie_is_opened_again(clips: dict[str, ClipSpec], tmp_path):
    pool = MediaPool()
    path = tmp_path / "clip.mp4"
    path.write_bytes(clips["odd_853x481"].path.read_bytes())
    first = pool.open(path)
    assert pool.open(path) is first
    path.write_bytes(clips["rotated"].path.read_bytes())
    second = pool.open(path)
    assert second is not first and (second.info.width, second.info.height) == (180, 320)
    assert not first.source.closed  # a read in flight on the old clip may finish
    pool.close_all()
    first.close()


def test_a_sequence_is_scanned_again_only_when_its_folder_changes(tmp_path):
    grey(tmp_path, [1, 2, 3])
    pool = MediaPool()
    clip = pool.open(tmp_path / "s.####.png")
    assert pool.open(tmp_path / "s.####.png") is clip and clip.last == 3
    grey(tmp_path, [4])
    assert pool.open(tmp_path / "s.####.png").last == 4


def test_a_sequence_frame_key_follows_the_one_image_it_shows(tmp_path):
    grey(tmp_path, [1, 2, 4])
    pattern = tmp_path / "s.####.png"
    keys = {f: footage_identity(pattern, placement(), f, Fraction(24)) for f in (1, 2, 3, 4)}
    hold = footage_identity(pattern, placement(missing="hold"), 3, Fraction(24))
    assert hold[1] == file_identity(tmp_path / "s.0002.png")  # a held gap depends on what it holds
    grey(tmp_path, [2], value=200)
    after = {f: footage_identity(pattern, placement(), f, Fraction(24)) for f in (1, 2, 3, 4)}
    assert [f for f in keys if keys[f] != after[f]] == [2]
    grey(tmp_path, [3])
    assert footage_identity(pattern, placement(), 3, Fraction(24)) != after[3]  # the gap filled


def test_footage_that_cannot_be_opened_gives_a_key_instead_of_an_error(tmp_path):
    missing = footage_identity(tmp_path / "none" / "s.####.png", placement(), 1, Fraction(24))
    assert missing[0] == "unreadable" and "does not exist" in missing[2]


def test_reload_media_changes_every_identity_and_reopens(clips: dict[str, ClipSpec]):
    path = clips["h264_long_gop"].path
    before_identity = file_identity(path)
    clip = shared_pool.open(path)
    reload_media()
    assert file_identity(path) != before_identity
    again = shared_pool.open(path)
    assert again is not clip
    assert frame_number(clip.source.read(5)) == 5  # the forgotten clip still reads
    clip.close()


def test_variable_rate_clips_carry_their_timing_and_constant_ones_do_not(clips: dict[str, ClipSpec]):
    pool = MediaPool()
    vfr, cfr = pool.open(clips["vfr"].path), pool.open(clips["h264_long_gop"].path)
    assert vfr.timing is not None and cfr.timing is None
    assert cfr.frame_at(placement(), 11, Fraction(24)) == 10  # frame for frame, whatever the rates
    assert cfr.seconds_of(10) == 10 / 25
    pool.close_all()
