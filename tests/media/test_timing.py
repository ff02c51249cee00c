"""Which clip frame a timeline frame shows: the placement Read and render audio both use."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from filmstudio.core.errors import MediaError
from filmstudio.media.timing import clip_frame_number


def placement(start_frame=1, trim_in=0, trim_out=-1, outside="hold"):
    return SimpleNamespace(start_frame=start_frame, trim_in=trim_in, trim_out=trim_out, outside=outside)


def test_the_start_frame_shows_the_first_frame_after_the_trim():
    # A clip numbered 1001..1100, trimmed to 1011..1051, starting at timeline frame 1.
    where = placement(trim_in=10, trim_out=50)
    assert clip_frame_number(1001, 1100, where, 1) == 1011
    assert clip_frame_number(1001, 1100, where, 41) == 1051


def test_frames_outside_hold_go_black_or_fail_as_asked():
    assert clip_frame_number(0, 9, placement(outside="hold"), 0) == 0
    assert clip_frame_number(0, 9, placement(outside="hold"), 50) == 9
    assert clip_frame_number(0, 9, placement(outside="black"), 50) is None
    with pytest.raises(MediaError, match="set outside to hold or black"):
        clip_frame_number(0, 9, placement(outside="error"), 50)


def test_a_trim_past_the_clip_end_stops_at_its_last_frame():
    assert clip_frame_number(0, 9, placement(trim_out=100, outside="black"), 10) == 9


def test_a_trim_that_leaves_no_frames_is_refused():
    with pytest.raises(MediaError, match="trim_in 5 is after trim_out 2"):
        clip_frame_number(0, 9, placement(trim_in=5, trim_out=2), 1)
