"""The Tracker's answers to the viewer's generic gestures (filmstudio.core.overlay): a click adds
the next trackN, Delete removes the selected track, the timeline's curve is the selected track's
confidence, and a pass started from the viewer tracks only the selected track."""

from __future__ import annotations

import pytest

from filmstudio.core.errors import ParameterError
from filmstudio.core.node import Node
from filmstudio.core.overlay import FrameCurve, OverlayEdit
from filmstudio.core.project import Project
from filmstudio.core.track import TrackingPass, TrackSample, TrackSet


@pytest.fixture
def tracker(registry):
    project = Project(fps=24, frame_range=(1, 20), width=64, height=36, registry=registry)
    card = project.add_node("Constant")
    return project.connect(card, project.add_node("Tracker"))


def click(tracker, frame: int, x: float, y: float) -> OverlayEdit:
    edit = tracker.type.shared().overlay_click(tracker.project.context(tracker, frame), x, y)
    tracker.replace_state(edit.state)
    return edit


def test_a_click_adds_the_next_track_keyed_where_clicked_and_selects_it(tracker):
    first = click(tracker, 5, 10.25, 12.5)
    second = click(tracker, 7, 30.0, 20.0)
    assert (first.select, second.select) == ("track1", "track2")
    assert (first.text, second.text) == ("Add track track1", "Add track track2")
    tracks = tracker.tracks()
    assert tracks.names() == ("track1", "track2")
    assert tracks.sample("track1", 5) == TrackSample.square(10.25, 12.5, 21, keyed=True)
    assert tracks.track("track2").frames() == (7,) and tracks.track("track2").search == 61
    tracker.remove_track("track1")
    assert click(tracker, 1, 3.0, 3.0).select == "track1"  # a freed name is used again


def test_remove_takes_only_that_track_and_ignores_unknown_keys(tracker):
    tracker.add_track("A", 10, 10)
    tracker.add_track("B", 40, 20)
    shared, context = tracker.type.shared(), tracker.project.context(tracker, 1)
    assert shared.overlay_remove(context, "Z") is None
    edit = shared.overlay_remove(context, "A")
    assert edit.text == "Remove track A" and edit.select is None
    assert TrackSet.from_json(edit.state).names() == ("B",)
    assert TrackSet.from_json(edit.state).sample("B", 1) == tracker.tracks().sample("B", 1)


def test_the_curve_is_the_selected_tracks_confidence_with_weak_and_keyed_frames(tracker):
    tracker.add_track("A", 10, 10)
    for frame, confidence in ((2, 0.95), (3, 0.4), (4, 0.8)):
        sample = TrackSample.square(10 + frame, 10, 21, confidence=confidence)
        tracker.replace_state(tracker.tracks().with_sample("A", frame, sample).to_json())
    shared, context = tracker.type.shared(), tracker.project.context(tracker, 1)
    curve = shared.overlay_curve(context, "A")
    assert curve == FrameCurve({1: 1.0, 2: 0.95, 3: 0.4, 4: 0.8}, 0.7, (1,), "A confidence")
    assert curve.weak_frames() == [3]
    assert shared.overlay_curve(context, None) is None and shared.overlay_curve(context, "Z") is None


def test_a_pass_from_the_viewer_tracks_the_selected_track_or_all(tracker):
    shared, project = tracker.type.shared(), tracker.project
    with pytest.raises(ParameterError, match="has no tracks: add one in the viewer"):
        shared.analysis_request(project.context(tracker, 1), None)
    tracker.add_track("A", 10, 10)
    tracker.add_track("B", 20, 10, frame=5)
    context = project.context(tracker, 1)
    assert shared.analysis_request(context, "A") == TrackingPass(("A",))
    assert shared.analysis_request(context, None) is None
    assert shared.analysis_request(context, "gone") is None  # a stale selection: every track
    # nothing to start from: refused with what to do, rather than a pass that changes nothing
    with pytest.raises(ParameterError, match="track B has no position at frame 1 to track from"):
        shared.analysis_request(context, "B")
    with pytest.raises(ParameterError, match="no track has a position at frame 3"):
        shared.analysis_request(project.context(tracker, 3), None)


def test_nodes_answer_no_gesture_by_default(tracker):
    grade = tracker.project.add_node("Grade")
    shared, context = grade.type.shared(), tracker.project.context(grade, 1)
    assert type(shared).overlay_click is Node.overlay_click
    assert shared.overlay_click(context, 1.0, 2.0) is None
    assert shared.overlay_remove(context, "x") is None
    assert shared.overlay_curve(context, "x") is None
    assert shared.analysis_request(context, "x") is None
    assert FrameCurve({1: 0.2}).weak_frames() == []  # no threshold: nothing is weak
