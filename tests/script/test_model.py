"""The Script data model: stable ids, screenplay queries, exact JSON round trips."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

from filmstudio.script import Element, ElementKind, Screenplay, Script, ScriptError, Shot, parse

SCENES = """\
INT. KITCHEN - DAY

Mary pours coffee.

MARY
Coffee?

JOHN (V.O.)
(tired)
Yes.

EXT. ROAD - NIGHT

JOHN
Yes.

MARY
Yes.
"""


def ids(screenplay: Screenplay) -> list[str]:
    return [e.id for e in screenplay.elements]


def test_ids_are_the_same_on_every_parse_and_unique():
    first, second = parse(SCENES), parse(SCENES)
    assert ids(first) == ids(second)
    assert len(set(ids(first))) == len(first.elements)


def test_editing_one_scene_keeps_the_ids_of_the_others():
    before = parse(SCENES)
    edited = parse(SCENES.replace("Coffee?", "Tea?"))
    road_before = before.scenes()[1].elements
    road_after = edited.scenes()[1].elements
    assert [e.id for e in road_before] == [e.id for e in road_after]
    kitchen = [e.id for e in before.scenes()[0].elements]
    kitchen_edited = [e.id for e in edited.scenes()[0].elements]
    changed = [a != b for a, b in zip(kitchen, kitchen_edited, strict=True)]
    assert changed == [False, False, True, False, False, False]  # only the edited line


def test_inserting_a_scene_keeps_every_other_id():
    before = parse(SCENES)
    inserted = parse("INT. HALL - DAY\n\nMARY\nYes.\n\n" + SCENES)
    assert set(ids(before)) <= set(ids(inserted))


def test_formatting_is_not_content():
    plain = parse("INT. KITCHEN - DAY\n\nMARY\nHi.\n")
    forced = parse(".INT. KITCHEN - DAY #4#\n\n@MARY ^\nHi.\n")
    assert ids(plain) == ids(forced)


def test_the_same_words_from_two_speakers_are_two_lines():
    screenplay = parse(SCENES)
    road = [line for line in screenplay.dialogue() if line.scene_id == screenplay.scenes()[1].id]
    assert [(line.speaker, line.text) for line in road] == [("JOHN", "Yes."), ("MARY", "Yes.")]
    assert road[0].id != road[1].id


def test_scenes_characters_and_dialogue():
    screenplay = parse(SCENES)
    assert [s.heading.text for s in screenplay.scenes()] == ["INT. KITCHEN - DAY", "EXT. ROAD - NIGHT"]
    assert screenplay.characters() == ("MARY", "JOHN")
    john = screenplay.dialogue()[1]
    assert (john.speaker, john.extensions, john.parenthetical, john.text) == (
        "JOHN",
        ("V.O.",),
        "tired",
        "Yes.",
    )
    assert screenplay.element(john.id) is john.element


def test_an_unknown_element_id_says_what_to_do():
    with pytest.raises(ScriptError, match="regenerate the shot list"):
        parse(SCENES).element("scene-00000000/dialogue-00000000")


def test_script_json_round_trip_is_exact():
    screenplay = parse("Title: Pilot\n\n" + SCENES)
    shot = Shot(
        screenplay.scenes()[0].id,
        "1A",
        "MCU",
        "dolly in",
        "Mary at the stove",
        ("MARY",),
        (screenplay.dialogue()[0].id,),
        Fraction(5, 2),
    )
    script = Script(screenplay, (shot, Shot(screenplay.scenes()[1].id, "2")))
    stored = json.dumps(script.to_json(), sort_keys=True)
    restored = Script.from_json(json.loads(stored))
    assert restored == script
    assert restored.shots[0].duration == Fraction(5, 2)
    assert json.dumps(restored.to_json(), sort_keys=True) == stored


def test_damaged_json_is_a_clear_error():
    with pytest.raises(ScriptError, match="edited by hand or is damaged"):
        Script.from_json({"screenplay": {"elements": [{"kind": "sonnet", "id": "x"}]}})
    with pytest.raises(ScriptError, match="no screenplay"):
        Script.from_json({})


def test_script_text_is_fountain():
    script = Script.from_text(SCENES)
    assert script.text == SCENES
    assert Element(ElementKind.ACTION, "x") != Element(ElementKind.ACTION, "y")
