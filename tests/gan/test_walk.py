"""Latent Walk: loops that close, a centre to breathe around; a walk exported through the Upscaler."""

from __future__ import annotations

import itertools
import subprocess
import sys

import numpy as np
import pytest
import torch

from filmstudio.core.errors import EvaluationError
from filmstudio.models.gan_latent import LatentKind, z_from_seed
from tests.gan.tiny import save_dcgan


@pytest.fixture
def dcgan(models):
    return save_dcgan(models / "tiny.safetensors", nz=8)


def test_a_walk_closes_its_loop_and_amplitude_zero_is_the_seed(project, engine, dcgan):
    walk = project.add_node("LatentWalk", model="tiny.safetensors", seed=9, period=24, start=5, amplitude=0.3)
    at = [engine.evaluate(walk, frame) for frame in (5, 11, 29, 53)]
    assert at[0].kind is LatentKind.Z and at[0].size == 8
    assert torch.equal(at[0].values, at[2].values) and torch.equal(at[0].values, at[3].values)
    assert not torch.equal(at[0].values, at[1].values)
    walk.set(amplitude=0.0)
    assert torch.allclose(engine.evaluate(walk, 11).values, z_from_seed(9, 8))
    # neighbouring frames are close: a walk, not a jump
    walk.set(amplitude=1.0)
    values = [engine.evaluate(walk, f).values for f in range(5, 29)]
    steps = [float((a - b).norm()) for a, b in itertools.pairwise(values)]
    assert max(steps) < 0.4 * float(values[0].norm())


def test_a_walk_goes_around_a_centre_latent(project, engine, dcgan):
    hero = project.add_node("GANGenerator", model="tiny.safetensors")
    hero.new_take(seed=4)
    walk = project.connect(
        hero,
        project.add_node("LatentWalk", model="tiny.safetensors", amplitude=0.0),
        source_port="latent_out",
    )
    assert torch.equal(engine.evaluate(walk, 3).values, z_from_seed(4, 8))
    other = project.add_node("LatentWalk", model="tiny.safetensors")
    other.set(model="missing.safetensors")
    with pytest.raises(EvaluationError, match="missing.safetensors"):
        engine.evaluate(other, 1)


@pytest.mark.slow
def test_a_48_frame_walk_exports_through_the_upscaler_to_h264_headless(tmp_path, registry, dcgan):
    import filmstudio as fs
    from filmstudio.media import probe

    project = fs.Project(fps=24, frame_range="1-48", width=128, height=128, registry=registry)
    walk = project.add_node("LatentWalk", model=str(dcgan), seed=1, period=48, amplitude=0.6)
    face = project.connect(walk, project.add_node("GANGenerator", model=str(dcgan), placement="centre"))
    big = project.connect(face, project.add_node("Upscaler", method="lanczos", factor=2.0))
    project.connect(big, project.add_node("Reformat", width=128, height=128, resize="fit"))
    project.connect(project["Reformat1"], project.add_node("Write", file="walk.mp4", speed="ultrafast"))
    project.save(tmp_path / "walk.fsproj")
    script = (
        "import sys; from filmstudio.cli import main; code = main(sys.argv[1:]); "
        "assert 'PySide6' not in sys.modules; sys.exit(code)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, "render", str(tmp_path / "walk.fsproj")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    info = probe(tmp_path / "walk.mp4")
    assert (info.frame_count, info.width, info.height) == (48, 128, 128)
    from filmstudio.media import VideoReader

    with VideoReader(tmp_path / "walk.mp4") as reader:
        frames = [np.asarray(reader.read(i), dtype=np.float32) for i in (0, 1, 24, 47)]
    # the picture moves, a little from frame to frame, and comes round at the end of the lap
    assert np.abs(frames[0] - frames[2]).mean() > 3 * np.abs(frames[0] - frames[1]).mean()
    assert np.abs(frames[0] - frames[3]).mean() < np.abs(frames[0] - frames[2]).mean()
