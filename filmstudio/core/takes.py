"""Takes of any generative node (a node type that overrides ``Node.generate_take``), as undoable
model operations: list, add, switch, rename, delete, edit by hand, compare. The editor's Takes
section and Script panel, the LLM takes API (:mod:`filmstudio.llm.takes`) and scripts share them::

    from filmstudio.core import takes
    for take in takes.list_takes(node):
        print(take.id, take.name, take.summary, "(active)" if take.active else "")
    takes.switch_take(node, "hero")          # by id, or by name when no id matches
    node.graph.history.undo()                # every operation is one undo step

State layout, in the node's saved state::

    {"takes": [{"id": "take3", "name": "hero", "created": "2026-12-06T10:15:03Z", "data": {...}}],
     "active_take": "take3"}

``data`` is what the node's ``generate_take`` made; it never changes once made (a hand edit makes a
new take). ``name`` and ``created`` sit beside it, so renaming re-renders nothing: only the active
take's data enters cache keys (:meth:`NodeInstance.state_digest`). Ids (``take<N>``) are never
handed out twice while a take holds them. The node type says how its takes read in a list
(``describe_take``), whether they are text (``take_as_text``, for Diff and Edit), how a hand
edit becomes a take (``take_from_text``) and which states it refuses (``check_takes``: a GAN
refuses to delete a take its latent keys use). Operations run on the thread that edits the graph.
"""

from __future__ import annotations

import difflib
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from filmstudio.core import commands as cmd
from filmstudio.core.errors import FilmStudioError
from filmstudio.core.graph import NodeInstance
from filmstudio.core.node import Node

_NUMBERED = re.compile(r"^take(\d+)$")


class TakeError(FilmStudioError):
    """A take operation names a take that does not exist, or a take's data is not usable."""


@dataclass(frozen=True)
class Take:
    """One take as the editor lists it. ``text`` is the take as text (None: not a text take);
    ``summary`` a few words from the node type (a seed, a first line); ``created`` an ISO-8601 UTC
    time ("" for takes made before times were recorded)."""

    id: str
    name: str
    data: Mapping[str, Any]
    active: bool
    created: str = ""
    text: str | None = None
    summary: str = ""

    @property
    def made_by(self) -> Mapping[str, Any]:
        """What made the take (a model, a server, a hand edit), when the node records it."""
        made = self.data.get("made_by") if isinstance(self.data, Mapping) else None
        return made if isinstance(made, Mapping) else {}


def makes_takes(node_type: type[Node]) -> bool:
    """Whether nodes of this type make takes (their type implements ``generate_take``)."""
    return node_type.generate_take is not Node.generate_take


def offers_seeds(node_type: type[Node]) -> bool:
    """Whether the type's takes are seeds whose candidates can be shown (a contact sheet)."""
    return node_type.seed_candidates is not Node.seed_candidates


def edits_text(node_type: type[Node]) -> bool:
    """Whether a hand edit of a take's text makes a new take (``take_from_text``)."""
    return node_type.take_from_text is not Node.take_from_text


def list_takes(node: NodeInstance) -> list[Take]:
    """The node's takes, oldest first."""
    active = node.state.get("active_take")
    implementation = node.type.shared()
    found = []
    for record in records(node.state):
        data = record.get("data") if isinstance(record.get("data"), Mapping) else {}
        found.append(
            Take(
                id=str(record["id"]),
                name=str(record.get("name") or record["id"]),
                data=data,
                active=record["id"] == active,
                created=str(record.get("created") or ""),
                text=implementation.take_as_text(data),
                summary=implementation.describe_take(data),
            )
        )
    return found


def get_take(node: NodeInstance, ref: str) -> Take:
    """The take whose id — or else whose name — is ``ref``; :class:`TakeError` names the takes."""
    takes = list_takes(node)
    found = [t for t in takes if t.id == ref] or [t for t in takes if t.name == ref]
    if len(found) == 1:
        return found[0]
    if found:
        ids = ", ".join(t.id for t in found)
        raise TakeError(f"{node.name} has several takes named {ref!r} ({ids}): use an id")
    known = ", ".join(t.id if t.name == t.id else f"{t.id} ({t.name})" for t in takes) or "none yet"
    raise TakeError(f"{node.name} has no take {ref!r} (takes: {known})")


def active_take(node: NodeInstance) -> Take | None:
    """The take that renders, or None."""
    return next((take for take in list_takes(node) if take.active), None)


def active_take_name(state: Mapping[str, Any]) -> str | None:
    """The active take's name (its id when unnamed) in a node state, or None: what the graph
    shows on the node."""
    active = state.get("active_take")
    for record in records(state):
        if record["id"] == active:
            return str(record.get("name") or record["id"])
    return None


