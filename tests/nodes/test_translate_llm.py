"""Translate through language models — the LLM Script node's back ends: a real local
OpenAI-compatible server answering JSON keyed by cue id, and a local GGUF on the model worker. Cues
go in groups with context and the characters' names, are never merged or split, a cue left out is
asked for again and then named; hand edits are takes; saved takes render and export with no model
and no server."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

import filmstudio as fs
from filmstudio.cli import main
from filmstudio.engine.engine import Engine
from filmstudio.subtitles import read_subtitles
from tests.models.tiny import forget_models, isolate_models
from tests.nodes.translate_models import (
    FPS,
    SCRIPT,
    SRT,
    TranslatingServer,
    server_project,
    subtitle_project,
    take_data,
)


@pytest.fixture
def models(tmp_path, monkeypatch) -> Path:
    yield isolate_models(tmp_path, monkeypatch)
    forget_models()


@pytest.fixture
def server(monkeypatch):
    for name in ("FILMSTUDIO_LLM_API_KEY", "OPENAI_API_KEY", "FILMSTUDIO_LLM_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    with TranslatingServer() as running:
        yield running


# --- a language model behind an OpenAI-compatible server -------------------------------------------


def test_a_server_translates_groups_with_context_and_the_characters_names(tmp_path, server):
    srt = "".join(
        f"{n}\n00:00:0{n},000 --> 00:00:0{n},800\n{text}\n\n"
        for n, text in enumerate(["Hi, Mara.", "Hello.", "Where is John?", "Gone.", "Good."], start=1)
    )
    cast = "Mara\nJohn = Jean"
    notes = "Use tu, never vous."
    project = server_project(tmp_path, server, srt, group_size=2, context_lines=1, glossary=cast, notes=notes)
    node = project["fr"]
    pieces: list[str] = []
    node.generate(on_text=pieces.append)
    assert len(server.requests) == 3  # 5 cues in groups of 2
    first, second, third = (server.asked(i) for i in range(3))
    assert first["translate"] == {"1": "Hi, Mara.", "2": "Hello."} and "context" in first
    assert first["context"] == {"before": [], "after": [{"text": "Where is John?"}]}
    assert first["glossary"] == {"Mara": "Mara", "John": "Jean"}  # as the lines write them
    assert second["translate"] == {"3": "Where is John?", "4": "Gone."}
    assert second["context"]["before"] == [{"text": "Hello.", "translation": "fr:Hello."}]
    assert second["glossary"] == {"John": "Jean"}
    assert third["translate"] == {"5": "Good."}
    system = server.requests[0]["body"]["messages"][0]["content"]
    assert "from English (en) into French (fr)" in system and system.endswith(notes)
    schema = server.requests[0]["body"]["response_format"]["json_schema"]["schema"]
    assert schema["required"] == ["1", "2"] and schema["additionalProperties"] is False
    assert "".join(pieces).splitlines() == [f"{n}: fr:{t}" for n, t in
        enumerate(["Hi, Mara.", "Hello.", "Where is John?", "Gone.", "Good."], start=1)]  # fmt: skip
    with Engine(project) as engine:
        out = engine.evaluate("fr", 1)
        source = engine.evaluate("en", 1)
    assert [(c.id, c.start, c.end) for c in out] == [(c.id, c.start, c.end) for c in source]
    assert [c.text for c in out] == [f"fr:{c.text}" for c in source]
    made = take_data(project)["made_by"]
    assert (made["backend"], made["served_model"], made["requests"]) == ("server", "fake-model-2025-01", 3)

    server.requests.clear()
    (tmp_path / "en.srt").write_text(srt.replace("Gone.", "Gone home."))
    node.generate()
    assert len(server.requests) == 1 and server.asked()["translate"] == {"4": "Gone home."}
    assert server.asked()["context"]["before"] == [
        {"text": "Where is John?", "translation": "fr:Where is John?"}
    ]
    assert take_data(project)["translated"] == ["4"]


def test_a_script_through_a_server_keeps_its_element_ids_sent_as_short_labels(tmp_path, server):
    (tmp_path / "scene.fountain").write_text(SCRIPT)
    project = fs.Project(fps=FPS, frame_range=(1, 200), width=16, height=16)
    script = project.add_node("ScriptFile", "script", file=str(tmp_path / "scene.fountain"))
    values = {"backend": "server", "model": "test-model", "base_url": server.base_url}
    translate = project.add_node("Translate", "fr", target_language="fr", **values)
    project.connect(script, translate, "script", "source_script")
    translate.generate()
    asked = server.asked()
    assert asked["translate"] == {  # element ids are long: positions are what a model copies well
        "1": "Coffee? It's fresh.",
        "2": "sighing",
        "3": "No thanks, I'm late.",
        "4": "Suit yourself, John.",
    }
    assert asked["speakers"] == {"1": "MARA", "3": "JOHN", "4": "MARA"}
    assert asked["glossary"] == {"John": "John"}  # the characters' names, as the line writes them
    with Engine(project) as engine:
        source = engine.evaluate("script", 1)
        out = engine.evaluate("fr", 1, output="script")
    pairs = list(zip(source.screenplay.elements, out.screenplay.elements, strict=True))
    assert all(a.id == b.id for a, b in pairs)
    assert [b.text for a, b in pairs if a.text != b.text] == [
        "fr:Coffee? It's fresh.",
        "fr:sighing",
        "fr:No thanks, I'm late.",
        "fr:Suit yourself, John.",
    ]
    assert set(take_data(project)["cues"]) == {a.id for a, b in pairs if a.text != b.text}


def test_a_cue_left_out_is_asked_for_again_and_then_named(tmp_path, server):
    project = server_project(tmp_path, server)
    node = project["fr"]
    server.leave_out_once = {"Coffee? It's fresh."}
    node.generate()
    assert len(server.requests) == 2 and server.asked(1)["translate"] == {"2": "Coffee? It's fresh."}
    assert [t["id"] for t in node.state["takes"]] == ["take1"]

    (tmp_path / "en.srt").write_text(SRT.replace("Coffee? It's fresh.", "Tea?").replace("Mara", "Tom"))
    server.requests.clear()
    server.leave_out = {"Tea?"}
    with pytest.raises(
        fs.FilmStudioError, match=r"no translation for cue 2 \(asked twice\); nothing was saved"
    ):
        node.generate()
    assert len(server.requests) == 2
    assert [t["id"] for t in node.state["takes"]] == ["take1"]  # nothing stored


def test_a_stop_between_groups_stores_nothing(tmp_path, server):
    from filmstudio.core.context import CancelToken
    from filmstudio.core.errors import Cancelled

    project = server_project(tmp_path, server, group_size=1)
    cancel = CancelToken()
    with pytest.raises(Cancelled):
        project["fr"].generate(on_text=lambda text: cancel.cancel("stopped"), cancel=cancel)
    assert len(server.requests) == 1 and "takes" not in project["fr"].state


def test_a_hand_edit_is_a_new_take_that_undo_takes_back_and_generate_keeps(tmp_path, server):
    project = server_project(tmp_path, server)
    node = project["fr"]
    node.generate()
    edited = node.edit_cue("2", "  Un café ?  Il est  chaud. ")
    assert node.state["active_take"] == edited != "take1"
    assert node.translation("2") == "Un café ? Il est chaud."
    assert node.translation("2", "take1") == "fr:Coffee? It's fresh."
    assert "+[2] Un café ? Il est chaud." in node.diff_takes("take1", edited)
    with Engine(project) as engine:
        assert engine.evaluate("fr", 1).cues[1].lines == ("Un café ? Il est chaud.",)
        project.undo()
        assert node.state["active_take"] == "take1"
        assert engine.evaluate("fr", 1).cues[1].text == "fr:Coffee? It's fresh."
        project.redo()
    server.requests.clear()
    node.generate()  # nothing changed: nothing is asked, the hand edit stays
    assert server.requests == [] and node.translation("2") == "Un café ? Il est chaud."
    with pytest.raises(fs.FilmStudioError, match="has no cue '9'"):
        node.edit_cue("9", "Non.")


def test_a_saved_take_renders_and_exports_with_no_model_and_no_server(tmp_path, server, capsys):
    project = server_project(tmp_path, server, max_line_length=12)
    project.save(tmp_path / "film.fsproj")
    assert main(["generate", str(tmp_path / "film.fsproj"), "fr"]) == 0
    printed = capsys.readouterr()
    assert "1: fr:Where is Mara?" in printed.out and "saved take1 of fr" in printed.err
    server.close()  # from here on nothing answers

    out = tmp_path / "fr.srt"
    assert main(["subtitles", "export", str(tmp_path / "film.fsproj"), "fr", "-o", str(out)]) == 0
    exported = read_subtitles(out, fps=FPS)
    assert [c.lines for c in exported] == [
        ("fr:Where", "is Mara?"),  # laid out again at 12 characters a line
        ("fr:Coffee?", "It's fresh."),
        ("fr:- No thanks, I'm late.", "- Suit yourself."),  # a speaker a line, as the source
    ]
    loaded = fs.Project.load(tmp_path / "film.fsproj")
    with Engine(loaded) as engine:
        cues = engine.evaluate("fr", 1)
    assert [(c.start, c.end, c.lines) for c in cues] == [(c.start, c.end, c.lines) for c in exported]


@pytest.mark.slow
def test_a_local_model_is_held_to_the_json_its_vocabulary_cannot_spell_and_says_so(
    tmp_path, models, monkeypatch
):
    """The LLM Script's local back end (a GGUF file on the model worker) is held to the cue ids'
    JSON schema while it writes (grammar-constrained decoding; retries for answers that still
    leave cues out are tested with a server above). A toy vocabulary without braces or quotes
    cannot spell JSON: refused at once, saying what to use, nothing saved."""
    from filmstudio.llm import local
    from tests.llm.tiny import save_gguf

    monkeypatch.setattr("tqdm.tqdm.monitor_interval", 0)  # loading shows progress: no monitor thread
    save_gguf(models / "tiny.gguf")
    threads: list[str] = []
    original = local.generate

    def counting(*args):
        threads.append(threading.current_thread().name)
        return original(*args)

    monkeypatch.setattr(local, "generate", counting)
    project = subtitle_project(tmp_path, backend="local", model="tiny.gguf", group_size=2)
    with pytest.raises(fs.FilmStudioError, match=r"cannot write the JSON .* or a server"):
        project["fr"].generate()
    assert len(threads) == 1 and threads[0].startswith("filmstudio-model-")
    assert "takes" not in project["fr"].state
