"""Fountain (https://fountain.io/syntax) in and out: :func:`parse` text into a :class:`Screenplay`,
:func:`write` one back as normalised Fountain.

The two are made for each other: ``parse(write(s)) == s`` for every screenplay ``parse`` makes,
ids included, so ``write`` is a fixed point after one pass (tests/script checks both, with
hypothesis). Normalising means: one blank line between elements, trailing spaces gone, dialogue
lines unindented, title page values of several lines indented by four spaces, markers written only
where the text needs them (``.`` before a heading that does not start with INT/EXT, ``>`` before a
transition that does not end in TO:), and forced markers the source had kept.

The parser reads paragraph by paragraph (lines between blank lines) and decides from a paragraph's
first line. A one-line element (scene heading, transition, section, synopsis, page break, centred
lines, lyrics) ends at its line, and what follows it in the same paragraph is read as a new
paragraph: headings and cues written without blank lines still come out right. ``lenient=True``
first repairs what language models get wrong (see :mod:`filmstudio.script.lenient`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from filmstudio.script.elements import Element, ElementKind, Screenplay

K = ElementKind

_HEADING = re.compile(r"^(?:INT\.?/EXT|INT/EXT|I/E|INT|EXT|EST)[.\s]", re.IGNORECASE)
_FORCED_HEADING = re.compile(r"^\.(?=[^\W_])")
_SCENE_NUMBER = re.compile(r"\s*#([\w.\-]+)#$")
_PAGE_BREAK = re.compile(r"^={3,}$")
_TITLE_KEY = re.compile(r"^([^\s:][^:]*):(.*)$")
_CUE = re.compile(r"^(?P<forced>@)?(?P<name>[^(^]*?)\s*(?P<ext>(?:\([^()]*\)\s*)*)(?P<dual>\^)?$")
_EXTENSION = re.compile(r"\(([^()]*)\)")
_IN_BLOCK = (K.CHARACTER, K.PARENTHETICAL, K.DIALOGUE, K.LYRICS)


def parse(text: str, *, lenient: bool = False) -> Screenplay:
    """The screenplay in Fountain ``text``. ``lenient`` repairs model output first (markdown,
    numbering, code fences, missing blank lines). Never fails: text that is no other element is
    action."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    if lenient:
        from filmstudio.script.lenient import repair

        lines = repair(lines)
    title_page, body = _title_page(lines)
    return Screenplay.from_elements(title_page, _body(lines[body:]))


def write(screenplay: Screenplay) -> str:
    """``screenplay`` as normalised Fountain text (ends with a newline; "" when empty)."""
    blocks: list[list[str]] = []
    in_block = False
    previous: Element | None = None
    for element in screenplay.elements:
        lines = _written(element)
        joins = in_block and element.kind in _IN_BLOCK[1:]
        # Two lyrics in a row are two paragraphs: inside a block, consecutive lines of lyrics (or
        # of dialogue) are one element.
        merges = (
            previous is not None and previous.kind is element.kind and element.kind is not K.PARENTHETICAL
        )
        if joins and not merges:
            blocks[-1].extend(lines)
        else:
            blocks.append(lines)
        in_block = element.kind is K.CHARACTER or (joins and not merges)
        previous = element
    body = "\n\n".join("\n".join(block) for block in blocks)
    title = "\n".join(_written_entry(e) for e in screenplay.title_page)
    if title:
        return f"{title}\n\n{body}\n" if body else f"{title}\n"
    if not body:
        return ""
    first_paragraph = body.split("\n\n", 1)[0].split("\n")
    # Body text that would read as a title page ("Later: the house.") is kept off the first line.
    lead = "\n" if _title_page(first_paragraph)[0] else ""
    return f"{lead}{body}\n"


# The names node modules import through filmstudio.api, where a bare parse/write would be unclear.
parse_fountain = parse
write_fountain = write


# --- parsing --------------------------------------------------------------------------------------


