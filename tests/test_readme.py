"""The README's promises: its scripting example runs, its test command is CI's."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def test_the_scripting_example_runs(tmp_path, monkeypatch):
    example = re.search(r"```python\n(.*?)```", README, re.S).group(1)
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(example, "README.md", "exec"), namespace)
    assert namespace["image"].shape == (4, 360, 640) and isinstance(namespace["image"], torch.Tensor)
    assert (tmp_path / "sunrise.fsproj").exists()


def test_ci_runs_the_readme_test_command_verbatim():
    commands = re.findall(r"```bash\n(.*?)\n```", README, re.S)
    assert len(commands) == 2  # the quick start has exactly two commands
    assert commands[1] in (ROOT / ".ci" / "run").read_text()


def test_the_plugin_example_and_its_test_pass(tmp_path):
    """The README's third-party node and its test, run as their author would (pytest in a package
    folder, with FilmStudio's node_harness fixture from its pytest plugin)."""
    blocks = re.findall(r"```python\n(# (\S+)\n.*?)```", README, re.S)
    files = {name: code for code, name in blocks}
    assert set(files) == {"mystudio_nodes/__init__.py", "tests/test_brighten.py"}
    for name, code in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(code)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_brighten.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