def add_take(
    node: NodeInstance, data: Mapping[str, Any], *, name: str | None = None, activate: bool = True
) -> str:
    """Store a new take holding ``data`` (made active unless ``activate`` is False), recording
    when it was made, as one undo step; its id."""
    take_id = next_take_id(node.state)
    name = _clean(name) if name else take_id
    record = {"id": take_id, "name": name, "created": created_now(), "data": dict(data)}
    state = {**node.state, "takes": [*records(node.state), record]}
    if activate:
        state["active_take"] = take_id
    _perform(node, state, f"New {record['name']} of {node.name}")
    return take_id


def switch_take(node: NodeInstance, ref: str) -> None:
    """Make take ``ref`` the one that renders (one undo step; nothing when it already is)."""
    take = get_take(node, ref)
    if not take.active:
        _perform(node, {**node.state, "active_take": take.id}, f"Switch {node.name} to {take.name}")


def rename_take(node: NodeInstance, ref: str, name: str) -> None:
    """Give a take a new name (one undo step; its data and id stay). Spaces are tidied."""
    take = get_take(node, ref)
    name = _clean(name)
    if not name:
        raise TakeError("a take's name cannot be empty")
    if name == take.name:
        return
    renamed = [{**t, "name": name} if t["id"] == take.id else t for t in records(node.state)]
    _perform(node, {**node.state, "takes": renamed}, f"Rename {take.name} to {name}")


def delete_take(node: NodeInstance, ref: str) -> None:
    """Delete a take (one undo step). Deleting the active take activates the newest take left,
    or none."""
    take = get_take(node, ref)
    remaining = [t for t in records(node.state) if t["id"] != take.id]
    state = {**node.state, "takes": remaining}
    if take.active:
        if remaining:
            state["active_take"] = remaining[-1]["id"]
        else:
            state.pop("active_take", None)
    _perform(node, state, f"Delete {take.name} of {node.name}")


def edit_take(node: NodeInstance, ref: str, text: str, *, name: str | None = None) -> str:
    """A hand edit of take ``ref``'s text as a new take, made active (one undo step); the
    original stays. The node type reads the text back (``take_from_text``); returns the new id."""
    original = get_take(node, ref)
    if original.text is None or not edits_text(node.type):
        raise TakeError(f"{node.name}'s takes cannot be edited as text")
    data = node.type.shared().take_from_text(original.data, text, original.id)
    default = f"{next_take_id(node.state)} (edit of {original.name})"
    return add_take(node, data, name=name or default)


def diff_takes(node: NodeInstance, old: str, new: str, *, context: int = 3) -> str:
    """A unified diff from take ``old``'s text to take ``new``'s ("" when they are the same)."""
    a, b = get_take(node, old), get_take(node, new)
    if a.text is None or b.text is None:
        raise TakeError(f"{node.name}'s takes are not text: there is nothing to compare line by line")
    lines = difflib.unified_diff(
        a.text.splitlines(keepends=True),
        b.text.splitlines(keepends=True),
        fromfile=f"{a.id} ({a.name})",
        tofile=f"{b.id} ({b.name})",
        n=context,
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def records(state: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The take records of a node state (``{"id", "name", "created", "data"}``), oldest first."""
    return [t for t in state.get("takes", ()) if isinstance(t, dict) and isinstance(t.get("id"), str)]


def next_take_id(state: Mapping[str, Any]) -> str:
    """One above the highest ``take<N>`` in use: after a delete, ``len(takes) + 1`` may be taken."""
    numbers = [int(m.group(1)) for t in records(state) if (m := _NUMBERED.match(t["id"]))]
    return f"take{max(numbers, default=0) + 1}"


def _clean(name: str) -> str:
    return " ".join(str(name).split())


def created_now() -> str:
    """A take's ``created`` stamp for now: ISO-8601 UTC to the second."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _perform(node: NodeInstance, state: dict[str, Any], text: str) -> None:
    if node.graph is None:
        raise FilmStudioError(f"{node.name} is not in a graph")
    node.type.shared().check_takes(node.name, state)  # raises what the node type refuses
    node.graph.perform(cmd.EditNode(node.uuid, {}, state=state, text=text))


class TakeScripting:
    """The take methods scripts call on a node that makes text takes, for node types to mix in
    (``class LLMScript(TakeScripting, Node)``) and list in ``scripting``: ``node.use_take("hero")``.
    Each is one undo step of the node's project, through the functions above."""

    TAKE_METHODS = ("use_take", "rename_take", "delete_take", "diff_takes")

    def use_take(self, node: NodeInstance, take: str) -> None:
        """Make take ``take`` (id or name) the one that renders."""
        switch_take(node, take)

    def rename_take(self, node: NodeInstance, take: str, name: str) -> None:
        """Give take ``take`` a new name."""
        rename_take(node, take, name)

    def delete_take(self, node: NodeInstance, take: str) -> None:
        """Delete a take; deleting the active one activates the newest left."""
        delete_take(node, take)

    def diff_takes(self, node: NodeInstance, old: str, new: str) -> str:
        """A unified diff between two takes' texts."""
        return diff_takes(node, old, new)
