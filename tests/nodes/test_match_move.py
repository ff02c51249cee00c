"""Transform match-move / stabilise and positions that follow tracks, linked live.

Clips are textured frames moved by known sub-pixel offsets; tracks are built from the known motion
(plus sub-pixel noise, as a tracker's), or tracked by the real Tracker from an H.264 clip. Motion
left in a result is measured with phase correlation between consecutive frames over the textured
centre, as an artist's eye would judge a stabilised shot.
"""

from __future__ import annotations

import itertools
import math

import cv2
import numpy as np
import pytest
import torch

from filmstudio import testing
from filmstudio.core.errors import EvaluationError, ParameterError
from filmstudio.core.project import Project
from filmstudio.core.track import Track, TrackNotFoundError, TrackSample, TrackSet
from filmstudio.engine.engine import Engine
from filmstudio_nodes.title import Title
from filmstudio_nodes.transform import Transform
from tests.tracking.synthetic import texture, write_clip

# big enough for phase correlation to measure sub-pixel motion to about 0.08 px
WIDTH, HEIGHT, COUNT = 320, 240, 24
FEATURE = (160.0, 120.0)  # where the tracked point sits before the shake


def shaken(offsets: np.ndarray, size: tuple[int, int] = (WIDTH, HEIGHT)) -> list[np.ndarray]:
    """Grey float32 frames of one large texture, frame k moved by ``offsets[k]`` pixels (cubic)."""
    width, height = size
    # soft enough (blobs of ~5 px) that two cubic resamplings keep it in place to ~0.1 px
    ground = cv2.GaussianBlur(
        texture(max(width, height) + 40, seed=3)[: height + 40, : width + 40], (0, 0), 3.0
    )
    out = []
    for dx, dy in offsets:
        matrix = np.float32([[1, 0, dx - 20], [0, 1, dy - 20]])
        out.append(cv2.warpAffine(ground, matrix, (width, height), flags=cv2.INTER_CUBIC) / 255.0)
    return out


def as_image(grey: np.ndarray) -> torch.Tensor:
    plane = torch.from_numpy(np.ascontiguousarray(grey, dtype=np.float32))
    return torch.stack([plane, plane, plane, torch.ones_like(plane)])


def track_of(name: str, positions: dict[int, tuple[float, float]]) -> Track:
    return Track(name, samples={f: TrackSample.square(x, y, 21) for f, (x, y) in positions.items()})


def per_frame(tracks: TrackSet):
    """What a Tracker's output carries: at frame f, the samples at f only."""
    return lambda frame: tracks.at_frames([frame])


def moves(images: list[torch.Tensor], margin: int = 28) -> list[tuple[float, float]]:
    """Phase-correlation shift (pixels) from each frame to the next, over the centre."""
    crops = [img[0, margin:-margin, margin:-margin].numpy().astype(np.float64) for img in images]
    window = cv2.createHanningWindow(crops[0].shape[::-1], cv2.CV_64F)
    return [cv2.phaseCorrelate(a, b, window)[0] for a, b in itertools.pairwise(crops)]


def residuals(images: list[torch.Tensor]) -> list[float]:
    return [math.hypot(*move) for move in moves(images)]


@pytest.fixture(scope="module")
def shake():
    rng = np.random.default_rng(11)
    offsets = rng.uniform(-6.0, 6.0, (COUNT, 2))
    noise = rng.uniform(-0.15, 0.15, (COUNT, 2))  # a tracker's sub-pixel error
    frames = {k + 1: as_image(grey) for k, grey in enumerate(shaken(offsets))}
    positions = {k + 1: (FEATURE[0] + dx + nx, FEATURE[1] + dy + ny) for k, ((dx, dy), (nx, ny)) in
                 enumerate(zip(offsets, noise, strict=True))}  # fmt: skip
    return frames, TrackSet.of([track_of("A", positions)]), offsets


def test_stabilise_leaves_under_half_a_pixel_of_shake(shake):
    frames, tracks, _ = shake
    params = {"mode": "stabilise", "track1": "A", "reference_frame": 1}
    out = testing.evaluate_frames(
        Transform, range(1, COUNT + 1), params, {"source": frames, "track": per_frame(tracks)},
        size=(WIDTH, HEIGHT), frame_range=(1, COUNT),
    )  # fmt: skip
    left = residuals(out)
    assert np.median(np.hypot(*np.diff(shake[2], axis=0).T)) > 3.0  # the clip really shakes
    assert max(left) <= 0.5, left
    assert torch.equal(out[0], frames[1])  # the reference frame is untouched


