"""One inspector row per parameter: the right-aligned label, the widget made for the parameter's
kind and, for animatable parameters, the keyframe button. The row keeps the widget in step with
the model (value at the current frame, key state, the animated tint Nuke users read at a glance)."""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QMenu, QWidget

from filmstudio.core.params import Param, ParamKind
from filmstudio.core.project import Project
from filmstudio.ui.inspector.base import ParamEditor, format_number
from filmstudio.ui.inspector.basic import BoolEditor, ChoiceEditor, PathEditor, TextEditor
from filmstudio.ui.inspector.binding import KeyState, ParamBinding
from filmstudio.ui.inspector.color import ColorEditor
from filmstudio.ui.inspector.colourspace import ColourNameEditor, name_source
from filmstudio.ui.inspector.grading import ChannelGradeEditor
from filmstudio.ui.inspector.keyframe import KeyframeButton
from filmstudio.ui.inspector.numeric import FloatEditor, IntEditor, VectorEditor

# Field backgrounds of animated parameters: dim cyan along a curve, blue on a key (Nuke's code).
CURVE_TINT = QColor("#213540")
KEY_TINT = QColor("#1d3b5e")

_EDITORS: dict[ParamKind, Callable[[Param], ParamEditor]] = {
    ParamKind.FLOAT: FloatEditor,
    ParamKind.INT: IntEditor,
    ParamKind.BOOL: BoolEditor,
    ParamKind.CHOICE: ChoiceEditor,
    ParamKind.COLOR: ColorEditor,
    ParamKind.TEXT: TextEditor,
    ParamKind.VECTOR: VectorEditor,
}


def tint_sheet(state: KeyState) -> str:
    """The fields' background for a key state. A style sheet, not a palette: under the editor's
    application-wide style sheet (ui/theme.py) Qt ignores palette colours of styled widgets, so a
    palette tint would never show in the editor."""
    if state is KeyState.NONE:
        return ""
    colour = (KEY_TINT if state is KeyState.KEY else CURVE_TINT).name()
    return f"QAbstractSpinBox, QLineEdit, QPlainTextEdit {{ background-color: {colour}; }}"


def project_relative(project: Project) -> Callable[[Path], str]:
    """Store a chosen file relative to the project's folder when it lies inside it (projects move
    with their media), else as an absolute path."""

    def relativize(chosen: Path) -> str:
        if project.path is not None:
            folder = project.path.resolve().parent
            try:
                return chosen.resolve().relative_to(folder).as_posix()
            except ValueError:
                pass
        return str(chosen)

    return relativize


def make_editor(binding: ParamBinding) -> ParamEditor:
    """The widget for the parameter of ``binding``: by kind, or by what the declaration asks for
    (the per-channel half of a grading pair, :mod:`grading`; OCIO names, :mod:`colourspace`)."""
    param, node = binding.param, binding.node
    if param.kind is ParamKind.PATH:
        project = binding.session.project
        return PathEditor(param, resolve=project.resolve_path, relativize=project_relative(project))
    if param.grade_of:
        return ChannelGradeEditor(param)
    source = name_source(param, node)
    if source is not None:
        return ColourNameEditor(param, source)
    return _EDITORS[param.kind](param)


def tooltip(param: Param) -> str:
    """Rich tooltip: the parameter's script name, its help and its limits."""
    lines = [f"<b>{html.escape(param.name)}</b>"]
    if param.tooltip:
        lines.append(html.escape(param.tooltip))
    limits = []
    if param.minimum is not None:
        limits.append(f"min {format_number(param.minimum)}")
    if param.maximum is not None:
        limits.append(f"max {format_number(param.maximum)}")
    if limits:
        lines.append(f"<i>{', '.join(limits)}</i>")
    if param.animatable:
        lines.append("<i>animatable</i>")
    return "<br>".join(lines)


class ParamRow:
    """The widgets of one parameter in the panel's grid (label, editor, key button) and the
    binding they edit through. Not a widget itself: the panel lays the parts out in columns."""

    def __init__(self, binding: ParamBinding, parent: QWidget | None = None) -> None:
        param = binding.param
        self.binding = binding
        self.label = QLabel(param.display_name, parent)
        self.label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.label.setToolTip(tooltip(param))
        self.label.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.label.customContextMenuRequested.connect(self._label_menu)
        self.editor = make_editor(binding)
        self.editor.setParent(parent)
        self.editor.setToolTip(tooltip(param))
        self.editor.valueEdited.connect(self._edited)
        self.editor.dragStarted.connect(binding.begin_drag)
        self.editor.notice.connect(
            lambda text: binding.session.report(f"{binding.node.name}: {text}", "warning")
        )
        self.key_button: KeyframeButton | None = None
        if param.animatable:
            self.key_button = KeyframeButton(binding, parent)
        self._tint: KeyState | None = None
        self.refresh()

    @property
    def name(self) -> str:
        return self.binding.name

    @property
    def depends_on(self) -> frozenset[str]:
        """Parameters of the same node whose change this row must show (a view follows its display)."""
        return self.editor.depends_on

    @property
    def animated(self) -> bool:
        return self.binding.curve() is not None

    def build_menu(self) -> QMenu:
        """The label's right-click menu."""
        menu = QMenu(self.label)
        menu.addAction("Reset to default", self.binding.reset)
        return menu

    def _label_menu(self, position: QPoint) -> None:
        menu = self.build_menu()
        menu.exec(self.label.mapToGlobal(position))
        menu.deleteLater()

    def _notice(self, text: str) -> None:
        self.binding.session.report(f"{self.binding.node.name}: {text}", "warning")

    def _edited(self, value: object, merge: bool) -> None:
        if not self.binding.apply(value, merge):
            self.refresh()  # refused: show the model's value again

    def refresh(self) -> None:
        """Show the value at the current frame and the key state (no signals, no edits)."""
        self.editor.set_value(self.binding.value())
        state = self.binding.key_state()
        if self.key_button is not None:
            self.key_button.refresh()
        if state is not self._tint:
            self._tint = state
            self.editor.setStyleSheet(tint_sheet(state))
