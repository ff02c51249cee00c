"""Position parameters that follow a track, live: declared with ``follows_track``, applied by the
engine, baked to keyframes only when the artist asks.

A node declares ``VectorParam("position", (0.5, 0.85), follows_track=FollowTrack(units=Units.FRAME))``
and gets, with no code of its own:

- an optional Track input (``FollowTrack.input``, "track" unless named; several positions may share
  one), and the parameters ``position_track`` (the track's name; empty: the position does not
  follow) and, for a relative link, ``position_track_frame`` (the reference frame);
- at every frame the engine evaluates the node, ``ctx.params.position`` is the *followed* value:
  relative, the parameter's own value plus how far the track moved from the reference frame to this
  frame (place the title next to the actor at the reference frame and it stays there); absolute,
  the track's position itself (a corner pinned to a track), at this frame or, with ``at_frame``,
  at the frame an int parameter names (a corner pin's source corners). Where the track has no
  sample at this frame (it was not tracked there) the parameter keeps its own value; a reference
  frame without one is an error that says so;
- the Track input asked at this frame and the reference frame only, so re-tracking other frames
  leaves this frame cached; the frame is part of the key while a link is on (a Track value may
  hold every frame's samples).

This is how Nuke and Natron link a knob to a track: the link is saved as the track's *name* and a
graph link, so it survives save/load and follows re-tracking, and nothing is copied until
:func:`filmstudio.render.bake.bake_to_keyframes` snapshots it into keys (one undo step).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from filmstudio.core.context import EvalContext, Values
from filmstudio.core.params import FollowTrack, IntParam, Param, TextParam, Units
from filmstudio.core.timebase import Format
from filmstudio.core.track import TrackError, TrackSet

TRACK_SUFFIX = "_track"  # the parameter naming the followed track
FRAME_SUFFIX = "_track_frame"  # a relative link's reference frame


@dataclass(frozen=True)
class TrackLink:
    """One declared link: parameter ``param`` can follow a track on input ``follow.input``."""

    param: str
    follow: FollowTrack

    @property
    def name_param(self) -> str:
        return self.param + TRACK_SUFFIX

    @property
    def frame_param(self) -> str:
        return self.param + FRAME_SUFFIX

    def track_name(self, values: Mapping[str, Any]) -> str:
        """The followed track's name in ``values`` ("" when the link is off)."""
        return str(values.get(self.name_param, "")).strip()

    def reference(self, values: Mapping[str, Any]) -> int | None:
        """A relative link's reference frame, or an absolute one's fixed frame (``at_frame``);
        None where it reads the track at the frame being evaluated only."""
        if self.follow.relative:
            return int(values[self.frame_param])
        return int(values[self.follow.at_frame]) if self.follow.at_frame else None

    def frames(self, values: Mapping[str, Any], frame: int) -> tuple[int, ...]:
        """The frames whose track positions the value at ``frame`` reads."""
        reference = self.reference(values)
        if reference is None:
            return (frame,)
        return (reference,) if self.follow.at_frame else tuple(dict.fromkeys((frame, reference)))


def declare(
    inputs: Sequence[Any], params: Sequence[Any], make_input: Callable[[str], Any]
) -> tuple[tuple[Any, ...], tuple[Any, ...], tuple[TrackLink, ...]]:
    """A node class's inputs and parameters with what its ``follows_track`` parameters need added
    (each link's parameters right after its position; a Track input ``make_input(name)`` where the
    class declares none of that name), and its links. Idempotent: a subclass keeps its parent's."""
    links = tuple(
        TrackLink(p.name, p.follows_track)
        for p in params
        if isinstance(p, Param) and isinstance(p.follows_track, FollowTrack)
    )
    if not links:
        return tuple(inputs), tuple(params), ()
    declared = {p.name for p in params if isinstance(p, Param)}
    expanded: list[Any] = []
    for param in params:
        expanded.append(param)
        link = next((link for link in links if isinstance(param, Param) and link.param == param.name), None)
        if link is None:
            continue
        what = param.display_name.lower()
        if link.name_param not in declared:
            expanded.append(
                TextParam(
                    link.name_param,
                    "",
                    tooltip=f"the track the {what} follows, live (empty: it does not follow one)",
                )
            )
        if link.follow.relative and link.frame_param not in declared:
            expanded.append(
                IntParam(
                    link.frame_param,
                    1,
                    animatable=False,
                    tooltip=f"at this frame the {what} has its own value; elsewhere it moves with the track",
                )
            )
    names = {getattr(i, "name", None) for i in inputs}
    added = [make_input(n) for n in dict.fromkeys(link.follow.input for link in links) if n not in names]
    return (*inputs, *added), tuple(expanded), links


