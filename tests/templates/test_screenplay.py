"""The animatic's screenplay from what a small model writes: repeats, Title Case cues, `NAME:`
lines and quotes tidied; shot lists taken only when they say every line in order, else planned
from the scene; title cards; shot lengths that hold the recorded voices."""

from __future__ import annotations

import json
from fractions import Fraction

from filmstudio.script import Script, parse, parse_shot_list, write
from filmstudio.script.timing import reading_seconds
from filmstudio.templates import screenplay as plan

# what smollm2-135m-instruct wrote for "A lighthouse keeper and a lost pilot argue..." (seed 1),
# cut off by the token limit mid-line
MODEL_SCENE = """INT. LIGHTLIGHTSKELLA - YELLOW LIGHTLIGHTSKELLA - 2014

Mara and Tom walk across the dock, both on the other side.

Mara
You've got a story to tell.

Tom
"Who's there? I saw the plane."

Mara
You've got a story to tell.

Tom
Boss: "Who's there?

Mara
You've got a story to tell you've
"""


def test_a_models_scene_is_tidied_and_the_changes_are_listed():
    screenplay, notes = plan.tidy_scene(MODEL_SCENE, truncated=True)
    text = write(screenplay)
    assert parse(text) == screenplay  # a take's text reads back as the same screenplay
    lines = [(line.speaker, line.text) for line in screenplay.dialogue()]
    assert lines == [("MARA", "You've got a story to tell."), ("TOM", "Who's there? I saw the plane.")]
    heading = screenplay.scenes()[0].heading
    assert heading is not None and heading.text == "INT. LIGHTLIGHTSKELLA - YELLOW LIGHTLIGHTSKELLA"
    assert "Mara and Tom walk across the dock" in text
    assert notes == ["dropped the last line (the answer was cut off)", "dropped 2 repeated lines"]


def test_long_scenes_keep_the_first_lines_and_speakers():
    names = ["ANN", "BO", "CY", "DI"]
    body = "\n\n".join(f"{names[i % 4]}\nLine number {i} is {'very ' * 30}long." for i in range(12))
    screenplay, notes = plan.tidy_scene(f"EXT. FIELD - DAY\n\n{body}\n", truncated=False)
    spoken = screenplay.dialogue()
    assert len(spoken) == plan.MAX_LINES
    assert {line.speaker for line in spoken} == {"ANN", "BO", "CY"}  # at most three characters
    assert all(len(line.text.split()) <= plan.MAX_LINE_WORDS for line in spoken)
    assert any("speakers beyond" in note for note in notes)


def test_no_dialogue_leaves_a_scene_without_lines_and_a_narrator_can_say_the_logline():
    screenplay, _notes = plan.tidy_scene("Just some prose about a dog.\n", truncated=False)
    assert not screenplay.dialogue()
    narrated = plan.narrated_scene('A dog "finds" the sea.')
    assert [(line.speaker, line.text) for line in narrated.dialogue()] == [
        ("NARRATOR", "A dog finds the sea.")
    ]


def scene_of(text: str):
    return Script.from_text(text).screenplay


TWO_HANDER = scene_of(
    "INT. KITCHEN - NIGHT\n\nANN\nWhere were you?\n\nANN\nIt's late.\n\nBO\nOut.\n\nANN\nOut where?\n\n"
    "BO\nJust out.\n\nANN\nFine.\n"
)


def test_planned_shots_say_every_line_once_in_order_with_its_speaker():
    shots = plan.planned_shots(TWO_HANDER)
    assert plan.usable_shots(shots, TWO_HANDER) == ""
    wide, *close = shots
    assert wide.size == "WS" and wide.characters == ("ANN", "BO") and not wide.dialogue
    assert [len(shot.dialogue) for shot in close] == [2, 1, 1, 1, 1]  # ANN's two lines in one shot
    spoken = {line.id: line.speaker for line in TWO_HANDER.dialogue()}
    for shot in close:
        assert all(spoken[line] in shot.characters for line in shot.dialogue)
    assert close[2].characters == ("BO", "ANN") and close[2].size == "MS"  # every third: a two-shot


def test_a_models_shot_list_is_used_only_when_it_says_every_line_in_order():
    ids = [line.id for line in TWO_HANDER.dialogue()]
    good = parse_shot_list(
        json.dumps({"shots": [{"scene": 1, "dialogue": ids[:3]}, {"scene": 1, "dialogue": ids[3:]}]}),
        TWO_HANDER,
    )
    assert plan.usable_shots(good, TWO_HANDER) == ""
    swapped = parse_shot_list(json.dumps({"shots": [{"scene": 1, "dialogue": ids[::-1]}]}), TWO_HANDER)
    assert "not in order" in plan.usable_shots(swapped, TWO_HANDER)
    assert plan.usable_shots((), TWO_HANDER) == "it has no shots"


def test_cards_open_each_scene_and_shots_are_timed_to_the_voices():
    shots = plan.with_cards(plan.planned_shots(TWO_HANDER), TWO_HANDER)
    assert plan.is_card(shots[0]) and shots[0].description == "INT. KITCHEN - NIGHT"
    assert sum(plan.is_card(shot) for shot in shots) == 1
    fps = Fraction(24)
    voiced = {line.id: 30 for line in TWO_HANDER.dialogue()}  # every line 1.25 s as recorded
    timed = plan.timed_shots(shots, TWO_HANDER, voiced, fps, 160, 2)
    assert timed[0].duration == plan.CARD_SECONDS and timed[1].duration == plan.ESTABLISHING_SECONDS
    for shot in timed:
        assert shot.duration is not None and (shot.duration * fps).denominator == 1  # whole frames
    first = timed[2]  # ANN's two lines: each the longer of reading and voice + 2 frames, then a breath
    texts = [TWO_HANDER.element(i).text for i in first.dialogue]
    wanted = sum((max(reading_seconds(t, 160), Fraction(32, 24)) for t in texts), plan.TAIL_SECONDS)
    assert wanted <= first.duration < wanted + Fraction(1, 24)
    reread = parse_shot_list(plan.shot_list_json(timed), TWO_HANDER)  # the take's text
    assert reread == timed
