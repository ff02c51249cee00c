"""Fixtures of the LLM tests: isolated model folders with a tiny Llama, and a fake OpenAI server."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.llm.fake_server import FakeOpenAI
from tests.llm.tiny import save_gguf, save_model_folder
from tests.models.tiny import forget_models, isolate_models


@pytest.fixture
def models(tmp_path, monkeypatch) -> Path:
    """The user models folder, empty but for what a test puts there; no other folder is searched."""
    yield isolate_models(tmp_path, monkeypatch)
    forget_models()


@pytest.fixture
def tiny_folder(models: Path) -> Path:
    """A tiny Llama as a transformers folder, in the user models folder (found as "tiny-llama")."""
    return save_model_folder(models / "tiny-llama")


@pytest.fixture
def tiny_gguf(models: Path) -> Path:
    """The same tiny Llama as one GGUF file in the user models folder ("tiny-llama.gguf")."""
    return save_gguf(models / "tiny-llama.gguf")


@pytest.fixture
def fake_server(monkeypatch):
    """A running fake OpenAI server; no API key in the environment unless a test sets one."""
    for name in ("FILMSTUDIO_LLM_API_KEY", "OPENAI_API_KEY", "FILMSTUDIO_LLM_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    with FakeOpenAI() as server:
        yield server
