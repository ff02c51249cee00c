"""Subtitles: cues on the project's frames, subtitle files, lint, cues from a script.

Pure Python above :mod:`filmstudio.core` and :mod:`filmstudio.script` (no Qt, no torch, no
PyAV). The scripting API::

    from filmstudio.subtitles import read_subtitles, write_subtitles, lint
    subtitles = read_subtitles("pilot.srt", fps=Fraction(24000, 1001))
    for issue in lint(subtitles):
        print(issue)
    write_subtitles(subtitles, "pilot.ass")

- :class:`Cue` and :class:`Subtitles` (what a Subtitles port carries), :class:`SubtitleError`;
- :func:`read_subtitles` / :func:`write_subtitles`: SRT, WebVTT, ASS/SSA, frame-exact
  (:mod:`.timebase` has the rounding rule);
- :func:`lint` with :class:`LintRules` (Netflix's English rules by default);
- :func:`cues_from_script`: a cue per dialogue line of a Script, on its timing model's frames;
- :func:`subtitle_font`: the font the Burn-in node draws with unless told otherwise.
"""

from __future__ import annotations

from pathlib import Path

from filmstudio.core.lazy import lazy_exports
from filmstudio.subtitles.cues import Cue, SubtitleError, Subtitles

# Loaded on first use: pysubs2, webvtt-py and the script model stay out of a plain import.
_LAZY = {
    "FORMATS": "filmstudio.subtitles.formats",
    "SUBTITLE_FILE_FILTER": "filmstudio.subtitles.formats",
    "format_for": "filmstudio.subtitles.formats",
    "parse_subtitles": "filmstudio.subtitles.formats",
    "read_subtitles": "filmstudio.subtitles.formats",
    "subtitles_text": "filmstudio.subtitles.formats",
    "write_subtitles": "filmstudio.subtitles.formats",
    "LINT_PARAMETERS": "filmstudio.subtitles.linting",
    "LintIssue": "filmstudio.subtitles.linting",
    "LintRules": "filmstudio.subtitles.linting",
    "lint": "filmstudio.subtitles.linting",
    "lint_summary": "filmstudio.subtitles.linting",
    "lint_report": "filmstudio.subtitles.linting",
    "break_lines": "filmstudio.subtitles.from_script",
    "cues_from_script": "filmstudio.subtitles.from_script",
}
_RENAMED = {"SUBTITLE_FILE_FILTER": "FILE_FILTER", "lint_summary": "summary", "lint_report": "report_lines"}

FONT_FILE = "NotoSansCJKsc-Regular-subset.otf"

__all__ = ["FONT_FILE", "Cue", "SubtitleError", "Subtitles", "subtitle_font", *sorted(_LAZY)]


def subtitle_font() -> Path:
    """The shipped font with wide Unicode coverage (Latin with accents, Greek, Cyrillic, kana,
    hangul, common Han): a subset of Noto Sans CJK SC under the SIL Open Font License
    (``resources/fonts``: the licence and the script that made it), as installed package data."""
    from filmstudio.core.resources import resource_path

    return resource_path("fonts", FONT_FILE)


__getattr__, __dir__ = lazy_exports(__name__, globals(), _LAZY, _RENAMED)
