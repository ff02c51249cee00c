"""Piper voices through the real loading code: the export's in-graph noise made seeded, phonemes
from the espeak-ng program with Piper's punctuation, and clear errors for what is missing."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from filmstudio.models.errors import ModelFileError
from filmstudio.models.store import ModelLocation, file_identity
from filmstudio.speech.errors import EspeakMissingError
from filmstudio.speech.phonemes import espeak_available, phonemize
from filmstudio.speech.piper import PiperConfig, load_piper
from tests.models.tiny import forget_models
from tests.speech.voices import save_tiny_piper

needs_espeak = pytest.mark.skipif(
    not espeak_available(), reason="espeak-ng is not installed (apt-get install espeak-ng)"
)


def located(path: Path) -> ModelLocation:
    return ModelLocation(str(path), path, None, file_identity(path))


@pytest.fixture
def tiny_voice(tmp_path):
    path = save_tiny_piper(tmp_path / "tiny.onnx")
    yield load_piper(located(path), located(Path(f"{path}.json")), "cpu")
    forget_models()


def test_a_seed_gives_the_same_sound_whatever_ran_before(tiny_voice):
    ids = [[1, 5, 9, 2]]
    first = tiny_voice.synthesize_ids(ids, 7, 1.0, 1.0, 0)
    tiny_voice.synthesize_ids([[3, 3, 3, 3, 3, 3]], 99, 1.0, 1.0, 0)  # draws noise in between
    again = tiny_voice.synthesize_ids(ids, 7, 1.0, 1.0, 0)
    other = tiny_voice.synthesize_ids(ids, 8, 1.0, 1.0, 0)
    # 3000 noise values per id: more than the first guess, so the run was repeated with more noise
    assert first.size == 4 * 3000 and np.array_equal(first, again)
    assert not np.allclose(first, other)
    flat = tiny_voice.synthesize_ids(ids, 7, 1.0, 0.0, 0)  # no variation: no noise at all
    assert np.array_equal(flat, tiny_voice.synthesize_ids(ids, 8, 1.0, 0.0, 0))


def test_phoneme_ids_are_made_as_piper_makes_them(tmp_path):
    path = save_tiny_piper(tmp_path / "tiny.onnx")
    config = PiperConfig.read(Path(f"{path}.json"))
    ids = config.phoneme_ids
    pad = ids["_"][0]
    assert config.ids("hə") == [ids["^"][0], pad, ids["h"][0], pad, ids["ə"][0], pad, ids["$"][0]]
    assert config.ids("h\u00e6") == config.ids("hæ")  # unknown symbols are left out, as Piper does
    broken = tmp_path / "broken.onnx.json"
    broken.write_text(json.dumps({"audio": {"sample_rate": 22050}}))
    with pytest.raises(ModelFileError, match="broken.onnx.json: is not a Piper voice config"):
        PiperConfig.read(broken)


@needs_espeak
def test_espeak_gives_ipa_with_pauses_and_sentences_as_piper_expects():
    hello, empty = phonemize(["Hello, world. How are you?", "..."], "en-us")
    assert empty == []
    assert len(hello) == 2  # two sentences: two utterances for the voice
    assert hello[0].startswith("h\u0259l\u02c8o\u028a, ") and hello[0].endswith(".")  # "hello," in IPA
    assert hello[1].endswith("?") and "\u0251\u02d0\u0279" in hello[1]  # "are"


def test_a_missing_espeak_says_how_to_install_it(monkeypatch):
    monkeypatch.setenv("FILMSTUDIO_ESPEAK", "/nowhere/espeak-ng")
    with pytest.raises(EspeakMissingError, match="apt-get install espeak-ng") as caught:
        phonemize(["Hello."], "en-us")
    assert "brew install espeak-ng" in str(caught.value)


def test_the_set_up_script_installs_espeak_on_debian_and_fedora():
    import re

    script = (Path(__file__).resolve().parents[2] / "packaging" / "system-packages.sh").read_text()
    for system in ("DEBIAN", "FEDORA"):
        assert "espeak-ng" in re.search(rf'^{system}="([^"]*)"', script, re.M).group(1).split()
