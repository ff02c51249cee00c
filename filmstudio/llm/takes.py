"""Takes of a generative node, as undoable model operations: list, switch, compare, rename, delete,
edit by hand. The editor's Script panel and scripts use the same functions::

    from filmstudio.llm import takes
    for take in takes.list_takes(node):
        print(take.id, take.name, "(active)" if take.active else "")
    print(takes.diff_takes(node, "take1", "take2"))
    takes.switch_take(node, "take1")
    new_id = takes.edit_take(node, "take1", fixed_text)   # a new take, made active
    node.graph.history.undo()                              # every operation is one undo step

Takes live in the node's state: ``{"takes": [{"id", "name", "data"}, ...], "active_take": id}``.
Functions that name a take accept its id or, when no id matches, its name. A take's ``data``
never changes once made (an edit makes a new take); its name may. Only the active
take's data enters cache keys, so renaming a take or adding an inactive one recomputes nothing.
Operations run on the thread that edits the graph.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from filmstudio.core import commands as cmd
from filmstudio.core.errors import FilmStudioError
from filmstudio.core.graph import NodeInstance
from filmstudio.llm.errors import TakeError

_NUMBERED = re.compile(r"^take(\d+)$")


@dataclass(frozen=True)
class Take:
    """One take: ``id`` (stable, ``take3``), ``name`` (shown to the artist), ``data`` (what the
    node generated; for LLM Script see :mod:`filmstudio.llm.script_take`), ``active``."""

    id: str
    name: str
    data: Mapping[str, Any]
    active: bool

    @property
    def text(self) -> str:
        """The take as text (a Script take's Fountain or shot-list JSON; "" for other nodes)."""
        return str(self.data.get("text", "")) if isinstance(self.data, Mapping) else ""

    @property
    def made_by(self) -> Mapping[str, Any]:
        made = self.data.get("made_by") if isinstance(self.data, Mapping) else None
        return made if isinstance(made, Mapping) else {}


def list_takes(node: NodeInstance) -> list[Take]:
    """The node's takes, oldest first."""
    active = node.state.get("active_take")
    return [
        Take(str(t["id"]), str(t.get("name") or t["id"]), t.get("data") or {}, t["id"] == active)
        for t in _records(node)
    ]


def get_take(node: NodeInstance, take_id: str) -> Take:
    """The take whose id — or else whose name — is ``take_id``; :class:`TakeError` names the
    takes there are."""
    takes = list_takes(node)
    found = [t for t in takes if t.id == take_id] or [t for t in takes if t.name == take_id]
    if len(found) == 1:
        return found[0]
    if found:
        ids = ", ".join(t.id for t in found)
        raise TakeError(f"{node.name} has several takes named {take_id!r} ({ids}): use an id")
    known = ", ".join(t.id if t.name == t.id else f"{t.id} ({t.name})" for t in takes) or "none yet"
    raise TakeError(f"{node.name} has no take {take_id!r} (takes: {known})")


def active_take(node: NodeInstance) -> Take | None:
    """The take that renders, or None."""
    return next((take for take in list_takes(node) if take.active), None)


def add_take(
    node: NodeInstance, data: Mapping[str, Any], *, name: str | None = None, activate: bool = True
) -> str:
    """Store a new take (made active unless ``activate`` is False) as one undo step; its id."""
    take_id = _next_id(node)
    record = {"id": take_id, "name": name or take_id, "data": dict(data)}
    state = {**node.state, "takes": [*_records(node), record]}
    if activate:
        state["active_take"] = take_id
    _perform(node, state, f"Generate {take_id}")
    return take_id


def switch_take(node: NodeInstance, take_id: str) -> None:
    """Make ``take_id`` the take that renders (undoable)."""
    take = get_take(node, take_id)
    if not take.active:
        _perform(node, {**node.state, "active_take": take.id}, f"Switch to {take.name}")


def rename_take(node: NodeInstance, take_id: str, name: str) -> None:
    """Give a take a new name (undoable; its data and id stay)."""
    take = get_take(node, take_id)
    name = " ".join(name.split())
    if not name:
        raise TakeError("a take's name cannot be empty")
    records = [{**t, "name": name} if t["id"] == take.id else t for t in _records(node)]
    _perform(node, {**node.state, "takes": records}, f"Rename take to {name}")


def delete_take(node: NodeInstance, take_id: str) -> None:
    """Delete a take (undoable). Deleting the active take activates the newest take left, or none."""
    take = get_take(node, take_id)
    records = [t for t in _records(node) if t["id"] != take.id]
    state = {**node.state, "takes": records}
    if take.active:
        if records:
            state["active_take"] = records[-1]["id"]
        else:
            state.pop("active_take", None)
    _perform(node, state, f"Delete {take.name}")


def edit_take(node: NodeInstance, take_id: str, text: str, *, name: str | None = None) -> str:
    """A hand edit of ``take_id``'s text as a new take (made active); the original stays. For LLM
    Script takes the text is read again (Fountain, or the shot list's JSON). Returns the new id."""
    from filmstudio.llm.script_take import edited_take

    original = get_take(node, take_id)
    data = edited_take(original.data, text, original.id)
    return add_take(node, data, name=name or f"{_next_id(node)} (edit of {original.name})")


def diff_takes(node: NodeInstance, old: str, new: str, *, context: int = 3) -> str:
    """A unified diff from take ``old``'s text to take ``new``'s ("" when they are the same)."""
    a, b = get_take(node, old), get_take(node, new)
    lines = difflib.unified_diff(
        a.text.splitlines(keepends=True),
        b.text.splitlines(keepends=True),
        fromfile=f"{a.id} ({a.name})",
        tofile=f"{b.id} ({b.name})",
        n=context,
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def _records(node: NodeInstance) -> list[dict[str, Any]]:
    return [t for t in node.state.get("takes", ()) if isinstance(t, dict) and "id" in t]


def _next_id(node: NodeInstance) -> str:
    numbers = [int(m.group(1)) for t in _records(node) if (m := _NUMBERED.match(str(t["id"])))]
    return f"take{max(numbers, default=0) + 1}"


def _perform(node: NodeInstance, state: dict[str, Any], text: str) -> None:
    if node.graph is None:
        raise FilmStudioError(f"{node.name} is not in a graph")
    node.graph.perform(cmd.EditNode(node.uuid, {}, state=state, text=text))
