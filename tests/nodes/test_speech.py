"""Speech: a voice per character says a script as seeded takes; renders read the takes only; the
cues follow the spoken lengths; Write carries the sound. Tiny random VITS voices (transformers)
and tiny Piper-shaped graphs are made here and loaded through the real code paths."""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

import filmstudio as fs
from filmstudio.audio import PROJECT_RATE, frame_sample
from filmstudio.engine.engine import Engine
from filmstudio.render.export import render
from filmstudio.speech.codec import decode_flac
from filmstudio.speech.phonemes import espeak_available
from filmstudio.speech.vits import VitsVoice
from filmstudio.subtitles import Cue, Subtitles
from filmstudio.testing import NodeHarness
from filmstudio_nodes.speech import Speech
from tests.audio.test_export import decoded_sound
from tests.models.tiny import forget_models, isolate_models
from tests.speech.voices import save_tiny_piper, save_tiny_vits

FPS = Fraction(24)
SCRIPT = """INT. KITCHEN - DAY

MARY
Coffee? It's fresh.

JOHN
No thanks, I'm late.

MARY
Suit yourself.
"""


@pytest.fixture
def models(tmp_path, monkeypatch):
    yield isolate_models(tmp_path, monkeypatch)
    forget_models()


@pytest.fixture
def vits(tmp_path, models) -> Path:
    return save_tiny_vits(tmp_path / "tiny-vits")


@pytest.fixture
def synth_calls(monkeypatch) -> list[str]:
    """Every line a VITS voice synthesises, in order."""
    calls: list[str] = []
    original = VitsVoice.synthesize

    def counting(self, text, *args):
        calls.append(text)
        return original(self, text, *args)

    monkeypatch.setattr(VitsVoice, "synthesize", counting)
    return calls


def cues(*texts: str, length: int = 30) -> Subtitles:
    return Subtitles(
        tuple(Cue(1 + 40 * i, 1 + 40 * i + length, (t,), "MARY", id=f"cue{i}") for i, t in enumerate(texts)),
        FPS,
    )


def speech_project(tmp_path: Path, voice: Path, script: str = SCRIPT, **params) -> fs.Project:
    (tmp_path / "scene.fountain").write_text(script)
    project = fs.Project(fps=FPS, frame_range=(1, 120), width=16, height=16)
    source = project.add_node("ScriptFile", "script", file=str(tmp_path / "scene.fountain"))
    project.connect(
        source, project.add_node("Speech", "speech", voice=str(voice), **params), "script", "script"
    )
    return project


def test_a_tiny_vits_voice_makes_the_same_take_from_the_same_seed(vits):
    takes = []
    for seed in (5, 5, 6):
        with NodeHarness(
            Speech, {"voice": str(vits), "seed": seed}, {"cues": cues("Hello there.")}
        ) as harness:
            takes.append(harness.generate_take()["lines"])
    (line,) = takes[0].values()
    assert line["text"] == "Hello there." and line["rate"] == 16000 and line["samples"] > 0
    assert takes[0] == takes[1]
    assert [entry["flac"] for entry in takes[2].values()] != [line["flac"]]


def test_rendering_reads_the_take_and_editing_one_line_synthesises_only_that_line(
    tmp_path, vits, synth_calls
):
    project = speech_project(tmp_path, vits)
    with Engine(project) as engine:
        with pytest.raises(fs.FilmStudioError, match="has no take yet: generate a take"):
            engine.evaluate("speech", 1, output="audio")
        engine.generate_take("speech")
        assert synth_calls == ["Coffee? It's fresh.", "No thanks, I'm late.", "Suit yourself."]
        first = engine.evaluate("speech", 1, output="audio")
        assert first.extent() is not None

        (tmp_path / "scene.fountain").write_text(SCRIPT.replace("No thanks, I'm late.", "Sure, thanks."))
        with pytest.raises(
            fs.FilmStudioError, match=r"1 line\(s\) new since its take \(JOHN: 'Sure, thanks.'\)"
        ):
            engine.evaluate("speech", 1, output="audio")
        synth_calls.clear()
        engine.generate_take("speech")
        assert synth_calls == ["Sure, thanks."]  # the two unchanged lines are copied, not made again
        take = project["speech"].state["takes"][-1]["data"]
        assert sorted(entry["text"] for entry in take["lines"].values()) == [
            "Coffee? It's fresh.",
            "Suit yourself.",
            "Sure, thanks.",
        ]
        assert len(take["synthesised"]) == 1
        engine.evaluate("speech", 1, output="audio")

        synth_calls.clear()
        project["speech"].set(pitch=-2.0, fit="stretch", level=-26.0)  # rendering choices: no synthesis
        engine.evaluate("speech", 1, output="audio")
        assert synth_calls == []
        project.undo()
        project["speech"].set(speed=1.3)  # a synthesis choice: every line needs a new take
        with pytest.raises(fs.FilmStudioError, match="3 line"):
            engine.evaluate("speech", 1, output="audio")


def natural_frames(start: int, samples: int) -> int:
    """The fewest whole frames from ``start`` that hold ``samples`` project samples."""
    frames = 1
    while frame_sample(start + frames, FPS, PROJECT_RATE) - frame_sample(start, FPS, PROJECT_RATE) < samples:
        frames += 1
    return frames


