"""Missing media on open: every file a project reads that is not there, in one dialog, with Relink.

Which parameters name files a project reads is declared, not guessed: every path parameter in
"open" mode (a Read's or a Subtitle File's ``file``, which ``Node.media_file`` names, a LUT, a
font, a screenplay, a model file). Save-mode paths (what ``Node.output_file`` names) are written,
so they are never missing. A model given by a known name (``dat-light-x2``) is installed with
``filmstudio models install``, not relinked; a bare file name counts as found when the project
folder or a model folder holds it. An image sequence (``shot.####.exr``) is there when its folder
holds at least one of its frames.

Relink searches a folder and everything below it for files of the same name (for a sequence:
a folder with frames of the same pattern) and sets every found path in one undo step. The scan
and search are plain Python (:func:`missing_files`, :func:`find_replacements`); the dialog is
:class:`MissingMediaDialog`. GUI thread for the dialog.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from filmstudio.core.commands import SetParam
from filmstudio.core.errors import FilmStudioError
from filmstudio.core.params import ParamKind, PathMode
from filmstudio.core.project import Project
from filmstudio.media.sequence import SequencePattern, is_sequence_pattern
from filmstudio.models.manifest import known_model, models_named
from filmstudio.models.store import ModelStore, looks_like_path
from filmstudio.ui.session import EditorSession


@dataclass(frozen=True)
class MissingFile:
    """A file parameter whose file is not there: ``stored`` as the node holds it, ``path`` resolved."""

    node: str  # uuid
    node_name: str
    param: str
    stored: str
    path: Path

    @property
    def sequence(self) -> bool:
        return is_sequence_pattern(self.stored)


def missing_files(project: Project) -> list[MissingFile]:
    """Every file the project reads that is not on disk, in node order (see the module docstring)."""
    folder = project.path.resolve().parent if project.path is not None else None
    store = ModelStore(folder)
    found: list[MissingFile] = []
    for node in project.graph.nodes.values():
        for param in node.type.params:
            if param.kind is not ParamKind.PATH or param.path_mode is not PathMode.OPEN:
                continue
            stored = node.params.get(param.name)
            if not isinstance(stored, str) or not stored.strip():
                continue
            path = project.resolve_path(stored)
            if not _present(path, stored, store):
                found.append(MissingFile(node.uuid, node.name, param.name, stored, path))
    return found


def _present(path: Path, stored: str, store: ModelStore) -> bool:
    if is_sequence_pattern(stored) and not path.is_file():  # 'take#2.mp4' is a file, not a pattern
        try:
            return bool(SequencePattern.parse(path).scan())
        except FilmStudioError:
            return False
    if path.exists():
        return True
    if looks_like_path(stored):
        return False
    if known_model(stored) is not None or models_named(stored):  # a name, or a bundle's (a voice)
        return True  # installed by `filmstudio models install`; the node says so when it is not
    try:
        store.find(stored)  # a bare file name in the model folders
    except FilmStudioError:
        return False
    return True


def find_replacements(missing: list[MissingFile], folder: Path) -> dict[MissingFile, Path]:
    """Where each missing file is under ``folder`` (searched recursively, shallowest first): a file
    of the same name, or for a sequence a folder with frames of its pattern (returned as the
    pattern in that folder). Files not found are left out."""
    wanted = {item: SequencePattern.parse(item.path) if item.sequence else None for item in missing}
    found: dict[MissingFile, Path] = {}
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        names = set(files)
        for item, pattern in wanted.items():
            if item in found:
                continue
            if pattern is None:
                if item.path.name in names:
                    found[item] = Path(root) / item.path.name
            elif any(pattern.frame_of(name) is not None for name in names):
                found[item] = Path(root) / item.path.name
        if len(found) == len(wanted):
            break
    return found


def relink(session: EditorSession, replacements: Mapping[MissingFile, Path]) -> int:
    """Point each missing file's parameter at its replacement, as one undo step ("Relink media");
    paths inside the project's folder are stored relative to it. Returns how many were set."""
    project = session.project
    base = project.path.resolve().parent if project.path is not None else None
    done = 0
    with session.edit("Relink media"):
        for item, path in replacements.items():
            if item.node not in session.graph.nodes:
                continue
            session.graph.perform(SetParam(item.node, item.param, _stored(path, base)))
            done += 1
    return done


def _stored(path: Path, base: Path | None) -> str:
    if base is not None:
        try:
            return str(path.resolve().relative_to(base))
        except ValueError:
            pass
    return str(path.resolve())


class MissingMediaDialog(QDialog):
    """Lists the missing files; Search Folder… finds them by name below a folder, Relink sets
    what was found (one undo step). Non-modal: the artist can keep working with it open."""

    def __init__(
        self, session: EditorSession, missing: list[MissingFile], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Missing Media")
        self.setObjectName("MissingMediaDialog")
        self.session = session
        self.missing = list(missing)
        self.found: dict[MissingFile, Path] = {}
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Node", "Parameter", "Missing file", "Found"])
        self.tree.setRootIsDecorated(False)
        header = self.tree.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        for item in self.missing:
            row = QTreeWidgetItem([item.node_name, item.param, str(item.path), ""])
            row.setToolTip(2, str(item.path))
            self.tree.addTopLevelItem(row)
        buttons = QDialogButtonBox()
        self.search_button = QPushButton("Search Folder…")
        self.relink_button = QPushButton("Relink")
        self.relink_button.setEnabled(False)
        buttons.addButton(self.search_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.relink_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.search_button.clicked.connect(self._choose_folder)
        self.relink_button.clicked.connect(self.apply)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.tree, 1)
        layout.addWidget(buttons)
        self.resize(860, 320)
        self._update_summary("")

    def _choose_folder(self) -> None:
        start = str(self.session.project.path.parent) if self.session.project.path else ""
        chosen = QFileDialog.getExistingDirectory(self, "Search for the missing files in", start)
        if chosen:
            self.search(Path(chosen))

    def search(self, folder: Path) -> int:
        """Look for the missing files below ``folder``; returns how many were found."""
        self.found.update(find_replacements([m for m in self.missing if m not in self.found], folder))
        for index, item in enumerate(self.missing):
            self.tree.topLevelItem(index).setText(3, str(self.found.get(item, "")))
        self.relink_button.setEnabled(bool(self.found))
        self._update_summary(str(folder))
        return len([m for m in self.missing if m in self.found])

    def apply(self) -> None:
        """Relink what was found (one undo step) and close."""
        count = relink(self.session, self.found)
        self.session.report(f"relinked {count} file{'s' if count != 1 else ''}")
        self.accept()

    def _update_summary(self, folder: str) -> None:
        total, found = len(self.missing), len(self.found)
        text = (
            f"{total} files this project reads are missing."
            if total != 1
            else "1 file this project reads is missing."
        )
        if folder:
            text += f" Found {found} under {folder}."
        else:
            text += " Search a folder (and its subfolders) for files of the same names, then Relink."
        self.summary.setText(text)
