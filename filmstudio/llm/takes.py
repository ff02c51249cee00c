"""Takes of a generative node, as undoable model operations: list, switch, compare, rename, delete,
edit by hand. The editor's Script panel and scripts use the same functions::

    from filmstudio.llm import takes
    for take in takes.list_takes(node):
        print(take.id, take.name, "(active)" if take.active else "")
    print(takes.diff_takes(node, "take1", "take2"))
    takes.switch_take(node, "take1")
    new_id = takes.edit_take(node, "take1", fixed_text)   # a new take, made active
    node.graph.history.undo()                              # every operation is one undo step

These are the generic take operations of :mod:`filmstudio.core.takes` (any node that makes takes:
LLM Script, Translate, Speech, GAN Generator), under the names the LLM API has always had. Takes
live in the node's state: ``{"takes": [{"id", "name", "created", "data"}, ...], "active_take": id}``.
Functions that name a take accept its id or, when no id matches, its name. A take's ``data``
never changes once made (an edit makes a new take, read back by the node type's
``take_from_text``: for LLM Script, :func:`filmstudio.llm.script_take.edited_take`); its name
may. Only the active take's data enters cache keys, so renaming a take or adding an inactive one
recomputes nothing. Operations run on the thread that edits the graph.
"""

from __future__ import annotations

from filmstudio.core.takes import (
    Take,
    TakeError,
    active_take,
    add_take,
    delete_take,
    diff_takes,
    edit_take,
    get_take,
    list_takes,
    rename_take,
    switch_take,
)

__all__ = [
    "Take",
    "TakeError",
    "active_take",
    "add_take",
    "delete_take",
    "diff_takes",
    "edit_take",
    "get_take",
    "list_takes",
    "rename_take",
    "switch_take",
]