def _title_page(lines: Sequence[str]) -> tuple[list[Element], int]:
    """The title page's entries and the index of the first body line (0 when there is no title
    page: it must start on the first line, and every line up to the first blank one must be a
    ``Key: value`` or an indented continuation)."""
    entries: list[tuple[str, list[str]]] = []
    end = 0
    while end < len(lines) and lines[end].strip():
        line = lines[end]
        match = _TITLE_KEY.match(line)
        if line.startswith(("   ", "\t")) and entries:
            entries[-1][1].append(line.strip())
        elif match and any(c.islower() for c in match[1]) and not _HEADING.match(line):
            value = match[2].strip()
            entries.append((match[1].strip(), [value] if value else []))
        else:
            return [], 0
        end += 1
    return [Element(K.TITLE_ENTRY, "\n".join(v), key=k) for k, v in entries], end


def _body(lines: Sequence[str]) -> list[Element]:
    out: list[Element] = []
    lines = list(lines)
    i = 0
    while i < len(lines):
        stripped = lines[i].strip()
        if not stripped:
            i += 1
            continue
        if stripped.startswith("/*") and (end := _closing(lines, i, "/*", "*/")) is not None:
            i = _enclosed(lines, i, end, "/*", "*/", K.BONEYARD, out)
            continue
        if stripped.startswith("[[") and (end := _closing(lines, i, "[[", "]]")) is not None:
            i = _enclosed(lines, i, end, "[[", "]]", K.NOTE, out)
            continue
        j = i
        while j < len(lines) and lines[j].strip():
            j += 1
        i += _paragraph(lines[i:j], out)
    return out


def _closing(lines: Sequence[str], start: int, opening: str, closing: str) -> int | None:
    """The line that closes a boneyard or note opened at ``start`` (the closing mark ends its line
    and is the first one after the opening), or None: then the text is ordinary."""
    text_from = lines[start].index(opening) + len(opening)
    for index in range(start, len(lines)):
        line = lines[index][text_from:] if index == start else lines[index]
        close, reopen = line.find(closing), line.find(opening)
        if reopen != -1 and (close == -1 or reopen < close):
            return None  # nested openings are not Fountain: read the text as it is
        if close != -1:
            return index if close == len(line) - len(closing) else None
    return None


def _enclosed(
    lines: list[str], start: int, end: int, opening: str, closing: str, kind: K, out: list[Element]
) -> int:
    text = "\n".join(lines[start : end + 1]).strip()
    out.append(Element(kind, text[len(opening) : -len(closing)].strip()))
    return end + 1


def _paragraph(para: Sequence[str], out: list[Element]) -> int:
    """Read the element(s) that start ``para``; returns how many of its lines were used."""
    first = para[0].strip()
    if _PAGE_BREAK.match(first):
        out.append(Element(K.PAGE_BREAK))
        return 1
    if first.startswith("#"):
        depth = len(first) - len(first.lstrip("#"))
        out.append(Element(K.SECTION, first[depth:].strip(), depth=depth))
        return 1
    if first.startswith("="):
        out.append(Element(K.SYNOPSIS, first[1:].strip()))
        return 1
    if _FORCED_HEADING.match(first) or _HEADING.match(first):
        forced = first.startswith(".")
        heading = first[1:] if forced else first
        number = _SCENE_NUMBER.search(heading)
        if number:
            heading = heading[: number.start()]
        out.append(
            Element(K.SCENE_HEADING, heading.strip(), scene_number=number[1] if number else "", forced=forced)
        )
        return 1
    if _centred(first):
        count = next((n for n, line in enumerate(para) if not _centred(line.strip())), len(para))
        text = "\n".join(line.strip()[1:-1].strip() for line in para[:count])
        out.append(Element(K.ACTION, text, centered=True))
        return count
    if first.startswith(">"):
        out.append(Element(K.TRANSITION, first[1:].strip(), forced=True))
        return 1
    if first.startswith("~"):
        count = next((n for n, line in enumerate(para) if not line.strip().startswith("~")), len(para))
        out.append(Element(K.LYRICS, "\n".join(line.strip()[1:].strip() for line in para[:count])))
        return count
    if first.startswith("!"):
        out.append(Element(K.ACTION, "\n".join([para[0].lstrip()[1:], *para[1:]]), forced=True))
        return len(para)
    if len(para) == 1 and _is_transition(first):
        out.append(Element(K.TRANSITION, first))
        return 1
    cue = _cue(first) if len(para) > 1 else None
    if cue is not None:
        out.append(cue)
        out.extend(_dialogue(para[1:]))
        return len(para)
    out.append(Element(K.ACTION, "\n".join(para)))
    return len(para)


