"""The editor's undo history: the core's model commands inside a QUndoStack.

The graph records every edit through ``graph.history``; :class:`QtHistory` takes that place in the
editor, so an edit made through any path (graph view, inspector, a script in the console) becomes
one QUndoStack step with the command's own text, and slider drags merge into one step through the
core command's ``merge``. It keeps the core's :class:`~filmstudio.core.history.History` contract
(steps, nesting, exceptions, clean state). Runs on the GUI thread only.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

from PySide6.QtGui import QUndoCommand, QUndoStack

from filmstudio.core.commands import Command, CompoundCommand
from filmstudio.core.history import OpenStep

if TYPE_CHECKING:
    from filmstudio.core.graph import Graph

_MERGEABLE_ID = 1  # QUndoStack only tries mergeWith between commands sharing an id != -1


class _ModelCommand(QUndoCommand):
    """One core :class:`Command` as a QUndoCommand. The first ``redo`` (QUndoStack.push calls
    it) is the edit itself, already done by :meth:`QtHistory.push`."""

    def __init__(self, graph: Graph, command: Command, mergeable: bool = True) -> None:
        super().__init__(command.text)
        self.graph = graph
        self.command = command
        self.mergeable = mergeable
        self._done = True

    def id(self) -> int:
        return _MERGEABLE_ID if self.mergeable else -1

    def redo(self) -> None:
        if self._done:
            self._done = False
            return
        self.command.do(self.graph)

    def undo(self) -> None:
        self.command.undo(self.graph)

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, _ModelCommand):
            return False
        merged = self.command.merge(other.command)
        if merged:
            self.setText(self.command.text)
        return merged


class QtHistory:
    """The editor's :class:`~filmstudio.core.history.History` (in place of the core's
    :class:`~filmstudio.core.history.UndoStack`), backed by a QUndoStack (which drives the Edit
    menu's undo/redo actions)."""

    def __init__(self, graph: Graph, stack: QUndoStack) -> None:
        self._graph = graph
        self.stack = stack
        self._open = OpenStep(graph, self._record_step)

    def push(self, command: Command, merge: bool = True) -> None:
        command.do(self._graph)  # raises (and records nothing) when the edit is refused
        if not self._open.add(command):
            self.stack.push(_ModelCommand(self._graph, command, mergeable=merge))

    def step(self, text: str) -> AbstractContextManager[None]:
        """Group the edits inside the ``with`` block into one undo step called ``text``."""
        return self._open.step(text)

    def _record_step(self, macro: CompoundCommand) -> None:
        self.stack.push(_ModelCommand(self._graph, macro, mergeable=False))

    def undo(self) -> bool:
        if not self.stack.canUndo():
            return False
        self.stack.undo()
        return True

    def redo(self) -> bool:
        if not self.stack.canRedo():
            return False
        self.stack.redo()
        return True

    @property
    def can_undo(self) -> bool:
        return self.stack.canUndo()

    @property
    def can_redo(self) -> bool:
        return self.stack.canRedo()

    def set_clean(self) -> None:
        self.stack.setClean()

    @property
    def is_clean(self) -> bool:
        return self.stack.isClean()
