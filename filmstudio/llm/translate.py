"""Translation takes: what the Translate node generates, stores and renders.

Lines. Every cue of a Subtitles input (or dialogue element of a Script: lines, lyrics,
parentheticals, optionally action) with text is a line, named by the cue's id. Its *key* is a
hash of what its translation depends on: its text, the languages, the back end and model as the
node names them, and for language models also the speaker, the glossary terms that occur in the
line, the notes, temperature and seed. Context lines and group size are not in it: editing one
cue changes one key, and re-translates one cue.

Takes. Generating makes a take holding every current line's translation: a line whose id and key
the active take has keeps its translation (hand edits included), a line whose key another entry
has (the same text elsewhere; a file's cues renumbered) reuses that one, the others are
translated — by a translation model (:mod:`.translate_model`) or a language model
(:mod:`.translate_prompt`). Rendering reads the active take only: a line the take lacks is an
error that says to generate, never a model call and never the untranslated text. Take data::

    {"format": 1, "kind": "subtitles" | "script", "target": "fr", "source": "en" | "auto",
     "cues": {CUE ID: {"key", "source": text, "text": translation, "by": backend | "hand"}},
     "translated": [cue ids this Generate translated], "made_by": {...}, "text": one line a cue}

The cue ids, start and end frames, speakers and styles of the output are the input's: cues are
never merged, split or re-timed. Generating and hand edits (each a new take) are in
:mod:`.translate_takes`.
"""

from __future__ import annotations

import hashlib
import json
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any

from filmstudio.llm.errors import NoTakeError, TakeError
from filmstudio.llm.languages import is_language_tag
from filmstudio.llm.translate_prompt import Line, TranslationError, glossary_in
from filmstudio.script import Script
from filmstudio.script.elements import ElementKind, Screenplay
from filmstudio.subtitles.cues import Subtitles
from filmstudio.subtitles.from_script import break_lines

FORMAT = 1
TRANSLATE_BACKENDS = ("model", "local", "server")
TRANSLATE_SCRIPT_TEXTS = ("dialogue", "dialogue and action")
_DIALOGUE = (ElementKind.DIALOGUE, ElementKind.LYRICS, ElementKind.PARENTHETICAL)


@dataclass(frozen=True)
class TranslationSettings:
    """The Translate node's parameters (see the node for what each means)."""

    target_language: str
    source_language: str = "auto"
    backend: str = "model"
    model: str = ""
    base_url: str = "http://localhost:11434/v1"
    glossary: str = ""
    notes: str = ""
    group_size: int = 20
    context_lines: int = 3
    temperature: float = 0.2
    seed: int = 0
    script_text: str = "dialogue"
    max_line_length: int = 42

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> TranslationSettings:
        """Settings from parameter values by name (a node's ``ctx.params``); checked."""
        settings = cls(**{f.name: values[f.name] for f in fields(cls) if f.name in values})
        settings.check()
        return settings

    def check(self) -> None:
        target, source = self.target_language.strip(), self.source_language.strip()
        if not target:
            raise TranslationError("Translate has no target language: set target_language (e.g. fr, pt-BR)")
        for name, tag in (("target_language", target), ("source_language", source)):
            if not (name == "source_language" and tag in ("", "auto")) and not is_language_tag(tag):
                raise TranslationError(f"{name} {tag!r} is not a language tag: use one such as fr, de, pt-BR")
        if self.backend not in TRANSLATE_BACKENDS:
            raise TranslationError(
                f"unknown backend {self.backend!r}: use one of {', '.join(TRANSLATE_BACKENDS)}"
            )

    @property
    def uses_llm(self) -> bool:
        return self.backend in ("local", "server")

    def source_for(self, given: str) -> str:
        """The source language: the node's, else the input's own (``given``), else ""."""
        source = self.source_language.strip()
        return given.strip() if source in ("", "auto") else source


def parse_glossary(text: str, names: Sequence[str] = ()) -> dict[str, str]:
    """Glossary entries, term -> how to write it: ``names`` (the characters) kept as they are, then
    one entry a line of ``text``: ``term`` (keep it) or ``term = translation``; ``#`` comments."""
    entries = {name: name for name in names if name.strip()}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        term, equals, written = (part.strip() for part in line.partition("="))
        if not term:
            raise TranslationError(f"the glossary line {raw.strip()!r} has no term before '='")
        entries[term] = written if equals and written else term
    return entries


def source_lines(source: Subtitles | Script, settings: TranslationSettings) -> list[Line]:
    """The lines of ``source`` to translate, in order, each with a unique id."""
    lines: list[Line] = []
    seen: set[str] = set()

    def add(line_id: str, text: str, speaker: str) -> None:
        if text:
            unique, n = line_id, 1
            while unique in seen:  # a file with repeated cue numbers still keeps each cue apart
                n += 1
                unique = f"{line_id}#{n}"
            seen.add(unique)
            lines.append(Line(unique, text, speaker))

    if isinstance(source, Subtitles):
        for cue in source:
            add(cue.id or f"{cue.start}-{cue.end}", cue_text(cue.lines), cue.speaker)
        return lines
    speakers = {line.id: line.speaker for line in source.screenplay.dialogue()}
    wanted = _DIALOGUE + ((ElementKind.ACTION,) if settings.script_text == TRANSLATE_SCRIPT_TEXTS[1] else ())
    for element in source.screenplay.elements:
        if element.kind in wanted:
            text = "\n".join(" ".join(part.split()) for part in element.text.splitlines() if part.strip())
            add(element.id, text, speakers.get(element.id, ""))
    return lines


