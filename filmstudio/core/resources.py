"""Shipped data files — the demo projects and their media, the subtitle font, the desktop entry and
icons — found with :mod:`importlib.resources` in the package ``filmstudio.resources``.

The repository keeps them in ``resources/`` (and ``packaging/desktop/``); ``pyproject.toml`` maps
those folders into the package, so a source checkout installed with ``pip install -e .`` and an
installed wheel find the same files the same way, whatever the working folder. No code may find
them by a path relative to its own file: that works only in a checkout.
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path

from filmstudio.core.errors import FilmStudioError

PACKAGE = "filmstudio.resources"
# Folders that are packages of their own (mapped from elsewhere in a checkout: packaging/desktop).
SUBPACKAGES = ("desktop",)


class ResourceError(FilmStudioError):
    """A shipped file is not where the package says it is: the installation is incomplete."""


def resource_path(*parts: str) -> Path:
    """The shipped file or folder ``parts`` (``"demo", "demo.fsproj"``) as a path on disk.

    The package is installed as files (wheels unpack into site-packages; editable installs point
    at the checkout), so the path is usable by anything that opens files (Pillow, PyAV). Raises
    :class:`ResourceError` when it is missing."""
    package = PACKAGE
    if parts and parts[0] in SUBPACKAGES:
        package, parts = f"{PACKAGE}.{parts[0]}", parts[1:]
    try:
        root = importlib.resources.files(package)
    except ModuleNotFoundError:
        raise ResourceError(
            f"FilmStudio's data package {package} is not installed: reinstall FilmStudio "
            "(`pip install --force-reinstall filmstudio`, or `pip install -e .` in a checkout)"
        ) from None
    path = Path(str(root.joinpath(*parts)))
    if not path.exists():
        raise ResourceError(
            f"the shipped file {'/'.join(parts)} is missing from {Path(str(root))}: the installation "
            "is incomplete; reinstall FilmStudio"
        )
    return path
