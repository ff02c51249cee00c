"""Fountain syntax highlighting (https://fountain.io/syntax) for the Script panel and take editor.

Line by line, with the block state carrying what spans lines: the title page at the top, a
dialogue block (after a character cue, until a blank line), an open boneyard ``/* */`` and an
open note ``[[ ]]``. Elements: scene headings (INT./EXT./EST./I/E or forced ``.``, scene numbers
``#1A#``), character cues (upper case after a blank line, or forced ``@``; extensions and the
dual-dialogue ``^``), parentheticals, dialogue, transitions (``... TO:`` or forced ``>``),
centred text ``> <``, lyrics ``~``, sections ``#``, synopses ``=``, page breaks ``===``, forced
action ``!``, notes and boneyard. Colours are chosen for the editor's dark theme. GUI thread.
"""

from __future__ import annotations

import re
from enum import IntFlag

from PySide6.QtGui import QColor, QFont, QSyntaxHighlighter, QTextCharFormat, QTextDocument

_HEADING = re.compile(r"^(?:INT|EXT|EST|INT\.?/EXT|I/E)[.\s]", re.IGNORECASE)
_TRANSITION = re.compile(r"^[A-Z0-9 .\-']+TO:$")
_TITLE_KEY = re.compile(r"^[A-Za-z][A-Za-z ]*:")
_SCENE_NUMBER = re.compile(r"#[\w.\-]+#\s*$")


class State(IntFlag):
    """What a line leaves open for the next one (QSyntaxHighlighter's block state)."""

    NONE = 0
    TITLE_PAGE = 1
    DIALOGUE = 2
    BONEYARD = 4
    NOTE = 8


def _format(
    colour: str, *, bold: bool = False, italic: bool = False, background: str = ""
) -> QTextCharFormat:
    form = QTextCharFormat()
    form.setForeground(QColor(colour))
    if bold:
        form.setFontWeight(QFont.Weight.Bold)
    if italic:
        form.setFontItalic(True)
    if background:
        form.setBackground(QColor(background))
    return form


# The element kinds and how they look on the dark theme (text #d6d6d6 on #1f1f1f).
FORMATS = {
    "scene_heading": _format("#f0c674", bold=True, background="#33301f"),
    "scene_number": _format("#a89a6a"),
    "character": _format("#81a2ee", bold=True),
    "parenthetical": _format("#9fc08a", italic=True),
    "dialogue": _format("#e6e6e6"),
    "transition": _format("#c9a0f0", bold=True),
    "centered": _format("#d6d6d6", italic=True),
    "lyrics": _format("#e0a0c8", italic=True),
    "section": _format("#f0a060", bold=True),
    "synopsis": _format("#8fa3b3", italic=True),
    "note": _format("#8fd19e", italic=True, background="#1f3324"),
    "boneyard": _format("#6f6f6f", italic=True),
    "page_break": _format("#8a8a8a", bold=True),
    "title_key": _format("#81a2ee", bold=True),
    "title_value": _format("#e6e6e6"),
    "action": _format("#c8c8c8"),
}


class FountainHighlighter(QSyntaxHighlighter):
    """Highlights a QTextDocument holding Fountain. ``kind_of(block_number)`` (for tests) says
    which element a line was read as."""

    def __init__(self, document: QTextDocument) -> None:
        self._kinds: dict[int, str] = {}
        super().__init__(document)

    def kind_of(self, block_number: int) -> str:
        return self._kinds.get(block_number, "")

    def highlightBlock(self, text: str) -> None:
        block = self.currentBlock()
        previous = State(max(0, self.previousBlockState()))
        if block.blockNumber() == 0:
            previous = State.TITLE_PAGE if _TITLE_KEY.match(text) else State.NONE
        state = previous & (State.TITLE_PAGE | State.DIALOGUE)
        if previous & State.BONEYARD or text.lstrip().startswith("/*"):
            kind = "boneyard"  # cut text: no element of its own, and what was open stays open
        else:
            before = block.previous().text() if block.previous().isValid() else ""
            kind, state = self._line(text, before, state)
        self._kinds[block.blockNumber()] = kind
        if kind:
            self.setFormat(0, len(text), FORMATS[kind])
            if kind == "scene_heading" and (number := _SCENE_NUMBER.search(text)):
                self.setFormat(number.start(), number.end() - number.start(), FORMATS["scene_number"])
            if kind == "title_key":  # the key bold, its value as text
                key_end = text.index(":") + 1
                self.setFormat(key_end, len(text) - key_end, FORMATS["title_value"])
        # Boneyard and notes may span lines; they are drawn over the element's colour.
        state |= self._spans(text, "/*", "*/", State.BONEYARD, previous, FORMATS["boneyard"])
        state |= self._spans(text, "[[", "]]", State.NOTE, previous, FORMATS["note"])
        self.setCurrentBlockState(int(state))

    def _line(self, text: str, before: str, state: State) -> tuple[str, State]:
        """The element ``text`` is and the state it leaves (title page and dialogue only)."""
        stripped = text.strip()
        if state & State.TITLE_PAGE:
            if not stripped:
                return "", State.NONE
            return ("title_key" if _TITLE_KEY.match(text) else "title_value"), State.TITLE_PAGE
        if not stripped:
            return "", State.NONE
        if state & State.DIALOGUE:
            if stripped.startswith("(") and stripped.endswith(")"):
                return "parenthetical", State.DIALOGUE
            return "dialogue", State.DIALOGUE
        after_blank = not before.strip()
        if stripped.startswith("!"):
            return "action", State.NONE
        if stripped.startswith("==="):
            return "page_break", State.NONE
        if stripped.startswith("#"):
            return "section", State.NONE
        if stripped.startswith("="):
            return "synopsis", State.NONE
        if stripped.startswith("~"):
            return "lyrics", State.NONE
        if stripped.startswith(">") and stripped.endswith("<"):
            return "centered", State.NONE
        if stripped.startswith(">"):
            return "transition", State.NONE
        if stripped.startswith(".") and not stripped.startswith(".."):
            return "scene_heading", State.NONE
        if after_blank and _HEADING.match(stripped):
            return "scene_heading", State.NONE
        if stripped.startswith("@"):
            return "character", State.DIALOGUE
        if after_blank and _TRANSITION.match(stripped):
            return "transition", State.NONE
        if after_blank and _is_cue(stripped):
            return "character", State.DIALOGUE
        return "action", State.NONE

    def _spans(
        self, text: str, opener: str, closer: str, flag: State, previous: State, form: QTextCharFormat
    ) -> State:
        """Format the ``opener``…``closer`` spans of ``text`` (one may be open from the line
        before); the flag when one is left open."""
        position, inside = 0, bool(previous & flag)
        while True:
            if inside:
                end = text.find(closer, position)
                stop = len(text) if end < 0 else end + len(closer)
                self.setFormat(position, stop - position, form)
                if end < 0:
                    return flag
                position, inside = stop, False
            else:
                start = text.find(opener, position)
                if start < 0:
                    return State.NONE
                position, inside = start, True


def _is_cue(line: str) -> bool:
    """A character cue: upper-case letters (an extension like (V.O.) and ``^`` allowed)."""
    name = re.sub(r"\(.*?\)", "", line).rstrip("^ ").strip()
    return bool(name) and any(c.isalpha() for c in name) and name == name.upper()
