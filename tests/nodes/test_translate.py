"""Translate: subtitles and scripts translated cue by cue as takes, by translation models. A tiny
random MarianMT (and NLLB / M2M100) made here loads through the real loader; cue ids and frames are
kept; editing one source cue re-translates that cue only; mistakes get errors that say what to do.
The language-model back ends are tested in test_translate_llm.py."""

from __future__ import annotations

from pathlib import Path

import pytest

import filmstudio as fs
from filmstudio.engine.engine import Engine
from filmstudio.llm.languages import language_name, marian_tokens, nllb_code, primary
from filmstudio.llm.translate_model import TranslationModel
from tests.models.tiny import forget_models, isolate_models
from tests.nodes.translate_models import (
    FPS,
    SCRIPT,
    SRT,
    save_tiny_marian,
    save_tiny_multilingual,
    subtitle_project,
    take_data,
)


@pytest.fixture
def models(tmp_path, monkeypatch) -> Path:
    yield isolate_models(tmp_path, monkeypatch)
    forget_models()


@pytest.fixture
def marian(models) -> Path:
    """A tiny MarianMT in the user models folder, found by its name "tiny-marian"."""
    return save_tiny_marian(models / "tiny-marian")


@pytest.fixture
def mt_calls(monkeypatch) -> list[list[str]]:
    """The texts of every batch a translation model translates, in order."""
    calls: list[list[str]] = []
    original = TranslationModel.translate

    def counting(self, texts, *args):
        calls.append(list(texts))
        return original(self, texts, *args)

    monkeypatch.setattr(TranslationModel, "translate", counting)
    return calls


# --- a translation model (MarianMT through transformers) -------------------------------------------


def test_a_tiny_marian_translates_every_cue_keeping_ids_and_frames(tmp_path, marian, mt_calls):
    project = subtitle_project(tmp_path, model="tiny-marian")
    with Engine(project) as engine:
        with pytest.raises(fs.FilmStudioError, match="fr has no translation yet: press Generate"):
            engine.evaluate("fr", 1)
        engine.generate_take("fr")
        source = engine.evaluate("en", 1)
        translated = engine.evaluate("fr", 1)
    # one batch, a text per cue and one per speaker of the two-speaker cue: nothing joined
    assert mt_calls == [
        ["Where is Mara?", "Coffee? It's fresh.", "- No thanks, I'm late.", "- Suit yourself."]
    ]
    take = take_data(project)
    assert take["translated"] == ["1", "2", "3"] and take["made_by"]["family"] == "marian"
    assert [c.id for c in translated] == [c.id for c in source] == ["1", "2", "3"]
    assert [(c.start, c.end) for c in translated] == [(c.start, c.end) for c in source]
    assert translated.language == "fr" and translated.fps == FPS
    assert [c.text for c in translated][:2] == [take["cues"][i]["text"] for i in ("1", "2")]
    assert len(translated.cues[2].lines) == 2  # the two speakers stay on their own lines
    assert all(c.text != s.text for c, s in zip(translated, source, strict=True))


def test_editing_one_source_cue_re_translates_only_that_cue(tmp_path, marian, mt_calls):
    project = subtitle_project(tmp_path, model="tiny-marian")
    with Engine(project) as engine:
        engine.generate_take("fr")
        before = take_data(project)["cues"]
        (tmp_path / "en.srt").write_text(SRT.replace("Coffee? It's fresh.", "We have to go."))
        with pytest.raises(fs.FilmStudioError, match="no translation of cue 2 as it is now.*press Generate"):
            engine.evaluate("fr", 1)
        mt_calls.clear()
        engine.generate_take("fr")
        assert mt_calls == [["We have to go."]]
        after = take_data(project)
        assert after["translated"] == ["2"]
        assert after["cues"]["1"] == before["1"] and after["cues"]["3"] == before["3"]
        assert after["cues"]["2"]["source"] == "We have to go."
        assert engine.evaluate("fr", 1).cues[1].text == after["cues"]["2"]["text"]

        mt_calls.clear()
        project["fr"].set(target_language="de")  # another language: every cue needs translating
        with pytest.raises(fs.FilmStudioError, match="cue 1, 2, 3 as it is now"):
            engine.evaluate("fr", 1)


@pytest.mark.gpu
def test_on_cuda_the_translation_model_runs_on_the_device(tmp_path, marian):
    import torch

    from filmstudio.models.device import resident_models

    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    project = subtitle_project(tmp_path, model="tiny-marian")
    with Engine(project, device="cuda:0") as engine:
        engine.generate_take("fr")
        out = engine.evaluate("fr", 1)
    assert [c.id for c in out] == ["1", "2", "3"] and take_data(project)["translated"] == ["1", "2", "3"]
    assert [key[0] for key in resident_models("cuda:0").loaded()] == ["translation"]
    resident_models("cuda:0").clear()


