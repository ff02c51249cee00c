"""Shot lists from models: the schema they are asked to follow and the forgiving parser."""

from __future__ import annotations

import json
import re
from fractions import Fraction

import pytest

from filmstudio.script import SHOT_LIST_SCHEMA, ShotListError, parse, parse_shot_list, shot_list_schema
from filmstudio.script.shot_list import SHOT_SIZES, SHOTS_PER_BEAT

SCRIPT = parse(
    "INT. LIGHTHOUSE - NIGHT #1#\n\nADA\nForty years.\n\nTOM\nNobody sails here.\n\n"
    "EXT. HARBOUR - DAY #2A#\n\nBoats.\n"
)
LIGHTHOUSE, HARBOUR = (scene.id for scene in SCRIPT.scenes())
ADA_LINE, TOM_LINE = (line.id for line in SCRIPT.dialogue())


def test_the_schema_describes_every_field_and_is_json():
    shot = SHOT_LIST_SCHEMA["properties"]["shots"]["items"]
    fields = {"scene", "shot", "size", "camera", "description", "characters", "dialogue", "duration"}
    assert set(shot["properties"]) == fields
    assert set(shot["required"]) == fields and shot["additionalProperties"] is False  # strict mode
    assert json.loads(json.dumps(SHOT_LIST_SCHEMA)) == SHOT_LIST_SCHEMA


def test_a_well_formed_answer():
    answer = json.dumps(
        {
            "shots": [
                {"scene": 1, "shot": "1", "size": "WS", "camera": "static", "description": "The lamp room",
                 "characters": ["Ada", "TOM"], "dialogue": [ADA_LINE], "duration": 4.5},
                {"scene": 2, "shot": "2A", "size": "CU", "camera": "handheld", "description": "Boats",
                 "characters": [], "dialogue": [], "duration": 3},
            ]
        }
    )  # fmt: skip
    first, second = parse_shot_list(answer, SCRIPT)
    assert (first.scene, first.number, first.size, first.camera) == (LIGHTHOUSE, "1", "WS", "static")
    assert first.characters == ("ADA", "TOM") and first.dialogue == (ADA_LINE,)
    assert first.duration == Fraction(9, 2) and second.duration == 3 and second.scene == HARBOUR


def test_prose_fences_trailing_commas_and_missing_fields():
    answer = """Sure! Here is the shot list:
```json
[
  {"scene": "INT. LIGHTHOUSE - NIGHT", "description": "Ada speaks", "dialogue": ["Forty years."],},
  {"scene": "2A", "number": 7, "duration": "2.5s",},
]
```
Let me know if you want changes."""
    first, second = parse_shot_list(answer, SCRIPT)
    assert (first.scene, first.number, first.size, first.duration) == (LIGHTHOUSE, "1", "", None)
    assert first.dialogue == (ADA_LINE,)  # the line's text found its id
    assert (second.scene, second.number, second.duration) == (HARBOUR, "7", Fraction(5, 2))


@pytest.mark.parametrize(
    ("shots", "field", "message"),
    [
        ([{"scene": 1, "duration": "long"}], "shots[0].duration", 'number of seconds, not "long"'),
        ([{"scene": 1}, {"scene": 1, "duration": -2}], "shots[1].duration", "more than 0 seconds"),
        ([{"scene": 1, "characters": 5}], "shots[0].characters", "list of text, not the number 5"),
        ([{"scene": 1, "description": ["a"]}], "shots[0].description", "must be text, not a list"),
        ([{"scene": 9}], "shots[0].scene", "no scene of the script (it has 2"),
        ([{"scene": 1, "dialogue": ["Hello?"]}], "shots[0].dialogue", "not a dialogue id or line"),
        (["a shot"], "shots[0]", "must be an object"),
        ({"shot": []}, "shots", 'has no "shots"'),
    ],
)
def test_wrong_types_name_the_field(shots, field, message):
    with pytest.raises(ShotListError, match=re.escape(message)) as caught:
        parse_shot_list(json.dumps(shots), SCRIPT)
    assert caught.value.field == field
    assert field in str(caught.value) or field == "shots"


