"""The pure parts of speech: clauses and punctuation for espeak-ng, the cast, what a cue says,
time-stretching with the pitch kept, and a line's lossless storage."""

from __future__ import annotations

import numpy as np
import pytest

from filmstudio.speech.codec import decode_flac, encode_flac
from filmstudio.speech.errors import SpeechError
from filmstudio.speech.phonemes import Clause, clauses
from filmstudio.speech.stretch import shift_and_fit, time_stretch
from filmstudio.speech.takes import spoken_text
from filmstudio.speech.voices import CastMember, parse_cast
from filmstudio.subtitles import Cue

RATE = 22050


def test_text_is_cut_at_the_punctuation_a_voice_pauses_at():
    assert clauses('Coffee? It\'s fresh, I promise... "Really!" Dr. Who paid 1,000') == [
        Clause("Coffee", "?"),
        Clause("It's fresh", ","),
        Clause("I promise", "."),
        Clause('"Really', "!"),
        Clause("Dr", "."),
        Clause("Who paid 1,000", ""),
    ]
    assert clauses("  ") == []


def test_the_cast_is_read_from_text_and_bad_lines_are_named():
    cast = parse_cast("mary = piper-en-us-joe, pitch=+3  # her\n\nJOHN = ~/v/alan.onnx, speed=0.9, speaker=2")
    assert cast == {
        "MARY": CastMember("piper-en-us-joe", pitch=3.0),
        "JOHN": CastMember("~/v/alan.onnx", speaker="2", speed=0.9),
    }
    for bad, said in (
        ("MARY piper", "line 1"),
        ("MARY = joe, loud=1", "is not speaker=N"),
        ("\nMARY = joe, pitch=high", "line 2: pitch must be a number"),
        ("MARY = joe, speed=9", "speed is 0.25..4"),
    ):
        with pytest.raises(SpeechError, match=said):
            parse_cast(bad)


def test_sound_descriptions_and_music_are_not_said():
    assert spoken_text(Cue(1, 5, ("[door slams]", "Who's there?"))) == "Who's there?"
    assert spoken_text(Cue(1, 5, ("\u266a la la \u266a",))) == "la la"
    assert spoken_text(Cue(1, 5, ("[music]", "\u266a"))) == ""


def harmonic_tone(seconds: float, pitch: float = 150.0) -> np.ndarray:
    """A voiced-like sound: a 150 Hz fundamental with harmonics and a syllable-rate envelope."""
    t = np.arange(int(seconds * RATE)) / RATE
    tone = sum(np.sin(2 * np.pi * pitch * k * t) / k for k in range(1, 8))
    return (0.2 * tone * (0.6 + 0.4 * np.sin(2 * np.pi * 3 * t))).astype(np.float32)


def peak_hz(samples: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(samples.size)))
    return float(np.fft.rfftfreq(samples.size, 1 / rate)[np.argmax(spectrum)])


@pytest.mark.parametrize("ratio", [0.5, 0.8, 1.25, 2.0])
def test_time_stretch_gives_the_exact_length_and_keeps_the_pitch(ratio):
    tone = harmonic_tone(1.0)
    stretched = time_stretch(tone, round(tone.size * ratio), RATE)
    assert stretched.size == round(tone.size * ratio)
    assert abs(peak_hz(stretched, RATE) - 150.0) < 2.0  # a resampled tone would be at 150 / ratio
    level = float(np.sqrt(np.mean(stretched**2)))
    assert level == pytest.approx(float(np.sqrt(np.mean(tone**2))), rel=0.1)  # no holes, no doubling


def test_pitch_moves_by_semitones_and_the_length_is_kept_or_fitted():
    tone = harmonic_tone(1.0)
    octave_up = shift_and_fit(tone, RATE, 12.0, None, 48000)
    assert octave_up.size == 48000
    assert abs(peak_hz(octave_up, 48000) - 300.0) < 2.0
    fitted = shift_and_fit(tone, RATE, -3.0, 60000, 48000)
    assert fitted.size == 60000
    assert abs(peak_hz(fitted, 48000) - 150.0 * 2 ** (-3 / 12)) < 2.0


def test_a_line_is_stored_losslessly_at_16_bits():
    sound = (np.random.default_rng(3).standard_normal(5000) * 0.2).astype(np.float32)
    stored = encode_flac(sound, RATE)
    back = decode_flac(stored, sound.size)
    assert np.abs(back - sound).max() <= 1.0 / 32767
    voiced = harmonic_tone(1.0)
    assert len(encode_flac(voiced, RATE)) < 0.6 * voiced.size * 2 * 4 / 3  # FLAC beats base64 of PCM
    assert decode_flac(encode_flac(np.zeros(0, np.float32), RATE), 0).size == 0
    with pytest.raises(SpeechError, match="generate the Speech node's take again"):
        decode_flac("not*base64", 10)
