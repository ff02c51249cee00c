"""Which clip frame a timeline frame shows: the placement Read and render audio both use."""

from __future__ import annotations

from fractions import Fraction
from types import SimpleNamespace

import numpy as np
import pytest

from filmstudio.core.errors import MediaError
from filmstudio.media.index import FrameIndex
from filmstudio.media.timing import clip_frame_at_time, clip_frame_number


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


def paced_index(steps: list[int], time_base: Fraction = Fraction(1, 240)) -> FrameIndex:
    """A frame index whose frames stay on screen ``steps[k]`` ticks each, starting at tick 100."""
    pts = np.asarray([100, *(100 + np.cumsum(steps[:-1]))], dtype=np.int64)
    return FrameIndex(time_base, pts, np.asarray([0]), pts[:1], last_duration=steps[-1])


def test_a_variable_rate_clip_shows_the_frame_on_screen_at_each_moment():
    # 2 frames at 24 fps, 2 at 10 fps, 2 at 24 fps; a 24 fps timeline from frame 1.
    index = paced_index([10, 10, 24, 24, 10, 10])
    shown = [clip_frame_at_time(0, index, placement(), f, Fraction(24)) for f in range(1, 9)]
    assert [s.number for s in shown] == [0, 1, 2, 2, 2, 3, 3, 4]
    assert [s.seconds for s in shown[:3]] == [0, Fraction(1, 24), Fraction(2, 24)]
    # After the end (at 1.08 s = frame 27 of the timeline) the last frame is held.
    assert clip_frame_at_time(0, index, placement(), 28, Fraction(24)).number == 5


def test_a_frame_on_screen_from_an_exact_moment_is_shown_from_that_moment():
    index = paced_index([10, 10, 10])  # 24 fps in ticks of 1/240 s: frame k starts at k/24 s exactly
    assert [clip_frame_at_time(5, index, placement(), f, Fraction(24)).number for f in (1, 2, 3)] == [5, 6, 7]


def test_a_variable_rate_trim_is_in_clip_frames_and_outside_follows_the_policy():
    index = paced_index([10, 10, 24, 24, 10, 10])
    trimmed = placement(start_frame=10, trim_in=2, trim_out=3)  # the two 10 fps frames: 0.2 s
    frames = (9, 10, 12, 13, 14, 99)
    assert [clip_frame_at_time(0, index, trimmed, f, Fraction(24)).number for f in frames] == [
        2,
        2,
        2,
        3,
        3,
        3,
    ]
    black = placement(start_frame=10, trim_in=2, trim_out=3, outside="black")
    assert clip_frame_at_time(0, index, black, 15, Fraction(24)) is None  # 0.208 s: past the end
    assert clip_frame_at_time(0, index, black, 9, Fraction(24)) is None
    with pytest.raises(MediaError, match=r"outside the clip \(frames 10-14\)"):
        clip_frame_at_time(
            0, index, placement(start_frame=10, trim_in=2, trim_out=3, outside="error"), 15, 24
        )
    with pytest.raises(MediaError, match="trim_in 5 is after trim_out 2"):
        clip_frame_at_time(0, index, placement(trim_in=5, trim_out=2), 1, Fraction(24))
