"""Tracker: synthetic clips with a known path, encoded with H.264 and read back through Read.

The patch's true centre at project frame f is ``motion.centre(f - 1)`` (the clip starts at 1).
"""

from __future__ import annotations

import numpy as np
import pytest

from filmstudio.core.project import Project
from filmstudio.core.track import TrackSet, reseed_frames
from filmstudio.engine.engine import Engine
from filmstudio.render.analysis import analyse
from tests.tracking.synthetic import Motion, frames, write_clip

WIDTH, HEIGHT, COUNT = 256, 192, 48
STRAIGHT = Motion()
TURNING = Motion(degrees_per_frame=0.6, scale_per_frame=0.004)  # 28 degrees and 19 % larger by the end
HIDDEN = range(21, 26)  # project frames where a grey card covers the patch


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tracker")
    return {
        "straight": write_clip(folder / "straight.mp4", frames(STRAIGHT, COUNT, (WIDTH, HEIGHT))),
        "turning": write_clip(folder / "turning.mp4", frames(TURNING, COUNT, (WIDTH, HEIGHT))),
        "hidden": write_clip(
            folder / "hidden.mp4", frames(STRAIGHT, COUNT, (WIDTH, HEIGHT), hidden=range(20, 25))
        ),
    }


def tracker_project(clip, **params) -> tuple[Project, object]:
    project = Project(fps=24, frame_range=(1, COUNT), width=WIDTH, height=HEIGHT)
    read = project.add_node("Read", file=str(clip))
    tracker = project.connect(read, project.add_node("Tracker", **params))
    return project, tracker


def truth(motion: Motion, frame: int) -> tuple[float, float]:
    return motion.centre(frame - 1)


def errors(motion: Motion, positions) -> dict[int, float]:
    return {
        f: float(np.hypot(x - truth(motion, f)[0], y - truth(motion, f)[1]))
        for f, (x, y, _c) in positions.items()
    }


def test_translation_is_tracked_within_half_a_pixel(clips):
    project, tracker = tracker_project(clips["straight"])
    tracker.add_track("A", *truth(STRAIGHT, 1))  # frame: the project's first
    project.analyse(tracker)
    positions = tracker.positions("A")
    assert sorted(positions) == list(range(1, COUNT + 1))
    assert np.mean(list(errors(STRAIGHT, positions).values())) <= 0.5
    assert min(c for _x, _y, c in positions.values()) > 0.9


def test_rotating_and_scaling_pattern_within_a_pixel(clips):
    project, tracker = tracker_project(clips["turning"], motion="rotation+scale")
    tracker.add_track("A", *truth(TURNING, 1))
    project.analyse(tracker)
    assert np.mean(list(errors(TURNING, tracker.positions("A")).values())) <= 1.0
    corners = tracker.tracks().sample("A", COUNT).corners
    side = np.hypot(*np.subtract(corners[1], corners[0]))
    assert side == pytest.approx(21 * TURNING.scale(COUNT - 1), rel=0.05)  # the box turned and grew


def test_tracking_backward_from_a_keyframe_at_the_end(clips):
    project, tracker = tracker_project(clips["straight"])
    tracker.add_track("A", *truth(STRAIGHT, COUNT), frame=COUNT)
    project.analyse(tracker, range(1, COUNT + 1), reverse=True)
    positions = tracker.positions("A")
    assert sorted(positions) == list(range(1, COUNT + 1))
    assert np.mean(list(errors(STRAIGHT, positions).values())) <= 0.5


def test_an_occluded_patch_is_flagged_not_drifted(clips):
    project, tracker = tracker_project(clips["hidden"])
    tracker.add_track("A", *truth(STRAIGHT, 1))
    project.analyse(tracker)
    positions = tracker.positions("A")
    weak = {f for f, (_x, _y, c) in positions.items() if c < 0.7}
    assert weak == set(HIDDEN)
    after = errors(STRAIGHT, {f: p for f, p in positions.items() if f > HIDDEN[-1]})
    assert max(after.values()) < 0.5  # found again where it really is


def test_stop_on_low_confidence_ends_the_track_at_the_occlusion(clips):
    project, tracker = tracker_project(clips["hidden"], on_low_confidence="stop")
    tracker.add_track("A", *truth(STRAIGHT, 1))
    project.analyse(tracker)
    assert max(tracker.positions("A")) == HIDDEN[0]


