"""The real default model: `filmstudio models install dcgan-faces` (the gan-face-generate wheel)."""

from __future__ import annotations

import itertools

import pytest
import torch

from filmstudio.cli import main
from filmstudio.models.manifest import known_model


def test_the_manifest_and_list_tell_the_licence_and_the_data_set(capsys):
    model = known_model("dcgan-faces")
    assert model is not None and model.install is not None
    assert (model.install.package, model.install.version, model.install.member) == (
        "gan-face-generate",
        "1.1.1",
        "gan_face_generate/weights.tar",
    )
    assert model.sha256 == "0c3b90b138cfc4e8a73310b9fd5ce2a8f1f3a542a037de277412307fcd28771f"
    assert main(["models", "list"]) == 0
    listing = capsys.readouterr().out
    line = next(line for line in listing.splitlines() if line.startswith("dcgan-faces"))
    assert "MIT" in line and "filmstudio models install dcgan-faces" in line
    assert "note: trained on DigiFace-1M; check its terms for commercial use" in listing


@pytest.mark.slow
def test_sixteen_seeds_give_sixteen_distinct_deterministic_faces(models, tmp_path, registry):
    import filmstudio as fs
    from filmstudio.models.display import to_model_rgb
    from filmstudio.models.errors import ModelInstallError
    from filmstudio.models.gan_sheet import contact_sheet, seed_pictures, write_png
    from filmstudio.models.install import install_models
    from filmstudio.models.store import ModelStore

    try:
        install_models([known_model("dcgan-faces")], models, report=lambda _line: None)
    except ModelInstallError as error:
        if error.offline:
            pytest.skip(f"pip cannot reach the package registry: {error}")
        raise
    assert main(["models", "verify", "dcgan-faces"]) == 0
    location = ModelStore().find("dcgan-faces")
    seeds = list(range(100, 116))
    faces = seed_pictures(location, seeds)
    assert faces.shape == (16, 3, 64, 64)
    differences = [(faces[i] - faces[j]).abs().mean().item() for i, j in itertools.combinations(range(16), 2)]
    assert min(differences) > 0.05
    assert torch.equal(seed_pictures(location, seeds[::-1]), faces.flip(0))  # per seed, whatever the batch
    assert all(face.std() > 0.1 for face in faces)  # pictures, not flat colour
    sheet_path = write_png(contact_sheet(location, seeds, columns=4), tmp_path / "faces.png", scale=3)
    print(f"contact sheet of seeds {seeds[0]}-{seeds[-1]}: {sheet_path}")
    # the node renders a take of a seed as the sheet shows it (64x64 project: 1:1)
    project = fs.Project(fps=24, frame_range="1-24", width=64, height=64, registry=registry)
    node = project.add_node("GANGenerator")
    node.new_take(seed=seeds[3], name="hero")
    with fs.Engine(project, cpu_workers=2) as engine:
        rgb, alpha = to_model_rgb(engine.evaluate(node, 12)[None])
    assert alpha is None and (rgb[0] - faces[3]).abs().max() < 2e-3
