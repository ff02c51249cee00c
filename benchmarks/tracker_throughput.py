"""Tracker throughput: 16 points over 120 frames of 1080p, tracked by the Tracker's analysis job
against a bare OpenCV loop doing the same pyramidal LK + ECC refinement + NCC confidence.

Both sides get the same frames: working-space RGBA float32 tensors, views into one large textured
canvas that moves by a known whole-pixel path (so 120 frames cost one canvas of memory, and the
true positions are known exactly). Both convert each frame to 8-bit grey with the same arithmetic
(AP1 luminance, square-root encode), so the ratio measures what the job adds: planning, contexts,
the node's state slicing and JSON results, the pass's bookkeeping. Decoding is left out on purpose
(the Read node is the same whatever tracks the frames). Rounds alternate which side goes first; the
first is a warm-up; the ratio is the median of the rounds' bare/ours ratios.

The benchmark sets its own model and data folders (a temporary directory); nothing is read from or
written to the user's.

Target: tracker_ratio = bare time / job time >= 0.9.
Last line: RESULT tracker_ratio=<bare/ours> error_px=<mean position error of the job's tracks>
"""

from __future__ import annotations

import contextlib
import os
import statistics
import sys
import tempfile
import time

import cv2
import numpy as np

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as `import filmstudio` does, before torch loads
import torch

WIDTH, HEIGHT, FRAMES, POINTS, PATTERN, SEARCH = 1920, 1080, 120, 16, 21, 61
ROUNDS = 4
MARGIN = 200
LUMA = (0.2722287168, 0.6740817658, 0.0536895174)


def make_canvas() -> torch.Tensor:
    rng = np.random.default_rng(3)
    noise = rng.normal(0.0, 1.0, (HEIGHT + 2 * MARGIN, WIDTH + 2 * MARGIN)).astype(np.float32)
    texture = cv2.GaussianBlur(noise, (0, 0), 2.0)
    texture = (texture - texture.min()) / (texture.max() - texture.min())
    linear = torch.from_numpy(texture).pow(2.2)
    rgb = torch.stack([linear * 0.9, linear, linear * 0.8, torch.ones_like(linear)])
    return rgb.contiguous()


def offset(k: int) -> tuple[int, int]:
    """Where frame ``k`` (0-based) shows the canvas from: the content moves by minus this."""
    return (MARGIN + round(60 * np.sin(k / 9.0)), MARGIN + round(40 * np.cos(k / 13.0)) - 40)


def frame(canvas: torch.Tensor, k: int) -> torch.Tensor:
    x, y = offset(k)
    return canvas[:, y : y + HEIGHT, x : x + WIDTH]


def starts() -> list[tuple[float, float]]:
    """16 points on a 4x4 grid (image pixels, edge origin)."""
    xs, ys = np.linspace(300, WIDTH - 300, 4), np.linspace(200, HEIGHT - 200, 4)
    return [(float(x) + 0.5, float(y) + 0.5) for y in ys for x in xs]


def truth(point: tuple[float, float], k: int) -> tuple[float, float]:
    (x0, y0), (xk, yk) = offset(0), offset(k)
    return (point[0] + x0 - xk, point[1] + y0 - yk)


# --- the bare loop ------------------------------------------------------------------------------


def grey_of(image: torch.Tensor) -> np.ndarray:
    with torch.inference_mode():
        grey = image[0] * LUMA[0]
        grey.add_(image[1], alpha=LUMA[1]).add_(image[2], alpha=LUMA[2])
        grey.clamp_(0.0, 1.0).sqrt_().mul_(255.0).add_(0.5)
        return grey.to(torch.uint8).numpy()


