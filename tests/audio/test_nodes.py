"""Read's sound, Audio Mix and Audio Offset through the real engine, checked against the maths."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

import filmstudio as fs
from filmstudio.audio import PROJECT_RATE, Audio, SampleClip, frame_sample
from filmstudio.audio.cache import audio_cache
from filmstudio.audio.mix import Ducking, MixedAudio, MixInput
from filmstudio.engine.engine import Engine
from filmstudio.testing import evaluate
from filmstudio_nodes.audio import AudioOffset
from tests.audio.sound_clips import noise, write_movie_with_sound

RATE = PROJECT_RATE


def _project(fps: Fraction = Fraction(24)) -> fs.Project:
    return fs.Project(fps=fps, frame_range="1-48", width=16, height=16)


def _audio(project: fs.Project, node: str, frame: int = 1) -> Audio:
    with Engine(project) as engine:
        return engine.evaluate(node, frame, output="audio")


def test_read_plays_the_files_sound_from_its_first_frame_and_is_silent_elsewhere(tmp_path: Path) -> None:
    sound = noise(2, RATE * 2)
    movie = write_movie_with_sound(tmp_path / "a.mov", sound, frames=48)
    project = _project()
    project.add_node("Read", "read", file=str(movie), start_frame=11)
    audio = _audio(project, "read", 20)
    begin = frame_sample(11, Fraction(24), RATE)
    got = audio.samples(0, begin + 3 * RATE)
    assert np.array_equal(got[:, begin : begin + 2 * RATE], sound)
    assert not got[:, :begin].any() and not got[:, begin + 2 * RATE :].any()
    assert _audio(project, "read", 1) == audio  # the same sound whatever frame asks


def test_trim_keeps_sound_in_step_with_the_picture(tmp_path: Path) -> None:
    sound = noise(1, RATE * 2, seed=2)
    movie = write_movie_with_sound(tmp_path / "a.mov", sound, frames=48)
    project = _project()
    project.add_node("Read", "read", file=str(movie), start_frame=1, trim_in=12, trim_out=23)
    audio = _audio(project, "read")
    begin = frame_sample(1, Fraction(24), RATE)
    got = audio.samples(begin, begin + RATE)  # 12 frames used: half a second of sound
    assert np.array_equal(got[0, : RATE // 2], sound[0, RATE // 2 : RATE])
    assert not got[0, RATE // 2 :].any()


def test_a_file_without_the_asked_stream_says_which_streams_it_has(tmp_path: Path) -> None:
    movie = write_movie_with_sound(tmp_path / "a.mov", noise(2, RATE), frames=24)
    project = _project()
    project.add_node("Read", "read", file=str(movie), audio_stream=3)
    with pytest.raises(fs.FilmStudioError, match="1 audio stream"):
        _audio(project, "read").samples(0, 10)
    with Engine(project) as engine:  # the picture is unaffected
        assert engine.evaluate("read", 1).shape == (4, 16, 16)


@pytest.mark.parametrize("fps", [Fraction(24000, 1001), Fraction(25)])
def test_keyframed_gain_and_pan_equal_the_maths(tmp_path: Path, fps: Fraction) -> None:
    sound = noise(2, RATE * 2, seed=4)
    voice = noise(1, RATE, seed=5)
    movie = write_movie_with_sound(tmp_path / "a.mov", sound, frames=48, fps=Fraction(24))
    project = _project(fps)
    # by time: the 24 fps clips' sound as recorded, whatever the project's rate (frame for frame
    # it would be conformed to it)
    read = project.add_node("Read", "read", file=str(movie), start_frame=0, timing="time")
    voice_file = str(write_movie_with_sound(tmp_path / "v.mov", voice))
    other = project.add_node("Read", "voice", file=voice_file, timing="time")
    mix = project.add_node("AudioMix", "mix", pan2=-0.5)
    project.connect(read, mix, "audio", "audio1")
    project.connect(other, mix, "audio", "audio3")
    mix.set_keyframe("gain1", 0, 0.0)
    mix.set_keyframe("gain1", 24, -20.0)
    mix.set_keyframe("gain1", 36, 6.0, interp="smooth")
    mix.set_keyframe("gain1", 40, -96.0)
    mix.set_keyframe("gain3", 0, -6.0)
    mix.set(pan3=0.25)
    audio = _audio(project, "mix", 5)
    assert _audio(project, "mix", 30) == audio  # one value for every frame
    got = audio.samples(0, 2 * RATE)
    curve = mix["gain1"]
    frames = np.arange(2 * RATE) * float(fps) / RATE
    gain1 = np.array([10 ** (curve.evaluate(f) / 20) if curve.evaluate(f) > -96 else 0.0 for f in frames])
    gain3 = 10 ** (-6 / 20)
    voice_at = np.zeros(2 * RATE)
    start = frame_sample(1, fps, RATE)
    voice_at[start : start + RATE] = voice[0, : 2 * RATE - start]
    left = sound[0] * gain1 + voice_at * gain3 * 0.75
    right = sound[1] * gain1 + voice_at * gain3
    assert np.abs(got[0] - left).max() < 1e-6 and np.abs(got[1] - right).max() < 1e-6


def test_editing_a_gain_key_renders_the_mix_again_and_undo_brings_it_back(tmp_path: Path) -> None:
    movie = write_movie_with_sound(tmp_path / "a.mov", noise(2, RATE), frames=24)
    project = _project()
    read = project.add_node("Read", "read", file=str(movie))
    mix = project.connect(read, project.add_node("AudioMix", "mix"), "audio", "audio1")
    mix.set_keyframe("gain1", 1, 0.0)
    before = _audio(project, "mix")
    first = before.samples(0, RATE)
    mix.set_keyframe("gain1", 10, -12.0)
    after = _audio(project, "mix")
    assert after != before and not np.array_equal(after.samples(0, RATE), first)
    project.graph.history.undo()
    again = _audio(project, "mix")
    renders = audio_cache.renders
    assert again == before and np.array_equal(again.samples(0, RATE), first)
    assert audio_cache.renders == renders  # the old mix's samples come back from the sample cache


def test_offset_moves_sound_by_whole_frames_and_samples(tmp_path: Path) -> None:
    fps = Fraction(30000, 1001)
    clip = SampleClip(noise(1, 1000, seed=6), start=0)
    audio = evaluate(AudioOffset, {"frames": 7, "samples": -3}, {"source": clip}, fps=fps)
    shift = frame_sample(7, fps, RATE) - 3
    got = audio.samples(0, shift + 1000)
    assert np.array_equal(got[0, shift:], clip.data[0]) and not got[0, :shift].any()


def test_ducking_lowers_the_music_while_the_voice_speaks_and_recovers() -> None:
    music = SampleClip(np.full((1, 3 * RATE), 0.5, np.float32))
    burst = np.zeros((1, 3 * RATE), np.float32)
    burst[0, RATE : 2 * RATE] = 0.5  # the voice speaks from 1 s to 2 s
    voice = SampleClip(burst)
    ducking = Ducking(ducked=0, key=1, threshold_db=-20, amount_db=12, attack_s=0.01, release_s=0.2)
    mix = MixedAudio([MixInput(music, 0.0, 0.0), MixInput(voice, -96.0, 0.0)], Fraction(24), ducking)
    got = mix.samples(0, 3 * RATE)[0]
    assert got[RATE // 2] == pytest.approx(0.5)  # before the voice
    assert got[RATE + RATE // 2] == pytest.approx(0.5 * 10 ** (-12 / 20), rel=1e-5)  # while it speaks
    assert got[int(2.1 * RATE)] == pytest.approx(0.5 * 10 ** (-6 / 20), rel=0.05)  # halfway back
    assert got[int(2.5 * RATE)] == pytest.approx(0.5)  # recovered after the release
    # the same samples however the range is split (a block-by-block export, a waveform, a grain)
    pieces = [mix.render(a, b) for a, b in ((0, 50_000), (50_000, 97_001), (97_001, 3 * RATE))]
    assert np.array_equal(np.concatenate(pieces, axis=1)[0], mix.render(0, 3 * RATE)[0])
