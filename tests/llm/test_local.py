"""The local back end with a tiny random-weight Llama saved the two ways models are published (a
transformers folder, one GGUF file) and loaded through the real code: seeded generation repeats
itself, the text streams as it is made, Stop ends it within one token, models stay resident."""

from __future__ import annotations

import hashlib
import threading

import pytest
import torch

from filmstudio.core.context import CancelToken
from filmstudio.core.errors import Cancelled
from filmstudio.llm import generate, list_takes
from filmstudio.models.device import resident_models
from filmstudio.models.errors import ModelFileError, ModelNotFoundError


def _node(project, model, **params):
    values = {"prompt": "A heist in a bakery.", "seed": 7, "max_tokens": 24, "model": model}
    return project.add_node("LLMScript", **{**values, **params})


def test_the_same_seed_writes_the_same_take_from_a_folder_and_from_a_gguf(
    project, engine, tiny_folder, tiny_gguf
):
    node = _node(project, "tiny-llama")  # a folder in the user models folder, by name
    pieces: list[str] = []
    threads: set[str] = set()

    def show(piece: str) -> None:
        pieces.append(piece)
        threads.add(threading.current_thread().name)

    generate(engine, node, on_text=show)
    assert len(threads) == 1 and threads.pop().startswith("filmstudio-model-")  # the model worker
    generate(engine, node)
    first, again = list_takes(node)
    assert first.text == again.text and len(first.text) > 10
    assert "".join(pieces) == first.text and len(pieces) > 5  # streamed token by token
    assert (first.made_by["tokens"], first.made_by["finish"]) == (24, "length")

    node.set(model="tiny-llama.gguf")
    generate(engine, node)
    from_gguf = list_takes(node)[-1]
    assert from_gguf.text == first.text  # the same weights, read from llama.cpp's format
    assert from_gguf.made_by["sha256"] == hashlib.sha256(tiny_gguf.read_bytes()).hexdigest()
    assert from_gguf.made_by["file"] == "tiny-llama.gguf" and first.made_by["file"] == "tiny-llama"

    node.set(seed=8)
    generate(engine, node)
    assert list_takes(node)[-1].text != first.text
    assert list_takes(node)[-1].made_by["params"]["seed"] == 8


def test_seed_minus_one_draws_a_seed_and_records_it(project, engine, tiny_folder):
    node = _node(project, "tiny-llama", seed=-1)
    generate(engine, node)
    take = list_takes(node)[-1]
    drawn = take.made_by["seed"]
    assert drawn >= 0 and take.made_by["params"]["seed"] == -1
    node.set(seed=drawn)
    generate(engine, node)
    assert list_takes(node)[-1].text == take.text  # the recorded seed repeats the take


def test_generation_leaves_the_process_random_state_alone(project, engine, tiny_folder):
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    generate(engine, _node(project, "tiny-llama"))
    assert torch.equal(torch.rand(3), expected)


def test_stop_ends_generation_within_one_token_and_stores_nothing(project, engine, tiny_folder):
    node = _node(project, "tiny-llama", max_tokens=200)
    cancel = CancelToken()
    forwards: list[int] = []
    at_cancel: list[int] = []

    def count(module, _args, _output):
        if type(module).__name__ == "LlamaForCausalLM":
            forwards.append(1)

    def stop_after_three(_piece: str) -> None:
        if len(forwards) >= 3 and not cancel.cancelled:
            at_cancel.append(len(forwards))
            cancel.cancel("stopped by the artist")

    hook = torch.nn.modules.module.register_module_forward_hook(count)
    try:
        with pytest.raises(Cancelled):
            generate(engine, node, on_text=stop_after_three, cancel=cancel)
    finally:
        hook.remove()
    assert at_cancel and len(forwards) - at_cancel[0] <= 1  # at most one more token after Stop
    assert node.takes == [] and "takes" not in node.state
    project.graph.history.undo()  # the last undo step is still the node's creation
    assert node.uuid not in project.graph.nodes


def test_a_resident_model_is_loaded_once(project, engine, tiny_folder):
    node = _node(project, "tiny-llama")
    models = resident_models("cpu")
    loads = models.loads
    generate(engine, node)
    generate(engine, node)
    assert models.loads == loads + 1


def test_a_missing_model_says_how_to_install_it_or_use_a_server(project, engine, models):
    node = _node(project, "smollm2-135m-instruct")
    with pytest.raises(ModelNotFoundError) as caught:
        generate(engine, node)
    message = str(caught.value)
    assert "filmstudio models install smollm2-135m-instruct" in message
    assert "backend to server" in message and str(models) in message
    assert node.takes == []


