"""Read's input colour space and Write's output transform through OCIO."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from filmstudio import colour
from filmstudio.core.errors import EvaluationError, UnknownColourSpaceError
from filmstudio.core.project import Project
from filmstudio.engine.engine import Engine
from filmstudio.media import read_image, write_image
from filmstudio.render.export import render


@pytest.fixture
def plate(tmp_path):
    pixels = np.random.default_rng(2).integers(0, 256, (12, 16, 3), dtype=np.uint8)
    write_image(tmp_path / "plate.png", torch.from_numpy(pixels).permute(2, 0, 1).float() / 255)
    return tmp_path / "plate.png", pixels


def encoded(pixels: np.ndarray) -> torch.Tensor:
    return torch.cat(
        [torch.from_numpy(pixels).permute(2, 0, 1).float() / 255, torch.ones(1, *pixels.shape[:2])]
    )


def test_read_colour_space_choices(registry, plate):
    path, pixels = plate
    project = Project(width=16, height=12, registry=registry)
    read = project.add_node("Read", file=str(path))
    with Engine(project, cpu_workers=1) as engine:
        assert torch.allclose(engine.evaluate(read, 1), colour.to_working(encoded(pixels), "sRGB"), atol=1e-6)
        read.set(colorspace="working")
        assert torch.allclose(engine.evaluate(read, 1), encoded(pixels), atol=1e-6)
        read.set(colorspace="custom", ocio_colorspace="ACEScct")
        assert torch.allclose(
            engine.evaluate(read, 1), colour.to_working(encoded(pixels), "ACEScct"), atol=1e-6
        )
        read.set(ocio_colorspace="Kodak 5219")
        with pytest.raises(
            EvaluationError, match="unknown colour space 'Kodak 5219' for the Read's colorspace"
        ):
            engine.evaluate(read, 1)


def test_write_through_a_display_and_view(registry, plate, tmp_path):
    path, _ = plate
    project = Project(frame_range=(1, 1), width=16, height=12, registry=registry)
    read = project.add_node("Read", file=str(path))
    view = "ACES 2.0 - SDR 100 nits (Rec.709)"
    write = project.add_node("Write", preset="png", colorspace="display", display="sRGB - Display", view=view)
    project.connect(read, write)
    render(project, output=tmp_path / "out.####.png")
    written = read_image(tmp_path / "out.0001.png")[..., :3].astype(np.float64) / 255
    with Engine(project, cpu_workers=1) as engine:
        expected = colour.display_transform(engine.evaluate(read, 1), "sRGB - Display", view)
    expected = expected[:3].clamp(0, 1).permute(1, 2, 0).double().numpy()
    assert np.abs(written - expected).max() <= 0.5 / 255 + 1e-6


def test_write_with_an_unknown_space_fails_before_writing(registry, plate, tmp_path):
    path, _ = plate
    project = Project(frame_range=(1, 1), width=16, height=12, registry=registry)
    write = project.add_node("Write", preset="png", colorspace="custom", ocio_colorspace="nope")
    project.connect(project.add_node("Read", file=str(path)), write)
    with pytest.raises(
        UnknownColourSpaceError, match="unknown colour space 'nope' for the Write's colorspace"
    ):
        render(project, output=tmp_path / "out.####.png")
    assert not list(tmp_path.glob("out.*"))