def test_a_clip_tracked_by_the_tracker_is_stabilised_under_half_a_pixel(shake, tmp_path):
    """The whole path: an H.264 clip read back, tracked by the Tracker's analysis pass, stabilised
    by a Transform linked to the track."""
    _, _, offsets = shake
    pictures = [
        np.repeat(np.rint(g * 255).clip(0, 255).astype(np.uint8)[..., None], 3, axis=2)
        for g in shaken(offsets)
    ]
    project = Project(fps=24, frame_range=(1, COUNT), width=WIDTH, height=HEIGHT)
    read = project.add_node("Read", file=str(write_clip(tmp_path / "shake.mp4", pictures)))
    tracker = project.connect(read, project.add_node("Tracker"))
    tracker.add_track("A", *FEATURE, pattern=31, search=71)
    project.analyse(tracker)
    stabilise = project.connect(read, project.add_node("Transform", mode="stabilise", track1="A"))
    project.connect(tracker, stabilise, source_port="tracks", target_port="track")
    with Engine(project, cpu_workers=2) as engine:
        left = residuals([engine.evaluate(stabilise, f) for f in range(1, COUNT + 1)])
    assert max(left) <= 0.5, left
    assert np.mean(left) <= 0.3


def test_a_track_value_holding_every_frame_stabilises_each_frame_on_its_own(shake):
    """A Track value that is the same set at every frame (all samples in one) still gives each frame
    its own correction: the frame is part of the cache key while a track is used."""
    frames, tracks, _ = shake
    params = {"mode": "stabilise", "track1": "A"}
    out = testing.evaluate_frames(
        Transform, range(1, 9), params, {"source": frames, "track": tracks}, size=(WIDTH, HEIGHT)
    )
    assert max(residuals(out)) <= 0.5


def test_smoothed_stabilise_keeps_the_camera_move_and_removes_the_shake():
    rng = np.random.default_rng(5)
    pan = np.stack([np.arange(COUNT) * 1.5, np.zeros(COUNT)], axis=1)  # 1.5 px a frame to the right
    offsets = pan + rng.uniform(-3.0, 3.0, (COUNT, 2))
    frames = {k + 1: as_image(g) for k, g in enumerate(shaken(offsets))}
    positions = {k + 1: (FEATURE[0] + dx, FEATURE[1] + dy) for k, (dx, dy) in enumerate(offsets)}
    tracks = TrackSet.of([track_of("A", positions)])
    out = testing.evaluate_frames(
        Transform, range(1, COUNT + 1), {"mode": "stabilise", "track1": "A", "smoothing": 4},
        {"source": frames, "track": per_frame(tracks)}, size=(WIDTH, HEIGHT), frame_range=(1, COUNT),
    )  # fmt: skip
    steps = np.array([dx for dx, _ in moves(out[5:-4])])  # frames whose window is whole
    raw_steps = np.diff(offsets[5:-4, 0])
    assert abs(steps.mean() - 1.5) < 0.3  # the pan is kept...
    assert steps.std() < raw_steps.std() / 2  # ...the shake mostly gone


def blob_image(points, size=(WIDTH, HEIGHT), sigma=1.5) -> torch.Tensor:
    """Gaussian dots at ``points`` (image pixels, edge origin) on black, opaque."""
    width, height = size
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float64) + 0.5
    grey = sum(np.exp(-((xs - x) ** 2 + (ys - y) ** 2) / (2 * sigma**2)) for x, y in points)
    return as_image(grey)


def centroid(image: torch.Tensor, near: tuple[float, float], radius: int = 6) -> tuple[float, float]:
    grey = image[0].numpy().astype(np.float64)
    x0, y0 = int(near[0]) - radius, int(near[1]) - radius
    patch = grey[y0 : y0 + 2 * radius + 1, x0 : x0 + 2 * radius + 1]
    ys, xs = np.mgrid[0 : patch.shape[0], 0 : patch.shape[1]] + 0.5
    total = patch.sum()
    return (x0 + (xs * patch).sum() / total, y0 + (ys * patch).sum() / total)


def similarity_of(angle: float, scale: float, shift: tuple[float, float], about: tuple[float, float]):
    """Counter-clockwise on screen (y down) by ``angle`` degrees and ``scale`` about ``about``."""
    c, s = math.cos(math.radians(angle)) * scale, math.sin(math.radians(angle)) * scale

    def move(point):
        x, y = point[0] - about[0], point[1] - about[1]
        return (about[0] + c * x + s * y + shift[0], about[1] - s * x + c * y + shift[1])

    return move


