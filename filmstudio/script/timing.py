"""The timing model: where each shot, scene and dialogue line of a script falls in the project.

Times are worked out in exact seconds (:class:`~fractions.Fraction`) from the start of the script
and only then turned into frames, each boundary rounded to the nearest frame, so consecutive
ranges tile the timeline with no gaps or overlaps and never drift, whatever the frame rate
(23.976 included). Ranges are half-open: ``first <= frame < end``.

With a shot list, shots follow each other: a shot lasts its ``duration``, or the time its dialogue
takes at the reading speed, or :data:`DEFAULT_SHOT_SECONDS` when it has neither; its lines are
spoken one after the other from the start of the shot (cut off where a shorter shot ends). Without
one, scenes follow each other, and each lasts as long as reading its action and speaking its
dialogue takes (at least :data:`MIN_LINE_SECONDS`).
"""

from __future__ import annotations

import bisect
import functools
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TypeVar

from filmstudio.script.elements import DialogueLine, Element, ElementKind, Screenplay
from filmstudio.script.errors import ScriptError
from filmstudio.script.shots import Shot

DEFAULT_READING_WPM = 160  # a measured speaking pace for screen dialogue (words per minute)
DEFAULT_SHOT_SECONDS = Fraction(3)  # a shot with no duration and no dialogue
MIN_LINE_SECONDS = Fraction(1)  # even "Yes." holds long enough to be read

_ToFrame = Callable[[Fraction], int]
_WORD = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")  # don't, with either apostrophe: one word
_NOTE = re.compile(r"\[\[.*?\]\]", re.DOTALL)


@dataclass(frozen=True)
class TimedShot:
    shot: Shot
    first: int
    end: int


@dataclass(frozen=True)
class TimedScene:
    heading: Element | None  # None: what comes before the first scene heading
    first: int
    end: int


@dataclass(frozen=True)
class TimedLine:
    line: DialogueLine
    first: int
    end: int


_Timed = TypeVar("_Timed", TimedShot, TimedScene, TimedLine)


@dataclass(frozen=True)
class Current:
    """What is on screen at a frame; each is None where nothing of that kind is."""

    shot: Shot | None = None
    scene: Element | None = None
    line: DialogueLine | None = None


@dataclass(frozen=True)
class Timing:
    """Frame ranges of a script's shots, scenes and dialogue lines at ``fps`` from ``start_frame``;
    ``end`` is the frame after the last one."""

    fps: Fraction
    start_frame: int
    reading_speed_wpm: int
    shots: tuple[TimedShot, ...]
    scenes: tuple[TimedScene, ...]
    lines: tuple[TimedLine, ...]
    end: int

    @functools.cached_property
    def _firsts(self) -> tuple[list[int], list[int], list[int]]:
        return tuple([r.first for r in ranges] for ranges in (self.shots, self.scenes, self.lines))  # type: ignore[return-value]

    def at(self, frame: int) -> Current:
        """The shot, scene heading and dialogue line current at ``frame`` (a binary search)."""
        shots, scenes, lines = self._firsts
        shot = _find(self.shots, shots, frame)
        scene = _find(self.scenes, scenes, frame)
        line = _find(self.lines, lines, frame)
        return Current(
            shot.shot if shot else None,
            scene.heading if scene else None,
            line.line if line else None,
        )


def _find(ranges: Sequence[_Timed], firsts: list[int], frame: int) -> _Timed | None:
    index = bisect.bisect_right(firsts, frame) - 1
    # Ranges never overlap but may be empty (a line cut off by its shot): step back past those.
    while index >= 0 and ranges[index].first == ranges[index].end:
        index -= 1
    if index >= 0 and ranges[index].first <= frame < ranges[index].end:
        return ranges[index]
    return None


def words(text: str) -> int:
    """Words a reader reads: inline notes and Fountain emphasis marks do not count."""
    return len(_WORD.findall(_NOTE.sub(" ", text)))


def reading_seconds(text: str, wpm: int) -> Fraction:
    """How long a dialogue line takes to say at ``wpm``, at least :data:`MIN_LINE_SECONDS`."""
    return max(MIN_LINE_SECONDS, Fraction(words(text) * 60, wpm))


def compute_timing(
    screenplay: Screenplay, shots: Sequence[Shot], fps: Fraction, start_frame: int, wpm: int
) -> Timing:
    """The :class:`Timing` of a screenplay and its shot list (see the module docstring)."""
    fps = Fraction(fps)
    if fps <= 0:
        raise ScriptError(f"the frame rate must be positive to time a script, not {fps}")
    if wpm <= 0:
        raise ScriptError(f"the reading speed must be a positive number of words a minute, not {wpm}")

    def frame(seconds: Fraction) -> int:
        return start_frame + math.floor(seconds * fps + Fraction(1, 2))

    if shots:
        timed_shots, scenes, lines, total = _timed_shots(screenplay, shots, wpm, frame)
    else:
        timed_shots, (scenes, lines, total) = (), _timed_scenes(screenplay, wpm, frame)
    return Timing(fps, start_frame, wpm, tuple(timed_shots), tuple(scenes), tuple(lines), frame(total))


def _timed_shots(
    screenplay: Screenplay, shots: Sequence[Shot], wpm: int, frame: _ToFrame
) -> tuple[list[TimedShot], list[TimedScene], list[TimedLine], Fraction]:
    spoken = {line.id: line for line in screenplay.dialogue()}
    timed_shots: list[TimedShot] = []
    scenes: list[TimedScene] = []
    lines: list[TimedLine] = []
    now = Fraction(0)
    for shot in shots:
        its_lines = [spoken[i] for i in shot.dialogue if i in spoken]
        lengths = [reading_seconds(line.text, wpm) for line in its_lines]
        if shot.duration is not None:
            length = shot.duration
        else:
            length = sum(lengths, Fraction(0)) if its_lines else DEFAULT_SHOT_SECONDS
        end = now + length
        said = now
        for line, line_length in zip(its_lines, lengths, strict=True):
            stop = min(said + line_length, end)
            lines.append(TimedLine(line, frame(min(said, end)), frame(stop)))
            said = stop
        first, last = frame(now), frame(end)
        timed_shots.append(TimedShot(shot, first, last))
        heading = screenplay.element(shot.scene) if screenplay.has(shot.scene) else None
        if scenes and scenes[-1].heading == heading and scenes[-1].end == first:
            scenes[-1] = TimedScene(heading, scenes[-1].first, last)  # the scene goes on
        else:
            scenes.append(TimedScene(heading, first, last))
        now = end
    return timed_shots, scenes, lines, now


def _timed_scenes(
    screenplay: Screenplay, wpm: int, frame: _ToFrame
) -> tuple[list[TimedScene], list[TimedLine], Fraction]:
    spoken = {line.id: line for line in screenplay.dialogue()}
    scenes: list[TimedScene] = []
    lines: list[TimedLine] = []
    now = Fraction(0)
    for scene in screenplay.scenes():
        start = now
        for element in scene.elements:
            if element.id in spoken:
                length = reading_seconds(element.text, wpm)
                lines.append(TimedLine(spoken[element.id], frame(now), frame(now + length)))
                now += length
            elif element.kind is ElementKind.ACTION:
                now += Fraction(words(element.text) * 60, wpm)
        now = max(now, start + MIN_LINE_SECONDS)
        scenes.append(TimedScene(scene.heading, frame(start), frame(now)))
    return scenes, lines, now
