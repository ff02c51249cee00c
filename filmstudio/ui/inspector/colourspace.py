"""Colour-space fields: combo boxes of the names the active OCIO config offers.

Parameters declared with OCIO names (``ColourSpaceParam``, ``DisplayParam``, ``ViewParam``: a
:class:`~filmstudio.core.params.NameList`) list :func:`filmstudio.colour.colour_space_names`,
:func:`~filmstudio.colour.displays`, or the views of the display in the parameter the view
``follows``, refreshed when that display changes. Text parameters keep free text (aliases,
roles, a config not loaded yet): the combo is editable and commits on Enter, focus out or a choice
from the list. A name the config does not know is shown in orange with the reason as tooltip.

:mod:`filmstudio.colour` (and with it PyOpenColorIO) is imported only when a field first fills
its list, never when the inspector is imported. A missing or broken config reaches the log as a
notice from the editor (the row reports it once), never as a traceback.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QWidget

from filmstudio.core.graph import NodeInstance
from filmstudio.core.params import NameList, Param, ParamKind
from filmstudio.ui.inspector.base import ParamEditor, guard_wheel

UNKNOWN_COLOUR = QColor("#e8a33d")


@dataclass(frozen=True)
class NameSource:
    """What a colour-space field lists: ``names()`` (may raise), the name an empty value stands
    for (``default()``, "" when empty means nothing), ``problem(value)`` ("" when the config knows
    the value) and the parameters whose change refreshes the list."""

    names: Callable[[], list[str]]
    default: Callable[[], str] = lambda: ""
    problem: Callable[[str], str] | None = None
    depends_on: frozenset[str] = frozenset()
    hint: str = ""


def _colour() -> Any:
    from filmstudio import colour  # lazily: loading a config is the first call's business

    return colour


def _space_problem(name: str) -> str:
    from filmstudio.core.errors import FilmStudioError

    try:
        _colour().resolve_space(name)
    except FilmStudioError as error:
        return str(error)
    return ""


def name_source(param: Param, node: NodeInstance | None) -> NameSource | None:
    """The list a parameter's combo offers (its declared :class:`NameList`), or None when it is
    an ordinary field."""
    if param.names is NameList.COLOUR_SPACES:
        return NameSource(
            lambda: _colour().colour_space_names(),
            problem=_space_problem,
            hint="a colour space of the OCIO config",
        )
    if param.names is NameList.DISPLAYS:
        return NameSource(lambda: _colour().displays(), lambda: _colour().default_display())
    if param.names is NameList.VIEWS:
        followed = param.follows  # the node type's spec guarantees it is a display parameter

        def display() -> str | None:
            return (node[followed] or None) if node is not None else None

        return NameSource(
            lambda: _colour().views(display()),
            lambda: _colour().display_default_view(display()),
            depends_on=frozenset({followed}),
        )
    return None


class ColourNameEditor(ParamEditor):
    """A combo box of OCIO names: editable for text parameters (free text allowed), a plain list
    of the declared choices the config offers for choice parameters."""

    def __init__(self, param: Param, source: NameSource, parent: QWidget | None = None) -> None:
        super().__init__(param, parent)
        self.source = source
        self.depends_on = source.depends_on
        self.combo = QComboBox()
        self.combo.setEditable(param.kind is ParamKind.TEXT)
        self.combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.combo.setMinimumContentsLength(12)
        self.combo.setMaxVisibleItems(20)
        guard_wheel(self.combo)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.combo, 1)
        self._names: list[str] = []
        self._failure = ""
        self.combo.activated.connect(lambda index: self._commit(self.combo.itemText(index)))
        line = self.combo.lineEdit()
        if line is not None:
            line.editingFinished.connect(lambda: self._commit(line.text().strip()))

    def names(self) -> list[str]:
        """The names listed (as of the last refresh)."""
        return list(self._names)

    def reload(self) -> None:
        """Ask the config for the names again (and the default an empty value stands for)."""
        try:
            names = list(self.source.names())
            default = self.source.default()
        except Exception as error:  # OCIO can fail in many ways: the log says which, never a traceback
            self._fail(f"{self.param.display_name}: cannot list the OCIO config's names: {error}")
            names, default = [], ""
        else:
            self._failure = ""
        if self.param.kind is ParamKind.CHOICE:
            names = [n for n in names if n in self.param.choices] or list(self.param.choices)
        if names != self._names:
            self._names = names
            self.combo.clear()
            self.combo.addItems(names)
        line = self.combo.lineEdit()
        if line is not None:
            line.setPlaceholderText(f"default: {default}" if default else self.source.hint)

    def _fail(self, text: str) -> None:
        if text != self._failure:  # once per failure, not on every refresh
            self._failure = text
            self.notice.emit(text)

    def _commit(self, text: str) -> None:
        if self._updating or text == self._value:
            return
        self._edited(text)
        self._mark(text)

    def _mark(self, value: str) -> None:
        """Orange text and a tooltip when the config does not know ``value``."""
        problem = ""
        if value and self.source.problem is not None:
            problem = self.source.problem(value)
        elif value and self._names and value not in self._names:
            problem = f"{value!r} is not in the OCIO config's list"
        palette = QPalette()  # mostly unresolved: inherited, as the row's tint expects
        hint = QColor(self.palette().color(QPalette.ColorRole.Text))
        hint.setAlpha(110)  # a readable placeholder ("default: ...") on light and dark themes
        palette.setColor(QPalette.ColorRole.PlaceholderText, hint)
        if problem:
            palette.setColor(QPalette.ColorRole.Text, UNKNOWN_COLOUR)
        self.combo.setPalette(palette)
        self.combo.setToolTip(problem)

    def _show(self, value: Any) -> None:
        self.reload()
        text = str(value)
        self.combo.setCurrentIndex(self.combo.findText(text))
        if self.combo.isEditable():
            self.combo.setEditText(text)
        self._mark(text)
