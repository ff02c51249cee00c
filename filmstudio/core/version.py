"""The application's version: one source, the installed distribution's metadata (pyproject.toml)."""

from __future__ import annotations

from importlib import metadata

# A source tree on sys.path that was never installed (``pip install -e .`` records the version).
_NOT_INSTALLED = "0+unknown"


def _installed_version() -> str:
    try:
        return metadata.version("filmstudio")
    except metadata.PackageNotFoundError:
        return _NOT_INSTALLED


__version__ = _installed_version()
