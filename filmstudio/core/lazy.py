"""A package's names whose modules load on first use (PEP 562), so importing the package stays
cheap: ``filmstudio.api`` loads no torch, OCIO or av until a node asks for a helper that needs it."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(
    package: str,
    namespace: dict[str, Any],
    modules: Mapping[str, str],
    renamed: Mapping[str, str] | None = None,
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of ``package``: name -> the module it comes from (in
    ``modules``; under another name in that module where ``renamed`` says so), imported on first
    use and then kept in ``namespace`` (the package's ``globals()``)."""
    renamed = renamed or {}

    def __getattr__(name: str) -> Any:
        module = modules.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), renamed.get(name, name))
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *modules})

    return __getattr__, __dir__
