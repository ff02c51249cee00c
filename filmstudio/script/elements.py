"""The screenplay model: Fountain elements with stable ids, grouped into a :class:`Screenplay`.

Values here are frozen (they cross from the evaluation threads to the editor) and convert to and
from JSON exactly (they are stored in project files, inside takes).

Element ids are what shot lists and the timing model refer to, so they must survive re-parsing the
same text and edits elsewhere in the script. An id is the element's scene (the id of the scene
heading above it, itself a hash of the heading's text), its kind, a hash of its content, and — only
when the same content appears again in the same scene — its occurrence::

    scene-3f2a9c10                         INT. KITCHEN - DAY
    scene-3f2a9c10/dialogue-77b01e2a       MARY: "Coffee?"
    scene-3f2a9c10/dialogue-77b01e2a-2     the same line said again later in the scene

Editing one scene leaves every other scene's ids alone, and inserting or removing whole scenes
keeps the rest too (a scene id does not count scenes). Editing a scene's heading renames the ids
of its elements: the heading is the scene's name. Formatting (forced markers, scene numbers,
dual-dialogue carets) is not content: it does not change ids.
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from filmstudio.script.errors import ScriptError


class ElementKind(enum.Enum):
    """Every element of Fountain (https://fountain.io/syntax)."""

    TITLE_ENTRY = "title"  # a title page "Key: value" (the value may span lines)
    SCENE_HEADING = "scene"
    ACTION = "action"  # incl. forced (!) and centred (> text <)
    CHARACTER = "character"  # a cue: name, extensions like V.O. or CONT'D, dual-dialogue caret
    PARENTHETICAL = "parenthetical"  # text inside the parentheses
    DIALOGUE = "dialogue"
    LYRICS = "lyrics"  # ~ lines
    TRANSITION = "transition"  # CUT TO:, or forced with >
    NOTE = "note"  # a paragraph that is one [[note]]
    BONEYARD = "boneyard"  # /* omitted text */
    PAGE_BREAK = "page_break"  # ===
    SECTION = "section"  # # Act, ## Sequence (depth = number of #)
    SYNOPSIS = "synopsis"  # = a line of summary


@dataclass(frozen=True)
class Element:
    """One Fountain element. ``text`` is the content without its Fountain markers (no leading
    ``.``/``!``/``@``/``>``/``~``/``#``/``=``, no ``#1A#`` scene number, no cue extensions, no
    parentheses of a parenthetical); emphasis (``*italic*``, ``**bold**``, ``_underline_``) and
    inline notes stay in the text as written. Lines of a multi-line element are joined by "\\n".

    Fields that do not apply to a kind keep their defaults: ``key`` (title entries),
    ``scene_number`` (headings), ``forced`` (headings, action, cues, transitions), ``centered``
    (action), ``extensions`` and ``dual`` (cues), ``depth`` (sections)."""

    kind: ElementKind
    text: str = ""
    id: str = ""
    key: str = ""
    scene_number: str = ""
    forced: bool = False
    centered: bool = False
    extensions: tuple[str, ...] = ()
    dual: bool = False
    depth: int = 0

    def to_json(self) -> dict[str, Any]:
        """Only the fields that differ from their defaults, so saved takes stay small and readable."""
        data: dict[str, Any] = {"kind": self.kind.value, "id": self.id}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in ("kind", "id") or value == f.default:
                continue
            data[f.name] = list(value) if isinstance(value, tuple) else value
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Element:
        try:
            kind = ElementKind(data["kind"])
            known = {f.name for f in fields(cls)} - {"kind"}
            values = {name: data[name] for name in known if name in data}
            if "extensions" in values:
                values["extensions"] = tuple(str(e) for e in values["extensions"])
            return cls(kind=kind, **values)
        except (KeyError, ValueError, TypeError) as error:
            raise ScriptError(
                f"a saved script element is not valid ({error!r}): the project file was edited by "
                "hand or is damaged; regenerate or re-read the script"
            ) from None

    @property
    def name(self) -> str:
        """A character cue's name as used to group lines (upper case, without extensions)."""
        return self.text.upper() if self.kind is ElementKind.CHARACTER else ""


@dataclass(frozen=True)
class Scene:
    """A scene: its heading (None for what comes before the first heading) and its elements."""

    heading: Element | None
    elements: tuple[Element, ...]

    @property
    def id(self) -> str:
        return self.heading.id if self.heading is not None else ""


@dataclass(frozen=True)
class DialogueLine:
    """A spoken element (dialogue or lyrics inside a dialogue block) with who speaks it: the cue's
    name, its extensions and the parenthetical right before it, if any."""

    element: Element
    speaker: str
    scene_id: str
    extensions: tuple[str, ...] = ()
    parenthetical: str = ""

    @property
    def id(self) -> str:
        return self.element.id

    @property
    def text(self) -> str:
        return self.element.text


@dataclass(frozen=True)
class Screenplay:
    """A parsed screenplay: the title page entries, then the body's elements in order. Build one
    with :func:`filmstudio.script.parse` or :meth:`from_elements` (which assigns the ids)."""

    title_page: tuple[Element, ...] = ()
    elements: tuple[Element, ...] = ()
    _index: dict[str, Element] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        index = {e.id: e for e in (*self.title_page, *self.elements)}
        object.__setattr__(self, "_index", index)

    @classmethod
    def from_elements(cls, title_page: Iterable[Element], elements: Iterable[Element]) -> Screenplay:
        """A screenplay whose elements get their stable ids (any ids they carry are replaced)."""
        return cls(tuple(assign_ids(title_page, ())), tuple(assign_ids((), elements)))

    def element(self, element_id: str) -> Element:
        """The element with this id; a :class:`ScriptError` names the id when there is none."""
        try:
            return self._index[element_id]
        except KeyError:
            raise ScriptError(
                f"the script has no element {element_id!r}: it was edited since the reference was "
                "made; regenerate the shot list or pick the line again"
            ) from None

    def has(self, element_id: str) -> bool:
        return element_id in self._index

    def title(self) -> str:
        """The title page's Title entry, or ""."""
        return next((e.text for e in self.title_page if e.key.lower() == "title"), "")

    def scenes(self) -> tuple[Scene, ...]:
        """The scenes in order; elements before the first heading form a scene with no heading
        (left out when there are none)."""
        scenes: list[Scene] = []
        heading: Element | None = None
        current: list[Element] = []
        for element in self.elements:
            if element.kind is ElementKind.SCENE_HEADING:
                if heading is not None or current:
                    scenes.append(Scene(heading, tuple(current)))
                heading, current = element, []
            else:
                current.append(element)
        if heading is not None or current:
            scenes.append(Scene(heading, tuple(current)))
        return tuple(scenes)

    def characters(self) -> tuple[str, ...]:
        """Every speaking character's name, in order of first appearance."""
        return tuple(dict.fromkeys(e.name for e in self.elements if e.kind is ElementKind.CHARACTER))

    def dialogue(self) -> tuple[DialogueLine, ...]:
        """Every spoken line with its speaker, in order."""
        lines: list[DialogueLine] = []
        scene_id = ""
        cue: Element | None = None
        parenthetical = ""
        for element in self.elements:
            kind = element.kind
            if kind is ElementKind.SCENE_HEADING:
                scene_id, cue = element.id, None
            elif kind is ElementKind.CHARACTER:
                cue, parenthetical = element, ""
            elif kind is ElementKind.PARENTHETICAL and cue is not None:
                parenthetical = element.text
            elif kind in (ElementKind.DIALOGUE, ElementKind.LYRICS) and cue is not None:
                lines.append(DialogueLine(element, cue.name, scene_id, cue.extensions, parenthetical))
                parenthetical = ""
            elif kind not in (ElementKind.NOTE, ElementKind.BONEYARD):
                cue = None  # anything else ends the dialogue block
        return tuple(lines)

    def to_json(self) -> dict[str, Any]:
        return {
            "title_page": [e.to_json() for e in self.title_page],
            "elements": [e.to_json() for e in self.elements],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Screenplay:
        try:
            title_page = tuple(Element.from_json(e) for e in data.get("title_page", ()))
            elements = tuple(Element.from_json(e) for e in data["elements"])
        except (KeyError, TypeError, AttributeError) as error:
            raise ScriptError(
                f"a saved screenplay is not valid ({error!r}): the project file was edited by hand "
                "or is damaged; regenerate or re-read the script"
            ) from None
        return cls(title_page, elements)


_IN_DIALOGUE = frozenset(
    {
        ElementKind.DIALOGUE,
        ElementKind.PARENTHETICAL,
        ElementKind.LYRICS,
        ElementKind.NOTE,
        ElementKind.BONEYARD,
    }
)


def content_hash(*parts: str) -> str:
    """Eight hex digits of a SHA-256 over ``parts``: short ids that are the same on every machine
    and Python (``hash()`` is salted per process)."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return digest[:8]


def assign_ids(title_page: Iterable[Element], elements: Iterable[Element]) -> list[Element]:
    """The elements of a title page and/or a body with their stable ids (see the module docstring)."""
    out: list[Element] = []
    seen: dict[str, int] = {}

    def unique(base: str) -> str:
        count = seen.get(base, 0) + 1
        seen[base] = count
        return base if count == 1 else f"{base}-{count}"

    for entry in title_page:
        out.append(replace(entry, id=unique(f"title-{content_hash(entry.key.lower())}")))
    scene = ""
    speaker = ""
    for element in elements:
        kind = element.kind
        if kind is ElementKind.SCENE_HEADING:
            scene = unique(f"scene-{content_hash(element.text.upper())}")
            out.append(replace(element, id=scene))
            speaker = ""
            continue
        if kind is ElementKind.CHARACTER:
            speaker = element.name
        elif kind not in _IN_DIALOGUE:
            speaker = ""  # as in Screenplay.dialogue(): anything else ends the dialogue block
        # A spoken line's content includes who says it: "Yes." from two people is two lines.
        who = speaker if kind in (ElementKind.DIALOGUE, ElementKind.PARENTHETICAL, ElementKind.LYRICS) else ""
        base = f"{kind.value}-{content_hash(kind.value, who, element.text)}"
        out.append(replace(element, id=unique(f"{scene}/{base}" if scene else base)))
    return out
