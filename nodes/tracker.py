"""Tracker: named point tracks over footage, for match-moving, stabilising and corner pins.

Tracks live in the node's state in the layout of :class:`filmstudio.api.TrackSet` (``tracks``: each
track's pattern/search sizes; ``frames``: per-frame samples). The artist places a track (a keyframe)
in the viewer or from a script, then the analysis pass tracks it forward, backward or over a range
(``filmstudio analyse``, Analyse in the editor, ``project.analyse``). Rendering reads the results per
frame, so re-tracking some frames changes only those frames' cache keys.

Scripting (``Node.scripting``: called on the node, ``tracker.add_track("A", 320, 180)``): the
methods below edit the node through its undoable ``replace_state``. They are methods of the node
type, reached from any Tracker node, because a track is state of one node and the node type is
what knows that state's layout (a NodeInstance stays generic).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from filmstudio.api import (
    LOW_CONFIDENCE_ACTIONS,
    MATCH_MODES,
    MOTION_MODELS,
    TRACK_CHANNELS,
    TRACK_METHODS,
    ChoiceParam,
    Device,
    EvalContext,
    FloatParam,
    FrameCurve,
    Handle,
    Input,
    Node,
    Outline,
    Output,
    OverlayEdit,
    ParameterError,
    Polyline,
    PortType,
    Track,
    TrackingPass,
    TrackSample,
    TrackSet,
    rectangle,
    reseed_frames,
)
from filmstudio_nodes.tracker_pass import TrackerPass

_KEYED = (1.0, 0.78, 0.25)
_TRACKED = (0.45, 0.95, 0.5)
_WEAK = (1.0, 0.3, 0.25)
_UNTRACKED = (0.6, 0.6, 0.6)
PATTERN, SEARCH = 21, 61  # a new track's pattern and search box sides, pixels


class Tracker(Node):
    """Tracks small patterns through the ``source`` footage; outputs the tracks (``tracks``) and
    the footage unchanged (``image``).

    Each track has a pattern box (what is followed) and a search box (how far it may move per
    frame). ``method``: "pattern" is the precise libmv-like tracker (sub-pixel, with the ``motion``
    model); "box (MIL)" follows loose subjects whose look changes. ``match``: compare with the last
    keyframe (no drift) or the previous frame (follows changes of look). ``channel``: the picture
    tracked. Frames whose correlation falls under ``min_confidence`` are flagged weak, and
    ``on_low_confidence`` decides what tracking does then (AE's choices).
    """

    id = "Tracker"
    category = "Transform"
    description = "Track points through footage for match-moving, stabilising and corner pins."
    inputs = (Input("source", PortType.IMAGE),)
    outputs = (Output("image", PortType.IMAGE), Output("tracks", PortType.TRACK))
    params = (
        ChoiceParam(
            "method", TRACK_METHODS, "pattern", tooltip="pattern: precise; box (MIL): loose subjects"
        ),
        ChoiceParam("motion", MOTION_MODELS, "translation", tooltip="how the pattern may change shape"),
        ChoiceParam("match", MATCH_MODES, "keyframe", tooltip="what each frame's pattern is compared with"),
        ChoiceParam("channel", TRACK_CHANNELS, "luminance", tooltip="the picture the tracker reads"),
        FloatParam(
            "min_confidence",
            0.7,
            animatable=False,
            minimum=0.0,
            maximum=1.0,
            tooltip="correlation under which a frame is weak",
        ),
        ChoiceParam(
            "on_low_confidence",
            LOW_CONFIDENCE_ACTIONS,
            "extrapolate",
            tooltip="a weak frame: extrapolate the motion until found again, continue, or stop",
        ),
    )
    device = Device.CPU  # OpenCV work on the CPU pool
    analysis_state = "frames"
    scripting = ("add_track", "move_track", "remove_track", "tracks", "positions", "retrack")

    # --- rendering -------------------------------------------------------------------------------

    def state_for_frame(self, ctx: EvalContext) -> Any:
        # the track definitions and this frame's samples: re-tracking other frames keeps it cached
        entry = (ctx.state.get("frames") or {}).get(str(ctx.frame))
        return {"tracks": ctx.state.get("tracks") or {}, "frames": {str(ctx.frame): entry} if entry else {}}

    def evaluate(self, ctx: EvalContext) -> Any:
        return {"image": ctx.input("source"), "tracks": TrackSet.from_json(self.state_for_frame(ctx))}

    # --- tracking --------------------------------------------------------------------------------

    def analyze(self, ctx: EvalContext, carry: Any) -> tuple[Any, Any]:
        source = ctx.input("source")
        entry = (ctx.state.get("frames") or {}).get(str(ctx.frame))
        if source is None:
            return entry, carry
        first = not isinstance(carry, TrackerPass)
        tracking = TrackerPass.start(ctx, carry, source) if first else carry
        return tracking.step(ctx, source, first), tracking

    # --- viewer ----------------------------------------------------------------------------------

    def overlay(self, ctx: EvalContext) -> Sequence[Any]:
        """Per track: its path, search box (dashed), pattern box and a centre handle to drag;
        weak frames red, keyframes gold."""
        tracks = TrackSet.from_json(ctx.state)
        shapes: list[Any] = []
        for track in tracks.tracks.values():
            sample, colour = _shown(tracks, track, ctx.frame, ctx.params.min_confidence)
            if sample is None:
                continue
            path = tuple(s.position for s in track.samples.values())
            if len(path) > 1:
                shapes.append(Polyline(path, colour=_UNTRACKED))
            half = track.search / 2.0
            shapes.append(Outline(rectangle(sample.x, sample.y, half, half), colour=colour, dashed=True))
            shapes.append(Outline(sample.corners, colour=colour))
            shapes.append(Handle(track.name, sample.x, sample.y, label=track.name, colour=colour))
        return shapes

    def drag_handle(self, ctx: EvalContext, key: str, x: float, y: float) -> OverlayEdit | None:
        """Moving a track makes the viewed frame one of its keyframes (re-track to follow it)."""
        tracks = TrackSet.from_json(ctx.state)
        if key not in tracks:
            return None
        state = _keyed(ctx.state, tracks, key, ctx.frame, x, y)
        return OverlayEdit(state=state, text=f"Move track {key}")

    def overlay_click(self, ctx: EvalContext, x: float, y: float) -> OverlayEdit | None:
        """Ctrl+Alt+click (Nuke's gesture) adds the next ``trackN``, keyed at the viewed frame with
        the default pattern and search boxes; it is selected, so the click's drag goes on placing it."""
        tracks = TrackSet.from_json(ctx.state)
        name = next(f"track{n}" for n in range(1, len(tracks) + 2) if f"track{n}" not in tracks)
        state = _with_new_track(ctx.state, tracks, name, x, y, PATTERN, SEARCH, ctx.frame)
        return OverlayEdit(state=state, text=f"Add track {name}", select=name)

    def overlay_remove(self, ctx: EvalContext, key: str) -> OverlayEdit | None:
        tracks = TrackSet.from_json(ctx.state)
        if key not in tracks:
            return None
        return OverlayEdit(
            state={**ctx.state, **tracks.without_track(key).to_json()}, text=f"Remove track {key}"
        )

    def overlay_curve(self, ctx: EvalContext, key: str | None) -> FrameCurve | None:
        """The selected track's confidence per frame; weak under ``min_confidence``, keyframes marked."""
        tracks = TrackSet.from_json(ctx.state)
        if key is None or key not in tracks:
            return None
        track = tracks.track(key)
        values = {frame: sample.confidence for frame, sample in track.samples.items()}
        return FrameCurve(values, ctx.params.min_confidence, track.keyframes(), f"{key} confidence")

    def analysis_request(self, ctx: EvalContext, key: str | None) -> Any:
        """Tracking from the viewer follows the selected track only (Blender's and Nuke's habit);
        with none selected, every track. A pass with nothing to start from is refused: it would
        change nothing, silently."""
        tracks = TrackSet.from_json(ctx.state)
        if not len(tracks):
            raise ParameterError(f"{ctx.node_name} has no tracks: add one in the viewer (Ctrl+Alt+click)")
        names = (key,) if key in tracks else tracks.names()
        if all(tracks.sample(name, ctx.frame) is None for name in names):
            which = f"track {key} has no position" if key in tracks else "no track has a position"
            raise ParameterError(
                f"{ctx.node_name}: {which} at frame {ctx.frame} to track from: drag it into place "
                "there (a keyframe), or go to a frame where it was tracked"
            )
        return TrackingPass((key,)) if key in tracks else None

    # --- scripting (Node.scripting) --------------------------------------------------------------

    def add_track(
        self,
        node: Any,
        name: str,
        x: float,
        y: float,
        pattern: int = PATTERN,
        search: int = SEARCH,
        frame: int | None = None,
    ) -> None:
        """Add track ``name`` keyed at (``x``, ``y``) image pixels at ``frame`` (default: the
        project's first frame), with ``pattern`` and ``search`` box sides in pixels."""
        tracks = TrackSet.from_json(node.state)
        if name in tracks:
            raise ParameterError(f"{node.name} already has a track named {name!r}: pick another name")
        node.replace_state(
            _with_new_track(node.state, tracks, name, x, y, pattern, search, _frame(node, frame))
        )

    def move_track(self, node: Any, name: str, x: float, y: float, frame: int | None = None) -> None:
        """Place track ``name`` at (``x``, ``y``) at ``frame``: a keyframe, as a drag in the viewer."""
        tracks = TrackSet.from_json(node.state)
        tracks.track(name)
        node.replace_state(_keyed(node.state, tracks, name, _frame(node, frame), x, y))

    def remove_track(self, node: Any, name: str) -> None:
        tracks = TrackSet.from_json(node.state)
        node.replace_state({**node.state, **tracks.without_track(name).to_json()})

    def tracks(self, node: Any) -> TrackSet:
        """Every track of the node with all its samples."""
        return TrackSet.from_json(node.state)

    def positions(self, node: Any, name: str) -> dict[int, tuple[float, float, float]]:
        """Track ``name``'s samples: ``{frame: (x, y, confidence)}``, image pixels."""
        track = TrackSet.from_json(node.state).track(name)
        return {frame: (s.x, s.y, s.confidence) for frame, s in track.samples.items()}

    def retrack(self, node: Any, name: str, frame: int, frames: Iterable[int] | None = None) -> None:
        """Re-track ``name`` from its keyframe at ``frame`` up to the neighbouring keyframes (see
        :func:`filmstudio.core.track.reseed_frames`), forward then backward; with ``frames``, track
        forward over those frames instead."""
        project = node.project
        if project is None:
            raise ParameterError(f"{node.name} is not in a project: add it to one to track")
        request = TrackingPass((name,))
        if frames is not None:
            project.analyse(node, list(frames), carry=request)
            return
        forward, backward = reseed_frames(TrackSet.from_json(node.state).track(name), frame)
        if forward:
            project.analyse(node, forward, carry=request)
        if backward:
            project.analyse(node, backward, reverse=True, carry=request)


def _frame(node: Any, frame: int | None) -> int:
    if frame is not None:
        return int(frame)
    project = node.project
    if project is None:
        raise ParameterError(f"{node.name} is not in a project: give the frame")
    return int(project.settings.frame_range.first)


def _with_new_track(
    state: Any, tracks: TrackSet, name: str, x: float, y: float, pattern: int, search: int, frame: int
) -> dict[str, Any]:
    """``state`` with a new track ``name`` keyed at (x, y) at ``frame``."""
    sample = TrackSample.square(x, y, int(pattern), keyed=True)
    track = Track(str(name), int(pattern), int(search), {frame: sample})
    return {**state, **tracks.with_track(track).to_json()}


def _keyed(state: Any, tracks: TrackSet, name: str, frame: int, x: float, y: float) -> dict[str, Any]:
    """``state`` with track ``name`` keyed at (x, y) at ``frame``; only that frame's entry changes."""
    track = tracks.track(name)
    shape = track.samples.get(frame) or _nearest(track, frame) or TrackSample.square(x, y, track.pattern)
    placed = replace(shape.moved_to(x, y), confidence=1.0, keyed=True)
    frames = dict(state.get("frames") or {})
    entry = dict(frames.get(str(frame)) or {})
    entry[name] = placed.to_json()
    frames[str(frame)] = entry
    return {**state, "frames": dict(sorted(frames.items(), key=lambda item: int(item[0])))}


def _nearest(track: Track, frame: int) -> TrackSample | None:
    if not track.samples:
        return None
    return track.samples[min(track.samples, key=lambda f: abs(f - frame))]


def _shown(tracks: TrackSet, track: Track, frame: int, weak_below: float) -> tuple[TrackSample | None, Any]:
    """The sample to draw at ``frame`` and its colour: a tracked/keyed one, else (grey) where the
    track would be, so it can be dragged there to key it."""
    sample = track.samples.get(frame)
    if sample is not None:
        colour = _KEYED if sample.keyed else _WEAK if sample.confidence < weak_below else _TRACKED
        return sample, colour
    nearest = _nearest(track, frame)
    if nearest is None:
        return None, _UNTRACKED
    position = tracks.position(track.name, frame, interpolate=True) or nearest.position
    return nearest.moved_to(*position, keyed=False), _UNTRACKED
