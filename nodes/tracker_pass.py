"""One Tracker analysis pass, frame by frame: what the pass carries and how each frame's results
are made from the node's state and the tracker's findings.

A pass runs in its frames' order (forward, or backward with ``reverse``). At its first frame each
chosen track that has a sample there is seeded from it; then, each frame, the tracker follows the
seeded tracks into the frame, and a keyframe of a track (placed by the artist) re-seeds it, staying
exactly as placed. Only the chosen tracks' entries change; a track that stops (on a weak frame,
when told to) loses the older, stale samples the pass would have replaced.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from filmstudio.api import EvalContext, ParameterError, TrackerSettings, TrackingPass, TrackSet

_CHANNEL_INDEX = {"luminance": None, "red": 0, "green": 1, "blue": 2}


@dataclass
class TrackerPass:
    """What an analysis pass carries from frame to frame (lives on the job's thread)."""

    names: tuple[str, ...]
    tracker: Any  # PatternTracker or BoxTracker
    channel: int | None
    followed: set[str] = field(default_factory=set)  # tracks this pass has tracked so far

    @classmethod
    def start(cls, ctx: EvalContext, request: Any, source: Any) -> TrackerPass:
        """The pass at its first frame; ``request`` is the pass's first carry (a TrackingPass or
        None: every track)."""
        tracks = TrackSet.from_json(ctx.state)
        if request is not None and not isinstance(request, TrackingPass):
            raise ParameterError(f"a Tracker pass is asked with a TrackingPass, not {type(request).__name__}")
        names = tracks.names() if request is None or not request.names else request.names
        missing = [n for n in names if n not in tracks]
        if missing:
            raise ParameterError(
                f"{ctx.node_name} has no track named {', '.join(map(repr, missing))} "
                f"(tracks: {', '.join(tracks.names()) or 'none'}): add it first"
            )
        # the trackers load OpenCV: imported here, so listing nodes stays light
        from filmstudio.api import BoxTracker, PatternTracker, contrast_channel

        p = ctx.params
        settings = TrackerSettings(
            motion=p.motion, match=p.match, min_confidence=p.min_confidence, on_low=p.on_low_confidence
        )
        tracker = BoxTracker(settings) if p.method == "box (MIL)" else PatternTracker(settings)
        channel = _CHANNEL_INDEX.get(p.channel)
        if p.channel == "highest contrast":
            boxes = []
            for name in names:
                sample = tracks.sample(name, ctx.frame)
                if sample is not None:
                    xs, ys = zip(*sample.corners, strict=True)
                    boxes.append((min(xs), min(ys), max(xs), max(ys)))
            channel = contrast_channel(source, boxes) if boxes else None
        return cls(tuple(names), tracker, channel)

    def step(self, ctx: EvalContext, source: Any, first: bool) -> dict[str, Any]:
        """Track into this frame; returns the frame's new entry of the ``frames`` state (every
        track's sample JSON here, the chosen tracks' replaced)."""
        tracks = TrackSet.from_json({"tracks": ctx.state.get("tracks"), "frames": _frame_only(ctx)})
        entry = dict((ctx.state.get("frames") or {}).get(str(ctx.frame)) or {})
        from filmstudio.api import tracking_grey

        grey = tracking_grey(source, self.channel)
        found = self.tracker.advance(grey)
        for name in self.names:
            track = tracks.track(name)
            placed = track.samples.get(ctx.frame)
            if placed is not None and (placed.keyed or (first and name not in found)):
                # a keyframe re-seeds the track, untouched; the pass's first frame seeds from
                # whatever an earlier pass left there
                self.tracker.seed(name, placed, track.pattern, track.search, grey)
                self.followed.add(name)
            elif name in found:
                entry[name] = found[name].to_json()
                self.followed.add(name)
            elif name in self.followed:
                entry.pop(name, None)  # the track stopped: what an earlier pass left is stale
        return entry


def _frame_only(ctx: EvalContext) -> dict[str, Any]:
    entry = (ctx.state.get("frames") or {}).get(str(ctx.frame))
    return {str(ctx.frame): entry} if entry else {}
