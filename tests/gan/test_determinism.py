"""The same take renders bit-identical frames in two processes (CPU)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.gan.tiny import save_stylegan

RENDER = """
import hashlib, sys
import filmstudio as fs
project = fs.load(sys.argv[1])
with fs.Engine(project, cpu_workers=2, device="cpu") as engine:
    for frame in (1, 7, 13):
        image = engine.evaluate(project["Hero"], frame).contiguous()
        print(frame, hashlib.sha256(image.numpy().tobytes()).hexdigest())
"""


@pytest.mark.slow
def test_a_take_renders_bit_identical_frames_in_two_processes(tmp_path, registry):
    import filmstudio as fs

    save_stylegan(tmp_path / "sg2.safetensors", seed=3)
    project = fs.Project(fps=24, frame_range="1-24", width=48, height=32, registry=registry)
    node = project.add_node("GANGenerator", name="Hero", model="sg2.safetensors", noise="random")
    project.save(tmp_path / "hero.fsproj")  # the model sits beside the project, found once it is saved
    node.new_take(seed=77, name="hero")
    node.new_take(seed=78, name="other")
    node.key_latent(1, take="hero")
    node.key_latent(13, take="other")
    project.save(tmp_path / "hero.fsproj")
    env = {**os.environ, "FILMSTUDIO_DEVICE": "cpu"}
    runs = [
        subprocess.run(
            [sys.executable, "-c", RENDER, str(tmp_path / "hero.fsproj")],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=True,
        ).stdout
        for _ in range(2)
    ]
    assert runs[0] == runs[1] and len(runs[0].splitlines()) == 3
