"""Subtitles from a screenplay: a cue per dialogue line, on the frames of the Script's timing model.

Each cue keeps its dialogue element's id (so a translation or a voice keeps to the line), its
speaker and the line's text broken into lines no longer than ``max_line_length`` where it can
be (two balanced lines when one is too long; more only when two cannot hold it, which the lint
then reports). Lines the timing model gives no frames (cut off by a short shot) get no cue. A
cue that would touch the next one ends ``min_gap`` frames earlier, as subtitle rules ask, when
that leaves it a frame at least.
"""

from __future__ import annotations

import re
import textwrap
from fractions import Fraction

from filmstudio.script import DEFAULT_READING_WPM, Script
from filmstudio.subtitles.cues import Cue, Subtitles

_NOTE = re.compile(r"\[\[.*?\]\]", re.DOTALL)  # Fountain notes are for the writers, not the audience
_EMPHASIS = re.compile(r"(?<!\\)(\*{1,3}|_)(?=\S)(.+?)(?<=\S)(?<!\\)\1")  # *italic*, **bold**, _underline_


def plain_text(text: str) -> str:
    """A dialogue element's text as a viewer reads it: notes and emphasis marks removed, one line."""
    text = _NOTE.sub(" ", text)
    previous = None
    while previous != text:  # nested emphasis (***bold italic***, *_mixed_*) comes off layer by layer
        previous, text = text, _EMPHASIS.sub(r"\2", text)
    text = text.replace("\\*", "*").replace("\\_", "_")
    return " ".join(text.split())


def break_lines(text: str, max_line_length: int) -> tuple[str, ...]:
    """``text`` as subtitle lines: one when it fits; else the most balanced break into two that
    fits (the bottom line the longer on a tie, as the eye prefers); else as many lines as needed."""
    if len(text) <= max_line_length:
        return (text,)
    words = text.split(" ")
    best: tuple[str, str] | None = None
    for cut in range(1, len(words)):
        top, bottom = " ".join(words[:cut]), " ".join(words[cut:])
        if len(top) > max_line_length or len(bottom) > max_line_length:
            continue
        if (
            best is None
            or abs(len(top) - len(bottom)) < abs(len(best[0]) - len(best[1]))
            or (
                abs(len(top) - len(bottom)) == abs(len(best[0]) - len(best[1])) and len(bottom) > len(best[1])
            )
        ):
            best = (top, bottom)
    if best is not None:
        return best
    return tuple(textwrap.wrap(text, max_line_length, break_long_words=False, break_on_hyphens=False))


def cues_from_script(
    script: Script,
    fps: Fraction | int,
    start_frame: int = 1,
    reading_speed_wpm: int = DEFAULT_READING_WPM,
    max_line_length: int = 42,
    min_gap: int = 2,
    language: str = "",
) -> Subtitles:
    """A cue per timed dialogue line of ``script`` starting at ``start_frame`` (see the module)."""
    timing = script.timing(fps, start_frame, reading_speed_wpm)
    timed = [line for line in timing.lines if line.end > line.first]
    cues = []
    for index, line in enumerate(timed):
        text = plain_text(line.line.text)
        if not text:
            continue
        end = line.end
        if index + 1 < len(timed):
            closest = timed[index + 1].first - min_gap
            if end > closest and closest > line.first:
                end = closest
        cues.append(
            Cue(line.first, end, break_lines(text, max_line_length), line.line.speaker, "", line.line.id)
        )
    return Subtitles(tuple(cues), Fraction(fps), language)
