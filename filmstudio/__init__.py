"""FilmStudio: a node-based editor for AI-assisted film making.

The scripting API lives here; heavy modules (torch, the engine) load only when used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from filmstudio.core.errors import FilmStudioError, ProjectError
    from filmstudio.core.project import Project
    from filmstudio.core.version import __version__
    from filmstudio.engine.engine import Engine

_LAZY = {
    "Project": "filmstudio.core.project",
    "FrameRange": "filmstudio.core.timebase",
    "Format": "filmstudio.core.timebase",
    "FilmStudioError": "filmstudio.core.errors",
    "ProjectError": "filmstudio.core.errors",
    "Engine": "filmstudio.engine.engine",
    "analyse": "filmstudio.render.analysis",
    "__version__": "filmstudio.core.version",
}

__all__ = [
    "Engine",
    "FilmStudioError",
    "Format",
    "FrameRange",
    "Project",
    "ProjectError",
    "__version__",
    "analyse",
    "load",
]


def load(path: Any) -> Project:
    """Open a project file (see :meth:`Project.load`)."""
    from filmstudio.core.project import Project

    return Project.load(path)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'filmstudio' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
