"""The node SDK's front door: built-in nodes are written exactly as a plugin is, against
``filmstudio.api`` alone, and that surface is complete, resolvable and cheap to import."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import filmstudio.api as api
import filmstudio_nodes

NODE_FILES = sorted(Path(filmstudio_nodes.__file__).parent.glob("*.py"))
OVERRIDES = ("evaluate", "analyze", "requests", "state_for_frame", "generate_take")


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import in a file, at any depth (lazy imports in functions too)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
    return found


@pytest.mark.parametrize("path", NODE_FILES, ids=lambda p: p.name)
def test_built_in_nodes_import_only_the_public_api(path):
    internal = [
        f"{path.name}:{line}: {module}"
        for line, module in imported_modules(path)
        if module.split(".")[0] == "filmstudio" and module != "filmstudio.api"
    ]
    assert not internal, "built-in nodes import filmstudio.api only, as plugins do:\n" + "\n".join(internal)


@pytest.mark.parametrize("path", NODE_FILES, ids=lambda p: p.name)
def test_every_node_method_types_its_context(path):
    untyped = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ClassDef):
            for method in node.body:
                if isinstance(method, ast.FunctionDef) and method.name in OVERRIDES:
                    annotation = method.args.args[1].annotation
                    if annotation is None or ast.unparse(annotation) != "EvalContext":
                        untyped.append(f"{node.name}.{method.name}")
                elif isinstance(method, ast.FunctionDef) and method.name == "evaluate_batch":
                    annotation = method.args.args[1].annotation
                    if annotation is None or ast.unparse(annotation) != "Sequence[EvalContext]":
                        untyped.append(f"{node.name}.evaluate_batch")
    assert not untyped


def test_every_name_the_api_offers_resolves():
    missing = [name for name in api.__all__ if not hasattr(api, name)]
    assert not missing
    assert set(api.__all__) <= set(dir(api))


def test_importing_the_api_loads_no_torch_av_opencolorio_or_qt():
    code = (
        "import sys, filmstudio.api, filmstudio_nodes\n"
        "heavy = ('torch', 'av', 'PyOpenColorIO', 'PySide6', 'cv2')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_the_harness_makes_takes_and_renders_the_active_one(node_harness):
    from filmstudio import testing
    from tests.helpers import Seeded

    harness = node_harness(Seeded, size=(8, 4))
    first = harness.generate_take()
    image = harness.evaluate()
    second = harness.generate_take()
    assert first["seed"] != second["seed"] and harness.node.takes == ["take1", "take2"]
    harness.node.set_active_take("take1")
    assert harness.evaluate().equal(image)  # the active take renders, no randomness at render time
    assert set(testing.generate_take(Seeded)) == {"seed"}
