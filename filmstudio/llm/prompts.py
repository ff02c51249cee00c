"""The LLM Script node's task presets: what each asks the model, framed so small models follow.

Each preset has a default system prompt (the node's ``system`` parameter replaces it when set), an
instruction built from the node's ``prompt`` and the upstream script, and — for writing scenes — a
worked example (one user/assistant exchange) in the exact Fountain layout wanted: scene heading,
action, a character cue in capitals on its own line, the dialogue under it. Even a 135 M-parameter
model copies that layout far more reliably than it follows a description of it.

"shots" asks for JSON following :data:`filmstudio.script.SHOT_LIST_SCHEMA`; servers that support it
get the schema as constrained output (``response_format``), and the answer is read by
:func:`filmstudio.script.parse_shot_list` either way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from filmstudio.llm.errors import LLMError
from filmstudio.llm.request import GenerationRequest


@dataclass(frozen=True)
class Preset:
    """A task. ``needs_script``: it works on the upstream script (continue, rewrite, shots,
    summarise). ``output`` is "fountain" (a screenplay), "continuation" (Fountain added after the
    upstream script) or "shots" (a JSON shot list for the upstream screenplay)."""

    name: str
    label: str
    system: str
    needs_script: bool
    output: str


_WRITER = (
    "You are a professional screenwriter. You write screenplays in Fountain format: a scene heading "
    "line such as INT. KITCHEN - NIGHT, action lines in the present tense, each character's name in "
    "CAPITALS on its own line followed by what they say on the next line, blank lines between "
    "elements. Write only the screenplay: no title, no notes, no markdown."
)

PRESETS: dict[str, Preset] = {
    preset.name: preset
    for preset in (
        Preset("scene", "write a scene from a logline", _WRITER, False, "fountain"),
        Preset("continue", "continue the script", _WRITER, True, "continuation"),
        Preset("rewrite", "rewrite / punch up dialogue", _WRITER, True, "fountain"),
        Preset(
            "shots",
            "break into shots",
            "You are a film director and script supervisor. You break screenplays into a shot list "
            "and answer with JSON only.",
            True,
            "shots",
        ),
        Preset(
            "summarise",
            "summarise",
            "You are a script editor. You summarise screenplays in plain prose: who wants what, what "
            "happens, how it ends.",
            True,
            "fountain",
        ),
    )
}
LLM_PRESETS = tuple(PRESETS)

EXAMPLE_LOGLINE = "A baker finds a ring hidden in the dough on the morning of her wedding."
EXAMPLE_SCENE = """INT. BAKERY - DAWN

Flour hangs in the air. MARA kneads dough alone, humming.

Her fingers stop. She pulls a gold ring out of the dough.

MARA
Who bakes a ring into bread?

TOM
Someone who wanted you to find it.

Tom steps out of the pantry, covered in flour.

MARA
You were supposed to wait until the church.

TOM
I couldn't wait that long.
"""

_SHOTS = (
    'Break this screenplay into shots. Answer with one JSON object {{"shots": [...]}}. Each shot has: '
    '"scene" (the scene number, counting from 1), "shot" (its number as text: "1", "2", "2A"), "size" '
    '(EWS, WS, FS, MS, MCU, CU, ECU or INSERT), "camera" (angle and movement), "description" (what we '
    'see), "characters" (names of the characters seen), "dialogue" (the exact dialogue lines spoken in '
    'the shot), "duration" (seconds).{notes}\n\nScreenplay:\n\n{script}'
)


def preset(name: str) -> Preset:
    """The preset called ``name``; unknown names list the known ones."""
    try:
        return PRESETS[name]
    except KeyError:
        raise LLMError(f"unknown preset {name!r}: use one of {', '.join(LLM_PRESETS)}") from None


def build_request(
    name: str,
    prompt: str,
    system: str,
    script_text: str | None,
    *,
    temperature: float,
    top_p: float,
    max_tokens: int,
    seed: int,
    shot_list_schema: Any = None,
) -> GenerationRequest:
    """The chat request for preset ``name``: ``prompt`` is the artist's text (a logline, notes),
    ``system`` replaces the preset's system prompt when not blank, ``script_text`` is the upstream
    script as Fountain (None when nothing is connected)."""
    task = preset(name)
    prompt = prompt.strip()
    if task.needs_script and not (script_text or "").strip():
        raise LLMError(
            f"the {task.label!r} preset works on a script: connect a Script File or another LLM Script "
            "node to the node's source input"
        )
    if not task.needs_script and not prompt:
        raise LLMError("the prompt is empty: type a logline or what the scene is about, then Generate")
    messages = [("system", system.strip() or task.system)]
    script = (script_text or "").strip()
    if task.name == "scene":
        messages += [
            ("user", _scene_instruction(EXAMPLE_LOGLINE)),
            ("assistant", EXAMPLE_SCENE),
            (
                "user",
                _scene_instruction(prompt) + (f"\n\nEarlier in the script:\n\n{script}" if script else ""),
            ),
        ]
    elif task.name == "continue":
        wish = f" What happens next: {prompt}." if prompt else ""
        messages.append(
            (
                "user",
                f"Here is a screenplay in Fountain:\n\n{script}\n\nWrite the next scene.{wish} "
                "Write only the new scene, starting with its scene heading.",
            )
        )
    elif task.name == "rewrite":
        how = prompt or "Punch up the dialogue: sharper, funnier, more specific; keep what happens"
        messages.append(
            (
                "user",
                f"Rewrite this screenplay. {how}. Keep the Fountain format, the scene headings and "
                f"the characters' names.\n\n{script}",
            )
        )
    elif task.name == "shots":
        notes = f" Director's notes: {prompt}." if prompt else ""
        messages.append(("user", _SHOTS.format(notes=notes, script=script)))
    else:
        focus = f" {prompt}." if prompt else ""
        messages.append(("user", f"Summarise this screenplay in one short paragraph.{focus}\n\n{script}"))
    return GenerationRequest(
        messages=tuple(messages),
        temperature=temperature,
        top_p=top_p,
        max_tokens=max_tokens,
        seed=seed,
        json_schema=shot_list_schema if task.output == "shots" else None,
    )


def _scene_instruction(logline: str) -> str:
    return f"Logline: {logline}\nWrite one short scene in Fountain format, with dialogue."
