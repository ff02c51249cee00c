"""The README's promises: its scripting example runs, its test command is CI's."""

from __future__ import annotations

import re
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
