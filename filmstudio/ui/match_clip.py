"""Resolve's question when the first clip goes into an empty project: match the project to it?

:class:`ClipMatcher` watches the session: when a node that reads footage (``Node.media_file``) is
given a file and no other reader in the project has one, the clip is probed off the GUI thread
and, if its size, rate or length differ from the project's, :class:`MatchProjectBar` (a bar above
the panels, never a modal dialog) offers to match: format, frame rate and a frame range as long
as the clip, starting at the project's first frame, as one undo step. "Don't ask again" is the
artist's setting (:mod:`filmstudio.ui.user_settings`). GUI thread, except the probe.
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import PurePath
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QToolBar, QWidget

from filmstudio.core.errors import FilmStudioError
from filmstudio.core.graph import GraphEvent, GraphEventKind, NodeInstance
from filmstudio.core.project import ProjectSettings
from filmstudio.core.timebase import Format, FrameRange
from filmstudio.ui.project_settings import fps_label
from filmstudio.ui.session import EditorSession
from filmstudio.ui.user_settings import load_user_settings, save_user_settings


@dataclass(frozen=True)
class ClipProposal:
    """What matching the project to a clip would set. ``fps``/``frames`` are None for a still
    (the project keeps its rate and range)."""

    node: str  # the reader's uuid
    file: str  # as the node stores it
    format: Format
    fps: Fraction | None
    frames: int | None

    def changes(self, settings: ProjectSettings) -> dict[str, Any]:
        """The settings that differ from ``settings`` (empty: the project matches already)."""
        proposed: dict[str, Any] = {}
        current = settings.format
        if (current.width, current.height, current.pixel_aspect) != (
            self.format.width,
            self.format.height,
            self.format.pixel_aspect,
        ):
            proposed["format"] = self.format
        if self.fps is not None and self.fps != settings.fps:
            proposed["fps"] = self.fps
        if self.frames:
            first = settings.frame_range.first
            frames = FrameRange(first, first + self.frames - 1)
            if frames != settings.frame_range:
                proposed["frame_range"] = frames
        return proposed

    def describe(self, settings: ProjectSettings) -> str:
        image = self.format
        clip = f"{image.width}x{image.height}"
        if self.fps is not None:
            clip += f", {fps_label(self.fps)} fps"
        if self.frames:
            clip += f", {self.frames} frames"
        project = settings.format
        now = (
            f"{project.width}x{project.height}, {fps_label(settings.fps)} fps, frames {settings.frame_range}"
        )
        name = PurePath(self.file).name
        return f"The first clip, {name}, is {clip}; the project is {now}. Match the project to the clip?"


def media_file(node: NodeInstance) -> str:
    """The file a reader node reads ("" when none is set, or the node reads no footage)."""
    name = node.type.media_file
    return str(node.params.get(name) or "") if name else ""


class ClipMatcher(QObject):
    """Offers to match the project to the first clip read into it (see the module docstring).

    Signals: ``offered(ClipProposal)`` on the GUI thread when a question is due."""

    offered = Signal(object)
    _probed = Signal(object, object)  # (node uuid, file), MediaInfo or None; from a worker thread

    def __init__(self, session: EditorSession, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self._asked = False  # once per project: the first clip is the one that counts
        self._project_replaced()
        self._probed.connect(self._answer, Qt.ConnectionType.QueuedConnection)
        session.graphChanged.connect(self._graph_changed)
        session.projectReplaced.connect(self._project_replaced)

    def _project_replaced(self) -> None:
        self._asked = any(media_file(n) for n in self.session.graph.nodes.values())

    def _graph_changed(self, event: GraphEvent) -> None:
        if self._asked or event.kind not in (GraphEventKind.PARAM_CHANGED, GraphEventKind.NODE_ADDED):
            return
        graph = self.session.graph
        node = graph.nodes.get(event.node)
        if node is None or not media_file(node):
            return
        if event.kind is GraphEventKind.PARAM_CHANGED and event.detail != node.type.media_file:
            return
        if any(media_file(other) for other in graph.nodes.values() if other is not node):
            self._asked = True  # not the first clip: the project was set up for another one
            return
        self._asked = True
        if not load_user_settings().ask_match_project:
            return
        file = media_file(node)
        path = str(self.session.project.resolve_path(file))
        try:
            future = self.session.engine.run_in_background(_probe, path)
        except RuntimeError:  # the engine is closing
            return
        key = (node.uuid, file)
        future.add_done_callback(lambda done: self._probed.emit(key, _result(done)))

    def _answer(self, key: tuple[str, str], info: Any) -> None:
        uuid, file = key
        node = self.session.graph.nodes.get(uuid)
        if info is None or node is None or media_file(node) != file:
            return  # unreadable (the Read says why), or changed meanwhile
        still = info.fps is None or info.kind == "image"
        proposal = ClipProposal(
            uuid,
            file,
            Format(info.width, info.height, float(info.pixel_aspect or 1)),
            None if still else Fraction(info.fps),
            None if still else int(info.frame_count),
        )
        if proposal.changes(self.session.project.settings):
            self.offered.emit(proposal)


def _probe(path: str) -> Any:  # a request thread
    from filmstudio.media.probe import probe

    return probe(path)


def _result(done: Future[Any]) -> Any:
    try:
        return done.result()
    except (FilmStudioError, OSError, RuntimeError):
        return None


class MatchProjectBar(QToolBar):
    """The question as a bar: Match project, Keep settings, Don't ask again."""

    def __init__(self, session: EditorSession, parent: QWidget | None = None) -> None:
        super().__init__("Match project to clip", parent)
        self.setObjectName("MatchProjectBar")
        self.setMovable(False)
        self.setFloatable(False)
        self.setStyleSheet("#MatchProjectBar { background: #3a3326; border-bottom: 1px solid #1a1a1a; }")
        self.session = session
        self.proposal: ClipProposal | None = None
        row = QWidget(self)
        row.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        layout = QHBoxLayout(row)
        layout.setContentsMargins(8, 4, 8, 4)
        self.label = QLabel()
        self.label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.match_button = QPushButton("Match Project")
        self.keep_button = QPushButton("Keep Settings")
        self.never_button = QPushButton("Don't Ask Again")
        layout.addWidget(self.label, 1)
        for button in (self.match_button, self.keep_button, self.never_button):
            layout.addWidget(button)
        self.addWidget(row)
        self.match_button.clicked.connect(self.match)
        self.keep_button.clicked.connect(self.dismiss)
        self.never_button.clicked.connect(self.never_ask)
        session.projectReplaced.connect(self.dismiss)
        self.hide()

    def offer(self, proposal: ClipProposal) -> None:
        self.proposal = proposal
        self.label.setText(proposal.describe(self.session.project.settings))
        self.label.setToolTip(proposal.file)
        self.show()

    def match(self) -> None:
        """Set the project's format, rate and range to the clip's (one undo step)."""
        proposal, self.proposal = self.proposal, None
        self.hide()
        if proposal is None:
            return
        changes = proposal.changes(self.session.project.settings)
        if changes:
            try:
                self.session.project.update_settings(**changes)
            except ValueError as error:  # a clip beyond the project's limits
                self.session.report(f"cannot match the project to {proposal.file}: {error}", "warning")
                return
            self.session.report(f"project settings now match {proposal.file}")

    def dismiss(self) -> None:
        self.proposal = None
        self.hide()

    def never_ask(self) -> None:
        self.dismiss()
        settings = load_user_settings()
        try:
            save_user_settings(replace(settings, ask_match_project=False))
        except OSError as error:
            self.session.report(f"could not keep the answer for next time: {error}", "warning")
