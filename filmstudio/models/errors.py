"""Errors and warnings of the model runtime, each with a message a user can act on.

They surface as a node's error (the editor's badge, the render log) through the scheduler, which
prefixes the node's name and frame; ``str(error)`` alone is already fit to show.
"""

from __future__ import annotations

from collections.abc import Sequence

from filmstudio.core.errors import FilmStudioError
from filmstudio.core.warnings import FilmStudioWarning


class ModelError(FilmStudioError):
    """Base of the model runtime's errors."""


class ModelNotFoundError(ModelError):
    """A model's weights are in none of the folders searched.

    Names the model, the file expected, every folder searched (in order) and how to install it.
    """

    def __init__(self, name: str, expected: str, searched: Sequence[str], how_to_install: str) -> None:
        self.name = name
        self.expected = expected
        self.searched = list(searched)
        self.how_to_install = how_to_install
        folders = "\n".join(f"    {folder}" for folder in self.searched) or "    (no folders)"
        super().__init__(
            f"model {name!r} is not installed\n"
            f"  expected: {expected}\n"
            f"  searched:\n{folders}\n"
            f"  to install: {how_to_install}"
        )


class ModelFileError(ModelError):
    """A weights file exists but cannot be used: damaged, truncated, the wrong checksum, or not a
    model this node understands. Names the file and says what to do."""

    def __init__(self, path: object, problem: str, advice: str = "") -> None:
        self.path = str(path)
        self.problem = problem
        self.advice = advice
        tail = f"; {advice}" if advice else ""
        super().__init__(f"model file {self.path}: {problem}{tail}")


class UnsafeModelFileError(ModelFileError):
    """A pickled weights file that would run code when loaded; FilmStudio never unpickles code."""


class ModelInstallError(ModelError):
    """``filmstudio models install`` could not fetch or verify a model."""

    def __init__(self, name: str, problem: str, offline: bool = False) -> None:
        self.name = name
        self.offline = offline  # the package registry could not be reached (tests skip on this)
        super().__init__(f"cannot install model {name!r}: {problem}")


class ModelFallbackWarning(FilmStudioWarning):
    """Model work fell back to smaller tiles or to the CPU (out of memory); the render goes on."""
