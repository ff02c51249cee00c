"""The faces demo (resources/demo/faces.fsproj): a GAN take morph, cut out, upscaled, written."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from filmstudio.core.errors import EvaluationError
from filmstudio.core.project import Project

FACES = Path(__file__).resolve().parents[2] / "resources" / "demo" / "faces.fsproj"


def test_the_demo_morphs_two_named_takes_through_the_upscaler(registry):
    project = Project.load(FACES, registry)
    face = project["Face"]
    assert [t["name"] for t in face.state["takes"]] == ["hero", "villain"]
    assert [t["data"]["seed"] for t in face.state["takes"]] == [103, 114]
    assert [k["frame"] for k in face.state["latent_keys"]] == [1, 48]
    chain = [link.target for link in project.graph.links]
    assert {project.graph.nodes[uuid].name for uuid in chain} == {"Cut", "Upscale", "Export"}
    assert project["Upscale"].values_at(1)["factor"] == 4.0


def test_without_the_weights_the_demo_says_how_to_install_them(registry):
    from filmstudio.engine.engine import Engine

    project = Project.load(FACES, registry)
    with Engine(project, cpu_workers=2) as engine, pytest.raises(EvaluationError) as caught:
        engine.evaluate(project["Upscale"], 1)
    assert "filmstudio models install dcgan-faces" in str(caught.value)


@pytest.mark.slow
def test_with_the_weights_the_demo_renders_the_hero_then_the_villain(registry, models):
    from filmstudio.engine.engine import Engine
    from filmstudio.models.errors import ModelInstallError
    from filmstudio.models.install import install_models
    from filmstudio.models.manifest import known_model

    try:
        install_models([known_model("dcgan-faces")], models, report=lambda _line: None)
    except ModelInstallError as error:
        if error.offline:
            pytest.skip(f"pip cannot reach the package registry: {error}")
        raise
    project = Project.load(FACES, registry)
    with Engine(project, cpu_workers=2) as engine:
        first, last = (engine.evaluate(project["Upscale"], f) for f in (1, 48))
        project["Face"].use_take("villain")
        project["Face"].remove_latent_key(1)
        project["Face"].remove_latent_key(48)
        assert torch.equal(engine.evaluate(project["Upscale"], 1), last)
    assert first.shape == (4, 256, 256) and (first - last).abs().mean() > 0.05
