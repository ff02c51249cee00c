"""The Track data contract: what Tracker writes and Transform, CornerPin and the editor read."""

from __future__ import annotations

import json
import pickle

import pytest

from filmstudio.api import Track, TrackError, TrackNotFoundError, TrackSample, TrackSet
from filmstudio.core.track import reseed_frames


def _tracks() -> TrackSet:
    a = Track(
        "A",
        21,
        61,
        {
            1: TrackSample.square(10.0, 20.0, 21, keyed=True),
            2: TrackSample.square(11.125, 20.5, 21, confidence=0.93),
            5: TrackSample.square(14.0, 22.0, 21, confidence=0.2),
            6: TrackSample.square(15.0, 23.0, 21, confidence=0.9),
            10: TrackSample.square(1 / 3, 2 / 7, 21, keyed=True),
        },
    )
    b = Track("B", 15, 41, {2: TrackSample.square(5.0, 5.0, 15, keyed=True)})
    return TrackSet.of([a, b])


def test_json_round_trip_is_exact_through_text():
    tracks = _tracks()
    text = json.dumps(tracks.to_json())
    again = TrackSet.from_json(json.loads(text))
    assert again == tracks
    assert again.position("A", 10) == (1 / 3, 2 / 7)  # not merely close: the same floats
    assert again.names() == ("A", "B")
    assert again.track("B").pattern == 15 and again.track("B").search == 41


def test_results_are_keyed_per_frame_so_retracking_changes_only_those_entries():
    tracks = _tracks()
    before = tracks.to_json()["frames"]
    after = tracks.with_sample("A", 5, TrackSample.square(14.5, 22.0, 21, confidence=0.8)).to_json()["frames"]
    assert [f for f in before if before[f] != after[f]] == ["5"]


def test_positions_frames_and_gaps():
    tracks = _tracks()
    assert tracks.frames("A") == (1, 2, 5, 6, 10)
    assert tracks.position("A", 2) == (11.125, 20.5)
    assert tracks.position("A", 3) is None  # gaps are not filled unless asked
    assert tracks.position("A", 4, interpolate=True) == pytest.approx((11.125 + 2.875 * 2 / 3, 21.5))
    assert tracks.position("A", 5, min_confidence=0.5) is None  # a weak sample is a gap
    assert tracks.position("A", 5, interpolate=True, min_confidence=0.5) == pytest.approx((14.03125, 22.375))
    assert tracks.position("A", 0, interpolate=True) is None  # never extrapolated
    assert tracks.position("A", 11, interpolate=True) is None
    assert tracks.track("A").tracked_ranges() == [(1, 2), (5, 6), (10, 10)]


def test_neighbouring_keyframes_bound_a_reseed():
    track = _tracks().track("A")
    assert track.keyframes() == (1, 10)
    assert track.neighbouring_keyframes(5) == (1, 10)
    assert track.neighbouring_keyframes(10) == (1, None)
    assert track.neighbouring_keyframes(1) == (None, 10)


def test_a_consumer_merges_values_from_several_frames():
    tracks = _tracks()
    at_2, at_6 = tracks.at_frames([2]), tracks.at_frames([6])
    assert at_2.names() == ("A", "B") and at_2.frames("A") == (2,)
    merged = at_2.merged(at_6)
    assert merged.frames("A") == (2, 6)
    assert merged.position("A", 6) == (15.0, 23.0)


def test_a_missing_track_says_what_to_do():
    with pytest.raises(TrackNotFoundError, match=r"no track named 'C' \(tracks: A, B\).*Tracker"):
        _tracks().position("C", 1)


def test_malformed_data_is_a_clear_error():
    with pytest.raises(TrackError, match="4 corners"):
        TrackSet.from_json(
            {"tracks": {"A": {}}, "frames": {"1": {"A": {"x": 1, "y": 2, "corners": [[0, 0]]}}}}
        )
    with pytest.raises(TrackError, match="not a number"):
        TrackSet.from_json({"tracks": {"A": {}}, "frames": {"one": {}}})
    with pytest.raises(TrackError, match="at least as large"):
        Track("A", pattern=31, search=21)


def test_values_are_frozen_and_pickle():
    tracks = _tracks()
    with pytest.raises(TypeError):
        tracks.track("A").samples[3] = TrackSample.square(0, 0, 3)  # type: ignore[index]
    assert pickle.loads(pickle.dumps(tracks)) == tracks
    moved = tracks.sample("A", 2).moved_to(12.125, 21.5, keyed=True)
    assert moved.corners[0] == (12.125 - 10.5, 21.5 - 10.5) and moved.keyed


def test_reseeding_runs_only_up_to_the_neighbouring_keyframes():
    track = _tracks().track("A")  # keyed at 1 and 10, tracked at 2, 5, 6
    forward, backward = reseed_frames(track, 5)
    assert forward == list(range(5, 11)) and backward == list(range(1, 6))
    assert reseed_frames(track, 10) == ([], list(range(1, 11)))
    lone = Track("L", samples={3: TrackSample.square(1, 1, 21, keyed=True), 7: TrackSample.square(2, 2, 21)})
    assert reseed_frames(lone, 3) == ([3, 4, 5, 6, 7], [])  # the stale tail, no further
