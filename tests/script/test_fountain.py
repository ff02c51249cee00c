"""Fountain in and out: every element type, the round trip, and write() as a fixed point."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from filmstudio.script import ElementKind, parse, write

K = ElementKind
EVERY_ELEMENT = Path(__file__).with_name("every_element.fountain")


@pytest.fixture(scope="module")
def screenplay():
    return parse(EVERY_ELEMENT.read_text(encoding="utf-8"))


def test_the_test_screenplay_uses_every_element_type(screenplay):
    kinds = {e.kind for e in (*screenplay.title_page, *screenplay.elements)}
    assert kinds == set(ElementKind)
    elements = screenplay.elements
    assert any(e.kind is K.SCENE_HEADING and e.forced and e.scene_number == "1A" for e in elements)
    assert any(e.kind is K.ACTION and e.forced for e in elements)
    assert any(e.kind is K.ACTION and e.centered for e in elements)
    assert any(e.kind is K.CHARACTER and e.forced and e.extensions == ("CONT'D",) for e in elements)
    assert any(e.kind is K.CHARACTER and e.dual for e in elements)
    assert any(e.kind is K.TRANSITION and e.forced for e in elements)
    assert any(e.kind is K.TRANSITION and not e.forced for e in elements)
    assert [e.depth for e in elements if e.kind is K.SECTION] == [1, 2]


def test_round_trip_is_identical_ids_included(screenplay):
    again = parse(write(screenplay))
    assert again == screenplay
    assert [e.id for e in again.elements] == [e.id for e in screenplay.elements]
    assert write(again) == write(screenplay)


def test_what_each_element_holds(screenplay):
    by_kind = {}
    for element in (*screenplay.title_page, *screenplay.elements):
        by_kind.setdefault(element.kind, []).append(element)
    assert screenplay.title() == "THE LAST LIGHTHOUSE"
    source = next(e for e in screenplay.title_page if e.key == "Source")
    assert source.text == "Story by Ada Keeper and\nTom Wick"
    heading = by_kind[K.SCENE_HEADING][0]
    assert (heading.text, heading.scene_number, heading.forced) == ("INT. LIGHTHOUSE - NIGHT", "1", False)
    assert by_kind[K.PARENTHETICAL][0].text == "to herself"
    assert by_kind[K.DIALOGUE][1].text == "Forty years.\nAnd not one ship lost."
    assert by_kind[K.LYRICS][0].text.splitlines()[0] == "The keeper's light, the keeper's light,"
    assert by_kind[K.NOTE][0].text == "A note to the director: keep the storm loud."
    assert by_kind[K.BONEYARD][0].text.startswith("An old opening we cut:\nEXT. CLIFFS - DAWN")
    assert by_kind[K.SYNOPSIS][0].text.startswith("Ada learns")
    assert [e.text for e in by_kind[K.TRANSITION]] == ["Burn to white.", "CUT TO:", "MATCH CUT TO:"]
    # the boneyard hides its scene heading: only three scenes
    assert len([s for s in screenplay.scenes() if s.heading is not None]) == 3
    assert screenplay.characters() == ("ADA", "TOM", "MCCLANE")


def test_the_writer_normalises():
    messy = "INT. HOUSE - DAY   \nJOHN\n    Hi there.   \n\n\n\nCUT TO:\n"
    assert write(parse(messy)) == "INT. HOUSE - DAY\n\nJOHN\nHi there.\n\nCUT TO:\n"


def test_the_writer_adds_the_markers_text_needs():
    screenplay = parse(".A DREAM\n\n> Wipe to the sea.\n")
    assert write(screenplay) == ".A DREAM\n\n> Wipe to the sea.\n"


def test_action_that_looks_like_a_title_page_stays_action():
    screenplay = parse("\nLater: the house burns.\n")
    assert screenplay.title_page == () and screenplay.elements[0].kind is K.ACTION
    assert parse(write(screenplay)) == screenplay


def test_empty_text():
    assert parse("").elements == () and write(parse("")) == ""


# --- properties -----------------------------------------------------------------------------------

WORD = st.text(st.sampled_from("abcXYZ .,!?'()#@~=>*_[]/^:-"), min_size=1, max_size=12)
LINE = st.lists(WORD, min_size=1, max_size=4).map(" ".join)
NAME = st.sampled_from(["JOHN", "MARY ANN", "DR. NO", "O'BRIEN", "@McCoy", "MAN #2"])
SNIPPETS = st.one_of(
    LINE,
    LINE.map(str.upper),
    st.builds("INT. {} - DAY".format, LINE),
    st.builds(".{}".format, LINE),
    st.builds("EXT. {} #{}#".format, LINE, st.sampled_from(["1", "12A", "3.1"])),
    st.builds("{}\n{}".format, NAME, LINE),
    st.builds("{} (V.O.) ^\n({})\n{}\n{}".format, NAME, LINE, LINE, LINE),
    st.builds("{}\n~{}\n{}".format, NAME, LINE, LINE),
    st.builds("!{}".format, LINE),
    st.builds("> {} <".format, LINE),
    st.builds("> {}".format, LINE),
    st.builds("{} TO:".format, LINE.map(str.upper)),
    st.builds("[[{}]]".format, LINE),
    st.builds("/* {}\n\n{} */".format, LINE, LINE),
    st.just("==="),
    st.builds("{} {}".format, st.sampled_from(["#", "##", "###"]), LINE),
    st.builds("= {}".format, LINE),
    st.builds("~{}".format, LINE),
)
TITLE = st.lists(
    st.builds("{}: {}".format, st.sampled_from(["Title", "Author", "Draft date"]), LINE), max_size=3
).map("\n".join)
DOCUMENT = st.builds(
    lambda title, parts, separators: (
        title + "".join(part + sep for part, sep in zip(parts, separators, strict=False))
    ),
    TITLE.map(lambda t: t + "\n\n" if t else ""),
    st.lists(SNIPPETS, max_size=12),
    st.lists(st.sampled_from(["\n\n", "\n", "\n\n\n", "  \n\n"]), min_size=12, max_size=12),
)
CHECKS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@CHECKS
@given(DOCUMENT)
def test_written_screenplays_read_back_identically(text):
    screenplay = parse(text)
    written = write(screenplay)
    assert parse(written) == screenplay
    assert write(parse(written)) == written


@CHECKS
@given(st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=300))
def test_any_text_parses_and_write_is_a_fixed_point(text):
    written = write(parse(text))
    assert write(parse(written)) == written
    assert parse(written) == parse(written)


@CHECKS
@given(DOCUMENT)
def test_lenient_output_is_a_fixed_point_too(text):
    written = write(parse(text, lenient=True))
    assert write(parse(written)) == written
