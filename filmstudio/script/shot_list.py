"""Shot lists as JSON: the schema a model is asked to follow, and a forgiving parser for its answer.

:data:`SHOT_LIST_SCHEMA` is a JSON Schema (draft 2020-12 subset that constrained decoders accept:
OpenAI ``response_format``, vLLM ``guided_json``, llama.cpp grammars from schemas) for::

    {"shots": [{"scene": 1, "shot": "1A", "size": "MCU", "camera": "dolly in",
                "description": "Ada at the lamp", "characters": ["ADA"],
                "dialogue": ["scene-3f2a9c10/dialogue-77b01e2a"], "duration": 4.5}]}

:func:`parse_shot_list` reads what a model actually returns, constrained or not: the JSON may sit
in prose or a code fence, have trailing commas, be a bare list, or leave out optional fields
(they get their defaults), or be cut short by the token limit (the complete shots before the cut
are kept). What cannot be meant any other way is an error that names the shot and the field
(``shots[2].duration must be a number of seconds, not "long"``).

:func:`shot_list_schema` fits the schema to one screenplay: scene numbers it has, its speaking
characters and its dialogue lines as the only choices, and a bound on the number of shots. A
constrained decoder then cannot name a character or a line the script does not have, and ends a
list that a small model would otherwise repeat until the token limit.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

from filmstudio.script.elements import ElementKind, Screenplay
from filmstudio.script.errors import ShotListError
from filmstudio.script.shots import Shot

SHOT_SIZES = ("EWS", "WS", "FS", "MS", "MCU", "CU", "ECU", "INSERT")
"""The shot sizes a model chooses from (extreme wide to extreme close-up, and inserts)."""

ENUM_MOST, ENUM_CHARACTERS = 250, 7500
"""The most dialogue lines :func:`shot_list_schema` lists as the only choices, and their most text
(OpenAI's strict schemas refuse longer enums; a longer script's lines stay free text, which
:func:`parse_shot_list` still matches to the script's lines)."""

SHOTS_PER_BEAT = 2
"""At most this many shots per beat of a screenplay (an action paragraph or a dialogue line) in
:func:`shot_list_schema`: room for coverage, and an end to a list that repeats."""

_STRING = {"type": "string"}
SHOT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "scene": {"type": "integer", "minimum": 1, "description": "the scene, counting from 1"},
        "shot": {
            "type": "string",
            "maxLength": 8,
            "description": "shot number within the script, e.g. 1, 2, 2A",
        },
        "size": {"type": "string", "enum": list(SHOT_SIZES), "description": "shot size"},
        "camera": {
            "type": "string",
            "maxLength": 80,
            "description": "angle and movement, e.g. low angle, dolly in",
        },
        "description": {"type": "string", "maxLength": 400, "description": "what we see"},
        "characters": {"type": "array", "items": _STRING, "description": "names of the characters seen"},
        "dialogue": {"type": "array", "items": _STRING, "description": "the dialogue lines spoken"},
        "duration": {"type": "number", "exclusiveMinimum": 0, "description": "length in seconds"},
    },
    "required": ["scene", "shot", "size", "camera", "description", "characters", "dialogue", "duration"],
    "additionalProperties": False,
}
SHOT_LIST_SCHEMA: dict[str, Any] = {
    "title": "shot_list",
    "type": "object",
    "properties": {"shots": {"type": "array", "items": SHOT_SCHEMA, "minItems": 1}},
    "required": ["shots"],
    "additionalProperties": False,
}