def test_a_file_that_is_not_a_language_model_is_refused_clearly(project, engine, models):
    (models / "notes.txt").write_text("not a model")
    with pytest.raises(ModelFileError) as caught:
        generate(engine, _node(project, "notes.txt"))
    assert "choose a .gguf file or a transformers model folder" in str(caught.value)
    broken = models / "broken.gguf"
    broken.write_bytes(b"GGUF" + b"\0" * 64)
    with pytest.raises(ModelFileError) as caught:
        generate(engine, _node(project, "broken.gguf"))
    assert "cannot be loaded as a language model" in str(caught.value)


SHOTS = {
    "type": "object",
    "properties": {
        "scene": {"type": "string", "maxLength": 40},
        "shots": {
            "type": "array",
            "minItems": 1,
            "maxItems": 3,
            "items": {
                "type": "object",
                "properties": {"camera": {"enum": ["wide", "close"]}, "seconds": {"type": "number"}},
                "required": ["camera", "seconds"],
                "additionalProperties": False,
            },
        },
    },
    "required": ["scene", "shots"],
    "additionalProperties": False,
}


def _ask_for_json(model_ref, **options):
    from filmstudio.llm.local import find_model, load_model
    from filmstudio.llm.local import generate as run
    from filmstudio.llm.request import GenerationRequest

    local = load_model(find_model(model_ref, None), "cpu")
    messages = (("user", "The shots, as JSON."),)
    request = GenerationRequest(messages, json_schema=SHOTS, max_tokens=400, **options)
    return run(local, request, CancelToken())


@pytest.mark.parametrize("options", [{"temperature": 0.0}, {"seed": 1}, {"seed": 2}, {"seed": 3}])
def test_a_local_model_asked_for_json_writes_json_that_follows_the_schema(models, options):
    """Random weights write nonsense; asked for JSON they still write JSON the schema accepts (and
    the grammar ends the answer), as a server honouring ``response_format`` would."""
    import json

    from tests.llm.tiny import save_model_folder

    save_model_folder(models / "tiny-json", json=True, ends=True)
    result = _ask_for_json("tiny-json", **options)
    answer = json.loads(result.text)
    assert set(answer) == {"scene", "shots"}
    assert isinstance(answer["scene"], str) and len(answer["scene"]) <= 40
    assert 1 <= len(answer["shots"]) <= 3
    for shot in answer["shots"]:
        assert set(shot) == {"camera", "seconds"} and shot["camera"] in ("wide", "close")
        assert isinstance(shot["seconds"], int | float)
    assert result.finish == "stop"


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_shot_list_fitted_to_the_screenplay_names_only_its_characters_and_lines(models, seed):
    """Asked with the schema fitted to the screenplay, even random weights can only name its
    characters, its lines and its scenes, in a size the animatic knows, and the list ends."""
    from filmstudio.llm.local import find_model, load_model
    from filmstudio.llm.local import generate as run
    from filmstudio.llm.prompts import build_request
    from filmstudio.script import parse, parse_shot_list, shot_list_schema
    from filmstudio.script.shot_list import SHOT_SIZES
    from tests.llm.tiny import save_model_folder

    save_model_folder(models / "tiny-shots", json=True, ends=True, shot_lists=True)
    text = "INT. KITCHEN - NIGHT\n\nADA\nWe have to go.\n\nTOM\nNot without you.\n"
    screenplay = parse(text)
    schema = shot_list_schema(screenplay)
    request = build_request(
        "shots", "", "", text, temperature=1.0, top_p=1.0, max_tokens=3000, seed=seed, shot_list_schema=schema
    )
    result = run(load_model(find_model("tiny-shots", None), "cpu"), request, CancelToken())
    shots = parse_shot_list(result.text, screenplay)
    assert 1 <= len(shots) <= schema["properties"]["shots"]["maxItems"]
    lines = {line.id for line in screenplay.dialogue()}
    (kitchen,) = (scene.id for scene in screenplay.scenes())
    for shot in shots:
        assert shot.scene == kitchen and shot.size in SHOT_SIZES
        assert set(shot.characters) <= {"ADA", "TOM"} and set(shot.dialogue) <= lines
    assert result.finish == "stop"


def test_a_vocabulary_that_cannot_spell_json_is_reported_not_sampled(models, tiny_folder):
    from filmstudio.llm.errors import LLMError

    with pytest.raises(LLMError, match="cannot write the JSON"):
        _ask_for_json("tiny-llama")


def test_without_xgrammar_a_json_request_says_what_to_install(models, monkeypatch):
    import importlib.util

    from filmstudio.llm.errors import LLMDependencyError
    from tests.llm.tiny import save_model_folder

    save_model_folder(models / "tiny-json", json=True, ends=True)
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "xgrammar" else real(name, *a)
    )
    with pytest.raises(LLMDependencyError, match="pip install xgrammar"):
        _ask_for_json("tiny-json")