def cue_text(lines: Sequence[str]) -> str:
    """A cue's text as it is translated: its lines joined by spaces (the layout is remade in the
    target language), except before a line that starts with a dash (another speaker)."""
    kept = [" ".join(line.split()) for line in lines if line.strip()]
    text = kept[0] if kept else ""
    for line in kept[1:]:
        text += ("\n" if line.startswith("-") else " ") + line
    return text


def characters(source: Subtitles | Script) -> tuple[str, ...]:
    """Who speaks: a Script's characters, or the subtitles' speakers."""
    if isinstance(source, Script):
        return source.screenplay.characters()
    return tuple(dict.fromkeys(cue.speaker for cue in source if cue.speaker))


@dataclass(frozen=True)
class Plan:
    """The lines of a source with their keys, and what a prompt needs to know about them."""

    lines: list[Line]
    keys: dict[str, str]
    kind: str
    source: str
    glossary: dict[str, str]


def plan(source: Subtitles | Script, settings: TranslationSettings) -> Plan:
    """Each line of ``source`` with its key (see the module docstring)."""
    kind = "subtitles" if isinstance(source, Subtitles) else "script"
    given = source.language if isinstance(source, Subtitles) else ""
    language = settings.source_for(given)
    glossary = parse_glossary(settings.glossary, characters(source))
    lines = source_lines(source, settings)
    common = [FORMAT, settings.target_language.strip(), language, settings.backend, settings.model.strip()]
    if settings.uses_llm:
        common += [kind, settings.notes.strip(), round(float(settings.temperature), 4), int(settings.seed)]
    keys = {}
    for line in lines:
        extra = [line.speaker, sorted(glossary_in(glossary, line.text).items())] if settings.uses_llm else []
        recipe = json.dumps([*common, line.text, *extra], ensure_ascii=False)
        keys[line.id] = hashlib.sha256(recipe.encode()).hexdigest()[:24]
    return Plan(lines, keys, kind, language, glossary)


def stored_cues(take: Mapping[str, Any] | None) -> Mapping[str, Mapping[str, Any]]:
    """A take's translations by cue id (empty without a take)."""
    if not take:
        return {}
    cues = take.get("cues") if isinstance(take, Mapping) else None
    if not isinstance(cues, Mapping) or take.get("format") != FORMAT:
        raise TakeError("the Translate node's take is not one this version reads: generate again")
    return cues


def found_entry(
    cues: Mapping[str, Mapping[str, Any]], by_key: Mapping[str, Mapping[str, Any]], line: Line, key: str
) -> Mapping[str, Any] | None:
    """The entry of a take (``cues``) that translates ``line`` as it is now (``key``): its own, else
    any with the same key (``by_key``: the same text elsewhere, a renumbered cue), or None."""
    entry = cues.get(line.id)
    if isinstance(entry, Mapping) and entry.get("key") == key and isinstance(entry.get("text"), str):
        return entry
    return by_key.get(key)


def by_key(cues: Mapping[str, Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    """A take's entries by key."""
    return {
        str(e["key"]): e
        for e in cues.values()
        if isinstance(e, Mapping) and "key" in e and isinstance(e.get("text"), str)
    }


# --- rendering ---------------------------------------------------------------------------------


def apply_translation(
    source: Subtitles | Script, settings: TranslationSettings, take: Mapping[str, Any] | None, node_name: str
) -> Subtitles | Script:
    """``source`` with the active take's translations: the same cues (ids, frames, speakers) or
    elements (ids, shots), in the target language. No model is called."""
    if not take:
        raise NoTakeError(
            f"{node_name} has no translation yet: press Generate, or run "
            f"`filmstudio generate PROJECT {shlex.quote(node_name)}`"
        )
    cues = stored_cues(take)
    index = by_key(cues)
    planned = plan(source, settings)
    texts: dict[str, str] = {}
    missing: list[str] = []
    for line in planned.lines:
        entry = found_entry(cues, index, line, planned.keys[line.id])
        if entry is None:
            missing.append(line.id)
        else:
            texts[line.id] = str(entry["text"])
    if missing:
        shown = ", ".join(missing[:10]) + (f" and {len(missing) - 10} more" if len(missing) > 10 else "")
        raise TranslationError(
            f"{node_name}'s take has no translation of cue {shown} as it is now (its text or the "
            "node's settings changed): press Generate — only those cues are translated"
        )
    target = settings.target_language.strip()
    ids = iter(planned.lines)
    if isinstance(source, Subtitles):
        out = []
        for cue in source:
            if cue_text(cue.lines):
                line = next(ids)
                cue = replace(cue, lines=layout(texts[line.id], settings.max_line_length))
            out.append(cue)
        return Subtitles(tuple(out), source.fps, target)
    by_element = {line.id: texts[line.id] for line in planned.lines}
    elements = tuple(
        replace(e, text=by_element[e.id]) if e.id in by_element else e for e in source.screenplay.elements
    )
    return Script(Screenplay(source.screenplay.title_page, elements), source.shots)


def layout(text: str, max_line_length: int) -> tuple[str, ...]:
    """A translation as a cue's lines: its own line breaks, else balanced lines that fit."""
    lines = tuple(line for line in text.split("\n") if line)
    if len(lines) == 1 and max_line_length > 0:
        return break_lines(lines[0], max_line_length)
    return lines or ("",)


def take_text(cues: Mapping[str, Mapping[str, Any]]) -> str:
    """A take as text, one cue a line (what take diffs compare)."""
    return "".join(
        f"[{cue_id}] {str(e.get('text', '')).replace(chr(10), ' / ')}\n" for cue_id, e in cues.items()
    )
