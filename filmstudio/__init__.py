"""FilmStudio: a node-based editor for AI-assisted film making.

The scripting API lives here; heavy modules (torch, the engine) load only when used.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

# OpenMP (torch's CPU thread pool, libgomp) makes idle threads spin between parallel regions. With
# our decode, encode and GUI threads — or anything else — on the same cores, the spinning pool
# starves the thread holding the work: element-wise ops on 64x64 to 256x256 batches measured 2x to
# 27x slower on 2 cores; passive waiting costs nothing measurable on 1080p frames. It only counts
# when set before torch loads OpenMP (filmstudio is imported first by the editor, the CLI and
# scripts that start with `import filmstudio`); a user's own setting wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

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
