"""Read and Write nodes on real clips the tests encode with PyAV."""

from __future__ import annotations

import itertools
import random
from fractions import Fraction

import av
import numpy as np
import pytest
import torch

from filmstudio.core.errors import EvaluationError
from filmstudio.core.project import Project
from filmstudio.engine.engine import Engine
from tests.media.clips import frame_number, write_clip, write_paced_clip


@pytest.fixture(scope="module")
def numbered_clip(tmp_path_factory):
    """48 numbered frames, H.264 with B-frames and a long GOP."""
    path = tmp_path_factory.mktemp("read") / "numbered.mp4"
    return write_clip(
        path,
        codec="libx264",
        frames=48,
        width=160,
        height=96,
        pix_fmt="yuv444p",
        options={"g": "24", "bf": "2", "qp": "0"},
    )


def shown(image: torch.Tensor) -> int:
    array = (image[:3].clamp(0, 1) * 255).round().byte().permute(1, 2, 0).numpy()
    return frame_number(array)


@pytest.fixture
def read_project(registry, numbered_clip):
    project = Project(frame_range=(1, 48), width=160, height=96, registry=registry)
    read = project.add_node("Read", file=str(numbered_clip), colorspace="linear")
    return project, read


def test_timeline_frames_map_to_clip_frames_in_any_order(read_project):
    project, read = read_project
    frames = list(range(1, 49))
    random.Random(3).shuffle(frames)
    with Engine(project) as engine:
        assert [shown(engine.evaluate(read, f)) for f in frames] == [f - 1 for f in frames]


def test_start_frame_trim_and_outside_policies(read_project):
    project, read = read_project
    read.set(start_frame=101, trim_in=10, trim_out=19)
    with Engine(project) as engine:
        assert shown(engine.evaluate(read, 101)) == 10 and shown(engine.evaluate(read, 110)) == 19
        assert shown(engine.evaluate(read, 50)) == 10 and shown(engine.evaluate(read, 200)) == 19  # hold
        read.set(outside="black")
        assert engine.evaluate(read, 200).abs().sum() == 0
        read.set(outside="error")
        with pytest.raises(EvaluationError, match="outside the clip"):
            engine.evaluate(read, 200)


def test_decoded_footage_is_linearised_and_proxies_are_smaller(read_project):
    project, read = read_project
    with Engine(project) as engine:
        encoded = engine.evaluate(read, 5)
        read.set(colorspace="sRGB")
        linear = engine.evaluate(read, 5)
        assert linear.shape == (4, 96, 160) and torch.equal(linear[3], encoded[3])
        mid = (encoded[:3] > 0.3) & (encoded[:3] < 0.7)
        assert (linear[:3][mid] < encoded[:3][mid]).all()  # sRGB mid-tones are darker in linear light
        assert engine.evaluate(read, 5, scale=0.5).shape == (4, 48, 80)


def test_a_missing_file_names_the_node_the_file_and_what_to_do(registry, tmp_path):
    project = Project(registry=registry)
    read = project.add_node("Read", file=str(tmp_path / "gone.mov"))
    empty = project.add_node("Read")
    with Engine(project) as engine:
        with pytest.raises(EvaluationError, match=r"Read1 at frame 1: .*gone.mov: .*does not exist"):
            engine.evaluate(read, 1)
        with pytest.raises(EvaluationError, match="has no file"):
            engine.evaluate(empty, 1)


def test_relative_paths_resolve_from_the_project_file(registry, numbered_clip, tmp_path):
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "clip.mp4").write_bytes(numbered_clip.read_bytes())
    project = Project(width=160, height=96, registry=registry)
    read = project.add_node("Read", file="media/clip.mp4", colorspace="linear")
    project.save(tmp_path / "shot.fsproj")
    with Engine(Project.load(tmp_path / "shot.fsproj", registry)) as engine:
        assert shown(engine.evaluate(read.name, 8)) == 7


