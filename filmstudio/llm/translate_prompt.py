"""Translating cues with a language model (the LLM Script node's back ends): groups of cues sent
with the lines around them and a glossary, answered as JSON keyed by cue id.

Each request carries ``translate`` (cue id -> text), ``context`` (the lines just before and after,
with their translations when known: for meaning, not to translate), who speaks each line, and the
glossary terms that occur in them. The model answers one JSON object with exactly those ids;
servers that support it get a JSON schema requiring every id and allowing no other
(``response_format``), so a cue can never be merged into another or split across two. The
answer is read leniently (code fences, prose around it, a cut-off answer gives what it holds); a
cue it leaves out, or answers empty, is asked for again once, alone with its context, and if it is
still missing the whole Generate fails with an error naming those cue ids — nothing is stored.

Long or unusual ids (a Script's element ids) are sent as their position (``"7"``): small models
copy short keys faithfully.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from filmstudio.core.context import CancelToken
from filmstudio.llm.errors import LLMError
from filmstudio.llm.request import GenerationRequest, GenerationResult

Ask = Callable[[GenerationRequest], GenerationResult]
_SIMPLE_ID = re.compile(r"^[\w.-]{1,16}$")
_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL)
_PAIR = re.compile(r'"((?:[^"\\]|\\.)*)"\s*:\s*"((?:[^"\\]|\\.)*)"')


class TranslationError(LLMError):
    """A translation that cannot be made or used as asked; the message says what to do."""


@dataclass(frozen=True)
class Line:
    """One text to translate or to show as context: ``id`` (a cue's or element's), ``text``
    (line breaks only where a new speaker starts a line), ``speaker`` ("" when unknown)."""

    id: str
    text: str
    speaker: str = ""


@dataclass(frozen=True)
class Task:
    """How to ask: the languages as prompts name them, ``kind`` ("subtitles" or "script"), the
    glossary (term -> how to write it), the artist's ``notes``, sampling, group and context sizes."""

    source: str
    target: str
    kind: str
    glossary: Mapping[str, str]
    notes: str
    temperature: float
    seed: int
    group_size: int
    context_lines: int


@dataclass
class Asked:
    """What the model calls cost and who answered: requests, tokens, the first answer's made_by."""

    requests: int = 0
    tokens: int = 0
    made_by: dict[str, Any] = field(default_factory=dict)


def translate_lines(
    lines: Sequence[Line],
    todo: Sequence[int],
    task: Task,
    ask: Ask,
    known: dict[str, str],
    cancel: CancelToken,
    done: Callable[[Sequence[Line]], None] = lambda group: None,
) -> Asked:
    """Translate ``lines[i]`` for each ``i`` in ``todo`` (in order), writing each translation into
    ``known`` by id (``known`` also gives the context lines' translations). ``done`` is called with
    each finished group. Raises :class:`TranslationError` naming the cues a model left out twice."""
    asked = Asked()
    size = max(1, task.group_size)
    for first in range(0, len(todo), size):
        cancel.raise_if_cancelled()
        group = list(todo[first : first + size])
        missing = _ask_group(lines, group, task, ask, known, asked)
        if missing:
            missing = _ask_group(lines, missing, task, ask, known, asked)  # once more, on their own
        if missing:
            ids = [lines[i].id for i in missing]
            shown = ", ".join(ids[:10]) + (f" and {len(ids) - 10} more" if len(ids) > 10 else "")
            raise TranslationError(
                f"the language model gave no translation for cue {shown} (asked twice); nothing was "
                "saved. Generate again with a smaller group_size, a larger model, or a server that "
                "supports structured output"
            )
        done([lines[i] for i in group])
    return asked


def _ask_group(
    lines: Sequence[Line], group: list[int], task: Task, ask: Ask, known: dict[str, str], asked: Asked
) -> list[int]:
    """Ask for ``group`` once; the indices it still lacks."""
    before = [i for i in range(max(0, group[0] - task.context_lines), group[0]) if i not in group]
    after = [i for i in range(group[-1] + 1, min(len(lines), group[-1] + 1 + task.context_lines))]
    shown = [*before, *group, *after]
    simple = len({lines[i].id for i in shown}) == len(shown) and all(
        _SIMPLE_ID.match(lines[i].id) for i in shown
    )
    label = {i: lines[i].id if simple else str(i + 1) for i in group}
    request = build_request([lines[i] for i in before], {label[i]: lines[i] for i in group},
                            [lines[i] for i in after], task, known)  # fmt: skip
    result = ask(request)
    asked.requests += 1
    asked.tokens += result.tokens
    asked.made_by = asked.made_by or dict(result.made_by)
    answer = read_answer(result.text, list(label.values()))
    for i in group:
        if label[i] in answer:
            known[lines[i].id] = answer[label[i]]
    return [i for i in group if label[i] not in answer]


