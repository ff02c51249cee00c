"""Track data: what flows on :attr:`PortType.TRACK` — named point tracks with per-frame samples.

The contract (Tracker produces it; Transform match-move/stabilise, CornerPin, the viewer overlay,
the timeline's confidence curve and SAM2 prompts consume it):

- A :class:`TrackSet` holds named :class:`Track` s in a stable order (``names()``). A track has a
  ``pattern`` and a ``search`` size (odd side lengths in full-resolution image pixels) and
  per-frame :class:`TrackSample` s keyed by *project* frame number.
- A sample is the sub-pixel centre ``(x, y)`` in full-resolution image pixels of the project format
  (origin at the top-left *edge*, x right, y down: pixel ``(i, j)`` spans ``i..i+1`` and
  ``j..j+1``, its centre is ``(i + 0.5, j + 0.5)``; the coordinates of
  :mod:`filmstudio.core.overlay`; OpenCV's integer pixel centres are ``x - 0.5``), the
  pattern's four ``corners`` (clockwise from top-left as first placed; they rotate/scale/skew with
  the motion model), the ``confidence`` of the match (normalised correlation clipped to 0..1; 1 for a
  keyframe) and ``keyed``: True where the artist placed the track (a keyframe), False where it was
  tracked. A frame with no sample was not tracked (or tracking stopped there).
- Values are frozen and compare by value; every change returns a new set. ``to_json`` /
  ``from_json`` round-trip exactly (floats are written with ``repr`` precision by :mod:`json`).

The JSON layout is the Tracker node's saved state, so a set is read straight from a node::

    {"tracks": {"A": {"pattern": 21, "search": 61}},
     "frames": {"12": {"A": {"x": 100.25, "y": 50.5, "confidence": 0.97, "keyed": false,
                              "corners": [[90.25, 40.5], [110.25, 40.5], [110.25, 60.5], [90.25, 60.5]]}}}}

Results are keyed per frame (``"frames"``), as Deflicker's measurements are: re-tracking some
frames replaces only those frames' entries, so only their cache keys change.

What flows on a Tracker's Track output at frame *f* is the set restricted to frame *f* (all track
definitions, the samples at *f*): a consumer that needs other frames (a reference frame, a
smoothing window) asks for its Track input at those frames in :meth:`Node.requests` and combines
the values with :meth:`TrackSet.merged`. Gaps are never filled silently: :meth:`TrackSet.position`
interpolates only when asked (``interpolate=True``), and may treat weak samples as gaps
(``min_confidence``).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from filmstudio.core.errors import FilmStudioError

Point = tuple[float, float]
Corners = tuple[Point, Point, Point, Point]

DEFAULT_PATTERN = 21
DEFAULT_SEARCH = 61


class TrackError(FilmStudioError, ValueError):
    """Track data is malformed (a hand-edited project), or a size is not usable."""


class TrackNotFoundError(TrackError, KeyError):
    """A consumer asked for a track that the set does not have (renamed or deleted)."""

    def __init__(self, name: str, known: Iterable[str]) -> None:
        self.name = name
        self.known = tuple(known)
        super().__init__(name)

    def __str__(self) -> str:
        have = ", ".join(self.known) or "none"
        return (
            f"there is no track named {self.name!r} (tracks: {have}): pick an existing track, "
            "or add it again in the Tracker"
        )


@dataclass(frozen=True)
class TrackSample:
    """One track at one frame: centre, pattern corners, confidence (0..1), keyed (a user keyframe).
    Image pixels of the project format at full resolution."""

    x: float
    y: float
    corners: Corners
    confidence: float = 1.0
    keyed: bool = False

    @classmethod
    def square(
        cls, x: float, y: float, size: int, *, confidence: float = 1.0, keyed: bool = False
    ) -> TrackSample:
        """A sample whose pattern is an axis-aligned ``size`` x ``size`` box centred on (x, y)."""
        half = size / 2.0
        corners = ((x - half, y - half), (x + half, y - half), (x + half, y + half), (x - half, y + half))
        return cls(float(x), float(y), corners, float(confidence), keyed)

    @property
    def position(self) -> Point:
        return (self.x, self.y)

    def moved_to(self, x: float, y: float, *, keyed: bool | None = None) -> TrackSample:
        """The same pattern shape translated so its centre is (x, y)."""
        dx, dy = x - self.x, y - self.y
        corners = tuple((cx + dx, cy + dy) for cx, cy in self.corners)
        return replace(
            self, x=float(x), y=float(y), corners=corners, keyed=self.keyed if keyed is None else keyed
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "x": self.x,
            "y": self.y,
            "confidence": self.confidence,
            "keyed": self.keyed,
            "corners": [list(c) for c in self.corners],
        }

    @classmethod
    def from_json(cls, data: Any) -> TrackSample:
        try:
            corners = tuple((float(c[0]), float(c[1])) for c in data["corners"])
            if len(corners) != 4:
                raise ValueError("a pattern has 4 corners")
            return cls(
                float(data["x"]),
                float(data["y"]),
                corners,  # type: ignore[arg-type]
                float(data.get("confidence", 1.0)),
                bool(data.get("keyed", False)),
            )
        except (KeyError, TypeError, ValueError, IndexError) as error:
            raise TrackError(f"a track sample is malformed ({error}): {data!r:.120}") from None


@dataclass(frozen=True)
class Track:
    """One named track: pattern/search sizes and its samples by project frame (read-only mapping)."""

    name: str
    pattern: int = DEFAULT_PATTERN
    search: int = DEFAULT_SEARCH
    samples: Mapping[int, TrackSample] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise TrackError("a track needs a name")
        for what, size in (("pattern", self.pattern), ("search", self.search)):
            if not isinstance(size, int) or isinstance(size, bool) or size < 3:
                raise TrackError(
                    f"track {self.name!r}: the {what} size must be 3 pixels or more, not {size!r}"
                )
        if self.search < self.pattern:
            raise TrackError(
                f"track {self.name!r}: the search area ({self.search} px) must be at least as large as "
                f"the pattern ({self.pattern} px)"
            )
        ordered = dict(sorted(self.samples.items()))
        object.__setattr__(self, "samples", MappingProxyType(ordered))

    def __reduce__(self) -> tuple[Any, ...]:  # mapping proxies do not pickle (farm workers do)
        return (Track, (self.name, self.pattern, self.search, dict(self.samples)))

    def frames(self) -> tuple[int, ...]:
        """Frames with a sample, ascending."""
        return tuple(self.samples)

    def keyframes(self) -> tuple[int, ...]:
        """Frames the artist placed the track at, ascending."""
        return tuple(f for f, s in self.samples.items() if s.keyed)

    def neighbouring_keyframes(self, frame: int) -> tuple[int | None, int | None]:
        """The nearest keyframes strictly before and after ``frame`` (None where there is none):
        re-seeding at ``frame`` re-tracks only the frames between them."""
        keys = self.keyframes()
        at = bisect.bisect_left(keys, frame)
        before = keys[at - 1] if at > 0 else None
        after_at = at + 1 if at < len(keys) and keys[at] == frame else at
        return before, keys[after_at] if after_at < len(keys) else None

    def tracked_ranges(self) -> list[tuple[int, int]]:
        """Runs of consecutive frames with samples, as (first, last) pairs."""
        runs: list[tuple[int, int]] = []
        for frame in self.samples:
            if runs and runs[-1][1] == frame - 1:
                runs[-1] = (runs[-1][0], frame)
            else:
                runs.append((frame, frame))
        return runs


@dataclass(frozen=True)
class TrackSet:
    """The value on a Track port: named tracks in order. See the module docstring for the contract."""

    tracks: Mapping[str, Track] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, track in self.tracks.items():
            if track.name != name:
                raise TrackError(f"track {track.name!r} is filed under the name {name!r}")
        object.__setattr__(self, "tracks", MappingProxyType(dict(self.tracks)))

    def __reduce__(self) -> tuple[Any, ...]:
        return (TrackSet, (dict(self.tracks),))

    @classmethod
    def of(cls, tracks: Iterable[Track]) -> TrackSet:
        return cls({t.name: t for t in tracks})

    # --- reading ----------------------------------------------------------------------------------

    def names(self) -> tuple[str, ...]:
        return tuple(self.tracks)

    def __contains__(self, name: object) -> bool:
        return name in self.tracks

    def __len__(self) -> int:
        return len(self.tracks)

    def track(self, name: str) -> Track:
        """The track called ``name``; :class:`TrackNotFoundError` (says what to do) when missing."""
        try:
            return self.tracks[name]
        except KeyError:
            raise TrackNotFoundError(name, self.tracks) from None

    def frames(self, name: str) -> tuple[int, ...]:
        """Frames where track ``name`` has a sample, ascending."""
        return self.track(name).frames()

    def sample(self, name: str, frame: int) -> TrackSample | None:
        return self.track(name).samples.get(frame)

    def position(
        self, name: str, frame: int, *, interpolate: bool = False, min_confidence: float = 0.0
    ) -> Point | None:
        """Track ``name``'s centre at ``frame``, or None where it has none.

        Samples below ``min_confidence`` count as missing. With ``interpolate``, a frame inside a
        gap gets the straight-line position between the nearest usable samples on either side;
        frames before the first or after the last usable sample stay None (never extrapolated)."""
        track = self.track(name)
        sample = track.samples.get(frame)
        if sample is not None and sample.confidence >= min_confidence:
            return sample.position
        if not interpolate:
            return None
        usable = [f for f, s in track.samples.items() if s.confidence >= min_confidence]
        at = bisect.bisect_left(usable, frame)
        if at == 0 or at >= len(usable):
            return None
        f0, f1 = usable[at - 1], usable[at]
        (x0, y0), (x1, y1) = track.samples[f0].position, track.samples[f1].position
        t = (frame - f0) / (f1 - f0)
        return (x0 + (x1 - x0) * t, y0 + (y1 - y0) * t)

    # --- making new sets --------------------------------------------------------------------------

    def with_track(self, track: Track) -> TrackSet:
        """This set with ``track`` added, or replacing the track of the same name (same place)."""
        tracks = dict(self.tracks)
        tracks[track.name] = track
        return TrackSet(tracks)

    def without_track(self, name: str) -> TrackSet:
        self.track(name)
        return TrackSet({n: t for n, t in self.tracks.items() if n != name})

    def with_sample(self, name: str, frame: int, sample: TrackSample | None) -> TrackSet:
        """Track ``name`` with its sample at ``frame`` replaced (None removes it)."""
        track = self.track(name)
        samples = dict(track.samples)
        if sample is None:
            samples.pop(frame, None)
        else:
            samples[frame] = sample
        return self.with_track(replace(track, samples=samples))

    def at_frames(self, frames: Iterable[int]) -> TrackSet:
        """Every track definition, with only the samples at ``frames`` (a Tracker output's value)."""
        wanted = set(frames)
        return TrackSet(
            {
                n: replace(t, samples={f: s for f, s in t.samples.items() if f in wanted})
                for n, t in self.tracks.items()
            }
        )

    def merged(self, *others: TrackSet) -> TrackSet:
        """One set from several (e.g. a Track input asked at several frames): tracks keep their
        first-seen order; for the same track and frame, the later set's sample wins."""
        tracks: dict[str, Track] = dict(self.tracks)
        for other in others:
            for name, track in other.tracks.items():
                if name in tracks:
                    samples = {**tracks[name].samples, **track.samples}
                    tracks[name] = replace(track, samples=samples)
                else:
                    tracks[name] = track
        return TrackSet(tracks)

    # --- JSON (the Tracker's saved state) ----------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        frames: dict[int, dict[str, Any]] = {}
        for name, track in self.tracks.items():
            for frame, sample in track.samples.items():
                frames.setdefault(frame, {})[name] = sample.to_json()
        return {
            "tracks": {n: {"pattern": t.pattern, "search": t.search} for n, t in self.tracks.items()},
            "frames": {str(f): frames[f] for f in sorted(frames)},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> TrackSet:
        """The set stored in ``data`` (a Tracker's state); samples of unknown tracks are ignored
        (a track deleted while a pass ran)."""
        if not data:
            return cls()
        try:
            definitions = dict(data.get("tracks") or {})
            frames = dict(data.get("frames") or {})
        except (TypeError, ValueError, AttributeError):
            raise TrackError(
                f"track data must be an object with 'tracks' and 'frames', not {data!r:.80}"
            ) from None
        samples: dict[str, dict[int, TrackSample]] = {name: {} for name in definitions}
        for frame_text, entry in frames.items():
            try:
                frame = int(frame_text)
            except ValueError:
                raise TrackError(f"track data has a frame that is not a number: {frame_text!r}") from None
            for name, sample in (entry or {}).items():
                if name in samples:
                    samples[name][frame] = TrackSample.from_json(sample)
        tracks = {}
        for name, spec in definitions.items():
            spec = spec or {}
            pattern = spec.get("pattern", DEFAULT_PATTERN)
            search = spec.get("search", DEFAULT_SEARCH)
            tracks[name] = Track(name, pattern, search, samples[name])
        return cls(tracks)


@dataclass(frozen=True)
class TrackingPass:
    """What one analysis pass of a Tracker tracks: given as the pass's ``carry``
    (``engine.analyze(tracker, frames, reverse=True, carry=TrackingPass(("A",)))``). The direction
    is the pass's frame order. Without one, a pass tracks every track."""

    names: tuple[str, ...] = ()  # empty: every track


def reseed_frames(track: Track, frame: int) -> tuple[list[int], list[int]]:
    """The two passes that re-track ``track`` after the artist keyed it at ``frame``: forward
    from ``frame`` to the next keyframe and backward to the previous one, each pass starting at
    ``frame`` (its seed). With no keyframe on a side, the pass reaches as far as the track had
    samples on that side (they are stale now), and is empty when it had none. Frames outside the
    neighbouring keyframes are left alone, so their cache entries stay valid."""
    before, after = track.neighbouring_keyframes(frame)
    later = [f for f in track.samples if f > frame]
    earlier = [f for f in track.samples if f < frame]
    last = after if after is not None else (max(later) if later else frame)
    first = before if before is not None else (min(earlier) if earlier else frame)
    forward = list(range(frame, last + 1)) if last > frame else []
    backward = list(range(first, frame + 1)) if first < frame else []
    return forward, backward