def test_a_replaced_file_is_not_served_from_cache(registry, tmp_path):
    from filmstudio.media import write_image

    path = tmp_path / "plate.png"
    write_image(path, torch.full((4, 8, 8), 0.25))
    project = Project(width=8, height=8, registry=registry)
    read = project.add_node("Read", file=str(path), colorspace="linear")
    with Engine(project) as engine:
        first = engine.evaluate(read, 1)
        write_image(path, torch.full((4, 8, 8), 0.75))
        assert not torch.equal(engine.evaluate(read, 1), first)


def test_image_sequences_with_gaps_follow_the_missing_policy(registry, tmp_path):
    from filmstudio.media import write_image

    for number in (1, 2, 4):
        write_image(tmp_path / f"shot.{number:04d}.png", torch.full((4, 8, 8), number / 10))
    project = Project(width=8, height=8, registry=registry)
    read = project.add_node("Read", file=str(tmp_path / "shot.####.png"), colorspace="linear")
    with Engine(project) as engine:
        assert engine.evaluate(read, 2)[0, 0, 0] == pytest.approx(0.2, abs=1 / 255)
        with pytest.raises(EvaluationError, match="shot.0003.png"):
            engine.evaluate(read, 3)
        read.set(missing="hold")
        assert engine.evaluate(read, 3)[0, 0, 0] == pytest.approx(0.2, abs=1 / 255)


def grey_sequence(folder, numbers, value=0.2):
    """Write grey images into ``folder``; the folder's time moves on, even on a file system whose
    clock is too coarse to tell two writes apart (there File > Reload Media is the remedy)."""
    import os

    from filmstudio.media import write_image

    before = os.stat(folder).st_mtime_ns
    for number in numbers:
        write_image(folder / f"shot.{number:04d}.png", torch.full((4, 8, 8), value))
    if os.stat(folder).st_mtime_ns == before:
        os.utime(folder, ns=(before, before + 1_000_000))


def test_a_re_rendered_image_of_a_sequence_invalidates_only_the_frame_that_shows_it(registry, tmp_path):
    grey_sequence(tmp_path, range(1, 21))
    project = Project(frame_range=(1, 20), width=8, height=8, registry=registry)
    read = project.add_node("Read", file=str(tmp_path / "shot.####.png"), colorspace="linear")
    with Engine(project) as engine:
        engine.evaluate_frames(read, range(1, 21))
        grey_sequence(tmp_path, [12], value=0.8)
        assert [f for f in range(1, 21) if not engine.is_cached(read, f)] == [12]
        assert engine.evaluate(read, 12)[0, 0, 0] == pytest.approx(0.8, abs=1 / 255)
        assert engine.evaluations(read) == 21  # the 20 frames, then frame 12 once more


def test_images_added_to_a_sequence_are_read_by_the_open_engine_and_a_new_one(registry, tmp_path):
    from filmstudio.render.export import render

    grey_sequence(tmp_path, (1, 2, 4))
    project = Project(frame_range=(1, 5), width=8, height=8, registry=registry)
    read = project.add_node("Read", file=str(tmp_path / "shot.####.png"), colorspace="linear")
    project.connect(read, project.add_node("Write", preset="png", file=str(tmp_path / "out.####.png")))
    with Engine(project) as engine:
        with pytest.raises(EvaluationError, match="shot.0003.png"):
            engine.evaluate(read, 3)
        assert engine.evaluate(read, 5)[0, 0, 0] == pytest.approx(0.2, abs=1 / 255)  # holds frame 4
        grey_sequence(tmp_path, (3, 5), value=0.6)  # the gap filled, and a frame after the end
        assert engine.evaluate(read, 3)[0, 0, 0] == pytest.approx(0.6, abs=1 / 255)
        assert engine.evaluate(read, 5)[0, 0, 0] == pytest.approx(0.6, abs=1 / 255)
    assert render(project).frames == 5  # an export (its own engine) sees them too