def active(links: Sequence[TrackLink], values: Mapping[str, Any]) -> list[TrackLink]:
    """The links that are on (a track is named) with these parameter values."""
    return [link for link in links if link.track_name(values)]


def requests(links: Sequence[TrackLink], ctx: EvalContext) -> dict[str, tuple[int, ...]]:
    """The frames each link's Track input is needed at: this frame and the reference frame."""
    wanted: dict[str, tuple[int, ...]] = {}
    for link in active(links, ctx.params):
        port = link.follow.input
        if not ctx.is_connected(port):
            continue  # reported when the node evaluates
        frames = link.frames(ctx.params, ctx.frame)
        wanted[port] = tuple(dict.fromkeys((*wanted.get(port, ()), *frames)))
    return wanted


def followed_value(
    link: TrackLink,
    values: Mapping[str, Any],
    frame: int,
    tracks_at: Callable[[int], TrackSet | None],
    frame_format: Format,
) -> tuple[float, float]:
    """The linked parameter's value at ``frame``, from its own value in ``values`` and the Track
    input's value at a frame (``tracks_at``; None: not connected). Raises :class:`TrackError` (the
    message names the track, what there is and what to do) when it cannot follow."""
    own = values[link.param]
    name = link.track_name(values)
    label = link.param.replace("_", " ")
    found = [tracks_at(f) for f in link.frames(values, frame)]
    if any(value is None for value in found):
        raise TrackError(
            f"the {label} follows track {name!r}, but nothing is connected to the {link.follow.input!r} "
            f"input: connect a Tracker's tracks to it, or clear {link.name_param}"
        )
    track = TrackSet().merged(*found).track(name)  # TrackNotFoundError names the tracks there are
    reference = link.reference(values)
    sample = track.samples.get(frame)
    if reference is None:
        return own if sample is None else _in_units(sample.position, link.follow.units, frame_format)
    start = track.samples.get(reference)
    if start is None:
        tracked = ", ".join(f"{a}-{b}" if a != b else f"{a}" for a, b in track.tracked_ranges()) or "none"
        setting = link.follow.at_frame or link.frame_param
        raise TrackError(
            f"the {label} follows track {name!r} at frame {reference}, where the track has no position "
            f"(tracked frames: {tracked}): track it there, or set {setting} to a tracked frame"
        )
    if link.follow.at_frame:
        return _in_units(start.position, link.follow.units, frame_format)
    if sample is None:
        return own
    dx, dy = _in_units((sample.x - start.x, sample.y - start.y), link.follow.units, frame_format)
    return (own[0] + dx, own[1] + dy)


def _in_units(pixels: tuple[float, float], units: Units, frame_format: Format) -> tuple[float, float]:
    if units is Units.FRAME:
        return (pixels[0] / frame_format.width, pixels[1] / frame_format.height)
    return (float(pixels[0]), float(pixels[1]))


def apply(links: Sequence[TrackLink], ctx: EvalContext) -> None:
    """Give ``ctx`` (with its inputs) the followed values of its linked parameters; the engine calls
    this right before ``evaluate``."""
    on = active(links, ctx.params)
    if not on:
        return
    changed = Values(ctx.params)
    for link in on:
        port = link.follow.input
        connected = ctx.is_connected(port)

        def tracks_at(frame: int, port: str = port, connected: bool = connected) -> TrackSet | None:
            return _track_set(ctx.input(port, frame)) if connected else None

        changed[link.param] = followed_value(link, ctx.params, ctx.frame, tracks_at, ctx.format)
    ctx.params = changed


def _track_set(value: Any) -> TrackSet:
    if value is None:
        return TrackSet()
    if not isinstance(value, TrackSet):
        raise TrackError(
            f"a Track input carries a {type(value).__name__}, not tracks: connect a Tracker's tracks"
        )
    return value
