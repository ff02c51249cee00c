"""Repairs for Fountain written by language models, applied line by line before parsing.

Models drift from the syntax in a few predictable ways; each repair turns one of them into the
Fountain the model meant, and leaves anything else alone (the parser then reads it as usual):

- code fences (```fountain ... ```) and markdown horizontal rules are dropped;
- markdown emphasis or heading marks around a whole scene heading, cue or transition are removed
  (``**INT. HOUSE - DAY**``, ``### EXT. ROAD - NIGHT``, ``**JOHN**``), as is a numbering in front
  of a heading (``1. INT. ...``, ``Scene 2: EXT. ...``);
- ``JOHN: Hello.`` (a screenplay as a chat transcript) becomes a cue and its dialogue;
- ``John`` (a cue in title case, with a colon or markdown) becomes ``JOHN``;
- missing blank lines are put back around scene headings and transitions and before cues, so
  ``INT. HOUSE\\nJohn enters.\\nJOHN\\nHi.`` reads as a heading, action and dialogue;
- blank lines before a title page are dropped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_FENCE = re.compile(r"^\s*(```|~~~)")
_RULE = re.compile(r"^\s*([-*_])(\s*\1){2,}\s*$")
_WRAPPED = re.compile(r"^\s*(\*{1,3}|_{1,2})(?P<inner>[^*_].*?)\1\s*:?\s*$")
_MARKDOWN_HEADING = re.compile(r"^\s*#{1,6}\s+(?P<inner>.+)$")
_NUMBERED = re.compile(r"^\s*(?:(?:scene|shot)\s+)?\d+[A-Za-z]?\s*[.):\-]\s*(?P<inner>.+)$", re.IGNORECASE)
_HEADING = re.compile(r"^(?:INT\.?/EXT|INT/EXT|I/E|INT|EXT|EST)[.\s]", re.IGNORECASE)
_TRANSITION = re.compile(r"^[A-Z][A-Z .']*(?:TO:|OUT\.|IN:)$")
# A cue: a name in capitals (MR. SMITH, MAN #2, O'BRIEN) with optional extensions and caret.
_NAME = r"[A-Z][A-Z0-9 .'#\-]{0,30}?"
_CUE = re.compile(rf"^{_NAME}(?:\s*\([^()]*\))*(?:\s*\^)?$")
# "JOHN: Hello." or "**John:** Hello." or "John (V.O.): Hello."
_SPOKEN = re.compile(
    r"^\s*\**(?P<name>[A-Za-z][A-Za-z0-9 .'\-]{0,30}?)\s*(?P<ext>(?:\([^()]*\)\s*)*)"
    r"\**\s*:\s*\**\s*(?P<line>\S.*)$"
)


def repair(lines: Sequence[str]) -> list[str]:
    """The lines with the repairs of the module docstring applied (lines are already rstripped)."""
    fenced = [n for n, line in enumerate(lines) if _FENCE.match(line)]
    if len(fenced) >= 2:
        # "Here is your scene: ```fountain ... ``` I hope this helps!": only the fenced text.
        lines = [line for n, line in enumerate(lines) if _inside(n, fenced)]
    kept = [line for line in lines if not (_FENCE.match(line) or _RULE.match(line))]
    speakers = _speakers(kept)
    cleaned = [repaired for line in kept for repaired in _line(line, speakers)]
    out: list[str] = []
    for index, line in enumerate(cleaned):
        stripped = line.strip()
        following = cleaned[index + 1].strip() if index + 1 < len(cleaned) else ""
        previous = out[-1].strip() if out else ""
        starts_block = _HEADING.match(stripped) or _TRANSITION.match(stripped)
        is_cue = bool(_CUE.match(stripped)) and bool(following) and not _CUE.match(following)
        if (starts_block or is_cue) and previous:
            out.append("")
        out.append(line)
        if starts_block and following:
            out.append("")
    while out and not out[0].strip():
        out.pop(0)
    return out


def _inside(index: int, fences: Sequence[int]) -> bool:
    """Whether line ``index`` lies between an opening fence and its closing one."""
    opened = sum(1 for f in fences if f < index)
    return opened % 2 == 1 and any(f > index for f in fences)


def _speakers(lines: Sequence[str]) -> set[str]:
    """Names written ``Name: line`` in title case that are a transcript's speakers: written so at
    least twice, or also used as a cue in capitals (once alone could as well be action, "Later:
    they eat.")."""
    counts: dict[str, int] = {}
    cues = {line.strip() for line in lines if _CUE.match(line.strip())}
    for line in lines:
        spoken = _SPOKEN.match(line)
        if spoken and _title_case_name(spoken["name"]):
            counts[spoken["name"]] = counts.get(spoken["name"], 0) + 1
    return {name for name, count in counts.items() if count >= 2 or name.upper() in cues}


def _line(line: str, speakers: set[str]) -> list[str]:
    """One line, unwrapped from markdown and numbering where what is inside is a screenplay
    element; a chat-transcript line becomes two (cue, dialogue)."""
    for pattern in (_WRAPPED, _MARKDOWN_HEADING, _NUMBERED):
        match = pattern.match(line)
        inner = match["inner"].strip().strip("*_").strip() if match else ""
        if inner and (_HEADING.match(inner) or _TRANSITION.match(inner)):
            return _line(inner, speakers)
        spoken = _SPOKEN.match(inner) if pattern is _NUMBERED else None
        if spoken and _capitals(spoken["name"]):
            return _line(inner, speakers)  # "3. JOHN: Hello."
        if inner and pattern is not _NUMBERED and _CUE.match(inner.rstrip(":").upper()):
            return [inner.rstrip(":").upper()]  # **John** or **JOHN:** on a line of its own
    spoken = _SPOKEN.match(line)
    name = spoken["name"] if spoken else ""
    if spoken and not _HEADING.match(line.strip()) and (_capitals(name) or name in speakers):
        extensions = f" {spoken['ext'].strip()}" if spoken["ext"] else ""
        return ["", f"{name.upper()}{extensions}", spoken["line"].strip().strip("*").strip()]
    return [line]


def _capitals(name: str) -> bool:
    return name.upper() == name and any(c.isalpha() for c in name)


def _title_case_name(name: str) -> bool:
    """One or two capitalised words (John, Mary Ann) that are not a title page key."""
    words = name.split()
    return 1 <= len(words) <= 2 and all(w[0].isupper() for w in words) and name.lower() not in _TITLE_KEYS


_TITLE_KEYS = {"title", "credit", "author", "authors", "source", "draft date", "date", "contact", "notes"}