def _centred(stripped: str) -> bool:
    return len(stripped) >= 2 and stripped.startswith(">") and stripped.endswith("<")


def _is_transition(stripped: str) -> bool:
    return stripped.endswith("TO:") and stripped == stripped.upper()


def _cue(stripped: str) -> Element | None:
    match = _CUE.match(stripped)
    if match is None:
        return None
    name = match["name"].strip()
    forced = bool(match["forced"])
    if not name or (not forced and (not any(c.isalpha() for c in name) or name != name.upper())):
        return None
    extensions = tuple(e.strip() for e in _EXTENSION.findall(match["ext"] or ""))
    return Element(K.CHARACTER, name, forced=forced, extensions=extensions, dual=bool(match["dual"]))


def _dialogue(lines: Sequence[str]) -> list[Element]:
    """The parentheticals, dialogue and lyrics under a cue; consecutive lines of one kind merge."""
    out: list[Element] = []
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("(") and stripped.endswith(")"):
            out.append(Element(K.PARENTHETICAL, stripped[1:-1].strip()))
            continue
        kind, text = (K.LYRICS, stripped[1:].strip()) if stripped.startswith("~") else (K.DIALOGUE, stripped)
        if out and out[-1].kind is kind:
            out[-1] = Element(kind, f"{out[-1].text}\n{text}")
        else:
            out.append(Element(kind, text))
    return out


# --- writing --------------------------------------------------------------------------------------


def _written_entry(entry: Element) -> str:
    if "\n" in entry.text:
        return "\n".join([f"{entry.key}:", *(f"    {line}" for line in entry.text.split("\n"))])
    return f"{entry.key}: {entry.text}".rstrip()


def _written(e: Element) -> list[str]:
    kind = e.kind
    if kind is K.SCENE_HEADING:
        plain = _HEADING.match(e.text) and not e.forced
        number = f" #{e.scene_number}#" if e.scene_number else ""
        return [f"{'' if plain else '.'}{e.text}{number}"]
    if kind is K.ACTION:
        if e.centered:
            return [f"> {line} <" for line in e.text.split("\n")]
        return f"{'!' if e.forced else ''}{e.text}".split("\n")
    if kind is K.CHARACTER:
        extensions = "".join(f" ({x})" for x in e.extensions)
        return [f"{'@' if e.forced else ''}{e.text}{extensions}{' ^' if e.dual else ''}"]
    if kind is K.PARENTHETICAL:
        return [f"({e.text})"]
    if kind is K.LYRICS:
        return [f"~{line}" for line in e.text.split("\n")]
    if kind is K.TRANSITION:
        forced = e.forced or not _is_transition(e.text)
        return [f"> {e.text}" if forced else e.text]
    if kind is K.NOTE:
        return f"[[{e.text}]]".split("\n")
    if kind is K.BONEYARD:
        return ["/*", *e.text.split("\n"), "*/"] if "\n" in e.text else [f"/* {e.text} */"]
    if kind is K.PAGE_BREAK:
        return ["==="]
    if kind is K.SECTION:
        return [f"{'#' * max(1, e.depth)} {e.text}"]
    if kind is K.SYNOPSIS:
        return [f"= {e.text}"]
    return e.text.split("\n")  # DIALOGUE (TITLE_ENTRY belongs to the title page)