def test_keys_of_a_long_sequence_cost_a_stat_per_frame_not_a_folder_listing(registry, tmp_path, monkeypatch):
    import os

    grey_sequence(tmp_path, [1])
    image = (tmp_path / "shot.0001.png").read_bytes()
    for number in range(2, 1001):
        (tmp_path / f"shot.{number:04d}.png").write_bytes(image)
    project = Project(frame_range=(1, 1000), width=8, height=8, registry=registry)
    read = project.add_node("Read", file=str(tmp_path / "shot.####.png"), colorspace="linear")
    listings = []
    listdir = os.listdir
    monkeypatch.setattr(os, "listdir", lambda folder: listings.append(folder) or listdir(folder))
    with Engine(project) as engine:
        keys = [engine.key(read, f) for f in range(1, 1001)]
        assert len(set(keys)) == 1000 and len(listings) == 1  # one scan, then one stat per frame
        grey_sequence(tmp_path, [1001])  # the folder changed: scanned once more
        assert [engine.key(read, f) for f in range(1, 1001)] == keys and len(listings) == 2


def test_write_passes_its_input_through(read_project):
    project, read = read_project
    write = project.connect(read, project.add_node("Write"))
    with Engine(project) as engine:
        assert torch.equal(engine.evaluate(write, 3), engine.evaluate(read, 3))


def test_colour_round_trip_through_read_and_write_is_lossless_for_8_bit(registry, tmp_path):
    from filmstudio.media import read_image
    from filmstudio.render.export import render

    pixels = np.random.default_rng(1).integers(0, 256, (16, 16, 3), dtype=np.uint8)
    from filmstudio.media import write_image

    write_image(tmp_path / "in.png", torch.from_numpy(pixels).permute(2, 0, 1).float() / 255)
    project = Project(frame_range=(1, 1), width=16, height=16, registry=registry)
    read = project.add_node("Read", file=str(tmp_path / "in.png"))  # sRGB -> linear
    project.connect(read, project.add_node("Write", preset="png"))  # linear -> sRGB
    render(project, output=tmp_path / "out.####.png")
    assert np.array_equal(read_image(tmp_path / "out.0001.png")[..., :3], pixels)


# A phone clip: 1 s at 24 fps, 2 s at 10 fps, 1 s at 24 fps (ticks of 1/240 s), beeping as frames
# 30 and 50 appear.
PACE = [10] * 24 + [24] * 20 + [10] * 24
BEEPS = (30, 50)


@pytest.fixture(scope="module")
def phone_clip(tmp_path_factory):
    path = tmp_path_factory.mktemp("vfr") / "phone.mp4"
    starts = write_paced_clip(path, PACE, Fraction(1, 240), beeps=BEEPS)
    return path, starts


def on_screen(starts: list[Fraction], seconds: Fraction) -> int:
    """The frame whose display interval [start, next start) holds ``seconds``."""
    return max(k for k, start in enumerate(starts) if start <= seconds)


def test_a_variable_rate_clip_is_placed_by_time(registry, phone_clip):
    path, starts = phone_clip
    project = Project(fps=24, frame_range=(1, 96), width=160, height=96, registry=registry)
    read = project.add_node("Read", file=str(path), colorspace="linear")
    with Engine(project) as engine:
        shown_frames = [shown(engine.evaluate(read, f)) for f in range(1, 97)]
    assert shown_frames == [on_screen(starts, Fraction(f - 1, 24)) for f in range(1, 97)]
    assert shown_frames.count(30) in (2, 3)  # a 10 fps frame holds 2.4 project frames, not one


def test_a_variable_rate_clip_keeps_trims_and_outside_by_time(registry, phone_clip):
    path, _starts = phone_clip
    project = Project(fps=24, frame_range=(1, 96), width=160, height=96, registry=registry)
    # Frames 24..33 (the 10 fps part, 1 s), from timeline frame 101.
    read = project.add_node("Read", file=str(path), colorspace="linear", start_frame=101, trim_in=24)
    read.set(trim_out=33, outside="error")
    with Engine(project) as engine:
        assert [shown(engine.evaluate(read, f)) for f in (101, 103, 104, 124)] == [24, 24, 25, 33]
        with pytest.raises(EvaluationError, match=r"outside the clip \(frames 101-124\)"):
            engine.evaluate(read, 125)