def test_match_move_with_two_tracks_recovers_rotation_and_scale():
    a, b = (60.0, 40.0), (104.0, 70.0)  # where the two tracks sit at the reference frame
    motion = similarity_of(12.0, 1.15, (4.3, -2.7), about=(82.0, 55.0))
    tracks = TrackSet.of([track_of("A", {1: a, 5: motion(a)}), track_of("B", {1: b, 5: motion(b)})])
    dots = [(70.0, 50.0), (95.0, 48.0), (82.0, 66.0)]
    source = blob_image(dots)
    params = {"mode": "match-move", "track1": "A", "track2": "B", "filter": "bicubic"}
    out = testing.evaluate(
        Transform, params, {"source": source, "track": tracks}, frame=5, size=(WIDTH, HEIGHT)
    )
    for dot in dots:
        found, wanted = centroid(out, motion(dot)), motion(dot)
        assert math.dist(found, wanted) < 0.1, (found, wanted)
    # measured back from the image: the rotation and the scale of the tracks
    (x0, y0), (x1, y1) = centroid(out, motion(dots[0])), centroid(out, motion(dots[1]))
    angle = math.degrees(math.atan2(-(y1 - y0), x1 - x0) - math.atan2(-(dots[1][1] - dots[0][1]), 25.0))
    assert angle == pytest.approx(12.0, abs=0.2)
    assert math.dist((x0, y0), (x1, y1)) / math.dist(dots[0], dots[1]) == pytest.approx(1.15, abs=0.005)
    # translation only: the rotation and scale left out
    params.update(track_rotation=False, track_scale=False)
    moved = testing.evaluate(
        Transform, params, {"source": source, "track": tracks}, frame=5, size=(WIDTH, HEIGHT)
    )
    shift = np.subtract(np.add(motion(a), motion(b)), np.add(a, b)) / 2
    assert math.dist(centroid(moved, tuple(np.add(dots[0], shift))), tuple(np.add(dots[0], shift))) < 0.1


def test_the_own_transform_places_the_element_and_the_track_carries_it():
    """Match-move: the own transform first (it places the element at the reference frame), then the
    tracks' motion. Stabilise: the tracks first, then the own transform (a reframe, here a 2x zoom
    about the centre)."""
    tracks = TrackSet.of([track_of("A", {1: (50.0, 50.0), 3: (58.0, 53.0)})])  # moved (8, 3)
    size = {"size": (WIDTH, HEIGHT)}
    placed = {"mode": "match-move", "track1": "A", "translate": (10.0, 0.0)}
    out = testing.evaluate(
        Transform, placed, {"source": blob_image([(40.0, 30.0)]), "track": tracks}, 3, **size
    )
    assert math.dist(centroid(out, (58.0, 33.0)), (58.0, 33.0)) < 0.05
    zoomed = {"mode": "stabilise", "track1": "A", "scale": (2.0, 2.0)}
    cx, cy = WIDTH / 2, HEIGHT / 2
    source = blob_image([(cx - 10, cy - 6)])
    out = testing.evaluate(Transform, zoomed, {"source": source, "track": tracks}, 3, **size)
    wanted = (cx + 2 * (-10 - 8), cy + 2 * (-6 - 3))  # moved back by (8, 3), then doubled about the centre
    assert math.dist(centroid(out, wanted, radius=9), wanted) < 0.05


def test_title_position_follows_a_track_live():
    tracks = TrackSet.of([track_of("face", {1: (40.0, 30.0), 6: (56.0, 22.0)})])
    followed = {"text": "Hi", "position": (0.25, 0.5), "position_track": "face", "position_track_frame": 1}
    out = testing.evaluate(Title, followed, {"track": tracks}, frame=6, size=(WIDTH, HEIGHT))
    moved = (0.25 + 16.0 / WIDTH, 0.5 - 8.0 / HEIGHT)
    expected = testing.evaluate(Title, {"text": "Hi", "position": moved}, frame=6, size=(WIDTH, HEIGHT))
    assert torch.equal(out, expected)
    at_reference = testing.evaluate(Title, followed, {"track": tracks}, frame=1, size=(WIDTH, HEIGHT))
    assert torch.equal(
        at_reference, testing.evaluate(Title, {"text": "Hi", "position": (0.25, 0.5)}, size=(WIDTH, HEIGHT))
    )
    # a frame the track was not tracked at: the title keeps its own position
    untracked = testing.evaluate(Title, followed, {"track": tracks}, frame=3, size=(WIDTH, HEIGHT))
    assert torch.equal(untracked, at_reference)


