"""The server back end against a real HTTP server on 127.0.0.1 speaking OpenAI chat completions:
streaming, the take's fingerprint, the API key from the environment only, and a clear message
for each failure — with nothing stored in the project when generation fails."""

from __future__ import annotations

import json
import socket
import threading

import pytest

from filmstudio.core.project import Project
from filmstudio.llm import (
    RateLimitError,
    ServerAuthError,
    ServerTimeoutError,
    ServerUnreachableError,
    StreamInterruptedError,
    UnknownServerModelError,
    generate,
    list_takes,
)
from filmstudio.script import SHOT_LIST_SCHEMA, shot_list_schema
from tests.llm.fake_server import FINGERPRINT, SERVED_MODEL, server_node


def test_the_answer_streams_piece_by_piece_into_a_take_that_says_what_made_it(
    project, engine, fake_server, monkeypatch
):
    monkeypatch.setenv("FILMSTUDIO_LLM_API_KEY", "sk-test-secret")
    node = server_node(project, fake_server, temperature=0.3, top_p=0.8, max_tokens=64)
    pieces: list[str] = []
    threads: set[threading.Thread] = set()

    def show(piece: str) -> None:
        pieces.append(piece)
        threads.add(threading.current_thread())

    take_id = generate(engine, node, on_text=show)
    assert threads == {threading.current_thread()}  # a server only waits on the network: no model worker

    assert pieces == fake_server.pieces() and len(pieces) > 5  # as sent, in order
    take = list_takes(node)[-1]
    assert take.id == take_id and take.active and take.text == fake_server.text
    made = take.made_by
    assert (made["backend"], made["model"], made["base_url"]) == (
        "server",
        "test-model",
        fake_server.base_url,
    )
    assert (made["served_model"], made["system_fingerprint"]) == (SERVED_MODEL, FINGERPRINT)
    assert made["seed"] == 5 and made["params"]["top_p"] == 0.8 and made["finish"] == "stop"
    script = engine.evaluate(node, 1)
    assert script.screenplay.characters() == ("ADA",)

    request = fake_server.requests[-1]
    assert request["headers"]["Authorization"] == "Bearer sk-test-secret"
    body = request["body"]
    assert (body["model"], body["stream"], body["seed"], body["max_tokens"]) == ("test-model", True, 5, 64)
    assert (body["temperature"], body["top_p"]) == (0.3, 0.8)
    assert (
        body["messages"][0]["role"] == "system" and "A heist in a bakery." in body["messages"][-1]["content"]
    )
    assert "response_format" not in body


def test_the_api_key_is_never_saved_in_the_project(project, engine, fake_server, monkeypatch, tmp_path):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-openai-variable")
    node = server_node(project, fake_server)
    generate(engine, node)
    assert fake_server.requests[-1]["headers"]["Authorization"] == "Bearer sk-from-openai-variable"
    project.save(tmp_path / "shot.fsproj")
    assert "sk-from-openai-variable" not in (tmp_path / "shot.fsproj").read_text()


def test_without_a_key_no_authorization_is_sent(project, engine, fake_server):
    generate(engine, server_node(project, fake_server))
    assert "Authorization" not in fake_server.requests[-1]["headers"]


def _fails(project, engine, node, error_type, tmp_path):
    """Generation raises ``error_type``; the node, the undo history and the saved file are as before."""
    path = tmp_path / "before.fsproj"
    project.save(path)
    saved, state, undo = path.read_bytes(), dict(node.state), project.graph.history.can_undo
    with pytest.raises(error_type) as caught:
        generate(engine, node, on_text=lambda _piece: None)
    assert dict(node.state) == state and node.takes == [] and project.graph.history.can_undo == undo
    project.save(path)
    assert path.read_bytes() == saved
    return str(caught.value)


def test_a_read_timeout_names_the_server_and_the_setting(project, engine, fake_server, monkeypatch, tmp_path):
    monkeypatch.setenv("FILMSTUDIO_LLM_TIMEOUT", "0.5")
    fake_server.mode = "stall"
    message = _fails(project, engine, server_node(project, fake_server), ServerTimeoutError, tmp_path)
    assert fake_server.base_url in message and "sent nothing for 0.5 s" in message
    assert "FILMSTUDIO_LLM_TIMEOUT" in message and "Nothing was saved" in message