def shot_list_schema(screenplay: Screenplay | None) -> dict[str, Any]:
    """:data:`SHOT_LIST_SCHEMA` fitted to ``screenplay`` (as it is without one): ``scene`` up to
    its number of scenes with a heading, ``characters`` among its speaking characters,
    ``dialogue`` among its lines (their exact text, which :func:`parse_shot_list` turns into
    ids; up to :data:`ENUM_MOST` lines), and at most :data:`SHOTS_PER_BEAT` shots per action
    paragraph or line."""
    schema = copy.deepcopy(SHOT_LIST_SCHEMA)
    if screenplay is None:
        return schema
    shots = schema["properties"]["shots"]
    fields = shots["items"]["properties"]
    scenes = sum(1 for scene in screenplay.scenes() if scene.heading is not None)
    if scenes:
        fields["scene"]["maximum"] = scenes
    speakers = list(screenplay.characters())
    if speakers:
        fields["characters"].update(items={"type": "string", "enum": speakers}, maxItems=len(speakers))
    lines = list(dict.fromkeys(line.text for line in screenplay.dialogue()))
    if not lines:
        fields["dialogue"]["maxItems"] = 0
    elif len(lines) <= ENUM_MOST and sum(map(len, lines)) <= ENUM_CHARACTERS:
        fields["dialogue"].update(items={"type": "string", "enum": lines}, maxItems=len(lines))
    beats = sum(1 for e in screenplay.elements if e.kind is ElementKind.ACTION) + len(screenplay.dialogue())
    shots["maxItems"] = max(1, SHOTS_PER_BEAT * beats)
    return schema


_FENCE = re.compile(r"```(?:json)?\s*\n(.*?)```", re.DOTALL | re.IGNORECASE)
_TRAILING_COMMA = re.compile(r",(\s*[}\]])")
_LIST_OPENING = re.compile(r'(?:\{\s*"(?:shots|shot_list|shotlist)"\s*:\s*)?\[')
_BETWEEN_ITEMS = re.compile(r"[\s,]*")
_ALIASES = {"number": "shot", "shot_number": "shot", "shot_size": "size", "dialog": "dialogue"}


def parse_shot_list(text: str, screenplay: Screenplay | None = None) -> tuple[Shot, ...]:
    """The shots in a model's answer ``text``. With ``screenplay``, scenes given as a number (1 =
    the first scene), a heading, a scene number (``1A``) or an id become the heading's element id,
    and dialogue given as ids or as the exact line become dialogue ids; without it they are kept
    as written. Raises :class:`ShotListError` naming the field at fault."""
    data = _json(text)
    if isinstance(data, Mapping):
        items = next((data[k] for k in ("shots", "shot_list", "shotlist") if k in data), None)
        if items is None:
            raise ShotListError('the shot list has no "shots": expected {"shots": [ ... ]}', "shots")
    else:
        items = data
    if not isinstance(items, list):
        raise ShotListError(f'"shots" must be a list of shots, not {_kind(items)}', "shots")
    return tuple(_shot(item, index, screenplay) for index, item in enumerate(items))


def _json(text: str) -> Any:
    fenced = _FENCE.search(text)
    body = fenced[1] if fenced else text
    starts = [i for i in (body.find("{"), body.find("[")) if i != -1]
    if not starts:
        raise ShotListError("the answer holds no JSON shot list: ask again for the shot list as JSON")
    start = min(starts)
    end = max(body.rfind("}"), body.rfind("]")) + 1
    candidate = body[start:end]
    for attempt in (candidate, _TRAILING_COMMA.sub(r"\1", candidate)):
        try:
            return json.loads(attempt)
        except json.JSONDecodeError as error:
            problem = error
    complete = _complete_shots(body[start:])
    if complete:
        return {"shots": complete}
    if complete is not None:
        raise ShotListError(
            "the shot list ends before its first shot is complete (the answer was cut short): "
            "raise the node's max_tokens and generate again"
        )
    raise ShotListError(
        f"the shot list is not valid JSON ({problem.msg} at line {problem.lineno} column "
        f"{problem.colno}): ask again, or use a back end with constrained output"
    )


def _complete_shots(text: str) -> list[Any] | None:
    """The complete items of a list of shots that stops before its end (an answer cut by the token
    limit): ``{"shots": [{...}, {...}, {"sce`` gives the first two. None when ``text`` is no
    such list: it does not open one, or its JSON is wrong rather than short."""
    opening = _LIST_OPENING.match(text)
    if opening is None:
        return None
    decoder = json.JSONDecoder()
    items: list[Any] = []
    at = opening.end()
    while True:
        at = _BETWEEN_ITEMS.match(text, at).end()
        if at == len(text):
            return items
        if text[at] == "]":
            return None
        try:
            item, at = decoder.raw_decode(text, at)
        except json.JSONDecodeError as error:
            # cut: the text ends inside the item (a string never closed, or a value or a comma
            # due where it stops); anything else is JSON that is wrong, not short
            cut = error.msg.startswith("Unterminated string") or error.pos >= len(text.rstrip())
            return items if cut else None
        items.append(item)


