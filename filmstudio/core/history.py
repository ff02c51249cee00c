"""The undo contract of a graph (``graph.history``) and its plain implementation for scripts.

Every edit of a graph goes through its history: :meth:`History.push` does a command and records
it. Two implementations keep one contract (``tests/core/test_history_contract.py`` runs the same
tests against both): :class:`UndoStack` here, for scripts, tests and headless renders, and the
editor's :class:`~filmstudio.ui.undo.QtHistory` on a QUndoStack (the Edit menu's actions).

The contract:

* ``push(command, merge=True)`` does the command (a refused edit raises and records nothing) and
  records it as one step; with ``merge`` it may fold into the previous step when that step's
  command allows (a slider drag is one step) — never into a step pushed with ``merge=False`` or
  made by :meth:`History.step`, and never across the clean state.
* ``with history.step("Paste"):`` groups the edits inside into one undo step named "Paste". Steps
  nest: an inner step joins the outermost one. A step with no edits records nothing.
* An exception leaving a step undoes the edits made inside that step, in reverse, and records
  nothing of them; then it propagates. (Caught inside an outer step, the outer step goes on with
  what it did before.) Callers that want to keep partial work catch the error inside the step.
* ``undo()`` / ``redo()`` return whether there was a step to undo / redo; ``can_undo``,
  ``can_redo``; ``set_clean()`` marks the current state as saved, ``is_clean`` says whether the
  graph is back in that state.

Single-threaded, like the graph: call it on the thread that edits the graph.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from filmstudio.core.commands import Command, CompoundCommand

if TYPE_CHECKING:
    from filmstudio.core.graph import Graph


@runtime_checkable
class History(Protocol):
    """The undo history of a graph's edits (see the module's docstring for the contract)."""

    def push(self, command: Command, merge: bool = True) -> None: ...

    def step(self, text: str) -> AbstractContextManager[None]: ...

    def undo(self) -> bool: ...

    def redo(self) -> bool: ...

    @property
    def can_undo(self) -> bool: ...

    @property
    def can_redo(self) -> bool: ...

    def set_clean(self) -> None: ...

    @property
    def is_clean(self) -> bool: ...


class OpenStep:
    """The step being recorded, shared by both histories: edits pushed while it is open become
    children of one :class:`CompoundCommand`, handed to ``record`` when the outermost step ends."""

    def __init__(self, graph: Graph, record: Callable[[CompoundCommand], None]) -> None:
        self._graph = graph
        self._record = record
        self._macro: CompoundCommand | None = None

    def add(self, command: Command) -> bool:
        """Keep a command just done for the open step; False when no step is open."""
        if self._macro is None:
            return False
        self._macro.children.append(command)
        return True

    @contextmanager
    def step(self, text: str) -> Iterator[None]:
        outermost = self._macro is None
        if outermost:
            self._macro = CompoundCommand(text)
        macro = self._macro
        assert macro is not None
        start = len(macro.children)
        try:
            yield
        except BaseException:
            done = macro.children[start:]
            del macro.children[start:]
            if outermost:
                self._macro = None
            for command in reversed(done):  # leave the graph as it was when this step began
                command.undo(self._graph)
            raise
        if outermost:
            self._macro = None
            if macro.children:
                self._record(macro)


class UndoStack:
    """A plain undo/redo :class:`History` for scripts and tests (the editor uses
    :class:`~filmstudio.ui.undo.QtHistory` instead). ``is_clean`` tracks whether the graph matches
    the last save."""

    def __init__(self, graph: Graph) -> None:
        self._graph = graph
        self._done: list[Command] = []
        self._undone: list[Command] = []
        self._clean_index: int | None = 0
        self._sealed: set[int] = set()  # ids of recorded commands that take no merges
        self._open = OpenStep(graph, lambda macro: self._record(macro, merge=False))

    def push(self, command: Command, merge: bool = True) -> None:
        """Do ``command`` and record it (merging it into the previous step when it allows)."""
        command.do(self._graph)
        if not self._open.add(command):
            self._record(command, merge)

    def step(self, text: str) -> AbstractContextManager[None]:
        """Group the edits inside the ``with`` block into one undo step called ``text``."""
        return self._open.step(text)

    def _record(self, command: Command, merge: bool) -> None:
        for dropped in self._undone:
            self._sealed.discard(id(dropped))
        self._undone.clear()
        done = self._done
        if (
            merge
            and done
            and len(done) != self._clean_index
            and id(done[-1]) not in self._sealed
            and done[-1].merge(command)
        ):
            return
        if self._clean_index is not None and self._clean_index > len(done):
            self._clean_index = None  # the saved state was undone and is now out of reach
        if not merge:
            self._sealed.add(id(command))
        done.append(command)

    def undo(self) -> bool:
        if not self._done:
            return False
        command = self._done.pop()
        command.undo(self._graph)
        self._undone.append(command)
        return True

    def redo(self) -> bool:
        if not self._undone:
            return False
        command = self._undone.pop()
        command.do(self._graph)
        self._done.append(command)
        return True

    @property
    def can_undo(self) -> bool:
        return bool(self._done)

    @property
    def can_redo(self) -> bool:
        return bool(self._undone)

    def set_clean(self) -> None:
        self._clean_index = len(self._done)

    @property
    def is_clean(self) -> bool:
        return self._clean_index == len(self._done)
