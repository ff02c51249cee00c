"""The application's version (one source: the installed distribution's metadata, pyproject.toml)
and the name its per-user folders go under."""

from __future__ import annotations

from importlib import metadata

# The platformdirs app name (no author) of every per-user folder: models, autosaves, settings, recent
# files all sit under one ``filmstudio`` folder (``~/.local/share/filmstudio``, ``~/.config/filmstudio``).
APP_NAME = "filmstudio"

# A source tree on sys.path that was never installed (``pip install -e .`` records the version).
_NOT_INSTALLED = "0+unknown"


def _installed_version() -> str:
    try:
        return metadata.version("filmstudio")
    except metadata.PackageNotFoundError:
        return _NOT_INSTALLED


__version__ = _installed_version()
