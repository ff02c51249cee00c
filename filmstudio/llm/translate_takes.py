"""Making and editing translation takes (see :mod:`filmstudio.llm.translate` for what a take holds).

Generate (:func:`make_translation_take`) runs where :func:`filmstudio.llm.generate` puts it: a
translation model or a local language model on the device's model worker, a server's requests on
the calling thread. Each translated cue goes to the streaming sink as ``id: text`` once its group
is done (``filmstudio generate`` prints them); a language model's raw JSON does not. A cancel stops
between groups (and within a token for language models); an error or a cancel stores nothing.

A hand edit (:func:`edit_translation`) is a new take, one undo step, like every take operation of
:mod:`filmstudio.llm.takes`; later Generates keep it as long as the cue's source and the settings
are unchanged.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import fields
from typing import Any

from filmstudio.core.context import CancelToken
from filmstudio.llm.errors import NoTakeError, TakeError
from filmstudio.llm.languages import language_name
from filmstudio.llm.request import emit, streaming_to
from filmstudio.llm.translate import (
    FORMAT,
    Plan,
    TranslationSettings,
    by_key,
    found_entry,
    plan,
    stored_cues,
    take_text,
)
from filmstudio.llm.translate_prompt import Line, Task, TranslationError, translate_lines
from filmstudio.script import Script
from filmstudio.subtitles.cues import Subtitles


def make_translation_take(
    source: Subtitles | Script,
    settings: TranslationSettings,
    previous: Mapping[str, Any] | None,
    project_dir: str | None,
    device: str,
    cancel: CancelToken,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """A new take's data: translations kept from ``previous`` (the active take's data) where the
    key matches, made for the other lines (on this thread: the model worker for models). Each
    translated cue is emitted as ``id: text`` to the streaming sink."""
    planned = plan(source, settings)
    if not planned.lines:
        raise TranslationError("Translate has nothing to translate: its input has no text")
    try:
        old = stored_cues(previous)
    except TakeError:  # a take this version cannot read: everything is translated again
        old = {}
    reusable = by_key(old)
    entries: dict[str, dict[str, Any]] = {}
    todo: list[int] = []
    first_of_key: dict[str, str] = {}
    for index, line in enumerate(planned.lines):
        key = planned.keys[line.id]
        found = found_entry(old, reusable, line, key)
        if found is not None:
            entries[line.id] = dict(found)
        elif key not in first_of_key:  # the same line twice is translated once
            first_of_key[key] = line.id
            todo.append(index)
    made_by = dict((previous or {}).get("made_by") or {}) if not todo else {}
    seed = int(settings.seed) if int(settings.seed) >= 0 else random.SystemRandom().randrange(2**31)
    if todo:
        known = {line.id: str(entries[line.id]["text"]) for line in planned.lines if line.id in entries}
        made_by = _translate(planned, todo, settings, seed, known, project_dir, device, cancel, progress)
        for index in todo:
            line = planned.lines[index]
            entries[line.id] = {
                "key": planned.keys[line.id],
                "source": line.text,
                "text": known[line.id],
                "by": settings.backend,
            }
    for line in planned.lines:  # repeats of a line translated just now
        if line.id not in entries:
            entries[line.id] = {**entries[first_of_key[planned.keys[line.id]]]}
    params = {f.name: getattr(settings, f.name) for f in fields(settings)}
    made_by = {**made_by, "params": params, "seed": seed} if todo else made_by
    return {
        "format": FORMAT,
        "kind": planned.kind,
        "target": settings.target_language.strip(),
        "source": planned.source or "auto",
        "cues": entries,
        "translated": [planned.lines[i].id for i in todo],
        "made_by": made_by,
        "text": take_text(entries),
    }


def _translate(
    planned: Plan,
    todo: list[int],
    settings: TranslationSettings,
    seed: int,
    known: dict[str, str],
    project_dir: str | None,
    device: str,
    cancel: CancelToken,
    progress: Callable[[int, int], None] | None,
) -> dict[str, Any]:
    """Translate ``planned.lines[i]`` for ``i`` in ``todo`` into ``known``; what made them."""
    total, finished = len(todo), 0

    def done(group: Sequence[Line]) -> None:
        nonlocal finished
        finished += len(group)
        for line in group:
            emit(f"{line.id}: {known[line.id]}\n")
        if progress is not None:
            progress(finished, total)

    if settings.backend == "model":
        from filmstudio.llm.translate_model import find_translation_model, load_translation_model

        model = load_translation_model(find_translation_model(settings.model, project_dir), device)
        size = max(1, int(settings.group_size))
        for first in range(0, total, size):
            group = [planned.lines[i] for i in todo[first : first + size]]
            pieces = [(line.id, piece) for line in group for piece in line.text.split("\n")]
            texts = model.translate(
                [p for _i, p in pieces], planned.source, settings.target_language.strip(), cancel
            )
            for line in group:
                known[line.id] = "\n".join(
                    t for (i, _p), t in zip(pieces, texts, strict=True) if i == line.id
                )
            done(group)
        return {**model.made_by, "requests": -(-total // size)}
    task = Task(
        language_name(planned.source) if planned.source else "the language it is written in",
        language_name(settings.target_language.strip()),
        planned.kind,
        planned.glossary,
        settings.notes,
        float(settings.temperature),
        seed,
        int(settings.group_size),
        max(0, int(settings.context_lines)),
    )
    ask = _asker(settings, project_dir, device, cancel)
    asked = translate_lines(planned.lines, todo, task, ask, known, cancel, done)
    return {**asked.made_by, "requests": asked.requests, "tokens": asked.tokens}


def _asker(settings: TranslationSettings, project_dir: str | None, device: str, cancel: CancelToken) -> Any:
    """A function sending one request to the node's language model, its raw JSON kept off the
    streaming sink (the cues are emitted once read)."""
    from filmstudio.llm import local, server

    if settings.backend == "server":
        if not settings.model.strip():
            raise TranslationError(
                "the server back end needs the server's model name: set the node's model (`ollama list`, "
                f"GET {settings.base_url.rstrip('/')}/models)"
            )
        target = server.ServerSettings.from_environment(settings.base_url, settings.model)

        def ask(request: Any) -> Any:
            with streaming_to(None):
                return server.generate(target, request, cancel)

        return ask
    loaded = local.load_model(local.find_model(settings.model, project_dir), device)

    def ask_local(request: Any) -> Any:
        with streaming_to(None):
            return local.generate(loaded, request, cancel)

    return ask_local


def edit_translation(node: Any, cue_id: str, text: str, *, name: str | None = None) -> str:
    """A hand edit of cue ``cue_id``'s translation in the active take, stored as a new active take
    (one undo step; the original stays). Returns the new take's id."""
    from filmstudio.llm.takes import active_take, add_take

    take = active_take(node)
    if take is None:
        raise NoTakeError(f"{node.name} has no translation to edit yet: generate one first")
    cues = dict(stored_cues(take.data))
    if cue_id not in cues:
        known = ", ".join(list(cues)[:10]) + (" ..." if len(cues) > 10 else "")
        raise TakeError(f"{node.name}'s take {take.name} has no cue {cue_id!r} (cues: {known})")
    cleaned = "\n".join(" ".join(part.split()) for part in text.strip().splitlines() if part.strip())
    if not cleaned:
        raise TakeError(f"cue {cue_id}'s translation cannot be empty")
    cues[cue_id] = {**cues[cue_id], "text": cleaned, "by": "hand"}
    machine = (
        take.made_by.get("translated_by", take.made_by)
        if take.made_by.get("backend") == "hand"
        else take.made_by
    )
    made_by = {"backend": "hand", "edited_from": take.id, "cue": cue_id, "translated_by": dict(machine)}
    data = {**take.data, "cues": cues, "translated": [], "made_by": made_by, "text": take_text(cues)}
    return add_take(node, data, name=name or f"{take.name}, {cue_id} by hand")


def translation_of(node: Any, cue_id: str, take_id: str | None = None) -> str:
    """Cue ``cue_id``'s translation in take ``take_id`` (id or name; default: the active take)."""
    from filmstudio.llm.takes import active_take, get_take

    take = get_take(node, take_id) if take_id else active_take(node)
    if take is None:
        raise NoTakeError(f"{node.name} has no translation yet: generate one first")
    entry = stored_cues(take.data).get(cue_id)
    if entry is None:
        raise TakeError(f"{node.name}'s take {take.name} has no cue {cue_id!r}")
    return str(entry.get("text", ""))
