"""Errors of screenplays, shot lists and script files; messages say what to do."""

from __future__ import annotations

from filmstudio.core.errors import FilmStudioError


class ScriptError(FilmStudioError, ValueError):
    """A script, shot list or saved take cannot be used as it is."""


class ShotListError(ScriptError):
    """A shot list (from a model or a file) does not follow the schema; names the shot and field."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field