def test_constant_rate_clips_stay_frame_for_frame_at_any_project_rate(registry, numbered_clip):
    project = Project(fps=30, frame_range=(1, 48), width=160, height=96, registry=registry)
    read = project.add_node("Read", file=str(numbered_clip), colorspace="linear")  # a 24 fps clip
    with Engine(project) as engine:
        assert [shown(engine.evaluate(read, f)) for f in (1, 2, 25, 48)] == [0, 1, 24, 47]


# A 30 fps phone clip (constant rate, ticks of 1/240 s), 2.4 s, beeping as frames 30 and 60 appear.
THIRTY = [8] * 72
THIRTY_BEEPS = (30, 60)  # on screen at whole 24 fps frames (1 s, 2 s): by time, 24 and 48 are skipped


@pytest.fixture(scope="module")
def thirty_fps_clip(tmp_path_factory):
    path = tmp_path_factory.mktemp("thirty") / "thirty.mp4"
    starts = write_paced_clip(path, THIRTY, Fraction(1, 240), beeps=THIRTY_BEEPS)
    return path, starts


def test_timing_time_plays_a_constant_rate_clip_at_its_own_pace(registry, thirty_fps_clip):
    path, starts = thirty_fps_clip
    project = Project(fps=24, frame_range=(1, 57), width=160, height=96, registry=registry)
    read = project.add_node("Read", file=str(path), colorspace="linear", timing="time")
    with Engine(project) as engine:
        shown_frames = [shown(engine.evaluate(read, f)) for f in range(1, 58)]
        assert shown_frames == [on_screen(starts, Fraction(f - 1, 24)) for f in range(1, 58)]
        assert shown_frames[24] == 30  # one second in: the clip's frame 30, not 24
        read.set(timing="auto")  # the default keeps a constant-rate clip frame for frame
        assert [shown(engine.evaluate(read, f)) for f in (1, 25, 57)] == [0, 24, 56]


def test_timing_frames_places_even_a_variable_rate_clip_frame_for_frame(registry, phone_clip):
    path, _starts = phone_clip
    project = Project(fps=24, frame_range=(1, 68), width=160, height=96, registry=registry)
    read = project.add_node("Read", file=str(path), colorspace="linear", timing="frames")
    with Engine(project) as engine:
        assert [shown(engine.evaluate(read, f)) for f in (1, 30, 45, 68)] == [0, 29, 44, 67]


@pytest.mark.slow
def test_an_export_of_a_clip_at_another_rate_placed_by_time_keeps_its_sound_in_sync(
    registry, thirty_fps_clip, tmp_path
):
    from filmstudio.media import VideoReader
    from filmstudio.render.export import render

    path, starts = thirty_fps_clip
    project = Project(fps=24, frame_range=(1, 57), width=160, height=96, registry=registry)
    read = project.add_node("Read", file=str(path), colorspace="linear", timing="time")
    project.connect(read, project.add_node("Write", file=str(tmp_path / "out.mp4"), speed="ultrafast"))
    result = render(project)
    with VideoReader(result.path) as export:
        numbers = [frame_number(export.read(i)) for i in range(len(export))]
        assert numbers == [on_screen(starts, Fraction(f - 1, 24)) for f in range(1, 58)]
        pictures = [export.time_of(numbers.index(k)) for k in THIRTY_BEEPS]
    sounds = beep_onsets(result.path)
    assert len(sounds) == len(THIRTY_BEEPS)
    for picture, sound in zip(pictures, sounds, strict=True):
        assert -1024 / 48000 <= picture - sound <= 1 / 24 + 1024 / 48000


