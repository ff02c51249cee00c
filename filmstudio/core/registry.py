"""The node registry: every node type, built-in or plugin, found through one entry-point group.

A distribution registers node types by declaring, in its pyproject::

    [project.entry-points."filmstudio.nodes"]
    mystudio = "mystudio_nodes"        # a module with NODES = (MyNode, ...), or a callable returning them

Listing the registry imports the node modules but never torch: node modules import heavy
libraries inside ``evaluate``.
"""

from __future__ import annotations

import importlib.metadata
import threading
import warnings
from collections.abc import Iterable, Iterator
from types import ModuleType

from filmstudio.core.errors import FilmStudioError, UnknownNodeTypeError
from filmstudio.core.node import Node
from filmstudio.core.warnings import FilmStudioWarning

ENTRY_POINT_GROUP = "filmstudio.nodes"


class NodeRegistry:
    """Node types by id (and by legacy id). Thread-safe for lookups once loaded."""

    def __init__(self, types: Iterable[type[Node]] = ()) -> None:
        self._types: dict[str, type[Node]] = {}
        self._legacy: dict[str, type[Node]] = {}
        self.load_errors: list[str] = []
        for node_type in types:
            self.register(node_type)

    def register(self, node_type: type[Node]) -> type[Node]:
        """Add a node type; returns it, so it can be used as a class decorator."""
        if not (isinstance(node_type, type) and issubclass(node_type, Node)) or node_type.abstract:
            raise TypeError(f"{node_type!r} is not a node type")
        existing = self._types.get(node_type.id)
        if existing is not None and existing is not node_type:
            raise FilmStudioError(
                f"two node types claim the id {node_type.id!r}: "
                f"{existing.__module__}.{existing.__qualname__} and "
                f"{node_type.__module__}.{node_type.__qualname__}"
            )
        self._types[node_type.id] = node_type
        for legacy in node_type.legacy_ids:
            self._legacy[legacy] = node_type
        return node_type

    def get(self, type_id: str) -> type[Node]:
        """The node type with this id or legacy id; raises :class:`UnknownNodeTypeError`."""
        node_type = self._types.get(type_id) or self._legacy.get(type_id)
        if node_type is None:
            raise UnknownNodeTypeError(type_id)
        return node_type

    def __contains__(self, type_id: object) -> bool:
        return type_id in self._types or type_id in self._legacy

    def __iter__(self) -> Iterator[type[Node]]:
        return iter(sorted(self._types.values(), key=lambda t: (t.category, t.id)))

    def __len__(self) -> int:
        return len(self._types)

    def load_entry_points(self, group: str = ENTRY_POINT_GROUP) -> None:
        """Import every installed plugin of ``group``. A broken plugin is skipped with a warning
        (and noted in :attr:`load_errors`) rather than stopping the application."""
        for entry_point in importlib.metadata.entry_points(group=group):
            try:
                for node_type in _node_types_of(entry_point.load()):
                    self.register(node_type)
            except Exception as error:  # a plugin's bug must not take the application down
                message = f"node plugin {entry_point.name!r} ({entry_point.value}) failed to load: {error}"
                self.load_errors.append(message)
                warnings.warn(message, FilmStudioWarning, stacklevel=2)


def _node_types_of(target: object) -> list[type[Node]]:
    if isinstance(target, type) and issubclass(target, Node):
        return [target]
    if isinstance(target, ModuleType):
        declared = getattr(target, "NODES", None)
        if declared is None:
            raise FilmStudioError(f"module {target.__name__} has no NODES tuple listing its node types")
        return list(declared)
    if callable(target):
        return list(target())
    raise FilmStudioError(f"{target!r} is neither a node type, a module with NODES, nor a callable")


_default: NodeRegistry | None = None
_default_lock = threading.Lock()


def default_registry() -> NodeRegistry:
    """The process-wide registry, filled from the installed entry points on first use."""
    global _default
    with _default_lock:
        if _default is None:
            registry = NodeRegistry()
            registry.load_entry_points()
            _default = registry
        return _default