def test_the_cues_follow_the_spoken_lengths(vits):
    said = cues("Hello there.", "General Kenobi, you are a bold one.", length=30)
    with NodeHarness(Speech, {"voice": str(vits), "speed": 0.5}, {"cues": said}, fps=FPS) as harness:
        take = harness.generate_take()["lines"]
        lengths = [math.ceil(e["samples"] * PROJECT_RATE / e["rate"]) for e in take.values()]
        for fit in ("natural", "pad", "stretch"):
            harness.node.set(fit=fit)
            audio = harness.evaluate(output="audio")
            retimed = harness.evaluate(output="subtitles")
            for cue, before, length in zip(retimed, said, lengths, strict=True):
                assert (cue.start, cue.id, cue.lines) == (before.start, before.id, before.lines)
                spoken = natural_frames(cue.start, length)
                if fit == "natural":
                    assert cue.frames == spoken
                elif fit == "pad":
                    assert cue.frames == max(spoken, before.frames)
                else:  # stretched to the cue, at most twice as long
                    wanted = frame_sample(cue.end, FPS, PROJECT_RATE) - frame_sample(
                        cue.start, FPS, PROJECT_RATE
                    )
                    stretched = wanted if wanted <= 2 * length else 2 * length
                    assert cue.frames == (
                        before.frames if wanted <= 2 * length else natural_frames(cue.start, stretched)
                    )
                    begin = frame_sample(cue.start, FPS, PROJECT_RATE)
                    sound = audio.samples(begin - 100, begin + stretched + 100)[0]
                    assert not sound[:100].any() and not sound[-100:].any() and sound[100:200].any()


def test_each_character_speaks_with_its_own_voice(tmp_path, vits, monkeypatch):
    other = save_tiny_vits(tmp_path / "other-vits", seed=3, rate=22050)
    project = speech_project(
        tmp_path, vits, voices=f"JOHN = {other}, pitch=+4\n# MARY keeps the node's voice"
    )
    with Engine(project) as engine:
        engine.generate_take("speech")
        take = project["speech"].state["takes"][-1]["data"]
        voices = {entry["speaker"]: (entry["voice"], entry["rate"]) for entry in take["lines"].values()}
        assert voices == {"MARY": (str(vits), 16000), "JOHN": (str(other), 22050)}
        assert set(take["made_by"]) == {str(vits), str(other)}
        project["speech"].set(voices="JOHN = nowhere")  # recasting John leaves Mary's lines as they are
        with pytest.raises(fs.FilmStudioError, match=r"has 1 line\(s\) new since its take \(JOHN: "):
            engine.evaluate("speech", 1, output="audio")
        with pytest.raises(fs.FilmStudioError, match="model 'nowhere' is not installed"):
            engine.generate_take("speech")
        project["speech"].set(voices="JOHN nowhere")
        with pytest.raises(fs.FilmStudioError, match="line 1 .*write it as NAME = voice"):
            engine.evaluate("speech", 1, output="audio")


def test_a_missing_voice_says_how_to_install_it(tmp_path, models):
    with (
        NodeHarness(Speech, inputs={"cues": cues("Hello.")}) as harness,
        pytest.raises(fs.FilmStudioError, match="filmstudio models install piper-en-us-joe"),
    ):
        harness.generate_take()


@pytest.mark.skipif(not espeak_available(), reason="espeak-ng is not installed (apt-get install espeak-ng)")
def test_a_piper_voice_file_with_its_json_speaks_through_espeak(tmp_path, models):
    voice = save_tiny_piper(tmp_path / "voices" / "tiny.onnx")
    with NodeHarness(
        Speech, {"voice": str(voice)}, {"cues": cues("Hello, world.", "Hello, world!")}
    ) as harness:
        lines = list(harness.generate_take()["lines"].values())
        assert [line["rate"] for line in lines] == [16000, 16000]
        assert lines[0]["flac"] != lines[1]["flac"]  # the mark is said: "!" is another phoneme than "."
        harness.evaluate(output="audio")


def test_an_export_carries_the_speech(tmp_path, vits):
    project = speech_project(tmp_path, vits, fit="natural")
    picture = project.add_node("Constant", "picture")
    write = project.add_node(
        "Write", "write", file=str(tmp_path / "out.mov"), preset="prores", audio_codec="pcm"
    )
    project.connect(picture, write, "image", "source")
    project.connect("speech", write, "audio", "audio")
    with Engine(project) as engine:
        engine.generate_take("speech")
        expected = engine.evaluate("speech", 1, output="audio").frames(1, 120, FPS)
    got = decoded_sound(render(project).path)
    assert got.shape == (1, frame_sample(120, FPS, PROJECT_RATE))
    assert np.abs(got - expected).max() < 1e-5 and np.abs(expected).max() > 0.05


def test_stored_lines_are_the_synthesised_samples(vits):
    with NodeHarness(Speech, {"voice": str(vits), "seed": 2}, {"cues": cues("Hello there.")}) as harness:
        (line,) = harness.generate_take()["lines"].values()
    from filmstudio.models.store import ModelLocation, file_identity
    from filmstudio.speech.vits import load_vits

    voice = load_vits(ModelLocation("v", vits, None, file_identity(vits)), "cpu")
    direct = voice.synthesize("Hello there.", line["seed"], 1.0, 1.0, 0)
    assert np.abs(decode_flac(line["flac"], line["samples"]) - direct).max() <= 1.0 / 32767
