"""Autosave, crash recovery and the recent-files list.

While a project has unsaved changes the editor writes a copy of it every ``interval`` seconds to
the user data folder (atomically, like a real save, never over the artist's own file). A clean
exit, or saving/closing the project, removes that copy; so a copy found at the next start means
the editor did not exit cleanly and the start offers to restore it. Each autosave has a small
JSON sidecar naming the project file it belongs to (or none, for a project never saved).

Besides the interval, an edit is autosaved ``debounce`` seconds after the last one of a burst, so a
crash loses seconds of work, not half a minute.

Folders: ``$FILMSTUDIO_DATA_DIR`` / ``$FILMSTUDIO_CONFIG_DIR`` when set (tests use them), else the
platform's user data and config folders (platformdirs) under the one app name the model folder
uses too (:data:`~filmstudio.core.version.APP_NAME`); autosaves and recent files left under the old
``FilmStudio`` folders are still found.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QTimer

from filmstudio.core.errors import ProjectError
from filmstudio.core.project_file import atomic_write_text
from filmstudio.core.version import APP_NAME
from filmstudio.ui.session import EditorSession

LEGACY_APP_NAME = "FilmStudio"  # where autosaves and recent files went before they joined the models
RECENT_LIMIT = 10


def data_dir(app_name: str = APP_NAME) -> Path:
    override = os.environ.get("FILMSTUDIO_DATA_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_data_dir(app_name, appauthor=False))


def config_dir(app_name: str = APP_NAME) -> Path:
    override = os.environ.get("FILMSTUDIO_CONFIG_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_config_dir(app_name, appauthor=False))


@dataclass(frozen=True)
class Recovery:
    """An autosave left by a session that did not exit cleanly."""

    autosave: Path
    project: Path | None  # the file it belongs to; None for a project never saved
    saved_at: float  # time.time() of the autosave

    def describe(self) -> str:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(self.saved_at))
        name = str(self.project) if self.project else "an unsaved project"
        return f"{name} (autosaved {when})"

    def discard(self) -> None:
        for path in (self.autosave, _sidecar(self.autosave)):
            path.unlink(missing_ok=True)


def find_recoveries() -> list[Recovery]:
    """Autosaves waiting to be restored, newest first (the old folder's too)."""
    folders = dict.fromkeys([data_dir() / "autosave", data_dir(LEGACY_APP_NAME) / "autosave"])
    found = []
    for sidecar in (s for folder in folders for s in folder.glob("*.json")):
        autosave = sidecar.with_suffix(".fsproj")
        try:
            meta = json.loads(sidecar.read_text(encoding="utf-8"))
            project = Path(meta["project"]) if meta.get("project") else None
            found.append(Recovery(autosave, project, float(meta["saved_at"])))
        except (OSError, ValueError, KeyError, TypeError):
            continue  # a sidecar we cannot read is not worth a crash at start-up
        if not autosave.exists():
            found.pop()
    return sorted(found, key=lambda r: r.saved_at, reverse=True)


class Autosaver(QObject):
    """Writes the session's project to its autosave file while it has unsaved changes: every
    ``interval_s`` and ``debounce_s`` after the last edit of a burst (a slider drag is saved once,
    when it ends). GUI thread; serialising a project takes milliseconds."""

    def __init__(self, session: EditorSession, interval_s: float = 30.0, debounce_s: float = 3.0) -> None:
        super().__init__(session)
        self.session = session
        self._token = f"{os.getpid()}-{id(self):x}"
        self._written: Path | None = None  # the last autosave (its name follows the project's)
        self._failure: str | None = None  # the last failure reported (said once, not every interval)
        self._timer = QTimer(self)
        self._timer.setObjectName("autosave")
        self._timer.setInterval(int(interval_s * 1000))
        self._timer.timeout.connect(self.save_now)
        self._debounce = QTimer(self)
        self._debounce.setObjectName("autosave after an edit")
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(int(debounce_s * 1000))
        self._debounce.timeout.connect(self.save_now)
        session.modifiedChanged.connect(self._modified_changed)
        session.graphChanged.connect(self._edited)
        session.projectReplaced.connect(self.discard)

    @property
    def path(self) -> Path:
        project = self.session.project.path
        name = project.stem if project else "untitled"
        origin = str(project.resolve()) if project else self._token
        digest = hashlib.blake2b(origin.encode(), digest_size=6).hexdigest()
        return data_dir() / "autosave" / f"{name}-{digest}.fsproj"

    def save_now(self) -> Path | None:
        """Write the autosave if there is anything unsaved; returns its path, or None when there
        was nothing to save or the save failed. A failure of any kind is reported in the editor's
        log and status bar (once, until an autosave succeeds again), never raised: this runs from
        a timer and from the handler of unexpected errors. The previous autosave stays in place."""
        if not self.session.modified:
            return None
        target = self.path
        try:
            text = self.session.project.to_json()  # first: a project that cannot be saved touches nothing
            target.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_text(target, text)
            project = self.session.project.path
            meta = {"project": str(project.resolve()) if project else None, "saved_at": time.time()}
            atomic_write_text(_sidecar(target), json.dumps(meta))
            if self._written not in (None, target):
                Recovery(self._written, None, 0.0).discard()  # the project was renamed
            self._written = target
        except Exception as error:  # whatever it was, the artist must hear of it
            self._report_failure(error)
            return None
        self._failure = None
        return target

    def _report_failure(self, error: Exception) -> None:
        if isinstance(error, OSError):
            reason, advice = error.strerror or str(error), "save your work manually"
        elif isinstance(error, ProjectError):  # the project holds data no file can: saving fails too
            where = f" at {error.location}" if error.location else ""
            reason, advice = f"{error.problem}{where}", "undo the last change, or delete or reset that node"
        else:
            reason, advice = f"{type(error).__name__}: {error}", "save your work manually"
        kept = "; the previous autosave is kept" if self._written is not None else ""
        message = f"autosave failed ({reason}){kept}: {advice}"
        if message != self._failure:
            self._failure = message
            self.session.report(message, "warning" if isinstance(error, OSError) else "error")

    def discard(self) -> None:
        """Remove this session's autosave (after a save, a clean close, or a project switch)."""
        for path in {self.path, self._written} - {None}:
            Recovery(path, None, 0.0).discard()
        self._written = None

    def stop(self) -> None:
        self._timer.stop()
        self._debounce.stop()

    @property
    def pending(self) -> bool:
        """Whether an edit waits for its debounced autosave."""
        return self._debounce.isActive()

    def _edited(self, _event: object = None) -> None:
        if self.session.modified:
            self._debounce.start()  # (re)start: one save when the burst of edits ends

    def _modified_changed(self, modified: bool) -> None:
        if modified:
            if not self._timer.isActive():
                self._timer.start()
            self._debounce.start()
        else:
            self.stop()
            self.discard()


def _sidecar(autosave: Path) -> Path:
    return autosave.with_suffix(".json")


class RecentFiles:
    """The File > Open Recent list, most recent first, kept in the user config folder."""

    def __init__(self) -> None:
        self._file = config_dir() / "recent.json"

    def paths(self) -> list[Path]:
        legacy = config_dir(LEGACY_APP_NAME) / "recent.json"
        source = self._file if self._file.exists() or not legacy.exists() else legacy
        try:
            entries = json.loads(source.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        return [Path(p) for p in entries if isinstance(p, str)][:RECENT_LIMIT]

    def add(self, path: Path) -> None:
        resolved = Path(path).resolve()
        entries = [resolved, *(p for p in self.paths() if p != resolved)][:RECENT_LIMIT]
        try:
            self._file.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_text(self._file, json.dumps([str(p) for p in entries], indent=1))
        except OSError:
            pass  # a read-only config folder must not stop anyone from opening a project

    def clear(self) -> None:
        self._file.unlink(missing_ok=True)