@pytest.mark.slow
def test_an_export_of_a_variable_rate_clip_keeps_its_sound_in_sync(registry, phone_clip, tmp_path):
    from filmstudio.core.timebase import FrameRange
    from filmstudio.media import VideoReader
    from filmstudio.render.export import render

    path, starts = phone_clip
    project = Project(fps=24, frame_range=(1, 96), width=160, height=96, registry=registry)
    read = project.add_node("Read", file=str(path), colorspace="linear")
    project.connect(read, project.add_node("Write", file=str(tmp_path / "out.mp4"), speed="ultrafast"))
    result = render(project, frames=FrameRange(13, 96), look_ahead=2)
    with VideoReader(result.path) as export:
        numbers = [frame_number(export.read(i)) for i in range(len(export))]
        assert numbers == [on_screen(starts, Fraction(f - 1, 24)) for f in range(13, 97)]
        pictures = [export.time_of(numbers.index(k)) for k in BEEPS]  # when each beeping frame appears
    sounds = beep_onsets(result.path)
    assert len(sounds) == len(BEEPS)
    for picture, sound in zip(pictures, sounds, strict=True):
        # The picture changes on the first project frame at or after the beep: up to 1/24 s later;
        # AAC adds at most one frame (1024 samples) of timing blur.
        assert -1024 / 48000 <= picture - sound <= 1 / 24 + 1024 / 48000


def beep_onsets(path) -> list[float]:
    """Seconds at which the beeps of a rendered file's sound start (where loud follows silence)."""
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        frames = list(container.decode(stream))
        start = float(frames[0].pts * frames[0].time_base)
        samples = np.concatenate([frame.to_ndarray()[0] for frame in frames])
    loud = np.flatnonzero(np.abs(samples) > 0.3)
    onsets = [int(loud[0]), *(int(b) for a, b in itertools.pairwise(loud) if b - a > 4800)]
    return [start + onset / 48000 for onset in onsets]


@pytest.mark.slow
def test_a_clip_at_another_rate_placed_frame_for_frame_has_its_sound_conformed(
    registry, thirty_fps_clip, tmp_path
):
    """The default placement of a constant-rate clip is frame for frame: at 24 fps a 30 fps clip
    plays 4/5 as fast, and so does its sound (lower, as in a film conform), so each beep is heard
    as its frame is seen; the export encodes that sound (it cannot be copied from the file)."""
    from filmstudio.media import VideoReader
    from filmstudio.render.export import render

    path, _starts = thirty_fps_clip
    project = Project(fps=24, frame_range=(1, 72), width=160, height=96, registry=registry)
    read = project.add_node("Read", file=str(path), colorspace="linear")
    project.connect(read, project.add_node("Write", file=str(tmp_path / "out.mp4"), speed="ultrafast"))
    result = render(project)
    with VideoReader(result.path) as export:
        numbers = [frame_number(export.read(i)) for i in range(len(export))]
        assert numbers == list(range(72))
        pictures = [export.time_of(numbers.index(k)) for k in THIRTY_BEEPS]  # 1.25 s and 2.5 s
    sounds = beep_onsets(result.path)
    assert len(sounds) == len(THIRTY_BEEPS)
    for picture, sound in zip(pictures, sounds, strict=True):
        assert abs(picture - sound) <= 1024 / 48000
    with av.open(str(result.path)) as movie:
        (sound,) = movie.streams.audio
        frames = list(movie.decode(sound))
        samples = np.concatenate([frame.to_ndarray()[0] for frame in frames])
    assert abs(len(samples) / 48000 - 3.0) <= 2048 / 48000  # as long as the picture, not the clip's 2.4 s
    beep = samples[int(sounds[0] * 48000) : int(sounds[0] * 48000) + 1500]
    crossings = np.count_nonzero(np.diff(np.signbit(beep))) / 2 / (len(beep) / 48000)
    assert 760 <= crossings <= 840  # the 1 kHz beep at 4/5 speed


