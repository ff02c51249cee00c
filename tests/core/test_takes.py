"""Generic takes (filmstudio.core.takes): every operation one undo step, what the node type says
about its takes (summary, text, hand edits, refusals), and what the node spec checks."""

from __future__ import annotations

from typing import Any

import pytest

from filmstudio.core import takes
from filmstudio.core.errors import NodeSpecError, ParameterError
from filmstudio.core.node import Node, Output
from filmstudio.core.project import Project
from filmstudio.core.types import PortType


class Notes(Node):
    """Text takes: "note N" for the Nth take; a take named "keep" cannot be deleted."""

    id = "test.Notes"
    outputs = (Output("text", PortType.ANY),)

    def generate_take(self, ctx: Any) -> dict[str, Any]:
        return {"text": f"note {len(ctx.state.get('takes', ())) + 1}\nsecond line\n"}

    def take_from_text(self, data: Any, text: str, take_id: str) -> dict[str, Any]:
        return {"text": text, "from": take_id}

    def check_takes(self, node_name: str, state: Any) -> None:
        if not any(t.get("name") == "keep" for t in state.get("takes", ())) and state.get("kept"):
            raise ParameterError(f"{node_name}: the take named keep stays")

    def evaluate(self, ctx: Any) -> Any:
        return (ctx.take or {}).get("text", "")


@pytest.fixture
def notes(engine):
    return engine.project.add_node(Notes)


def test_each_operation_is_one_undo_step_and_records_names_and_times(project: Project, engine, notes):
    first = engine.generate_take(notes)
    second = engine.generate_take(notes)
    listed = takes.list_takes(notes)
    assert [t.id for t in listed] == [first, second] == ["take1", "take2"]
    assert listed[1].active and listed[0].created.endswith("Z") and listed[0].name == "take1"
    assert listed[0].summary == "note 1 · 2 lines" and listed[0].text == "note 1\nsecond line\n"
    steps = [
        lambda: takes.switch_take(notes, first),
        lambda: takes.rename_take(notes, first, "  the   hero "),
        lambda: takes.edit_take(notes, "the hero", "note 1, rewritten\n"),
        lambda: takes.delete_take(notes, second),
    ]
    states = [notes.state]
    for step in steps:
        step()
        states.append(notes.state)
    assert takes.active_take(notes).name == "take3 (edit of the hero)"
    assert takes.active_take(notes).data == {"text": "note 1, rewritten\n", "from": "take1"}
    assert [t.id for t in takes.list_takes(notes)] == ["take1", "take3"]
    for state in reversed(states[:-1]):
        project.undo()
        assert notes.state == state
    assert engine.evaluate(notes, 1) == "note 2\nsecond line\n"  # the active take renders


def test_names_ids_and_refusals(project: Project, engine, notes):
    engine.generate_take(notes)
    engine.generate_take(notes)
    takes.rename_take(notes, "take1", "alt")
    takes.rename_take(notes, "take2", "alt")
    with pytest.raises(takes.TakeError, match=r"several takes named 'alt' \(take1, take2\): use an id"):
        takes.switch_take(notes, "alt")
    with pytest.raises(takes.TakeError, match=r"has no take 'take9' \(takes: take1 \(alt\), take2 \(alt\)\)"):
        takes.get_take(notes, "take9")
    with pytest.raises(takes.TakeError, match="cannot be empty"):
        takes.rename_take(notes, "take1", "   ")
    takes.rename_take(notes, "take1", "keep")
    notes.replace_state({**notes.state, "kept": True})
    before = notes.state
    with pytest.raises(ParameterError, match="the take named keep stays"):
        takes.delete_take(notes, "keep")
    assert notes.state == before  # refused: nothing changed, nothing recorded
    takes.delete_take(notes, "take2")
    assert takes.next_take_id(notes.state) == "take2" and takes.active_take_name(notes.state) == "keep"


def test_seeds_and_text_hooks_are_declared_with_generate_take():
    with pytest.raises(NodeSpecError, match="take_from_text implemented but generate_take"):

        class TextOnly(Node):
            id = "test.TextOnly"
            outputs = (Output("out", PortType.ANY),)

            def evaluate(self, ctx: Any) -> Any:
                return None

            def take_from_text(self, data: Any, text: str, take_id: str) -> dict[str, Any]:
                return {}

    with pytest.raises(NodeSpecError, match="seed_candidates is implemented but take_of_seed"):

        class HalfSeeded(Notes):
            id = "test.HalfSeeded"

            def seed_candidates(self, ctx: Any, count: int) -> tuple[list[int], Any]:
                return [], None

    assert takes.makes_takes(Notes) and takes.edits_text(Notes) and not takes.offers_seeds(Notes)