def test_reseeding_at_frame_30_retracks_only_between_its_neighbouring_keyframes(clips):
    project, tracker = tracker_project(clips["straight"])
    tracker.add_track("A", *truth(STRAIGHT, 1))
    tracker.add_track("B", truth(STRAIGHT, 1)[0] + 40, truth(STRAIGHT, 1)[1] + 50)  # background
    for key in (20, 40):
        tracker.move_track("A", *truth(STRAIGHT, key), frame=key)
    with Engine(project) as engine:
        analyse(project, tracker, engine=engine)
        before = dict(tracker.state["frames"])
        for frame in range(1, COUNT + 1):
            engine.evaluate(tracker, frame=frame, output="tracks")
        computed = engine.evaluations(tracker)

        # the artist drags track A at frame 30 in the viewer: frame 30 becomes a keyframe
        x, y = truth(STRAIGHT, 30)
        edit = tracker.type.shared().drag_handle(project.context(tracker, 30), "A", x + 0.3, y - 0.2)
        tracker.replace_state(edit.state)
        assert tracker.tracks().sample("A", 30).keyed
        forward, backward = reseed_frames(tracker.tracks().track("A"), 30)
        assert (forward, backward) == (list(range(30, 41)), list(range(20, 31)))
        passes = []
        analyse(project, tracker, forward, carry=_only("A"), engine=engine, progress=_count(passes))
        analyse(
            project, tracker, backward, reverse=True, carry=_only("A"), engine=engine, progress=_count(passes)
        )
        assert passes == [11, 11]  # seeds at 30, tracked 21-29 and 31-39, keyframes 20, 40 read as placed

        after = tracker.state["frames"]
        changed = {int(f) for f in after if after[f] != before.get(f)}
        assert changed <= set(range(21, 40)) and 30 in changed
        assert all(after[str(f)]["B"] == before[str(f)]["B"] for f in range(1, COUNT + 1))  # B untouched
        for frame in range(1, COUNT + 1):
            engine.evaluate(tracker, frame=frame, output="tracks")
        assert engine.evaluations(tracker) - computed == len(changed)  # every other frame was cached


def _only(*names):
    from filmstudio.core.track import TrackingPass

    return TrackingPass(names)


def _count(passes: list[int]):
    passes.append(0)

    def progress(done: int, total: int) -> None:
        passes[-1] = done

    return progress


def test_the_track_output_carries_this_frames_samples(clips):
    project, tracker = tracker_project(clips["straight"])
    tracker.add_track("A", *truth(STRAIGHT, 1))
    project.analyse(tracker, range(1, 11))
    with Engine(project) as engine:
        tracks = engine.evaluate(tracker, frame=5, output="tracks")
        image = engine.evaluate(tracker, frame=5, output="image")
    assert isinstance(tracks, TrackSet) and tracks.names() == ("A",) and tracks.frames("A") == (5,)
    assert tracks.position("A", 5) == tracker.positions("A")[5][:2]
    assert image.shape == (4, HEIGHT, WIDTH)


def test_save_and_load_keep_the_tracks(clips, tmp_path):
    project, tracker = tracker_project(clips["straight"])
    tracker.add_track("A", *truth(STRAIGHT, 1), pattern=25, search=71)
    project.analyse(tracker, range(1, 13))
    project.save(tmp_path / "shot.fsproj")
    again = Project.load(tmp_path / "shot.fsproj")
    loaded = again[tracker.name]
    assert loaded.tracks() == tracker.tracks()
    assert loaded.positions("A") == tracker.positions("A")
    assert loaded.tracks().track("A").search == 71


def test_the_overlay_shows_boxes_a_handle_and_the_path(clips):
    from filmstudio.core.overlay import Handle, Outline, Polyline

    project, tracker = tracker_project(clips["straight"])
    tracker.add_track("A", *truth(STRAIGHT, 1))
    project.analyse(tracker, range(1, 6))
    shapes = tracker.type.shared().overlay(project.context(tracker, 3))
    kinds = [type(s) for s in shapes]
    assert kinds == [Polyline, Outline, Outline, Handle]
    handle = shapes[-1]
    assert (handle.key, handle.x, handle.y) == ("A", *tracker.positions("A")[3][:2])
    assert shapes[1].dashed and not shapes[2].dashed  # search box dashed, pattern box solid


def test_mistakes_are_clear_errors(clips):
    from filmstudio.core.errors import FilmStudioError

    project, tracker = tracker_project(clips["straight"])
    tracker.add_track("A", 50, 50)
    with pytest.raises(FilmStudioError, match="already has a track named 'A'"):
        tracker.add_track("A", 60, 60)
    with pytest.raises(FilmStudioError, match="no track named 'Z'"):
        project.analyse(tracker, range(1, 3), carry=_only("Z"))
    with pytest.raises(FilmStudioError, match="no track named 'Z'"):
        tracker.positions("Z")


def test_retrack_from_a_script_changes_only_frames_between_keyframes(clips):
    project, tracker = tracker_project(clips["straight"])
    tracker.add_track("A", *truth(STRAIGHT, 1))
    tracker.move_track("A", *truth(STRAIGHT, 40), frame=40)
    project.analyse(tracker)
    before = dict(tracker.state["frames"])
    tracker.move_track("A", truth(STRAIGHT, 30)[0] + 0.25, truth(STRAIGHT, 30)[1], frame=30)
    tracker.retrack("A", 30)
    after = tracker.state["frames"]
    assert {int(f) for f in after if after[f] != before[f]} <= set(range(2, 40))
    assert all(after[str(f)] == before[str(f)] for f in range(40, COUNT + 1))


def test_adding_a_track_is_one_undo_step(clips):
    project, tracker = tracker_project(clips["straight"])
    tracker.add_track("A", 50, 50)
    tracker.add_track("B", 80, 60, frame=12)
    assert tracker.tracks().names() == ("A", "B") and tracker.tracks().frames("B") == (12,)
    project.undo()
    assert tracker.tracks().names() == ("A",)


def test_scripting_methods_belong_to_their_node_type(clips):
    project, tracker = tracker_project(clips["straight"])
    grade = project.add_node("Grade")
    with pytest.raises(AttributeError, match="has no attribute 'add_track'"):
        grade.add_track("A", 1, 1)
    with pytest.raises(AttributeError):
        tracker.no_such_method  # noqa: B018
