"""Script File reads a .fountain file into a Script, once for all frames, again when it changes;
a Title connected to a Script shows the current line, shot or scene heading at each frame."""

from __future__ import annotations

import os
import shutil
from fractions import Fraction
from pathlib import Path

import pytest
import torch

from filmstudio.core.errors import EvaluationError
from filmstudio.script import Script, Shot, parse
from filmstudio_nodes.script_file import ScriptFile
from filmstudio_nodes.title import Title

EVERY_ELEMENT = Path(__file__).parents[1] / "script" / "every_element.fountain"
SCENE = "INT. LIGHTHOUSE - NIGHT\n\nADA\nForty years.\n\nTOM\nNobody sails here.\n"


@pytest.fixture
def fountain(tmp_path):
    path = tmp_path / "pilot.fountain"
    path.write_text(SCENE, encoding="utf-8")
    return path


def test_reads_the_screenplay_once_for_every_frame(node_harness, fountain):
    harness = node_harness(ScriptFile, params={"file": str(fountain)})
    first = harness.evaluate(1)
    assert isinstance(first, Script) and first.screenplay == parse(SCENE)
    assert harness.evaluate(50) is first and harness.evaluations == 1  # frame-invariant


def test_every_element_file_reads_like_the_parser(node_harness, tmp_path):
    shutil.copy(EVERY_ELEMENT, tmp_path / "every.fountain")
    harness = node_harness(ScriptFile, params={"file": "every.fountain"})
    harness.project.path = tmp_path / "project.fsproj"  # relative paths start at the project
    script = harness.evaluate(1)
    assert script.screenplay == parse(EVERY_ELEMENT.read_text(encoding="utf-8"))


def test_a_saved_edit_is_read_again(node_harness, fountain):
    harness = node_harness(ScriptFile, params={"file": str(fountain)})
    assert harness.evaluate(1).screenplay.characters() == ("ADA", "TOM")
    fountain.write_text(SCENE.replace("TOM", "MARA"), encoding="utf-8")
    stat = fountain.stat()
    os.utime(fountain, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # a later save
    assert harness.evaluate(1).screenplay.characters() == ("ADA", "MARA")
    assert harness.evaluations == 2


def test_lenient_reads_model_output(node_harness, tmp_path):
    path = tmp_path / "draft.fountain"
    path.write_text("**INT. HOUSE - DAY**\nADA: Hello.\n", encoding="utf-8")
    strict = node_harness(ScriptFile, params={"file": str(path)}).evaluate(1)
    lenient = node_harness(ScriptFile, params={"file": str(path), "lenient": True}).evaluate(1)
    assert strict.screenplay.scenes()[0].heading is None  # strict Fountain: no scene heading
    assert lenient.screenplay.scenes()[0].heading.text == "INT. HOUSE - DAY"
    assert [line.speaker for line in lenient.screenplay.dialogue()] == ["ADA"]


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (None, "", "has no file: choose a .fountain"),
        (None, "missing.fountain", "was not found"),
        (b"INT. CAF\xe9 - DAY\n", "latin1.fountain", "is not UTF-8 text"),
    ],
)
def test_file_problems_are_clear_errors(node_harness, tmp_path, content, name, message):
    if content is not None:
        (tmp_path / name).write_bytes(content)
    harness = node_harness(ScriptFile, params={"file": str(tmp_path / name) if name else ""})
    with pytest.raises(EvaluationError, match=message):
        harness.evaluate(1)


# --- the Title shows the script by frame ------------------------------------------------------------

SCRIPT = parse(SCENE)
ADA, TOM = SCRIPT.dialogue()
(LIGHTHOUSE,) = SCRIPT.scenes()
SHOTS = (
    Shot(LIGHTHOUSE.id, "1", "WS", "static", "The lamp room", dialogue=(ADA.id,), duration=Fraction(2)),
    Shot(LIGHTHOUSE.id, "2", "CU", "", "Tom at the window", dialogue=(TOM.id,), duration=Fraction(2)),
)


def title_of(node_harness, script, **params):
    return node_harness(Title, params={"size": 12, **params}, inputs={"script": script}, size=(160, 40))


def typed(node_harness, text):
    return node_harness(Title, params={"size": 12, "text": text}, size=(160, 40)).evaluate(1)


@pytest.mark.parametrize(
    ("shows", "frame", "expected"),
    [
        ("dialogue", 1, "Forty years."),
        ("dialogue", 49, "Nobody sails here."),  # 2 s shots at 24 fps: shot 2 starts at 49
        ("speaker_dialogue", 49, "TOM: Nobody sails here."),
        ("shot", 10, "1 WS, static\nThe lamp room"),
        ("shot", 60, "2 CU\nTom at the window"),
        ("scene", 60, "INT. LIGHTHOUSE - NIGHT"),
    ],
)
def test_title_shows_what_is_current(node_harness, shows, frame, expected):
    title = title_of(node_harness, Script(SCRIPT, SHOTS), script_shows=shows)
    assert torch.equal(title.evaluate(frame), typed(node_harness, expected))


def test_title_is_empty_between_lines_and_follows_script_start(node_harness):
    title = title_of(node_harness, Script(SCRIPT, SHOTS), script_start=101)
    assert title.evaluate(100).abs().sum().item() == 0.0  # before the script starts
    assert torch.equal(title.evaluate(101), typed(node_harness, "Forty years."))
    assert title.evaluate(101 + 96).abs().sum().item() == 0.0  # after it ends


def test_title_without_a_shot_list_paces_dialogue_at_the_reading_speed(node_harness):
    # no shots: "Forty years." (2 words, held the 1 s minimum) then Tom's line from frame 25
    title = title_of(node_harness, Script(SCRIPT), script_shows="dialogue")
    assert torch.equal(title.evaluate(24), typed(node_harness, "Forty years."))
    assert torch.equal(title.evaluate(25), typed(node_harness, "Nobody sails here."))


def test_title_whole_text_and_plain_strings(node_harness):
    whole = title_of(node_harness, Script(parse("INT. A - DAY\n")), script_shows="text")
    assert torch.equal(whole.evaluate(7), typed(node_harness, "INT. A - DAY\n"))
    plain = title_of(node_harness, "HOH")
    assert torch.equal(plain.evaluate(30), typed(node_harness, "HOH"))
