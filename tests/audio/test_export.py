"""Write with a linked Audio: the file carries the mix, exactly the range's samples, no drift."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
import torch

import filmstudio as fs
from filmstudio.audio import PROJECT_RATE, frame_sample, frames_samples
from filmstudio.engine.engine import Engine
from filmstudio.media.writer import VideoWriter
from filmstudio.render.export import render
from filmstudio.render.settings import audio_to_write, encode_settings
from tests.audio.sound_clips import noise, write_movie_with_sound

RATE = PROJECT_RATE


def decoded_sound(path: Path) -> np.ndarray:
    """Every sample of the file's first audio stream, as float ``[channels, n]``; a frame whose
    duration is shorter than its samples (AAC's padded last frame) is cut to it, as players do."""
    parts = []
    with av.open(str(path)) as container:
        for frame in container.decode(container.streams.audio[0]):
            data = frame.to_ndarray()[..., : _lasts(frame)]
            if not frame.format.is_planar:
                data = data.reshape(-1, len(frame.layout.channels)).T
            if data.dtype == np.int32:  # s24 PCM decodes to s32
                data = data / 2.0**31
            parts.append(np.asarray(data, np.float64))
    return np.concatenate(parts, axis=1)


def _lasts(frame: av.AudioFrame) -> int | None:
    """How many of the frame's samples its duration covers (None: all of them)."""
    if not frame.duration or frame.time_base is None:
        return None
    return round(frame.duration * frame.time_base * frame.sample_rate) * (
        1 if frame.format.is_planar else len(frame.layout.channels)
    )


def _project(
    tmp_path: Path, fps: Fraction, last: int, sound_at: int, suffix: str
) -> tuple[fs.Project, np.ndarray]:
    """Constant picture, a Read of one second of noise placed at frame ``sound_at``, mixed with a
    keyframed gain into the Write."""
    sound = noise(2, RATE, seed=9)
    movie = write_movie_with_sound(tmp_path / "sound.mov", sound, fps=Fraction(24), frames=24)
    project = fs.Project(fps=fps, frame_range=f"1-{last}", width=16, height=16)
    picture = project.add_node("Constant", "picture")
    # by time: the 24 fps clip's sound as recorded (frame for frame it would be conformed to the
    # project's rate, tests/nodes/test_io.py)
    read = project.add_node("Read", "read", file=str(movie), start_frame=sound_at, timing="time")
    mix = project.connect(read, project.add_node("AudioMix", "mix"), "audio", "audio1")
    mix.set_keyframe("gain1", sound_at, -6.0)
    mix.set_keyframe("gain1", sound_at + 12, 0.0)
    preset = "h264" if suffix == ".mp4" else "prores"
    write = project.add_node(
        "Write", "write", file=str(tmp_path / f"out{suffix}"), preset=preset, speed="ultrafast"
    )
    project.connect(picture, write, "image", "source")
    project.connect(mix, write, "audio", "audio")
    if suffix != ".mp4":
        write.set(audio_codec="pcm")
    return project, sound


def _expected(
    sound: np.ndarray, fps: Fraction, first: int, sound_at: int, mix_curve: object
) -> tuple[int, np.ndarray]:
    begin = frame_sample(sound_at, fps, RATE) - frame_sample(first, fps, RATE)
    frames = (np.arange(RATE) + frame_sample(sound_at, fps, RATE)) * float(fps) / RATE
    gain = np.array([10 ** (mix_curve.evaluate(f) / 20) for f in frames])  # type: ignore[attr-defined]
    return begin, sound * gain


def _export_sound(project: fs.Project, target: Path) -> Path:
    """The export's audio path alone, as :func:`render` runs it (the linked sound evaluated once
    through the engine, its range's samples, the writer's encoder), with a single video frame:
    ten minutes of pictures would only add encoding time."""
    write, frames = project["write"], project.settings.frame_range
    with Engine(project) as engine:
        sound = audio_to_write(project, write, frames, engine)
    settings = encode_settings(project, write, frames)
    with VideoWriter(target, settings, audio=sound[0], audio_span=sound[1]) as writer:
        writer.write(torch.zeros(4, 16, 16))
    return target


@pytest.mark.slow
@pytest.mark.parametrize("suffix", [".mov", ".mp4"], ids=["pcm", "aac"])
@pytest.mark.parametrize("fps", [Fraction(24000, 1001), Fraction(25)], ids=["23.976", "25"])
def test_ten_minutes_of_sound_have_the_exact_sample_count_and_no_drift(
    tmp_path: Path, fps: Fraction, suffix: str
) -> None:
    last = int(np.ceil(600 * fps))  # 10 minutes of project time
    sound_at = last - 30  # the sound starts just before the end: any drift would show here
    project, sound = _project(tmp_path, fps, last, sound_at, suffix)
    got = decoded_sound(_export_sound(project, tmp_path / f"sound{suffix}"))
    start, stop = frames_samples(1, last, fps, RATE)
    assert got.shape == (2, stop - start)  # sample-exact length for the range
    if suffix == ".mov":  # lossless: the mix lands on its frame and equals the maths
        begin, expected = _expected(sound, fps, 1, sound_at, project["mix"]["gain1"])
        assert not got[:, :begin].any()
        heard = got[:, begin : begin + RATE]
        assert np.abs(heard - expected[:, : heard.shape[1]]).max() < 1e-6


def test_a_short_export_carries_the_mix_and_pcm_needs_mov_or_mkv(tmp_path: Path) -> None:
    fps = Fraction(24)
    project, sound = _project(tmp_path, fps, 48, 5, ".mov")
    result = render(project)
    assert result.frames == 48
    got = decoded_sound(result.path)
    assert got.shape[1] == 2 * RATE
    begin, expected = _expected(sound, fps, 1, 5, project["mix"]["gain1"])
    assert np.abs(got[:, begin : begin + RATE] - expected).max() < 1e-6
    project["write"].set(file=str(tmp_path / "out.mp4"), preset="h264")
    with pytest.raises(fs.FilmStudioError, match="cannot hold PCM"):
        render(project)
    assert not (tmp_path / "out.mp4").exists()


def test_the_sound_passed_through_is_the_first_reader_showing_a_frame_where_the_render_starts(tmp_path):
    """A reader that shows nothing at the first rendered frame (placed later, black outside) is
    passed over for the next reader upstream that has sound; a conformed one is encoded instead."""
    from filmstudio.core.timebase import FrameRange
    from filmstudio.render.settings import audio_source, audio_to_write

    first = write_movie_with_sound(tmp_path / "later.mov", noise(2, RATE, seed=1))
    second = write_movie_with_sound(tmp_path / "now.mov", noise(2, RATE, seed=2))

    def project_at(fps):
        project = fs.Project(fps=fps, frame_range="1-24", width=16, height=16)
        later = project.add_node("Read", "later", file=str(first), start_frame=100, outside="black")
        now = project.add_node("Read", "now", file=str(second))
        merge = project.connect(later, project.add_node("Merge", "merge"), "image", "A")
        project.connect(now, merge, "image", "B")
        return project, project.connect(
            merge, project.add_node("Write", "write", file=str(tmp_path / "o.mp4"))
        )

    frames = FrameRange(1, 24)
    project, write = project_at(Fraction(24))
    assert audio_source(project, write, frames) == (str(second), (0.0, 1.0))
    project, write = project_at(Fraction(25))  # frame for frame at another rate: conformed, encoded
    assert audio_source(project, write, frames) is None
    with fs.Engine(project) as engine:
        sound, span = audio_to_write(project, write, frames, engine)
    assert sound.key.endswith(":x25/24") and span == (1920, 1920 * 25)