# --- linked live: projects with a real Tracker --------------------------------------------------


def linked_project(tracks: TrackSet) -> tuple[Project, dict[str, object]]:
    """A Tracker holding ``tracks`` feeding a stabilising Transform, a Title that follows track A
    and a CornerPin pinned to A..D (the clip is a ramp; the tracks are the Tracker's state)."""
    project = Project(fps=24, frame_range=(1, 12), width=WIDTH, height=HEIGHT)
    ramp = project.add_node("Ramp")
    tracker = project.connect(ramp, project.add_node("Tracker"))
    tracker.replace_state(tracks.to_json())
    transform = project.connect(ramp, project.add_node("Transform", mode="stabilise", track1="A", track2="B"))
    title = project.add_node("Title", text="Hi", position_track="A", position_track_frame=1)
    pin = project.connect(ramp, project.add_node("CornerPin"))
    for node in (transform, title, pin):
        project.connect(tracker, node, source_port="tracks", target_port="track")
    pin.pin_to_tracks("ABCD", relative=True, reference_frame=1)
    return project, {"tracker": tracker, "transform": transform, "title": title, "pin": pin}


def four_tracks(frames=range(1, 13)) -> TrackSet:
    corners = [(60.0, 50.0), (250.0, 40.0), (260.0, 190.0), (70.0, 200.0)]
    return TrackSet.of(
        track_of(name, {f: (x + 0.7 * f, y - 0.4 * f + 0.05 * f * f) for f in frames})
        for name, (x, y) in zip("ABCD", corners, strict=True)
    )


def test_save_and_load_keep_the_links(tmp_path):
    project, nodes = linked_project(four_tracks())
    with Engine(project, cpu_workers=2) as engine:
        before = {name: engine.evaluate(node, 7) for name, node in nodes.items() if name != "tracker"}
    path = project.save(tmp_path / "shot.fsproj")
    loaded = Project.load(path)
    assert loaded.load_warnings == []
    for name in ("transform", "title", "pin"):
        node = loaded[nodes[name].name]
        link = loaded.graph.input_link(node.uuid, "track")
        assert link is not None and loaded.graph.nodes[link.source].type.id == "Tracker"
        assert link.source_port == "tracks"
    assert loaded[nodes["title"].name]["position_track"] == "A"
    assert loaded[nodes["pin"].name]["to3_track"] == "C"
    with Engine(loaded, cpu_workers=2) as engine:
        for name, value in before.items():
            assert torch.equal(engine.evaluate(loaded[nodes[name].name], 7), value)
        # still live after loading: moving the track at frame 7 moves the title there
        tracker = loaded[nodes["tracker"].name]
        tracker.move_track("A", 120.0, 90.0, frame=7)
        assert not torch.equal(engine.evaluate(loaded[nodes["title"].name], 7), before["title"])


def test_re_tracking_other_frames_keeps_a_frame_cached():
    project, nodes = linked_project(four_tracks())
    tracker, transform = nodes["tracker"], nodes["transform"]
    with Engine(project, cpu_workers=2) as engine:
        first = engine.evaluate(transform, 5)
        computed = engine.evaluations(transform)
        tracker.move_track("A", 200.0, 100.0, frame=9)  # re-keyed elsewhere: frame 5 reads 5 and 1
        assert engine.evaluate(transform, 5) is first
        assert engine.evaluations(transform) == computed
        tracker.move_track("B", 240.0, 50.0, frame=5)  # its own frame: recomputed, and moved
        assert not torch.equal(engine.evaluate(transform, 5), first)
        assert engine.evaluations(transform) == computed + 1


@pytest.mark.parametrize("node", ["transform", "title", "pin"])
def test_a_deleted_track_is_a_clear_error_on_the_node(node):
    project, nodes = linked_project(four_tracks())
    nodes["tracker"].remove_track("A")
    with Engine(project, cpu_workers=2) as engine, pytest.raises(EvaluationError) as caught:
        engine.evaluate(nodes[node], 4)
    message = str(caught.value)
    assert message.startswith(f"{nodes[node].name} at frame 4: ")
    assert "no track named 'A' (tracks: B, C, D)" in message
    assert "Traceback" not in message


