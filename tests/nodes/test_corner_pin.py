"""CornerPin: a planar patch lands where a known homography puts it (points or live tracks), the
warp matches OpenCV's, handles sit on the corners, and bad quads or tracks say what happened."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest
import torch

from filmstudio import testing
from filmstudio.api import Handle, Outline
from filmstudio.core.errors import EvaluationError
from filmstudio.core.track import Track, TrackSample, TrackSet
from filmstudio_nodes.corner_pin import CornerPin
from filmstudio_nodes.transform import FILTERS
from tests.tracking.synthetic import texture

WIDTH, HEIGHT = 320, 240
PATCH = [(100.0, 70.0), (220.0, 70.0), (220.0, 170.0), (100.0, 170.0)]  # clockwise from top-left
CENTRE = (160.0, 120.0)


def patch_image() -> torch.Tensor:
    """A textured planar patch with a Gaussian dot on each corner and one at its centre, opaque
    black around it (RGBA, premultiplied)."""
    ys, xs = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float64) + 0.5
    grey = np.zeros((HEIGHT, WIDTH))
    inside = (xs > 110) & (xs < 210) & (ys > 80) & (ys < 160)
    grey[inside] = 0.25 * cv2.GaussianBlur(texture(WIDTH, seed=9), (0, 0), 2.0)[:HEIGHT, :WIDTH][inside] / 255
    for x, y in [*PATCH, CENTRE]:
        grey += np.exp(-((xs - x) ** 2 + (ys - y) ** 2) / (2 * 2.0**2))
    plane = torch.from_numpy(grey.astype(np.float32))
    return torch.stack([plane, plane, plane, torch.ones_like(plane)])


def homography(to: list[tuple[float, float]]) -> np.ndarray:
    return cv2.getPerspectiveTransform(np.float32(PATCH), np.float32(to)).astype(np.float64)


def apply(h: np.ndarray, point: tuple[float, float]) -> tuple[float, float]:
    x, y, w = h @ (point[0], point[1], 1.0)
    return (x / w, y / w)


def centroid(image: torch.Tensor, near: tuple[float, float], radius: int = 7) -> tuple[float, float]:
    grey = image[0].numpy().astype(np.float64)
    x0, y0 = round(near[0]) - radius, round(near[1]) - radius
    patch = grey[y0 : y0 + 2 * radius + 1, x0 : x0 + 2 * radius + 1]
    patch = np.clip(patch - np.median(patch), 0, None)  # the dot above the texture under it
    ys, xs = np.mgrid[0 : patch.shape[0], 0 : patch.shape[1]] + 0.5
    return (x0 + (xs * patch).sum() / patch.sum(), y0 + (ys * patch).sum() / patch.sum())


def fractions(points) -> list[tuple[float, float]]:
    return [(x / WIDTH, y / HEIGHT) for x, y in points]


def corners(prefix: str, points) -> dict[str, tuple[float, float]]:
    return {f"{prefix}{i}": p for i, p in enumerate(fractions(points), start=1)}


TILTED = [(90.0, 60.0), (240.0, 85.0), (205.0, 200.0), (80.0, 160.0)]  # a patch seen in perspective


def pin(params, inputs=None, frame=1, **settings):
    return testing.evaluate(CornerPin, params, {"source": patch_image(), **(inputs or {})}, frame,
                            size=(WIDTH, HEIGHT), **settings)  # fmt: skip


def test_the_default_pin_hands_on_the_image_itself():
    image = patch_image()
    assert testing.evaluate(CornerPin, {}, {"source": image}, size=(WIDTH, HEIGHT)) is image


def test_a_planar_patch_lands_where_the_homography_puts_it():
    h = homography(TILTED)
    out = pin({**corners("from", PATCH), **corners("to", TILTED)})
    for point in [*PATCH, CENTRE]:
        assert math.dist(centroid(out, apply(h, point)), apply(h, point)) < 0.25
    # the whole picture: OpenCV's warpPerspective of the source (its pixel centres sit on integers)
    shift = np.array([[1, 0, 0.5], [0, 1, 0.5], [0, 0, 1]])
    opencv = np.linalg.inv(shift) @ h @ shift
    expected = cv2.warpPerspective(patch_image()[0].numpy(), opencv, (WIDTH, HEIGHT), flags=cv2.INTER_CUBIC)
    inside = cv2.warpPerspective(np.ones((HEIGHT, WIDTH), np.float32), opencv, (WIDTH, HEIGHT)) > 0.999
    inside = cv2.erode(inside.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    assert np.abs(out[0].numpy() - expected)[inside].mean() < 0.003


def moving_tracks(frames=range(1, 9)) -> tuple[TrackSet, dict[int, np.ndarray]]:
    """Four tracks on the patch's corners at frame 1, carried by a growing perspective motion."""
    motions = {}
    for f in frames:
        k = f - 1
        to = [(x + 3.0 * k + (0.9 * k if i in (1, 2) else 0), y + 1.3 * k - (1.1 * k if i == 2 else 0))
              for i, (x, y) in enumerate(PATCH)]  # fmt: skip
        motions[f] = homography(to)
    tracks = TrackSet.of(
        Track(name, samples={f: TrackSample.square(*apply(motions[f], corner), 21) for f in frames})
        for name, corner in zip("ABCD", PATCH, strict=True)
    )
    return tracks, motions


