"""CornerPin: a perspective (homography) warp that moves four source corners onto four target
corners, given as animatable points or pinned to four tracks, live.

Corners are fractions of the frame (0..1, y down; 0 and 1 are the frame's outer edges), so a
default pin is the identity whatever the format, and proxies and format changes keep the layout.
The homography comes from OpenCV (``getPerspectiveTransform``); the image is resampled with
torch's ``grid_sample`` on the frame's device (a frame on the GPU stays there), with the filters
Transform offers, on premultiplied RGBA; what comes from outside the source is transparent black.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from filmstudio.api import (
    BoolParam,
    ChoiceParam,
    EvalContext,
    FollowTrack,
    Handle,
    Input,
    IntParam,
    Node,
    Outline,
    Output,
    OverlayEdit,
    ParameterError,
    PortType,
    Units,
    VectorParam,
    torch_module,
)
from filmstudio_nodes.transform import FILTERS, resample

CORNERS = ("to1", "to2", "to3", "to4")
SOURCE_CORNERS = ("from1", "from2", "from3", "from4")
FRAME_CORNERS = ((0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0))  # clockwise from top-left
# a pinned ``to`` corner sits on its track at each frame; a pinned ``from`` corner where its track
# was at the reference frame
_PINNED = FollowTrack(units=Units.FRAME, relative=False)
_AT_REFERENCE = FollowTrack(units=Units.FRAME, relative=False, at_frame="reference_frame")


class CornerPin(Node):
    """Warps the image so the quad ``from1..from4`` lands on ``to1..to4`` (clockwise from the
    top-left; a straight-line-preserving perspective warp).

    Corners follow tracks live (connect a Tracker's tracks to ``track``): a ``to`` corner whose
    ``toN_track`` names a track sits on it at every frame; a ``from`` corner whose ``fromN_track``
    names one sits where the track was at ``reference_frame``. Pinning only the ``to`` corners puts
    the ``from`` quad (default: the whole frame) onto four tracked points — an insert on a screen;
    pinning both to the same tracks moves what sat between them at the reference frame with them —
    a planar match-move, identity at the reference frame (:meth:`pin_to_tracks` sets either up).
    ``invert`` warps the other way (the tracked screen flattened into the ``from`` quad).
    """

    id = "CornerPin"
    category = "Transform"
    description = "Pin four corners to points or tracks: a perspective warp (screen inserts, planar moves)."
    inputs = (Input("source", PortType.IMAGE), Input("track", PortType.TRACK, optional=True))
    outputs = (Output("image", PortType.IMAGE),)
    params = (
        *(
            VectorParam(name, corner, soft_min=0.0, soft_max=1.0, follows_track=_PINNED,
                        tooltip="where this source corner goes, as fractions of the frame")
            for name, corner in zip(CORNERS, FRAME_CORNERS, strict=True)
        ),
        *(
            VectorParam(name, corner, soft_min=0.0, soft_max=1.0, follows_track=_AT_REFERENCE,
                        tooltip="a corner of the source quad, as fractions of the frame")
            for name, corner in zip(SOURCE_CORNERS, FRAME_CORNERS, strict=True)
        ),
        IntParam("reference_frame", 1, animatable=False, tooltip="where tracked from-corners are read"),
        BoolParam("invert", False, tooltip="warp the to-quad back onto the from-quad"),
        ChoiceParam("filter", FILTERS),
    )  # fmt: skip

    scripting = ("pin_to_tracks",)

    def requests(self, ctx: EvalContext) -> Mapping[str, Sequence[int]]:
        # the default asks for the tracks at the frames the followed corners read (this one, the
        # reference): re-tracking other frames keeps this frame cached; none while none follows
        wanted = dict(super().requests(ctx))
        if not _followed(ctx, (*CORNERS, *SOURCE_CORNERS)):
            wanted.pop("track", None)
        return wanted

    def evaluate(self, ctx: EvalContext) -> Any:
        source = ctx.input("source")
        if source is None:
            return None
        p = ctx.params  # followed corners: the engine has put the tracks' positions here
        target = [tuple(p[name]) for name in CORNERS]
        origin = [tuple(p[name]) for name in SOURCE_CORNERS]
        if p.invert:
            origin, target = target, origin
        if origin == target:
            return source
        height, width = source.shape[-2:]
        inverse = _inverse_homography(origin, target, width, height)
        if inverse is None:  # a quad folded onto a line: nothing of the image is left
            return torch_module().zeros_like(source)
        return _warp(source, inverse, p.filter)

    # --- viewer -----------------------------------------------------------------------------------

    def overlay(self, ctx: EvalContext) -> Sequence[Any]:
        """The ``to`` quad with a handle on each corner that does not follow a track, and the
        ``from`` quad dashed. A quad with a followed corner is not drawn: the corner is on its
        track, which this context (no inputs) cannot see; the Tracker draws the tracks."""
        p, width, height = ctx.params, ctx.format.width, ctx.format.height
        followed = _followed(ctx)

        def pixels(names: Sequence[str]) -> tuple[tuple[float, float], ...]:
            return tuple((p[n][0] * width, p[n][1] * height) for n in names)

        shapes: list[Any] = []
        if not _followed(ctx, SOURCE_CORNERS):
            shapes.append(Outline(pixels(SOURCE_CORNERS), dashed=True))
        if not followed:
            shapes.append(Outline(pixels(CORNERS)))
        shapes.extend(
            Handle(name, x, y, label=name)
            for name, (x, y) in zip(CORNERS, pixels(CORNERS), strict=True)
            if name not in followed
        )
        return shapes

    def drag_handle(self, ctx: EvalContext, key: str, x: float, y: float) -> OverlayEdit | None:
        if key not in CORNERS or key in _followed(ctx):
            return None
        return OverlayEdit(params={key: (x / ctx.format.width, y / ctx.format.height)}, text="Move corner")

    # --- scripting (Node.scripting) ---------------------------------------------------------------

    def pin_to_tracks(
        self, node: Any, tracks: Sequence[str], *, relative: bool = True, reference_frame: int | None = None
    ) -> None:
        """Pin the four ``to`` corners to ``tracks`` (clockwise from the top-left corner), and with
        ``relative`` the ``from`` corners to the same tracks at ``reference_frame`` (a planar
        match-move); one undo step. Unpin with empty names."""
        names = [str(name) for name in tracks]
        if len(names) != 4:
            raise ParameterError(
                f"a corner pin takes four tracks (clockwise from the top-left), not {len(names)}"
            )
        values: dict[str, Any] = {
            f"{corner}_track": name for corner, name in zip(CORNERS, names, strict=True)
        }
        values.update(
            {
                f"{corner}_track": name if relative else ""
                for corner, name in zip(SOURCE_CORNERS, names, strict=True)
            }
        )
        if reference_frame is not None:
            values["reference_frame"] = int(reference_frame)
        node.set(**values)


def _followed(ctx: EvalContext, corners: Sequence[str] = CORNERS) -> dict[str, str]:
    """The corners (default: ``to``) that follow a track, with the track's name."""
    return {name: track for name in corners if (track := str(ctx.params[f"{name}_track"]).strip())}


def _inverse_homography(
    origin: Sequence[tuple[float, float]], target: Sequence[tuple[float, float]], width: int, height: int
) -> Any:
    """The 3x3 map from output pixels back to source pixels (edge origin), or None for a quad
    with three corners in a line."""
    import cv2
    import numpy as np

    scale = np.array([width, height], dtype=np.float64)
    src = (np.asarray(origin, dtype=np.float64) * scale).astype(np.float32)
    dst = (np.asarray(target, dtype=np.float64) * scale).astype(np.float32)
    if _degenerate(src) or _degenerate(dst):
        return None
    forward = cv2.getPerspectiveTransform(src, dst)
    try:
        return np.linalg.inv(forward)
    except np.linalg.LinAlgError:
        return None


def _degenerate(quad: Any) -> bool:
    """Whether three of the four corners lie (nearly) in a line."""
    import numpy as np

    for skip in range(4):
        a, b, c = (quad[i].astype(np.float64) for i in range(4) if i != skip)
        area = abs((b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]))
        if area < 1e-6:
            return True
    return False


def _warp(image: Any, inverse: Any, filter_name: str) -> Any:
    """Output pixel centre (x, y) reads the source at ``inverse @ (x, y, 1)``; positions behind
    the horizon (w <= 0) read nothing."""
    t = torch_module()
    height, width = image.shape[-2:]
    m = t.as_tensor(inverse, dtype=t.float64, device=image.device)
    xs = (t.arange(width, dtype=t.float64, device=image.device) + 0.5).view(1, -1)
    ys = (t.arange(height, dtype=t.float64, device=image.device) + 0.5).view(-1, 1)
    w = m[2, 0] * xs + m[2, 1] * ys + m[2, 2]
    behind = w <= 1e-12
    w = t.where(behind, t.ones_like(w), w)
    far = -4.0 * max(width, height)  # well outside: grid_sample reads zeros there
    src_x = t.where(behind, far, (m[0, 0] * xs + m[0, 1] * ys + m[0, 2]) / w)
    src_y = t.where(behind, far, (m[1, 0] * xs + m[1, 1] * ys + m[1, 2]) / w)
    return resample(image, src_x, src_y, filter_name)
