"""Takes as undoable model operations: generate, switch, edit by hand, rename, delete, compare;
what renders is always the active take; save and load keep takes byte for byte."""

from __future__ import annotations

import json

import pytest

from filmstudio.core.errors import EvaluationError
from filmstudio.core.project import Project
from filmstudio.llm import (
    TakeError,
    active_take,
    delete_take,
    diff_takes,
    edit_take,
    generate,
    get_take,
    list_takes,
    rename_take,
    switch_take,
)
from tests.llm.fake_server import server_node

FIRST = "INT. KITCHEN - NIGHT\n\nADA\nWe have to go.\n"
SECOND = "EXT. ROOF - DAWN\n\nTOM\nNot without you.\n"


@pytest.fixture
def two_takes(project, engine, fake_server):
    node = server_node(project, fake_server)
    fake_server.text = FIRST
    generate(engine, node)
    fake_server.text = SECOND
    generate(engine, node)
    return node


def _heading(engine, node) -> str:
    return engine.evaluate(node, 1).screenplay.scenes()[0].heading.text


def test_generate_switch_and_edit_are_undone_and_redone(project, engine, two_takes):
    node, history = two_takes, project.graph.history
    assert node.takes == ["take1", "take2"] and active_take(node).id == "take2"
    assert _heading(engine, node) == "EXT. ROOF - DAWN"

    switch_take(node, "take1")
    assert _heading(engine, node) == "INT. KITCHEN - NIGHT"
    edited = edit_take(node, "take1", FIRST.replace("We have to go.", "We have to go now."))
    assert edited == "take3" and active_take(node).id == "take3"
    assert get_take(node, "take3").made_by == {"backend": "hand", "edited_from": "take1", "upstream": None}
    assert engine.evaluate(node, 1).screenplay.dialogue()[0].text == "We have to go now."
    assert get_take(node, "take1").text == FIRST  # the original is untouched

    history.undo()  # the edit
    assert node.takes == ["take1", "take2"] and active_take(node).id == "take1"
    history.undo()  # the switch
    assert _heading(engine, node) == "EXT. ROOF - DAWN"
    history.undo()  # the second generate
    assert node.takes == ["take1"] and _heading(engine, node) == "INT. KITCHEN - NIGHT"
    history.redo()
    history.redo()
    history.redo()
    assert node.takes == ["take1", "take2", "take3"] and active_take(node).id == "take3"
    assert engine.evaluate(node, 1).screenplay.dialogue()[0].text == "We have to go now."


def test_rename_and_delete_are_undoable_and_ids_are_never_reused(project, engine, two_takes):
    node, history = two_takes, project.graph.history
    rename_take(node, "take1", "  the  kitchen  version ")
    assert get_take(node, "take1").name == "the kitchen version"
    delete_take(node, "take2")  # the active one: the newest left becomes active
    assert node.takes == ["take1"] and active_take(node).id == "take1"
    assert _heading(engine, node) == "INT. KITCHEN - NIGHT"
    history.undo()
    assert node.takes == ["take1", "take2"] and active_take(node).id == "take2"
    history.undo()
    assert get_take(node, "take1").name == "take1"
    delete_take(node, "take1")
    delete_take(node, "take2")
    assert node.takes == [] and active_take(node) is None
    with pytest.raises(EvaluationError, match="has no take yet: press Generate"):
        engine.evaluate(node, 1)
    history.undo()
    assert edit_take(node, "take2", SECOND) == "take3"


def test_renaming_a_take_recomputes_nothing(project, engine, two_takes):
    key = engine.key(two_takes, 1)
    rename_take(two_takes, "take2", "final")
    assert engine.key(two_takes, 1) == key
    switch_take(two_takes, "take1")
    assert engine.key(two_takes, 1) != key


def test_compare_shows_a_unified_diff_of_the_texts(two_takes):
    diff = diff_takes(two_takes, "take1", "take2")
    assert diff.startswith("--- take1 (take1)\n+++ take2 (take2)\n@@")
    assert "-INT. KITCHEN - NIGHT\n" in diff and "+EXT. ROOF - DAWN\n" in diff
    assert diff_takes(two_takes, "take1", "take1") == ""


def test_unknown_takes_and_empty_names_are_refused_clearly(two_takes):
    with pytest.raises(TakeError, match=r"has no take 'take9' \(takes: take1, take2\)"):
        switch_take(two_takes, "take9")
    with pytest.raises(TakeError, match="cannot be empty"):
        rename_take(two_takes, "take1", "   ")


def test_save_and_load_keep_takes_byte_identical(project, engine, two_takes, tmp_path, fake_server):
    switch_take(two_takes, "take1")
    fake_server.text = "INT. ATTIC - NIGHT\n\nMARA\nÉtienne said « non ».\n"  # not only ASCII
    generate(engine, two_takes)
    first = tmp_path / "first.fsproj"
    project.save(first)
    loaded = Project.load(first, registry=project.graph.registry)
    node = loaded.graph.node(two_takes.name)
    assert json.dumps(node.state, sort_keys=True) == json.dumps(two_takes.state, sort_keys=True)
    assert [t.text for t in list_takes(node)] == [t.text for t in list_takes(two_takes)]
    second = tmp_path / "second.fsproj"
    loaded.save(second)
    assert second.read_bytes() == first.read_bytes()


def test_scripts_drive_takes_from_the_node(project, fake_server):
    writer = server_node(project, fake_server)
    fake_server.text = FIRST
    pieces: list[str] = []
    first = writer.generate(on_text=pieces.append, name="kitchen")
    fake_server.text = SECOND
    second = writer.generate()
    assert "".join(pieces) == FIRST and writer.take_text() == SECOND
    writer.use_take("kitchen")  # by name
    assert writer.take_text() == FIRST and active_take(writer).id == first
    edited = writer.edit_take(first, FIRST.replace("ADA", "MARA"))
    assert writer.take_text(edited).startswith("INT. KITCHEN - NIGHT\n\nMARA")
    assert "-ADA\n+MARA\n" in writer.diff_takes(first, edited)
    writer.rename_take(second, "roof")
    writer.delete_take("roof")
    assert writer.takes == [first, edited]
    project.undo()
    assert writer.takes == [first, second, edited] and get_take(writer, second).name == "roof"
