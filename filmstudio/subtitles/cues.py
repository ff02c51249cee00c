"""The value on a Subtitles port: cues placed on the project's frames.

A cue covers the half-open frame range ``start <= frame < end`` (as the Script timing model's
ranges do), so a cue ending at frame 48 is off screen on frame 48, and the next cue may start
there. Frames, not seconds: a subtitle file's time base (SRT and WebVTT milliseconds, ASS
centiseconds) is met only when a file or a movie is read or written (:mod:`.timebase`), so
cues never drift from the pictures whatever the frame rate.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

from filmstudio.core.errors import FilmStudioError


class SubtitleError(FilmStudioError, ValueError):
    """Subtitles that cannot be read, written or used as they are; the message says what to do."""


@dataclass(frozen=True)
class Cue:
    """One subtitle: on screen from frame ``start`` to the frame before ``end``.

    ``lines`` are the text's lines as shown (plain text: no markup), ``speaker`` who says it
    (a script's character, an ASS event's name), ``style`` a style name (ASS styles; empty: the
    default), ``id`` a stable name for the cue (a script's dialogue element id, a file's cue
    number) that translations and edits keep, so cues are never merged or split."""

    start: int
    end: int
    lines: tuple[str, ...]
    speaker: str = ""
    style: str = ""
    id: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "lines", tuple(self.lines))
        if self.end <= self.start:
            raise SubtitleError(
                f"cue {self.id or self.text!r} ends at frame {self.end}, not after its start {self.start}: "
                "a cue must last at least one frame"
            )

    @property
    def text(self) -> str:
        """The lines joined by line breaks."""
        return "\n".join(self.lines)

    @property
    def frames(self) -> int:
        return self.end - self.start

    def seconds(self, fps: Fraction) -> Fraction:
        """How long the cue is on screen at ``fps``, exactly."""
        return Fraction(self.frames) / Fraction(fps)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"start": self.start, "end": self.end, "lines": list(self.lines)}
        data.update(
            {k: v for k, v in (("speaker", self.speaker), ("style", self.style), ("id", self.id)) if v}
        )
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Cue:
        try:
            lines = data["lines"]
            if isinstance(lines, str) or not all(isinstance(line, str) for line in lines):
                raise TypeError("lines must be a list of strings")
            return cls(
                int(data["start"]),
                int(data["end"]),
                tuple(lines),
                str(data.get("speaker", "")),
                str(data.get("style", "")),
                str(data.get("id", "")),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise SubtitleError(
                f"a saved cue is damaged ({error}): the project file was edited by hand; re-read or "
                "regenerate the subtitles"
            ) from None


@dataclass(frozen=True)
class Subtitles:
    """Cues sorted by start frame, on the frames of a project at ``fps`` (what the frame numbers
    mean in seconds when the cues are written out). ``language`` is a language tag when known
    (``en``, ``fra``...; empty: unknown). Frozen: shared by threads and cached by the engine."""

    cues: tuple[Cue, ...]
    fps: Fraction
    language: str = ""
    _starts: list[int] = field(init=False, compare=False, repr=False)
    _longest: int = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "fps", Fraction(self.fps))
        if self.fps <= 0:
            raise SubtitleError(f"subtitles need a positive frame rate, not {self.fps}")
        cues = tuple(sorted(self.cues, key=lambda cue: (cue.start, cue.end)))
        object.__setattr__(self, "cues", cues)
        object.__setattr__(self, "_starts", [cue.start for cue in cues])
        object.__setattr__(self, "_longest", max((cue.frames for cue in cues), default=0))

    def __len__(self) -> int:
        return len(self.cues)

    def __iter__(self) -> Iterator[Cue]:
        return iter(self.cues)

    def at(self, frame: int) -> tuple[Cue, ...]:
        """The cues on screen at ``frame`` (usually one or none; overlapping cues all show), in
        start order. A binary search: Burn-in asks on every frame."""
        last = bisect.bisect_right(self._starts, frame)
        first = bisect.bisect_left(self._starts, frame - self._longest + 1)
        return tuple(cue for cue in self.cues[first:last] if cue.end > frame)

    def with_cues(self, cues: Iterable[Cue]) -> Subtitles:
        return replace(self, cues=tuple(cues))

    @property
    def nbytes(self) -> int:
        """About how much memory the cues hold, for the frame cache's byte budget."""
        return 200 + sum(120 + sum(len(line) for line in cue.lines) + len(cue.id) for cue in self.cues)

    def to_json(self) -> dict[str, Any]:
        fps = self.fps
        return {
            "fps": [fps.numerator, fps.denominator],
            "language": self.language,
            "cues": [cue.to_json() for cue in self.cues],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Subtitles:
        try:
            numerator, denominator = data["fps"]
            cues: Sequence[Any] = data["cues"]
            return cls(
                tuple(Cue.from_json(cue) for cue in cues),
                Fraction(int(numerator), int(denominator)),
                str(data.get("language", "")),
            )
        except (KeyError, TypeError, ValueError, ZeroDivisionError) as error:
            if isinstance(error, SubtitleError):
                raise
            raise SubtitleError(
                f"saved subtitles are damaged ({error}): the project file was edited by hand; re-read "
                "or regenerate them"
            ) from None