def test_a_reference_frame_without_a_position_and_a_missing_input_say_what_to_do():
    tracks = TrackSet.of([track_of("A", {f: (50.0 + f, 40.0) for f in range(5, 10)})])
    source = torch.zeros(4, 24, 32)
    with pytest.raises(EvaluationError, match=r"reference frame 1 \(tracked: 5-9\)"):
        testing.evaluate(
            Transform, {"mode": "stabilise", "track1": "A"}, {"source": source, "track": tracks}, 6
        )
    with pytest.raises(EvaluationError, match="nothing is connected to its track input"):
        testing.evaluate(Transform, {"mode": "match-move", "track1": "A"}, {"source": source}, 6)
    with pytest.raises(EvaluationError, match="name the track to follow in track1"):
        testing.evaluate(Transform, {"mode": "match-move"}, {"source": source, "track": tracks}, 6)
    with pytest.raises(EvaluationError, match=r"position_track_frame to a tracked frame"):
        testing.evaluate(Title, {"position_track": "A"}, {"track": tracks}, 6)
    with pytest.raises(EvaluationError, match=r"nothing is connected to the 'track' input"):
        testing.evaluate(Title, {"position_track": "A"}, frame=6)


def test_bake_makes_keys_equal_to_the_live_values_in_one_undo_step():
    project, nodes = linked_project(four_tracks())
    title, pin = nodes["title"], nodes["pin"]
    title.set(position=(0.4, 0.6))
    frames = range(1, 13)
    with Engine(project, cpu_workers=2) as engine:
        live = {f: engine.evaluate(title, f) for f in frames}
        pinned = {f: engine.evaluate(pin, f) for f in frames}
    tracks = four_tracks()
    assert project.bake_to_keyframes(title) == {"position": 12}
    curve = title.animation("position")
    assert curve is not None and curve.frames == tuple(float(f) for f in frames)
    for f in frames:  # the live value: own position plus the track's move since frame 1, in frame units
        (x, y), (x1, y1) = tracks.position("A", f), tracks.position("A", 1)
        assert title.value_at("position", f) == pytest.approx(
            (0.4 + (x - x1) / WIDTH, 0.6 + (y - y1) / HEIGHT)
        )
    assert title["position_track"] == ""
    nodes["tracker"].move_track("A", 10.0, 10.0, frame=6)  # a copy now: no longer follows
    with Engine(project, cpu_workers=2) as engine:
        assert all(torch.equal(engine.evaluate(title, f), live[f]) for f in frames)
    assert project.undo()  # the track move
    assert project.undo()  # the bake, all of it in one step: the link is back, the keys gone
    assert title["position_track"] == "A" and title.animation("position") is None
    assert project.redo()
    assert title["position_track"] == "" and title.animation("position") == curve
    # a corner pin bakes its eight pinned corners (the from-corners: the tracks at frame 1) and
    # renders the same from its keys
    assert project.bake_to_keyframes(pin) == {name: 12 for c in "1234" for name in (f"to{c}", f"from{c}")}
    assert pin.value_at("from3", 7) == pytest.approx((260.7 / WIDTH, 190.0 / HEIGHT - 0.35 / HEIGHT))
    with Engine(project, cpu_workers=2) as engine:
        for f in frames:
            assert torch.allclose(engine.evaluate(pin, f), pinned[f], atol=1e-5)


def test_bake_refuses_what_does_not_follow_a_track_and_changes_nothing():
    project, nodes = linked_project(four_tracks())
    title = nodes["title"]
    with pytest.raises(
        ParameterError, match=r"'size' does not follow a track \(parameters that do: position\)"
    ):
        project.bake_to_keyframes(title, ["size"])
    nodes["tracker"].remove_track("A")
    with pytest.raises(TrackNotFoundError):
        project.bake_to_keyframes(title)
    assert title["position_track"] == "A" and title.animation("position") is None
    title.set(position_track="")
    with pytest.raises(ParameterError, match="no parameter that follows a track"):
        project.bake_to_keyframes(title)


def test_anamorphic_tracks_turn_in_square_pixels():
    """On 2:1 pixels a quarter turn of the tracks, as seen on the display, is a quarter turn of the
    element on the display: positions are compared in square units."""
    from filmstudio_nodes.track_motion import similarity

    a, b = (10.0, 10.0), (20.0, 10.0)  # 20 square units apart, side by side
    turned = (10.0, -10.0)  # b a quarter turn counter-clockwise about a, on the display
    m = similarity([a, b], [a, turned], pixel_aspect=2.0)
    x, y = 15.0, 10.0  # halfway between them: ends up halfway up
    assert (m[0] * x + m[1] * y + m[2], m[3] * x + m[4] * y + m[5]) == pytest.approx((10.0, 0.0))