@pytest.mark.parametrize("relative", [True, False])
def test_pinned_to_four_tracks_the_patch_follows_the_homography_within_a_pixel(relative):
    tracks, motions = moving_tracks()
    inputs = {"source": patch_image(), "track": tracks}
    with testing.NodeHarness(CornerPin, inputs=inputs, size=(WIDTH, HEIGHT), frame_range=(1, 8)) as harness:
        harness.node.pin_to_tracks("ABCD", relative=relative, reference_frame=1)
        if not relative:  # an insert: the from quad given, the to corners on the tracks
            harness.node.set(**corners("from", PATCH))
        for frame in (1, 4, 8):
            out = harness.evaluate(frame)
            for point in [*PATCH, CENTRE]:
                wanted = apply(motions[frame], point)
                assert math.dist(centroid(out, wanted), wanted) < 1.0
            if frame == 1 and relative:  # at the reference frame the pin is the identity
                assert out is inputs["source"]


def test_invert_flattens_the_pinned_patch_back():
    tilted = {**corners("from", PATCH), **corners("to", TILTED)}
    image = patch_image()
    there = testing.evaluate(CornerPin, tilted, {"source": image}, size=(WIDTH, HEIGHT))
    back = testing.evaluate(CornerPin, {**tilted, "invert": True}, {"source": there}, size=(WIDTH, HEIGHT))
    region = (slice(None), slice(80, 160), slice(110, 210))
    assert (back[region] - image[region]).abs().mean() < 0.01


def test_a_proxy_renders_the_same_pin_at_its_scale():
    h = homography(TILTED)
    params = {**corners("from", PATCH), **corners("to", TILTED)}
    small = patch_image()[:, ::2, ::2].contiguous()
    out = testing.evaluate(CornerPin, params, {"source": small}, scale=0.5, size=(WIDTH, HEIGHT))
    assert out.shape == (4, HEIGHT // 2, WIDTH // 2)
    wanted = apply(h, CENTRE)
    found = centroid(out, (wanted[0] / 2, wanted[1] / 2), radius=4)
    assert math.dist(found, (wanted[0] / 2, wanted[1] / 2)) < 0.5


@pytest.mark.parametrize("filter_name", FILTERS)
def test_every_filter_warps_and_nearest_only_copies_pixels(filter_name):
    out = pin({**corners("to", TILTED), "filter": filter_name})
    xs, ys = zip(*TILTED, strict=True)  # the whole opaque frame lands inside the tilted quad
    area = 0.5 * abs(sum(xs[i] * ys[i - 1] - xs[i - 1] * ys[i] for i in range(4)))
    assert (out[3] > 0.5).sum().item() == pytest.approx(area, rel=0.02)
    if filter_name == "nearest":
        assert set(torch.unique(out[0]).tolist()) <= set(torch.unique(patch_image()[0]).tolist()) | {0.0}


def test_a_quad_folded_onto_a_line_leaves_nothing():
    line = [(0.1, 0.1), (0.5, 0.5), (0.9, 0.9), (0.3, 0.6)]
    out = pin({f"to{i}": p for i, p in enumerate(line, start=1)})
    assert torch.count_nonzero(out) == 0


def test_handles_sit_on_the_to_corners_and_dragging_one_moves_it(node_harness):
    harness = node_harness(CornerPin, size=(WIDTH, HEIGHT))
    harness.node.set(**corners("to", TILTED))
    ctx = harness.project.context(harness.node, 1)
    node = CornerPin.shared()
    handles = [s for s in node.overlay(ctx) if isinstance(s, Handle)]
    assert [(h.key, h.x, h.y) for h in handles] == [
        (f"to{i}", pytest.approx(x), pytest.approx(y)) for i, (x, y) in enumerate(TILTED, start=1)
    ]
    assert sum(isinstance(s, Outline) for s in node.overlay(ctx)) == 2  # the to quad, the from quad
    edit = node.drag_handle(ctx, "to2", 160.0, 60.0)
    assert edit is not None and edit.params == {"to2": (0.5, 0.25)}
    harness.node.set(to2_track="B")  # a pinned corner is on its track: no handle to drag
    ctx = harness.project.context(harness.node, 1)
    assert [h.key for h in node.overlay(ctx) if isinstance(h, Handle)] == ["to1", "to3", "to4"]
    assert node.drag_handle(ctx, "to2", 0.0, 0.0) is None


def test_a_from_corner_tracked_nowhere_near_the_reference_frame_says_so():
    tracks, _ = moving_tracks(range(3, 9))
    params = {"to1_track": "A", "from1_track": "A", "reference_frame": 1}
    with pytest.raises(
        EvaluationError,
        match=r"track 'A' at frame 1, where the track has no position \(tracked frames: 3-8\)",
    ):
        pin(params, {"track": tracks}, frame=4)
    with pytest.raises(EvaluationError, match=r"no track named 'E' \(tracks: A, B, C, D\)"):
        pin({"to1_track": "E"}, {"track": tracks}, frame=4)


def test_pin_to_tracks_wants_four_names(node_harness):
    harness = node_harness(CornerPin)
    with pytest.raises(Exception, match="four tracks"):
        harness.node.pin_to_tracks("ABC")


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_a_frame_on_the_gpu_stays_there_and_matches_the_cpu():
    params = {**corners("from", PATCH), **corners("to", TILTED)}
    cpu = pin(params)
    gpu = testing.evaluate(CornerPin, params, {"source": patch_image().cuda()}, size=(WIDTH, HEIGHT))
    assert gpu.device.type == "cuda"
    assert torch.allclose(gpu.cpu(), cpu, atol=1e-4)