def test_keep_pitch_conforms_a_clips_sound_to_the_picture_at_its_own_pitch(registry, thirty_fps_clip):
    """With ``keep_pitch`` the 30 fps clip's sound still keeps pace with its picture at 24 fps
    (each beep heard as its frame is seen, within the stretch's grain) but at its own 1 kHz."""
    from filmstudio.audio import frame_sample

    path, _starts = thirty_fps_clip
    project = Project(fps=24, frame_range=(1, 72), width=160, height=96, registry=registry)
    read = project.add_node("Read", file=str(path), colorspace="linear", keep_pitch=True)
    with Engine(project) as engine:
        audio = engine.evaluate(read, 1, output="audio")
    assert audio.extent() == (frame_sample(1, Fraction(24), 48000), frame_sample(73, Fraction(24), 48000))
    samples = audio.samples(0, 4 * 48000)[0]
    loud = np.flatnonzero(np.abs(samples) > 0.3)
    onsets = [int(loud[0]), *(int(b) for a, b in itertools.pairwise(loud) if b - a > 4800)]
    seen = [frame_sample(1 + k, Fraction(24), 48000) for k in THIRTY_BEEPS]  # frames 31 and 61
    assert len(onsets) == 2
    for onset, at in zip(onsets, seen, strict=True):
        # the 40 ms beep lasts 50 ms at 0.8x: its centre of energy where it belongs, its start a
        # stretch grain early at most
        middle = at + 1200
        energy = samples[middle - 4800 : middle + 4800] ** 2
        centre = middle - 4800 + (np.arange(len(energy)) * energy).sum() / energy.sum()
        assert abs(centre - middle) <= 0.003 * 48000 and abs(onset - at) <= 0.025 * 48000
    beep = samples[onsets[0] : onsets[0] + 1500]
    assert 960 <= np.count_nonzero(np.diff(np.signbit(beep))) / 2 / (len(beep) / 48000) <= 1040


def test_the_conform_speed_is_the_rate_ratio_only_where_the_picture_is_frame_for_frame(
    thirty_fps_clip, tmp_path
):
    from types import SimpleNamespace

    from filmstudio.media.audio_source import conform_speed
    from filmstudio.media.pool import shared_pool

    def placement(timing="auto"):
        return SimpleNamespace(start_frame=1, trim_in=0, trim_out=-1, outside="hold", timing=timing)

    thirty = shared_pool.open(str(thirty_fps_clip[0]))
    assert conform_speed(thirty, placement(), Fraction(24)) == Fraction(4, 5)
    assert conform_speed(thirty, placement("time"), Fraction(24)) == 1
    assert conform_speed(thirty, placement(), Fraction(30)) == 1
    ntsc = tmp_path / "ntsc.mp4"
    write_paced_clip(ntsc, [1001] * 24, Fraction(1, 24000), beeps=(12,))  # 23.976 fps
    assert conform_speed(shared_pool.open(str(ntsc)), placement(), Fraction(24)) == Fraction(1001, 1000)
    assert conform_speed(shared_pool.open(str(ntsc)), placement(), Fraction(24000, 1001)) == 1


def test_filmstudio_info_says_how_a_clip_at_another_rate_is_placed_and_heard(
    thirty_fps_clip, tmp_path, capsys
):
    from filmstudio.cli import main

    path, _starts = thirty_fps_clip
    project = Project(fps=24, frame_range=(1, 72), width=160, height=96)
    project.add_node("Read", "conformed", file=str(path))
    project.add_node("Read", "timed", file=str(path), timing="time")
    project.add_node("Read", "kept", file=str(path), keep_pitch=True)
    project.save(tmp_path / "shot.fsproj")
    assert main(["info", str(tmp_path / "shot.fsproj")]) == 0
    out = capsys.readouterr().out
    clip = "a 30.000 fps clip in a 24.000 fps project"
    assert f"{clip}, frame for frame: it plays at 0.8x, its sound too (-3.86 semitones; keep_pitch" in out, (
        out
    )
    assert f"{clip}, frame for frame: it plays at 0.8x, its sound too, its pitch kept (keep_pitch)" in out, (
        out
    )
    assert f"{clip}, placed by time: its own pace, its sound as recorded" in out, out
