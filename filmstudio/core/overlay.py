"""What a node draws over the viewer, and what dragging it changes — declared by the node, drawn
by the editor. Node code never imports Qt: it returns plain shapes from :meth:`Node.overlay` and
answers a drag with an :class:`OverlayEdit` from :meth:`Node.drag_handle`; the viewer paints the
shapes and applies the edit as one undo step per drag.

Coordinates are *image* pixels of the project format at full resolution (origin top-left, x to the
right, y down), whatever proxy scale the viewer shows, so a tracker's positions and a transform's
centre mean the same in a render and on screen.

Example: a node with an animatable ``position`` (frame fractions) shows a handle to drag it::

    def overlay(self, ctx):
        x, y = ctx.params.position
        width, height = ctx.format.width, ctx.format.height
        return (Handle("position", x * width, y * height, label=ctx.node_name),)

    def drag_handle(self, ctx, key, x, y):
        return OverlayEdit(params={"position": (x / ctx.format.width, y / ctx.format.height)})

Beyond dragging, a node may answer more gestures (each optional, each an :class:`OverlayEdit`):
:meth:`Node.overlay_click` adds something at a point (Ctrl+Alt+click, Nuke's gesture for adding a
track, or a click with the viewer's Add tool), :meth:`Node.overlay_remove` removes what a
handle stands for (Delete over the selected handle). The viewer keeps which handle is *selected*
(clicking a handle selects it; an edit's ``select`` picks one) as editor state, never saved; a node
shows a per-frame curve of the selected handle on the timeline with :meth:`Node.overlay_curve`
(a :class:`FrameCurve`: a track's confidence) and may narrow an analysis pass started from the
viewer to it with :meth:`Node.analysis_request`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

Point = tuple[float, float]
Colour = tuple[float, float, float]  # display-referred 0..1, as the artist sees it

HANDLE_COLOUR: Colour = (1.0, 0.78, 0.25)
GUIDE_COLOUR: Colour = (0.55, 0.75, 1.0)


@dataclass(frozen=True)
class Handle:
    """A point the artist can drag. ``key`` names it to the node's :meth:`drag_handle`."""

    key: str
    x: float
    y: float
    label: str = ""
    colour: Colour = HANDLE_COLOUR


@dataclass(frozen=True)
class Outline:
    """A closed polygon (a pattern box, a search area, a corner-pin quad); ``dashed`` for guides
    such as search areas. Not draggable itself: pair it with a :class:`Handle`."""

    points: tuple[Point, ...]
    colour: Colour = GUIDE_COLOUR
    dashed: bool = False
    closed: bool = True


@dataclass(frozen=True)
class Polyline:
    """An open polyline: a motion path, a curve of positions over frames."""

    points: tuple[Point, ...]
    colour: Colour = GUIDE_COLOUR
    dashed: bool = False
    closed: bool = False


Shape = Handle | Outline | Polyline


@dataclass(frozen=True)
class OverlayEdit:
    """What a drag changes, applied by the editor as one undo step (a drag's moves merge).

    ``params``: new values by parameter name; an animated parameter, or any animatable one when
    ``key`` is True, gets a keyframe at the viewed frame instead of a constant. ``state``: the
    node's whole new state (analysis results, tracks), or None to leave it. ``text`` names the
    undo step.
    """

    params: Mapping[str, Any] = field(default_factory=dict)
    state: Mapping[str, Any] | None = None
    key: bool = False
    text: str = "Move"
    select: str | None = None  # the handle selected after the edit (a track just added)


@dataclass(frozen=True)
class FrameCurve:
    """A value per frame that the timeline draws for the selected handle (0..1, e.g. a track's
    confidence): ``values`` by project frame (frames without one are gaps), frames under
    ``weak_below`` marked weak (red), ``keyed`` frames marked as keys; ``label`` names the curve."""

    values: Mapping[int, float]
    weak_below: float | None = None
    keyed: tuple[int, ...] = ()
    label: str = ""

    def weak_frames(self) -> list[int]:
        """The frames whose value is under ``weak_below``, ascending."""
        if self.weak_below is None:
            return []
        return sorted(f for f, v in self.values.items() if v < self.weak_below)


def rectangle(x: float, y: float, half_width: float, half_height: float) -> tuple[Point, ...]:
    """The four corners of an axis-aligned box centred on (x, y), clockwise from top-left."""
    return (
        (x - half_width, y - half_height),
        (x + half_width, y - half_height),
        (x + half_width, y + half_height),
        (x - half_width, y + half_height),
    )
