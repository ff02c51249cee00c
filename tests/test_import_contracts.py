"""The layering of ARCHITECTURE.md holds, checked by import-linter (the contracts in pyproject.toml).

The contracts see every import, function-level ones included, so a lazy import that runs the wrong
way breaks them as surely as a top-level one. tests/test_layering.py checks what actually loads.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONTRACTS = {
    contract["id"]: contract["name"]
    for contract in tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
}


def lint_imports(folder: Path) -> subprocess.CompletedProcess[str]:
    """Run ``lint-imports`` on the pyproject.toml in ``folder``, finding the packages there first
    (lint-imports puts its working folder at the front of sys.path)."""
    command = Path(sys.executable).with_name("lint-imports")
    env = {**os.environ, "PYTHONPATH": str(folder), "COLUMNS": "200"}  # no wrapped contract names
    return subprocess.run(
        [str(command), str(folder / "pyproject.toml"), "--no-cache", "--no-logo"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_source_tree_keeps_every_contract():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    for name in CONTRACTS.values():
        assert f"{name} KEPT" in result.stdout


# (module that gains an import, the import, contracts it breaks, the offending import as reported)
FAULTS = [
    (
        "filmstudio/core/__init__.py",
        "import PySide6",
        {"no-qt-headless", "qt-only-in-ui"},
        "filmstudio.core -> PySide6",
    ),
    (
        "filmstudio/engine/__init__.py",
        "import filmstudio_nodes",
        {"no-builtin-nodes"},
        "filmstudio.engine -> filmstudio_nodes",
    ),
    (
        "filmstudio/colour/__init__.py",
        "import filmstudio.render",
        {"layers"},
        "filmstudio.colour -> filmstudio.render",
    ),
]


@pytest.mark.parametrize(
    ("module", "statement", "broken", "reported"),
    FAULTS,
    ids=["qt-in-core", "nodes-in-engine", "render-in-colour"],
)
def test_a_wrong_import_breaks_its_contract(tmp_path, module, statement, broken, reported):
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(ROOT / "filmstudio", tmp_path / "filmstudio", ignore=ignore)
    shutil.copytree(ROOT / "nodes", tmp_path / "filmstudio_nodes", ignore=ignore)  # as installed
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    with open(tmp_path / module, "a") as file:
        file.write(f"\n{statement}\n")

    result = lint_imports(tmp_path)

    assert result.returncode == 1, result.stdout + result.stderr
    for contract in broken:
        assert f"{CONTRACTS[contract]} BROKEN" in result.stdout
    assert reported in result.stdout
