"""The animatic's screenplay and shot plan, made robust to what a small language model writes.

A 135 M-parameter model's scene has a heading and dialogue, but repeats itself until it runs out
of tokens, puts ``NAME:`` and stray quotes inside lines, and invents long headings; its shot list
JSON is usually cut off or off-schema. So the builder keeps the model's words but tidies them
(:func:`tidy_scene`: repeated and cut-off lines dropped, at most :data:`MAX_LINES` lines and
:data:`MAX_CHARACTERS` speakers, for a scene of 20-30 seconds), takes the model's shot list only
when it covers every line once and in order (:func:`usable_shots`), and otherwise plans shots from
the scene itself (:func:`planned_shots`: an establishing wide shot, then the speakers in
close-ups and two-shots). Title cards open each scene, and shot lengths are set from the voices
once they are recorded (:func:`timed_shots`), so every line is said inside its shot.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from fractions import Fraction

from filmstudio.script import Element, ElementKind, Screenplay, Script, Shot
from filmstudio.script.timing import reading_seconds

MAX_SCENES = 2
MAX_CHARACTERS = 3
MAX_LINES = 7
MAX_LINE_WORDS = 18
MAX_ACTION_WORDS = 24
LINES_PER_SHOT = 2
CARD_SECONDS = Fraction(2)
ESTABLISHING_SECONDS = Fraction(5, 2)
TAIL_SECONDS = Fraction(1, 2)  # a breath after a shot's last line before the cut
CARD_CAMERA = "title card"
DEFAULT_HEADING = "EXT. NOWHERE IN PARTICULAR - DAY"

_QUOTES = "\"'\u201c\u201d\u2018\u2019`"
_NAME_PREFIX = re.compile(r"^\s*[A-Za-z][A-Za-z .'-]{0,20}:\s+")
_NOT_NAME = re.compile(r"[^A-Z0-9 '\-]")
_WORD = re.compile(r"\S+")
_STANDARD_HEADING = re.compile(r"^(INT|EXT|EST|INT\./EXT|INT/EXT|I/E)[. ]")
_TITLE_CASE_CUE = re.compile(r"^[A-Z][a-z]+(?: [A-Z][a-z]+)?$")


def _key(text: str) -> str:
    """What makes two lines the same line: their letters and digits, in lower case."""
    return re.sub(r"[^0-9a-z]+", "", text.lower())


def clean_line(text: str) -> str:
    """A dialogue line without stray quotes, a leading ``NAME:`` and runs of spaces, cut to
    :data:`MAX_LINE_WORDS` words (at a sentence end when there is one)."""
    text = " ".join(text.split())
    text = _NAME_PREFIX.sub("", text, count=1)
    text = "".join(ch for ch in text if ch not in '"\u201c\u201d`').strip(_QUOTES + " ")
    words = _WORD.findall(text)
    if len(words) > MAX_LINE_WORDS:
        kept = " ".join(words[:MAX_LINE_WORDS])
        sentence = max(kept.rfind(". "), kept.rfind("! "), kept.rfind("? "))
        text = kept[: sentence + 1] if sentence > 0 else kept.rstrip(",;:") + "\u2026"
    return text


def clean_name(name: str) -> str:
    """A character cue a Fountain parser reads back as itself (capitals, digits, spaces, ' and -),
    "" when nothing of a name is left."""
    name = " ".join(_NOT_NAME.sub(" ", name.upper()).split()[:3])
    return name if re.search(r"[A-Z]", name) else ""


def _heading(element: Element | None) -> str:
    if element is None or not element.text.strip():
        return DEFAULT_HEADING
    parts = [part.strip() for part in element.text.split(" - ") if part.strip()]
    return " - ".join(parts[:2]).upper()  # "INT. STREET - STREET - ROCKET - 2014" is two parts too many


def cues_in_capitals(text: str) -> str:
    """``text`` with character cues a model wrote in Title Case (``Mara`` alone on a line, before
    a line of dialogue) in capitals, as Fountain wants them; other lines as they are."""
    lines = text.splitlines()
    for index, line in enumerate(lines):
        before = lines[index - 1].strip() if index else ""
        after = lines[index + 1].strip() if index + 1 < len(lines) else ""
        if not before and after and _TITLE_CASE_CUE.match(line.strip()):
            lines[index] = line.strip().upper()
    return "\n".join(lines)


def tidy_scene(text: str, truncated: bool) -> tuple[Screenplay, list[str]]:
    """A short, clean screenplay from a model's scene ``text``, and notes of what was changed
    (for the log and the take). ``truncated``: the answer was cut off by the token limit, so its
    last line is dropped (it is unfinished). The result may have no dialogue: the caller decides."""
    notes: list[str] = []
    script = Script.from_text(cues_in_capitals(text), lenient=True)
    spoken = list(script.screenplay.dialogue())
    if truncated and spoken:
        spoken = spoken[:-1]
        notes.append("dropped the last line (the answer was cut off)")
    by_scene: dict[str, list[tuple[str, str]]] = {}
    seen: list[str] = []
    speakers: list[str] = []
    repeats = dropped_speakers = 0
    for line in spoken:
        name, text = clean_name(line.speaker), clean_line(line.text)
        key = _key(text)
        if not name or not key:
            continue
        if any(key == old or key.startswith(old) or old.startswith(key) for old in seen):
            repeats += 1
            continue
        if name not in speakers:
            if len(speakers) == MAX_CHARACTERS:
                dropped_speakers += 1
                continue
            speakers.append(name)
        if len(seen) == MAX_LINES:
            break
        seen.append(key)
        by_scene.setdefault(line.scene_id, []).append((name, text))
    if repeats:
        notes.append(f"dropped {repeats} repeated line{'s' if repeats > 1 else ''}")
    if dropped_speakers:
        notes.append(f"dropped {dropped_speakers} line(s) of speakers beyond the first {MAX_CHARACTERS}")
    if len(spoken) - repeats - dropped_speakers > len(seen):
        notes.append(f"kept the first {len(seen)} lines")
    elements: list[Element] = []
    for scene in script.screenplay.scenes():
        lines = by_scene.get(scene.id, [])
        if not lines or len([e for e in elements if e.kind is ElementKind.SCENE_HEADING]) == MAX_SCENES:
            continue
        heading = _heading(scene.heading)
        forced = not _STANDARD_HEADING.match(heading)  # "KITCHEN - DAY" is a heading only when forced
        elements.append(Element(ElementKind.SCENE_HEADING, heading, forced=forced))
        action = next((e.text for e in scene.elements if e.kind is ElementKind.ACTION and e.text.strip()), "")
        if action:
            words = _WORD.findall(" ".join(action.split()))
            cut = " ".join(words[:MAX_ACTION_WORDS])
            elements.append(
                Element(ElementKind.ACTION, cut if len(words) <= MAX_ACTION_WORDS else f"{cut}\u2026")
            )
        for name, text in lines:
            elements += [Element(ElementKind.CHARACTER, name), Element(ElementKind.DIALOGUE, text)]
    return Screenplay.from_elements((), elements), notes


def narrated_scene(logline: str) -> Screenplay:
    """The scene when the model wrote no usable dialogue: a narrator says the logline."""
    text = clean_line(logline) or "Once upon a time."
    return Screenplay.from_elements(
        (),
        [
            Element(ElementKind.SCENE_HEADING, DEFAULT_HEADING, forced=True),
            Element(ElementKind.CHARACTER, "NARRATOR"),
            Element(ElementKind.DIALOGUE, text),
        ],
    )


def is_card(shot: Shot) -> bool:
    """Whether ``shot`` is a title card the builder put before a scene."""
    return shot.camera == CARD_CAMERA and not shot.dialogue


def usable_shots(shots: Sequence[Shot], screenplay: Screenplay) -> str:
    """Why a model's shot list cannot be used for ``screenplay`` ("" when it can): it must say
    every line exactly once, in the script's order, in shots of known scenes."""
    if not shots:
        return "it has no shots"
    said = [line_id for shot in shots for line_id in shot.dialogue]
    wanted = [line.id for line in screenplay.dialogue()]
    if said != wanted:
        return f"it says {len(said)} line(s) where the scene has {len(wanted)}, or not in order"
    known = {scene.id for scene in screenplay.scenes()}
    if any(shot.scene not in known for shot in shots):
        return "a shot names no scene of the script"
    return ""


def planned_shots(screenplay: Screenplay) -> tuple[Shot, ...]:
    """Shots planned from the scene: per scene a wide establishing shot of everyone in it, then
    each speaker's lines (two at most) in a close shot, every third one a two-shot with the last
    listener."""
    shots: list[Shot] = []
    sizes = ("MCU", "CU")
    for scene in screenplay.scenes():
        lines = [line for line in screenplay.dialogue() if line.scene_id == scene.id]
        cast = tuple(dict.fromkeys(line.speaker for line in lines))
        where = scene.heading.text if scene.heading is not None else "the scene"
        shots.append(
            Shot(
                scene.id,
                str(len(shots) + 1),
                "WS",
                "static",
                f"establishing: {where}",
                cast,
                (),
                ESTABLISHING_SECONDS,
            )
        )
        groups: list[list] = []
        for line in lines:  # a speaker's run of lines, two lines a shot at most
            if groups and groups[-1][0].speaker == line.speaker and len(groups[-1]) < LINES_PER_SHOT:
                groups[-1].append(line)
            else:
                groups.append([line])
        heard: list[str] = []  # who spoke before, most recent last
        for index, group in enumerate(groups):
            speaker = group[0].speaker
            listener = next((name for name in reversed(heard) if name != speaker), "")
            two_shot = index % 3 == 2 and listener
            characters = (listener, speaker) if two_shot else (speaker,)
            size = "MS" if two_shot else sizes[index % 2]
            description = f"{' and '.join(characters)}: {group[0].text}"
            dialogue = tuple(line.id for line in group)
            shots.append(
                Shot(scene.id, str(len(shots) + 1), size, "static", description, characters, dialogue)
            )
            heard.append(speaker)
    return tuple(shots)


def with_cards(shots: Sequence[Shot], screenplay: Screenplay) -> tuple[Shot, ...]:
    """``shots`` with a title card before the first shot of each scene."""
    out: list[Shot] = []
    for shot in shots:
        if not out or out[-1].scene != shot.scene:
            heading = screenplay.element(shot.scene).text if screenplay.has(shot.scene) else ""
            number = f"T{sum(1 for s in out if is_card(s)) + 1}"
            out.append(Shot(shot.scene, number, "", CARD_CAMERA, heading, (), (), CARD_SECONDS))
        out.append(shot)
    return tuple(out)


def timed_shots(
    shots: Sequence[Shot],
    screenplay: Screenplay,
    voiced_frames: Mapping[str, int],
    fps: Fraction,
    wpm: int,
    gap: int,
) -> tuple[Shot, ...]:
    """``shots`` with lengths in whole frames that hold their lines as recorded: a shot lasts at
    least, for each line, the longer of its reading time (where the timing model starts the next
    line) and its sound plus ``gap`` frames (where the voice ends), then :data:`TAIL_SECONDS`.
    ``voiced_frames``: each line's sound in frames, by line id. Cards and silent shots keep theirs."""
    spoken = {line.id: line for line in screenplay.dialogue()}
    out = []
    for shot in shots:
        if not shot.dialogue:
            seconds = shot.duration if shot.duration is not None else ESTABLISHING_SECONDS
            out.append(replace(shot, duration=_whole_frames(seconds, fps)))
            continue
        needed = TAIL_SECONDS
        for line_id in shot.dialogue:
            reading = reading_seconds(spoken[line_id].text, wpm)
            voiced = Fraction(voiced_frames.get(line_id, 0) + gap, 1) / fps
            needed += max(reading, voiced)
        out.append(replace(shot, duration=_whole_frames(needed, fps)))
    return tuple(out)


def _whole_frames(seconds: Fraction, fps: Fraction) -> Fraction:
    frames = -(-seconds * fps // 1)  # rounded up: never shorter than asked
    return Fraction(int(frames)) / fps


def shot_list_json(shots: Sequence[Shot]) -> str:
    """The shot list as the JSON text of a take (scene and dialogue by id, exact durations)."""
    import json

    items = [
        {
            "scene": shot.scene,
            "shot": shot.number,
            "size": shot.size,
            "camera": shot.camera,
            "description": shot.description,
            "characters": list(shot.characters),
            "dialogue": list(shot.dialogue),
            "duration": str(shot.duration) if shot.duration is not None else None,
        }
        for shot in shots
    ]
    return json.dumps({"shots": items}, indent=1, ensure_ascii=False)