def bare_track(canvas: torch.Tensor) -> float:
    criteria_lk = (cv2.TERM_CRITERIA_COUNT | cv2.TERM_CRITERIA_EPS, 30, 0.01)
    criteria_ecc = (cv2.TERM_CRITERIA_COUNT | cv2.TERM_CRITERIA_EPS, 60, 1e-5)
    half = (PATTERN - 1) / 2
    started = time.perf_counter()
    centres = np.array([(x - 0.5, y - 0.5) for x, y in starts()], dtype=np.float64)
    previous = None
    templates = []
    for k in range(FRAMES):
        grey = grey_of(frame(canvas, k))
        if previous is None:
            for cx, cy in centres:
                templates.append(cv2.getRectSubPix(grey, (PATTERN, PATTERN), (cx, cy)).astype(np.float32))
        else:
            moved, _status, _ = cv2.calcOpticalFlowPyrLK(
                previous, grey, centres.astype(np.float32).reshape(-1, 1, 2), None,
                winSize=(PATTERN, PATTERN), maxLevel=3, criteria=criteria_lk,
            )  # fmt: skip
            for i, (px, py) in enumerate(moved[:, 0].astype(np.float64)):
                margin = PATTERN // 2 + 2
                x0, y0 = int(np.floor(px - half - 0.5)) - margin, int(np.floor(py - half - 0.5)) - margin
                size = PATTERN + 2 * margin + 2
                region = grey[y0 : y0 + size, x0 : x0 + size].astype(np.float32)
                warp = np.array([[1, 0, px - half - x0], [0, 1, py - half - y0]], dtype=np.float32)
                with contextlib.suppress(cv2.error):  # no convergence: keep the prediction
                    _, warp = cv2.findTransformECC(
                        templates[i], region, warp, cv2.MOTION_TRANSLATION, criteria_ecc, None, 3
                    )
                cx, cy = warp[0, 2] + half + x0, warp[1, 2] + half + y0
                seen = cv2.getRectSubPix(grey, (PATTERN, PATTERN), (cx, cy)).astype(np.float32)
                cv2.matchTemplate(seen, templates[i], cv2.TM_CCOEFF_NORMED)
                centres[i] = (cx, cy)
        previous = grey
    return time.perf_counter() - started


# --- the Tracker in its analysis job --------------------------------------------------------------


def job_track(canvas: torch.Tensor) -> tuple[float, float]:
    """(seconds, mean position error in pixels) of the Tracker's analysis pass."""
    from filmstudio.testing import NodeHarness
    from filmstudio_nodes.tracker import Tracker

    with NodeHarness(
        Tracker,
        inputs={"source": lambda f: frame(canvas, f - 1)},
        size=(WIDTH, HEIGHT),
        frame_range=(1, FRAMES),
    ) as harness:
        for i, (x, y) in enumerate(starts()):
            harness.node.add_track(f"P{i + 1}", x, y, pattern=PATTERN, search=SEARCH, frame=1)
        started = time.perf_counter()
        harness.engine.analyze(harness.node, range(1, FRAMES + 1))
        seconds = time.perf_counter() - started
        errors = []
        for i, point in enumerate(starts()):
            for f, (x, y, _c) in harness.node.positions(f"P{i + 1}").items():
                tx, ty = truth(point, f - 1)
                errors.append(float(np.hypot(x - tx, y - ty)))
        if len(errors) != POINTS * FRAMES:
            raise SystemExit(f"the job tracked {len(errors)} samples, not {POINTS * FRAMES}")
    return seconds, float(np.mean(errors))


def main() -> int:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        os.environ["FILMSTUDIO_MODELS"] = os.path.join(folder, "models")
        os.environ["XDG_DATA_HOME"] = os.path.join(folder, "data")
        canvas = make_canvas()
        ratios, ours_times, bare_times, error = [], [], [], 0.0
        for round_number in range(ROUNDS):
            if round_number % 2:
                bare = bare_track(canvas)
                ours, error = job_track(canvas)
            else:
                ours, error = job_track(canvas)
                bare = bare_track(canvas)
            if round_number:  # the first round warms up both sides
                ratios.append(bare / ours)
                ours_times.append(ours)
                bare_times.append(bare)
            print(f"round {round_number}: job {ours:.2f} s, bare {bare:.2f} s, ratio {bare / ours:.3f}")
    ours, bare = statistics.median(ours_times), statistics.median(bare_times)
    print(
        f"{POINTS} points x {FRAMES} frames of {WIDTH}x{HEIGHT}: job {ours:.2f} s ({FRAMES / ours:.1f} fps), "
        f"bare {bare:.2f} s ({FRAMES / bare:.1f} fps); mean error {error:.3f} px; "
        f"whole benchmark {time.perf_counter() - started:.0f} s"
    )
    print(f"RESULT tracker_ratio={statistics.median(ratios):.3f} error_px={error:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