def test_a_script_is_translated_element_by_element_keeping_ids_and_names(tmp_path, marian, mt_calls):
    (tmp_path / "scene.fountain").write_text(SCRIPT)
    project = fs.Project(fps=FPS, frame_range=(1, 200), width=16, height=16)
    script = project.add_node("ScriptFile", "script", file=str(tmp_path / "scene.fountain"))
    translate = project.add_node("Translate", "fr", target_language="fr", model="tiny-marian")
    project.connect(script, translate, "script", "source_script")
    with Engine(project) as engine:
        engine.generate_take("fr")
        source = engine.evaluate("script", 1)
        out = engine.evaluate("fr", 1, output="script")
        cues = engine.evaluate("fr", 1, output="subtitles")
    assert sorted(mt_calls[0]) == sorted(
        ["Coffee? It's fresh.", "sighing", "No thanks, I'm late.", "Suit yourself, John."]
    )
    before, after = source.screenplay.elements, out.screenplay.elements
    assert [e.id for e in after] == [e.id for e in before]
    assert [e.kind for e in after] == [e.kind for e in before]
    changed = {e.kind.value for e, b in zip(after, before, strict=True) if e.text != b.text}
    assert changed == {"dialogue", "parenthetical"}  # headings and names as they were
    assert out.screenplay.characters() == ("MARA", "JOHN")
    dialogue = [line.id for line in out.screenplay.dialogue()]
    assert [c.id for c in cues] == dialogue and cues.language == "fr"
    assert [c.speaker for c in cues] == ["MARA", "JOHN", "MARA"]


@pytest.mark.slow  # the M2M100 tokenizer takes seconds to load, even tiny
@pytest.mark.parametrize(
    ("nllb", "source", "target"), [(True, "eng_Latn", "por_Latn"), (False, "__en__", "__pt__")]
)
def test_nllb_and_m2m100_are_told_the_languages_in_their_own_codes(
    tmp_path, models, monkeypatch, nllb, source, target
):
    from transformers import AutoTokenizer, M2M100ForConditionalGeneration

    folder = save_tiny_multilingual(models / "tiny-multilingual", nllb)
    ids = AutoTokenizer.from_pretrained(folder).convert_tokens_to_ids
    told: list[tuple[int, int]] = []
    original = M2M100ForConditionalGeneration.generate

    def spying(self, *args, **kwargs):
        told.append((int(kwargs["input_ids"][0, 0]), kwargs["forced_bos_token_id"]))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(M2M100ForConditionalGeneration, "generate", spying)
    project = subtitle_project(
        tmp_path, model="tiny-multilingual", target_language="pt-BR"
    )  # subtitles in en
    with Engine(project) as engine:
        engine.generate_take("fr")
        assert told == [(ids(source), ids(target))]  # the text begins in its language, the answer in pt
        assert take_data(project)["made_by"]["family"] == ("nllb" if nllb else "m2m100")
        project["en"].set(language="")
        with pytest.raises(
            fs.FilmStudioError, match="needs the source language: set the node's source_language"
        ):
            engine.generate_take("fr")
        project["fr"].set(source_language="en", target_language="tlh")
        with pytest.raises(fs.FilmStudioError, match="cannot translate into tlh"):
            engine.generate_take("fr")


def test_language_tags_become_each_models_codes():
    assert [nllb_code(t) for t in ("fr", "pt-BR", "zh", "zh-TW", "zh-Hant", "sr-Latn", "fra_Latn", "xx")] == [
        "fra_Latn", "por_Latn", "zho_Hans", "zho_Hant", "zho_Hant", "srp_Latn", "fra_Latn", None,
    ]  # fmt: skip
    assert [primary(t) for t in ("fre", "ger", "deu", "pt-BR", "eng_Latn")] == ["fr", "de", "de", "pt", "en"]
    assert language_name("pt-BR") == "Portuguese (pt-BR)" and language_name("x-klingon") == "x-klingon"
    assert marian_tokens("fr") == (">>fr<<", ">>fra<<", ">>fra_Latn<<")


# --- what goes wrong says what to do ----------------------------------------------------------------


def test_mistakes_get_clear_errors(tmp_path, models):
    project = fs.Project(fps=FPS, frame_range=(1, 50), width=16, height=16)
    alone = project.add_node("Translate", "alone", target_language="fr")
    with (
        Engine(project) as engine,
        pytest.raises(fs.FilmStudioError, match="nothing to translate: link Subtitles or a Script"),
    ):
        engine.generate_take(alone)
    project = subtitle_project(tmp_path)
    with Engine(project) as engine:
        with pytest.raises(fs.FilmStudioError, match="no translation model is chosen.*opus-mt"):
            engine.generate_take("fr")
        project["fr"].set(model="Helsinki-NLP/opus-mt-en-fr")
        with pytest.raises(fs.FilmStudioError, match="'Helsinki-NLP/opus-mt-en-fr' is not installed"):
            engine.generate_take("fr")
        project["fr"].set(target_language="")
        with pytest.raises(fs.FilmStudioError, match="no target language: set target_language"):
            engine.generate_take("fr")
        project["fr"].set(target_language="French!")
        with pytest.raises(fs.FilmStudioError, match="'French!' is not a language tag"):
            engine.generate_take("fr")
        project["fr"].set(target_language="fr", backend="server", model="")
        with pytest.raises(fs.FilmStudioError, match="needs the server's model name: set the node's model"):
            engine.generate_take("fr")