def test_401_says_which_key_was_refused_or_that_one_is_needed(
    project, engine, fake_server, monkeypatch, tmp_path
):
    fake_server.mode = "401"
    node = server_node(project, fake_server)
    message = _fails(project, engine, node, ServerAuthError, tmp_path)
    assert "needs an API key" in message and "$FILMSTUDIO_LLM_API_KEY" in message
    assert "Incorrect API key provided" in message
    monkeypatch.setenv("FILMSTUDIO_LLM_API_KEY", "sk-wrong")
    message = _fails(project, engine, node, ServerAuthError, tmp_path)
    assert "refused the API key in $FILMSTUDIO_LLM_API_KEY" in message and "sk-wrong" not in message


def test_404_names_the_model_and_how_to_list_the_servers_models(project, engine, fake_server, tmp_path):
    fake_server.mode = "404"
    message = _fails(
        project, engine, server_node(project, fake_server, model="llama9"), UnknownServerModelError, tmp_path
    )
    assert "has no model 'llama9'" in message and "/v1" in message and "ollama list" in message


def test_429_passes_on_the_servers_retry_after(project, engine, fake_server, tmp_path):
    fake_server.mode = "429"
    node = server_node(project, fake_server)
    with pytest.raises(RateLimitError) as caught:
        generate(engine, node)
    assert caught.value.retry_after == 7
    message = _fails(project, engine, node, RateLimitError, tmp_path)
    assert "rate-limiting" in message and "try again in 7 s" in message


def test_a_connection_dropped_mid_answer_stores_nothing(project, engine, fake_server, tmp_path):
    fake_server.mode = "drop"
    message = _fails(project, engine, server_node(project, fake_server), StreamInterruptedError, tmp_path)
    assert "dropped after" in message and "nothing was saved" in message


def test_nothing_listening_says_to_start_the_server(project, engine, tmp_path):
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    node = project.add_node(
        "LLMScript", prompt="x", backend="server", model="m", base_url=f"http://127.0.0.1:{port}/v1"
    )
    message = _fails(project, engine, node, ServerUnreachableError, tmp_path)
    assert f"127.0.0.1:{port}" in message and "connection refused" in message and "ollama serve" in message


def test_shots_ask_for_the_schema_and_fall_back_when_the_server_refuses_it(project, engine, fake_server):
    source = project.add_node(
        "LLMScript", prompt="x", backend="server", model="m", base_url=fake_server.base_url
    )
    generate(engine, source)  # the screenplay to break down: INT. KITCHEN - NIGHT / ADA: We have to go.
    shots = project.connect(source, server_node(project, fake_server, preset="shots"))
    fake_server.text = json.dumps(
        {
            "shots": [
                {
                    "scene": 1,
                    "shot": "1",
                    "size": "MS",
                    "camera": "static",
                    "description": "Ada at the door",
                    "characters": ["ADA"],
                    "dialogue": ["We have to go."],
                    "duration": 2.5,
                }
            ]
        }
    )
    fake_server.mode = "no-schema"
    generate(engine, shots)
    constrained, plain = fake_server.requests[-2]["body"], fake_server.requests[-1]["body"]
    sent = constrained["response_format"]["json_schema"]["schema"]  # fitted to the upstream screenplay
    assert sent == shot_list_schema(engine.evaluate(source, 1).screenplay) != SHOT_LIST_SCHEMA
    assert sent["properties"]["shots"]["items"]["properties"]["characters"]["items"]["enum"] == ["ADA"]
    assert "response_format" not in plain
    script = engine.evaluate(shots, 1)
    (shot,) = script.shots
    line = script.screenplay.dialogue()[0]
    assert shot.dialogue == (line.id,) and shot.scene == script.screenplay.scenes()[0].id
    assert float(shot.duration) == 2.5 and list_takes(shots)[-1].data["format"] == "shots"


def test_a_base_url_that_is_not_http_is_refused_at_once(project, engine, tmp_path):
    node = project.add_node("LLMScript", prompt="x", backend="server", model="m", base_url="localhost:11434")
    message = _fails(project, engine, node, ServerUnreachableError, tmp_path)
    assert "not an http:// or https:// URL" in message


def test_a_project_saved_after_a_server_take_loads_it_unchanged(project, engine, fake_server, tmp_path):
    node = server_node(project, fake_server)
    generate(engine, node)
    project.save(tmp_path / "a.fsproj")
    loaded = Project.load(tmp_path / "a.fsproj", registry=project.graph.registry)
    assert loaded.graph.node(node.name).state == node.state