def _shot(item: Any, index: int, screenplay: Screenplay | None) -> Shot:
    where = f"shots[{index}]"
    if not isinstance(item, Mapping):
        raise ShotListError(f"{where} must be an object with the shot's fields, not {_kind(item)}", where)
    fields = {_ALIASES.get(key, key): value for key, value in item.items()}
    number = fields.get("shot")
    if number is None:
        number = index + 1
    if isinstance(number, bool) or not isinstance(number, str | int):
        raise ShotListError(
            f"{where}.shot must be a shot number like 12 or 12A, not {_kind(number)}", f"{where}.shot"
        )
    return Shot(
        scene=_scene(fields.get("scene"), f"{where}.scene", screenplay),
        number=str(number).strip(),
        size=_text(fields, "size", where),
        camera=_text(fields, "camera", where),
        description=_text(fields, "description", where),
        characters=tuple(dict.fromkeys(name.upper() for name in _texts(fields, "characters", where))),
        dialogue=tuple(
            _line_id(line, f"{where}.dialogue", screenplay) for line in _texts(fields, "dialogue", where)
        ),
        duration=_duration(fields.get("duration"), f"{where}.duration"),
    )


def _text(fields: Mapping[str, Any], name: str, where: str) -> str:
    value = fields.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ShotListError(f"{where}.{name} must be text, not {_kind(value)}", f"{where}.{name}")
    return value.strip()


def _texts(fields: Mapping[str, Any], name: str, where: str) -> list[str]:
    value = fields.get(name)
    if value is None:
        return []
    if isinstance(value, str):
        return [value.strip()] if value.strip() else []  # one name given without a list
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ShotListError(f"{where}.{name} must be a list of text, not {_kind(value)}", f"{where}.{name}")
    return [v.strip() for v in value if v.strip()]


def _duration(value: Any, where: str) -> Fraction | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = value.strip().removesuffix("s").removesuffix("sec").strip()  # "4s", "4 sec"
    try:
        if isinstance(value, bool):
            raise ValueError
        seconds = Fraction(str(value))
    except (ValueError, ZeroDivisionError):
        raise ShotListError(f"{where} must be a number of seconds, not {json.dumps(value)}", where) from None
    if seconds <= 0:
        raise ShotListError(f"{where} must be more than 0 seconds, not {value}", where)
    return seconds


def _scene(value: Any, where: str, screenplay: Screenplay | None) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ShotListError(f"{where} must be a scene number or heading, not {_kind(value)}", where)
    if screenplay is None:
        return str(value)
    headings = [s.heading for s in screenplay.scenes() if s.heading is not None]
    if isinstance(value, int) or value.strip().isdigit():
        position = int(value)
        if 1 <= position <= len(headings):
            return headings[position - 1].id
    wanted = str(value).strip().strip("#").upper()
    for heading in headings:
        if wanted in (heading.id.upper(), heading.text.upper(), heading.scene_number.upper()):
            return heading.id
    raise ShotListError(
        f"{where} is {json.dumps(value)}, which is no scene of the script (it has {len(headings)}: "
        "give a number from 1, or a heading)",
        where,
    )


def _line_id(value: str, where: str, screenplay: Screenplay | None) -> str:
    if screenplay is None or screenplay.has(value):
        return value
    spoken = [line for line in screenplay.dialogue() if line.text.strip().lower() == value.lower()]
    if spoken:
        return spoken[0].id
    raise ShotListError(f"{where}: {json.dumps(value)} is not a dialogue id or line of the script", where)


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "text", bool: "true/false", type(None): "null"}
    return names.get(
        type(value), f"the number {value}" if isinstance(value, int | float) else type(value).__name__
    )


__all__: Sequence[str] = (
    "ENUM_CHARACTERS",
    "ENUM_MOST",
    "SHOTS_PER_BEAT",
    "SHOT_LIST_SCHEMA",
    "SHOT_SCHEMA",
    "SHOT_SIZES",
    "parse_shot_list",
    "shot_list_schema",
)