def build_request(
    before: Sequence[Line],
    group: Mapping[str, Line],
    after: Sequence[Line],
    task: Task,
    known: Mapping[str, str],
) -> GenerationRequest:
    """The chat request for one group (``group``: label -> line)."""
    what = "film subtitles" if task.kind == "subtitles" else "lines of a screenplay"
    system = (
        f"You are a professional translator of {what}. Translate from {task.source} into {task.target}: "
        "natural, concise dialogue that reads well on screen.\n"
        'The user sends JSON. "translate" maps ids to the lines to translate. "context" holds the '
        'lines around them, only to understand them: do not translate those. "speakers" says who '
        'says each line. "glossary" gives names and terms to write exactly as given.\n'
        'Answer with one JSON object and nothing else: every id of "translate" as a key, its '
        "translation as the value. Keep every id and give one translation per id: never merge two "
        "lines into one id, never split a line across ids, never leave one out. Where a line has "
        'a line break before "- " (two speakers), keep it.'
    )
    if task.notes.strip():
        system += f"\nNotes from the film's team: {task.notes.strip()}"
    texts = [line.text for line in (*before, *group.values(), *after)]
    payload: dict[str, Any] = {}
    context = [_context(line, known) for line in before]
    following = [_context(line, known) for line in after]
    if context or following:
        payload["context"] = {"before": context, "after": following}
    payload["translate"] = {label: line.text for label, line in group.items()}
    speakers = {label: line.speaker for label, line in group.items() if line.speaker}
    if speakers:
        payload["speakers"] = speakers
    glossary = glossary_in(task.glossary, "\n".join(texts))
    if glossary:
        payload["glossary"] = glossary
    labels = list(group)
    schema = {
        "title": "translations",
        "type": "object",
        "properties": {label: {"type": "string"} for label in labels},
        "required": labels,
        "additionalProperties": False,
    }
    size = sum(len(line.text) for line in group.values())
    return GenerationRequest(
        messages=(("system", system), ("user", json.dumps(payload, ensure_ascii=False, indent=1))),
        temperature=task.temperature,
        top_p=0.95,
        max_tokens=min(8192, 64 + 16 * len(labels) + 4 * size),
        seed=task.seed,
        json_schema=schema,
    )


def _context(line: Line, known: Mapping[str, str]) -> dict[str, str]:
    item = {"speaker": line.speaker} if line.speaker else {}
    item["text"] = line.text
    if line.id in known:
        item["translation"] = known[line.id]
    return item


def glossary_in(glossary: Mapping[str, str], text: str) -> dict[str, str]:
    """The glossary entries whose term occurs in ``text`` (whole words, any case), each as written
    there when it is to be kept as it is (a character MARA named "Mara" in a line)."""
    found: dict[str, str] = {}
    for term, written in glossary.items():
        match = re.search(rf"(?<!\w){re.escape(term)}(?!\w)", text, re.IGNORECASE)
        if match:
            found[match.group(0)] = match.group(0) if written == term else written
    return found


def read_answer(text: str, labels: Sequence[str]) -> dict[str, str]:
    """The translations an answer gives for ``labels`` (empty ones left out): the JSON object in
    it, else whatever ``"id": "text"`` pairs a cut-off or malformed answer holds."""
    fenced = _FENCE.search(text)
    body = fenced[1] if fenced else text
    found: Any = None
    start = body.find("{")
    if start != -1:
        try:
            found, _end = json.JSONDecoder().raw_decode(body[start:])
        except json.JSONDecodeError:
            found = None
    if not isinstance(found, dict):
        found = {}
        for key, value in _PAIR.findall(body):
            try:
                found[json.loads(f'"{key}"')] = json.loads(f'"{value}"')
            except json.JSONDecodeError:
                continue
    if not any(label in found for label in labels):  # an answer shaped like the request
        for name in ("translate", "translations", "translation"):
            if isinstance(found.get(name), dict):
                found = found[name]
                break
    answer: dict[str, str] = {}
    for label in labels:
        value = found.get(label)
        if isinstance(value, list):
            value = "\n".join(str(item) for item in value)
        elif isinstance(value, dict):
            value = value.get("text") or value.get("translation")
        if isinstance(value, str):
            cleaned = "\n".join(" ".join(part.split()) for part in value.strip().splitlines() if part.strip())
            if cleaned:
                answer[label] = cleaned
    return answer
