"""Errors a user can meet, each with a message that says what happened and what to do.

Everything FilmStudio raises on purpose derives from :class:`FilmStudioError`, so the editor and the
CLI can show the message instead of a traceback.
"""

from __future__ import annotations


class FilmStudioError(Exception):
    """Base of every error FilmStudio raises on purpose; ``str(error)`` is fit to show a user."""


class NodeSpecError(FilmStudioError, TypeError):
    """A node class's declaration is invalid; lists every problem found at class definition."""

    def __init__(self, class_name: str, problems: list[str]) -> None:
        self.class_name = class_name
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"node class {class_name} is not valid:\n{lines}")


class UnknownNodeTypeError(FilmStudioError, KeyError):
    """No registered node type has this id (nor lists it as a legacy id)."""

    def __init__(self, type_id: str) -> None:
        self.type_id = type_id
        super().__init__(type_id)

    def __str__(self) -> str:
        return (
            f"unknown node type {self.type_id!r}: install the plugin that provides it, "
            "or check the spelling (`filmstudio nodes` lists the installed types)"
        )


class ParameterError(FilmStudioError, ValueError):
    """A parameter name or value is not valid for a node."""


# --- links: one checker, one error per rule (see Graph.check_link in core/graph.py) ---------------


class LinkError(FilmStudioError, ValueError):
    """A link between two ports was refused; ``rule`` is the number of the rule that refused it."""

    rule: int = 0


class UnknownNodeError(LinkError):
    rule = 1


class UnknownPortError(LinkError):
    rule = 2


class WrongDirectionError(LinkError):
    rule = 3


class SelfLinkError(LinkError):
    rule = 4


class TypeMismatchError(LinkError):
    rule = 5


class InputAlreadyConnectedError(LinkError):
    rule = 6


class DuplicateLinkError(LinkError):
    rule = 7


class CycleError(LinkError):
    rule = 8


# --- files and evaluation ---------------------------------------------------------------------


class ProjectError(FilmStudioError):
    """A project file cannot be read or written; names the file, the place in it and the problem."""

    def __init__(self, path: object, problem: str, location: str = "") -> None:
        self.path = str(path) if path is not None else "<memory>"
        self.location = location
        self.problem = problem
        where = f" at {location}" if location else ""
        super().__init__(f"{self.path}{where}: {problem}")


class MediaError(FilmStudioError):
    """A media file cannot be read or written; names the file and the problem."""

    def __init__(self, path: object, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


class EvaluationError(FilmStudioError):
    """A node failed while evaluating a frame; names the node and the frame."""

    def __init__(self, node_name: str, frame: int, problem: str) -> None:
        self.node_name = node_name
        self.frame = frame
        self.problem = problem
        super().__init__(f"{node_name} at frame {frame}: {problem}")


class Cancelled(FilmStudioError):
    """The request was cancelled; not a failure, and never shown as one."""


# --- colour management ------------------------------------------------------------------------


class ColourError(FilmStudioError):
    """Colour management failed: the OCIO config, a colour space name or a LUT file."""


class ColourConfigError(ColourError):
    """The OpenColorIO config cannot be loaded or lacks what FilmStudio needs; names its source."""

    def __init__(self, source: str, problem: str) -> None:
        self.source = source
        self.problem = problem
        super().__init__(f"OCIO config {source}: {problem}")


class UnknownColourSpaceError(ColourError, ParameterError):
    """A colour space (or display, or view) name the active OCIO config does not know."""


class LUTError(ColourError):
    """A LUT file is missing or cannot be read; names the file and says what to do."""

    def __init__(self, path: object, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")
