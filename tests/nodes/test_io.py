"""Read and Write nodes on real clips the tests encode with PyAV."""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch

from filmstudio.core.errors import EvaluationError
from filmstudio.core.project import Project
from filmstudio.engine.engine import Engine
from tests.media.clips import frame_number, write_clip


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