def test_no_json_at_all_says_to_ask_again():
    with pytest.raises(ShotListError, match="holds no JSON"):
        parse_shot_list("I'd rather not.")
    with pytest.raises(ShotListError, match="not valid JSON"):
        parse_shot_list('{"shots": [{"scene": 1 "shot": 2}]}')


def test_without_a_screenplay_references_are_kept_as_written():
    (shot,) = parse_shot_list('[{"scene": 3, "dialogue": ["x"]}]')
    assert (shot.scene, shot.dialogue) == ("3", ("x",))


def test_the_schema_fitted_to_a_screenplay_offers_only_what_it_has():
    schema = shot_list_schema(SCRIPT)
    shots = schema["properties"]["shots"]
    fields = shots["items"]["properties"]
    assert fields["scene"] == {
        **SHOT_LIST_SCHEMA["properties"]["shots"]["items"]["properties"]["scene"],
        "maximum": 2,
    }
    assert fields["characters"]["items"]["enum"] == ["ADA", "TOM"] and fields["characters"]["maxItems"] == 2
    assert fields["dialogue"]["items"]["enum"] == ["Forty years.", "Nobody sails here."]
    assert fields["size"]["enum"] == list(SHOT_SIZES)
    assert shots["maxItems"] == SHOTS_PER_BEAT * 3  # two lines and one action paragraph ("Boats.")
    # the shared schema is left as it was, and a list that follows the fitted one parses
    assert "maximum" not in SHOT_LIST_SCHEMA["properties"]["shots"]["items"]["properties"]["scene"]
    assert shot_list_schema(None) == SHOT_LIST_SCHEMA
    shot = {"scene": 2, "shot": "1", "size": "MCU", "camera": "static", "description": "Ada",
            "characters": ["ADA"], "dialogue": ["Nobody sails here."], "duration": 2}  # fmt: skip
    answer = {"shots": [shot]}
    (shot,) = parse_shot_list(json.dumps(answer), SCRIPT)
    assert (shot.scene, shot.dialogue) == (HARBOUR, (TOM_LINE,))


def test_a_screenplay_without_dialogue_allows_no_lines():
    fields = shot_list_schema(parse("EXT. FIELD - DAY\n\nWind.\n"))["properties"]["shots"]["items"][
        "properties"
    ]
    assert fields["dialogue"]["maxItems"] == 0 and "enum" not in fields["characters"]["items"]


def test_an_answer_cut_by_the_token_limit_keeps_its_complete_shots():
    whole = json.dumps(
        {
            "shots": [
                {"scene": 1, "shot": str(n), "size": "WS", "characters": ["Ada", "ADA"]} for n in (1, 2, 3)
            ]
        }
    )
    cut_at = whole.index('"shot": "3"') + 4  # inside the third shot's "shot" key
    first, second = parse_shot_list(whole[:cut_at], SCRIPT)
    assert (first.number, second.number) == ("1", "2")
    assert first.characters == ("ADA",)  # a name given twice is one character
    for end in ('{"shots": [{"scene": 1, "size": "W', '[{"scene": 1, "shot": ', '{"shots": [{"scene": 1,'):
        with pytest.raises(ShotListError, match="before its first shot is complete.*max_tokens"):
            parse_shot_list(end, SCRIPT)
    # wrong JSON is not mistaken for a short answer
    with pytest.raises(ShotListError, match="not valid JSON"):
        parse_shot_list('{"shots": [{"scene": 1}, {"scene": 1 "shot": 2}, {"scene": 2}]}', SCRIPT)


def test_a_long_script_leaves_its_lines_free_text():
    from filmstudio.script.shot_list import ENUM_MOST

    lines = "".join(f"ADA\nLine number {n}.\n\n" for n in range(ENUM_MOST + 1))
    fields = shot_list_schema(parse("INT. HALL - DAY\n\n" + lines))["properties"]["shots"]["items"][
        "properties"
    ]
    assert fields["dialogue"]["items"] == {"type": "string"} and "maxItems" not in fields["dialogue"]
    assert fields["characters"]["items"]["enum"] == ["ADA"]
