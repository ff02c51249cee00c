"""Clean plates: fill a hole with the background other frames show there.

For frame f, the neighbours f-1, f+1, f-2, f+2, ... (up to the node's ``frames``) are aligned to f
one at a time, nearest first, and each fills the part of the hole it shows:

* aligned by ``flow``: DIS optical flow from f to the neighbour, and a homography fitted (RANSAC)
  to the flow of the background only (outside the hole and the neighbour's mask, both grown): a
  camera pan, tilt, zoom or roll over a distant background is exact, without the flow inside the
  hole (which follows the object being removed) ever being used;
* aligned by ``track``: the tracks on the node's Track input present at both frames give a
  translation (one track), a similarity (two), an affine (three) or a homography (four or more).

A neighbour is used only where it lies inside its frame and its own mask (grown) is clear, and
only when it agrees with frame f on a ring around the hole (a cut, a frame before the clip starts
— a Read shows black there — or a failed alignment is skipped). Pixels are copied in the working
space (bilinear resampling: exact for whole-pixel moves), so the plate keeps HDR values. What no
neighbour shows is returned as ``left`` for a spatial fill.
"""

from __future__ import annotations

from typing import Any

RING = 6  # pixels around the hole where a neighbour must agree with this frame
AGREE = 0.04  # its root-mean-square difference there, in display sRGB, must stay below this


def clean_plate(ctx: Any, source: Any, hole: Any) -> tuple[Any, Any]:
    """(``source`` with what the neighbours show of ``hole`` filled, the hole still left)."""
    import cv2
    import numpy as np
    import torch

    from filmstudio_nodes.flow import grey, warp_by
    from filmstudio_nodes.inpaint_fill import hard_mask

    p = ctx.params
    size = tuple(source.shape[-2:])
    here = _pixels(source)
    here_rgb = _display(source)
    here_grey = grey(here_rgb)
    todo = hole.copy()
    ring = cv2.dilate(hole.astype(np.uint8), np.ones((2 * RING + 1,) * 2, np.uint8)).astype(bool) & ~hole
    tracks = _tracks(ctx) if p.align == "track" else None
    for offset in _offsets(p.frames):
        if not todo.any():
            break
        ctx.check_cancelled()
        frame = ctx.frame + offset
        other, other_mask = ctx.input("source", frame), ctx.input("mask", frame)
        if other is None or tuple(other.shape[-2:]) != size:
            continue
        covered = hard_mask(other_mask, size, p.grow) if other_mask is not None else np.zeros(size, bool)
        if tracks is not None:
            matrix = _track_matrix(tracks, frame, ctx.frame, ctx.scale)
        else:
            matrix = _flow_matrix(here_grey, grey(_display(other)), hole, covered, p.grow)
        if matrix is None:
            continue
        moved, inside = warp_by(_pixels(other), matrix)
        moved_rgb, _ = warp_by(_display(other), matrix)
        blocked, _ = warp_by(covered.astype(np.float32), matrix)
        if ring.any():
            seen = ring & inside & (blocked < 0.01)
            if seen.sum() < 0.25 * ring.sum():
                continue
            error = float(np.sqrt(((moved_rgb[seen] - here_rgb[seen]) ** 2).mean()))
            if error > AGREE:
                continue
        usable = todo & inside & (blocked < 0.01)
        here[usable] = moved[usable]
        todo &= ~usable
    filled = torch.from_numpy(here).permute(2, 0, 1).contiguous()
    return filled.to(source.device), todo


def _offsets(count: int) -> list[int]:
    return [sign * step for step in range(1, count + 1) for sign in (-1, 1)]


def _pixels(image: Any) -> Any:
    """Working-space premultiplied RGBA as a float32 ``[H, W, 4]`` NumPy array."""
    return image.float().cpu().permute(1, 2, 0).contiguous().numpy().copy()


def _display(image: Any) -> Any:
    """Display sRGB ``[H, W, 3]`` (for the flow and the agreement test)."""
    from filmstudio.api import to_model_rgb

    rgb, _alpha = to_model_rgb(image[None].float())
    return rgb[0].cpu().permute(1, 2, 0).contiguous().numpy()


def _flow_matrix(here_grey: Any, other_grey: Any, hole: Any, covered: Any, grow: int) -> Any:
    """neighbour -> this frame, fitted to the background's flow."""
    import cv2
    import numpy as np

    from filmstudio_nodes.flow import flow_to, matrix_from_flow

    flow = flow_to(here_grey, other_grey)
    margin = np.ones((2 * (grow + 4) + 1,) * 2, np.uint8)  # flow is smeared a few pixels past edges
    foreground = cv2.dilate((hole | covered).astype(np.uint8), margin).astype(bool)
    return matrix_from_flow(flow, ~foreground)


def _tracks(ctx: Any) -> Any:
    """Every sample of the Track input over the window, merged (None when nothing is connected)."""
    frames = range(ctx.frame - ctx.params.frames, ctx.frame + ctx.params.frames + 1)
    sets = [ctx.input("track", frame) for frame in frames]
    sets = [value for value in sets if value is not None]
    if not sets:
        from filmstudio.api import ParameterError

        raise ParameterError("align track needs a Track on the track input: connect a Tracker")
    return sets[0].merged(*sets[1:])


def _track_matrix(tracks: Any, frame: int, here: int, scale: float) -> Any:
    """neighbour -> this frame from the tracks present at both frames (OpenCV pixel centres)."""
    from filmstudio_nodes.flow import matrix_from_points

    source, target = [], []
    for name in tracks.names():
        a, b = tracks.sample(name, frame), tracks.sample(name, here)
        if a is not None and b is not None:
            source.append((a.x * scale - 0.5, a.y * scale - 0.5))
            target.append((b.x * scale - 0.5, b.y * scale - 0.5))
    return matrix_from_points(source, target)
