"""Lenient parsing: the Fountain a language model meant, from what it wrote."""

from __future__ import annotations

import pytest

from filmstudio.script import ElementKind, parse, write

K = ElementKind

MODEL_OUTPUT = """Here is your scene:

```fountain
**INT. LIGHTHOUSE - NIGHT**
Rain hammers the glass. Ada climbs the stairs.
ADA
(whispering)
Forty years.
TOM
Nobody sails here.
**CUT TO:**
1. EXT. HARBOUR - DAY
Boats everywhere.
**Ada:** They will come back.
Tom: No they won't.
JOHN (V.O.): I remember.
```
I hope this helps!"""


def kinds_and_text(text: str) -> list[tuple[str, str]]:
    return [(e.kind.name, e.text) for e in parse(text, lenient=True).elements]


def test_model_output_reads_as_the_screenplay_it_meant():
    assert kinds_and_text(MODEL_OUTPUT) == [
        ("SCENE_HEADING", "INT. LIGHTHOUSE - NIGHT"),
        ("ACTION", "Rain hammers the glass. Ada climbs the stairs."),
        ("CHARACTER", "ADA"),
        ("PARENTHETICAL", "whispering"),
        ("DIALOGUE", "Forty years."),
        ("CHARACTER", "TOM"),
        ("DIALOGUE", "Nobody sails here."),
        ("TRANSITION", "CUT TO:"),
        ("SCENE_HEADING", "EXT. HARBOUR - DAY"),
        ("ACTION", "Boats everywhere."),
        ("CHARACTER", "ADA"),
        ("DIALOGUE", "They will come back."),
        ("CHARACTER", "TOM"),
        ("DIALOGUE", "No they won't."),
        ("CHARACTER", "JOHN"),
        ("DIALOGUE", "I remember."),
    ]
    assert parse(MODEL_OUTPUT, lenient=True).title_page == ()


def test_the_writer_normalises_model_output_to_strict_fountain():
    screenplay = parse(MODEL_OUTPUT, lenient=True)
    written = write(screenplay)
    assert "**" not in written and "```" not in written
    assert parse(written) == screenplay  # strict parsing reads the normalised text the same


@pytest.mark.parametrize(
    "heading",
    [
        "**INT. HOUSE - DAY**",
        "### INT. HOUSE - DAY",
        "1. INT. HOUSE - DAY",
        "Scene 1: INT. HOUSE - DAY",
        "__INT. HOUSE - DAY__",
    ],
)
def test_decorated_scene_headings(heading):
    assert kinds_and_text(f"{heading}\nShe waits.")[:2] == [
        ("SCENE_HEADING", "INT. HOUSE - DAY"),
        ("ACTION", "She waits."),
    ]


def test_numbered_dialogue_lines():
    assert kinds_and_text("1. MARY: Tea?\n2. JOHN: Please.") == [
        ("CHARACTER", "MARY"),
        ("DIALOGUE", "Tea?"),
        ("CHARACTER", "JOHN"),
        ("DIALOGUE", "Please."),
    ]


def test_a_single_title_case_colon_is_still_action():
    assert kinds_and_text("INT. HOUSE - DAY\n\nLater: they eat.") == [
        ("SCENE_HEADING", "INT. HOUSE - DAY"),
        ("ACTION", "Later: they eat."),
    ]


def test_strict_parsing_leaves_markdown_alone():
    assert [e.kind for e in parse("**INT. HOUSE - DAY**\n").elements] == [K.ACTION]


def test_a_title_page_after_blank_lines_and_a_fence():
    screenplay = parse("\n\n```\nTitle: Tides\nAuthor: A. Model\n\nINT. SEA - DAY\n```\n", lenient=True)
    assert screenplay.title() == "Tides"
    assert screenplay.elements[0].text == "INT. SEA - DAY"
