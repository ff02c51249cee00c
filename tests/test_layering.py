"""The headless layers never import Qt, and listing nodes never imports torch.

tests/test_import_contracts.py checks the import statements (import-linter); these tests check what
actually loads, which also catches imports made by name at run time (importlib, entry points).
"""

from __future__ import annotations

import subprocess
import sys

HEADLESS = [
    "filmstudio",
    "filmstudio.core.project",
    "filmstudio.core.project_file",
    "filmstudio.core.registry",
    "filmstudio.engine.engine",
    "filmstudio.media",
    "filmstudio.render",
    "filmstudio.cli",
    "filmstudio.models",
    "filmstudio.models.cli",
    "filmstudio_nodes",
]


def run(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout


def test_headless_packages_do_not_import_qt():
    import pkgutil

    import filmstudio

    modules = [
        m.name for m in pkgutil.walk_packages(filmstudio.__path__, "filmstudio.") if ".ui" not in m.name
    ]
    modules += HEADLESS
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "qt = ('PySide6', 'shiboken6', 'PyQt5', 'PyQt6')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in qt))"
    )
    assert run(code).strip() == "[]"


def test_listing_the_node_registry_does_not_import_torch():
    code = (
        "import sys\n"
        "from filmstudio.core.registry import default_registry\n"
        "from filmstudio.core.project import Project\n"
        "assert len(default_registry()) >= 9\n"
        "Project().add_node('Grade')\n"
        "print('torch' in sys.modules, 'cv2' in sys.modules)"
    )
    assert run(code).strip() == "False False"


def test_model_commands_do_not_import_torch():
    code = (
        "import sys\n"
        "from filmstudio.cli import main\n"
        "main(['models', 'where'])\n"
        "main(['models', 'list'])\n"
        "print('torch' in sys.modules, 'transformers' in sys.modules, 'spandrel' in sys.modules)"
    )
    assert run(code).strip().splitlines()[-1] == "False False False"
