"""A clip at another frame rate conformed to the project's pace with its pitch kept (Read's
``keep_pitch``): as long as the picture, at the recorded pitch, the same samples however a range is
split, and no seam where the stretch's blocks meet."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

import filmstudio as fs
from filmstudio.audio import PROJECT_RATE, Audio, frame_sample
from filmstudio.core.memo import KeyedMemo
from filmstudio.engine.engine import Engine
from filmstudio.media import audio_source
from tests.audio.sound_clips import write_movie_with_sound

RATE = PROJECT_RATE
TONE, LEVEL = 400.0, 0.5  # a period of exactly 120 samples
CLIP_SECONDS, CLIP_FPS = 2.4, 30  # 72 frames: 3 s frame for frame at 24 fps


@pytest.fixture
def tone_movie(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # quarter-second blocks, so three seconds cross a dozen seams; a cache of this test's own
    monkeypatch.setattr(audio_source, "_BLOCK", RATE // 4)
    monkeypatch.setattr(audio_source, "_blocks", KeyedMemo(16))
    t = np.arange(int(CLIP_SECONDS * RATE)) / RATE
    tone = (LEVEL * np.sin(2 * np.pi * TONE * t)).astype(np.float32)
    frames = round(CLIP_SECONDS * CLIP_FPS)
    return write_movie_with_sound(
        tmp_path / "tone.mov", np.stack([tone, tone]), fps=Fraction(CLIP_FPS), frames=frames
    )


def _conformed(movie: Path, keep_pitch: bool) -> Audio:
    project = fs.Project(fps=Fraction(24), frame_range="1-72", width=16, height=16)
    project.add_node("Read", "read", file=str(movie), keep_pitch=keep_pitch)
    with Engine(project) as engine:
        return engine.evaluate("read", 1, output="audio")


def _pitch(samples: np.ndarray) -> float:
    """Hz, from zero crossings."""
    return np.count_nonzero(np.diff(np.signbit(samples))) / 2 / (len(samples) / RATE)


def test_keep_pitch_conforms_the_pace_and_keeps_the_pitch(tone_movie: Path) -> None:
    kept_audio = _conformed(tone_movie, keep_pitch=True)
    shifted_audio = _conformed(tone_movie, keep_pitch=False)
    # both heard from the Read's first frame for as long as the picture (3 s), not the clip (2.4 s)
    first = frame_sample(1, Fraction(24), RATE)
    assert kept_audio.extent() == shifted_audio.extent() == (first, first + 3 * RATE)
    kept, shifted = (audio.samples(0, 4 * RATE)[0] for audio in (kept_audio, shifted_audio))
    for sound in (kept, shifted):
        heard = np.flatnonzero(np.abs(sound) > 0.05)
        assert heard[0] - first < RATE // 1000 and abs(heard[-1] - (first + 3 * RATE)) < RATE // 100
    middle = slice(RATE // 2, 5 * RATE // 2)
    assert abs(_pitch(shifted[middle]) - 0.8 * TONE) < 2  # the film conform: lower with the speed
    assert abs(_pitch(kept[middle]) - TONE) < 2
    # no seam: a steady level in every 5 ms (two periods), no step steeper than the tone's own
    body = kept[first + RATE // 10 : first + 29 * RATE // 10]
    levels = np.sqrt((body[: len(body) // 240 * 240].reshape(-1, 240) ** 2).mean(axis=1)) / (
        LEVEL / np.sqrt(2)
    )
    assert levels.min() > 0.9 and levels.max() < 1.1
    assert np.abs(np.diff(body)).max() < 1.2 * 2 * np.pi * TONE / RATE * LEVEL


def test_keep_pitch_gives_the_same_samples_however_a_range_is_split(tone_movie: Path) -> None:
    audio = _conformed(tone_movie, keep_pitch=True)
    start, stop = audio.extent()
    whole = audio.render(start, stop)
    step = 7919  # pieces that start and end anywhere in the blocks
    pieces = [audio.render(at, min(at + step, stop)) for at in range(start, stop, step)]
    assert np.array_equal(np.concatenate(pieces, axis=1), whole)
    audio_source._blocks.clear()  # rendered afresh (another process): the same samples
    assert np.array_equal(audio.render(start + RATE, start + 2 * RATE), whole[:, RATE : 2 * RATE])
    assert audio.key != _conformed(tone_movie, keep_pitch=False).key  # cached apart


@pytest.mark.parametrize("tempo", [0.4, 0.8, 1.25])
def test_change_tempo_keeps_the_pitch_and_the_timing(tempo: float) -> None:
    """FFmpeg's stretch through PyAV, slower than one atempo filter goes too (0.4 = 0.5 x 0.8): a
    burst at input time t sounds at t / tempo, centre on centre, at its own pitch."""
    from filmstudio.audio.tempo import change_tempo

    sound = np.zeros((2, 3 * RATE), np.float32)
    burst = (LEVEL * np.sin(2 * np.pi * TONE * np.arange(RATE // 5) / RATE)).astype(np.float32)
    sound[:, RATE : RATE + len(burst)] = burst
    out = change_tempo(sound, RATE, tempo)
    assert abs(out.shape[1] - 3 * RATE / tempo) < 0.1 * RATE and out.shape[0] == 2  # the tail: short
    energy = out[0] ** 2
    centre = (np.arange(len(energy)) * energy).sum() / energy.sum()
    assert abs(centre - (RATE + len(burst) / 2) / tempo) < 0.006 * RATE  # the grains: a few ms
    heard = out[0, int((RATE + len(burst) / 4) / tempo) : int((RATE + len(burst) * 3 / 4) / tempo)]
    assert abs(_pitch(heard) - TONE) < 0.02 * TONE
    with pytest.raises(ValueError, match="more than 0"):
        change_tempo(sound, RATE, 0.0)


def test_a_seam_between_sounds_that_match_nowhere_is_faded_where_it_lies() -> None:
    """The splice looks for the best match; where every match is negative (one block's end all
    positive, the next's start all negative) it fades them in place instead of failing."""
    block = np.zeros((1, audio_source._SLIP + audio_source._BLOCK + audio_source._FADE), np.float32)
    before, after = block + 0.5, block - 0.5
    heard = audio_source._spliced(before, after)
    assert heard.shape == (1, audio_source._BLOCK)
    assert heard[0, 0] == pytest.approx(0.5, abs=0.01) and heard[0, -1] == -0.5  # from one into the other
    assert np.all(np.diff(heard[0, : audio_source._FADE]) <= 0)  # a plain cross-fade, no jump
