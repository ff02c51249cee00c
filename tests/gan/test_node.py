"""GAN Generator through the real engine: takes, placement, animated latents, mixing, noise, errors."""

from __future__ import annotations

import itertools

import pytest
import torch

from filmstudio.core.errors import EvaluationError, ParameterError
from filmstudio.models.gan_latent import Latent, LatentKind
from filmstudio.models.store import sha256_of
from tests.gan.tiny import save_dcgan, save_stylegan


@pytest.fixture
def dcgan(models):
    return save_dcgan(models / "tiny-dcgan.safetensors", nz=8, ngf=4)


@pytest.fixture
def sg2(models):
    return save_stylegan(models / "tiny-sg2.safetensors", seed=1)


def generator(project, model_file, **params):
    return project.add_node("GANGenerator", model=model_file.name, **params)


def mad(a, b) -> float:
    return (a - b).abs().mean().item()


def test_new_character_stores_the_seed_latent_model_and_truncation(project, engine, dcgan, monkeypatch):
    node = generator(project, dcgan, truncation=0.7)
    take_id = engine.generate_take(node, 1)
    data = node.state["takes"][0]["data"]
    assert take_id == "take1" and node.state["active_take"] == "take1"
    assert data["kind"] == "z" and len(data["latent"]) == 8 and data["truncation"] == 0.7
    assert data["model"] == sha256_of(dcgan) and 0 <= data["seed"] < 2**32
    # rendering never draws randomness: seed drawing refuses to run, torch's RNG is reseeded
    import filmstudio.models.gan_latent as gan_latent

    monkeypatch.setattr(gan_latent, "secrets", None)
    first = engine.evaluate(node, 1)
    engine.cache.clear()
    torch.manual_seed(1234)
    assert torch.equal(engine.evaluate(node, 30), first)
    assert engine.evaluations(node) == 2  # frames share one still: computed once per cache


def test_named_takes_are_switched_renamed_deleted_and_undone(project, engine, dcgan):
    node = generator(project, dcgan)
    assert node.new_take(seed=1, name="hero") == "take1"
    assert node.new_take(seed=2, name="villain") == "take2"
    villain = engine.evaluate(node, 1)
    node.use_take("hero")
    hero = engine.evaluate(node, 1)
    assert node.state["active_take"] == "take1" and mad(hero, villain) > 0.01
    with pytest.raises(ParameterError, match="already has take 'villain' \\(take2\\)"):
        node.new_take(seed=3, name="villain")
    node.rename_take("hero", "lead")
    key = engine.key(node, 1)
    assert [t.get("name") for t in node.state["takes"]] == ["lead", "villain"]
    node.delete_take("villain")
    assert node.takes == ["take1"] and engine.key(node, 1) == key  # names and others: same frame
    assert node.new_take(seed=4) == "take2"
    node.delete_take("take2")
    for _ in range(3):  # the delete, the new take, the first delete: each one step
        project.undo()
    assert node.takes == ["take1", "take2"] and node.state["takes"][1]["name"] == "villain"
    with pytest.raises(ParameterError, match="has no take 'nobody' \\(takes: take 'lead' \\(take1\\)"):
        node.use_take("nobody")


def test_a_take_renders_its_seed_and_a_seed_key_the_same(project, engine, dcgan):
    node = generator(project, dcgan)
    node.new_take(seed=42)
    keyed = generator(project, dcgan)
    keyed.key_latent(1, seed=42)
    assert torch.equal(engine.evaluate(node, 5), engine.evaluate(keyed, 5))


@pytest.mark.parametrize(
    "placement, box",
    [("fit", (0, 72, 28, 100)), ("centre", (4, 68, 32, 96)), ("fill", (0, 72, 0, 128))],
)
def test_the_picture_is_placed_in_the_project_format_with_alpha(node_harness, dcgan, placement, box):
    from filmstudio_nodes.gan import GANGenerator

    harness = node_harness(GANGenerator, params={"model": dcgan.name, "placement": placement}, size=(128, 72))
    harness.node.new_take(seed=3)
    image = harness.evaluate(1)
    top, bottom, left, right = box
    assert image.shape == (4, 72, 128)
    assert torch.all(image[3, top:bottom, left:right] == 1)
    assert image[3].sum().item() == (bottom - top) * (right - left)
    outside = image.clone()
    outside[:, top:bottom, left:right] = 0
    assert torch.all(outside == 0)  # premultiplied: nothing outside the box
    assert image[:3, top:bottom, left:right].min() >= 0


@pytest.mark.parametrize("kind", ["dcgan", "stylegan2"])
def test_keyed_latents_morph_smoothly_and_a_key_is_its_take(project, engine, dcgan, sg2, kind):
    model = dcgan if kind == "dcgan" else sg2
    node = generator(project, model, placement="centre")
    node.new_take(seed=10, name="a")
    still_a = engine.evaluate(node, 1)
    node.new_take(seed=20, name="b")
    still_b = engine.evaluate(node, 1)
    node.key_latent(1, take="a")
    node.key_latent(48, take="b")
    frames = engine.evaluate_frames(node, range(1, 49), cache_frames=False)  # batched, as exports
    assert torch.allclose(frames[0], still_a, atol=1e-5) and torch.allclose(frames[-1], still_b, atol=1e-5)
    engine.cache.clear()
    assert torch.equal(engine.evaluate(node, 1), still_a) and torch.equal(engine.evaluate(node, 48), still_b)
    steps = [mad(x, y) for x, y in itertools.pairwise(frames)]
    assert max(steps) < 0.1 * mad(still_a, still_b)
    assert min(steps) > 0  # it moves at every frame
    # before the first key and after the last, the key holds (one still, computed once)
    node.remove_latent_key(1)
    node.key_latent(10, take="a")
    assert torch.equal(engine.evaluate(node, 3), still_a) and engine.key(node, 3) == engine.key(node, 9)
    latent = engine.evaluate(node, 20, output="latent_out")
    assert latent.kind is (LatentKind.Z if kind == "dcgan" else LatentKind.W)


def test_truncation_is_animatable(project, engine, sg2):
    node = generator(project, sg2)
    node.new_take(seed=5)
    node.set_keyframe("truncation", 1, 1.0)
    node.set_keyframe("truncation", 11, 0.0)
    other = generator(project, sg2)
    other.new_take(seed=6)
    other.set("truncation", 0.0)
    # ψ=0 is the average face whatever the take; ψ falls smoothly in between
    assert torch.allclose(engine.evaluate(node, 11), engine.evaluate(other, 1), atol=1e-6)
    assert mad(engine.evaluate(node, 1), engine.evaluate(node, 11)) > 5 * mad(
        engine.evaluate(node, 6), engine.evaluate(node, 7)
    )


def test_style_mixing_takes_the_chosen_layers_from_another_take(project, engine, sg2):
    node = generator(project, sg2)
    node.new_take(seed=1, name="face")
    node.new_take(seed=2, name="style")
    node.use_take("face")
    face = engine.evaluate(node, 1)
    node.set(mix_take="style", mix_layers="coarse")
    mixed = engine.evaluate(node, 1)
    latent = engine.evaluate(node, 1, output="latent_out")
    assert latent.kind is LatentKind.W_PLUS and latent.values.shape == (6, 8)
    node.set(mix_take="")
    w_face = engine.evaluate(node, 1, output="latent_out")  # a Z: mapped by the node when mixing
    assert w_face.kind is LatentKind.Z
    assert not torch.equal(latent.values[0], latent.values[5])  # rows 0-2 style's, 3-5 face's
    assert mad(mixed, face) > 1e-3
    node.set(mix_take="gone")
    with pytest.raises(EvaluationError, match="mix_take uses take 'gone', which is not there"):
        engine.evaluate(node, 1)


def test_noise_is_stored_or_seeded_per_frame(project, engine, sg2):
    node = generator(project, sg2, noise="random")
    node.new_take(seed=3)
    one, two = engine.evaluate(node, 1), engine.evaluate(node, 2)
    assert mad(one, two) > 1e-4 and engine.key(node, 1) != engine.key(node, 2)
    engine.cache.clear()
    assert torch.equal(engine.evaluate(node, 1), one)
    node.set(noise="const")
    assert engine.key(node, 1) == engine.key(node, 2)


def test_batches_equal_single_frames(project, engine, sg2):
    node = generator(project, sg2)
    node.new_take(seed=1, name="a")
    node.new_take(seed=2, name="b")
    node.key_latent(1, take="a")
    node.key_latent(20, take="b")
    node.set_keyframe("truncation", 1, 0.5)
    node.set_keyframe("truncation", 20, 1.0)
    batched = engine.evaluate_frames(node, range(1, 21), cache_frames=False)
    engine.cache.clear()
    for frame, image in zip(range(1, 21), batched, strict=True):
        assert torch.allclose(image, engine.evaluate(node, frame), atol=1e-5)


def test_a_latent_walk_drives_the_generator(project, engine, dcgan):
    walk = project.add_node("LatentWalk", model=dcgan.name, seed=3, period=12, amplitude=0.4)
    node = project.connect(walk, generator(project, dcgan))
    assert torch.equal(engine.evaluate(node, 2), engine.evaluate(node, 14))  # one lap: 12 frames
    latent = engine.evaluate(node, 5, output="latent_out")
    assert isinstance(latent, Latent) and latent.same_as(engine.evaluate(walk, 5))
    assert mad(engine.evaluate(node, 2), engine.evaluate(node, 8)) > 0.01


def test_errors_name_the_take_the_file_and_what_to_do(project, engine, dcgan, models):
    node = generator(project, dcgan)
    with pytest.raises(EvaluationError, match="there is no take yet: make one"):
        engine.evaluate(node, 1)
    node.new_take(seed=1, name="hero")
    save_dcgan(models / "wide.safetensors", nz=12, ngf=4)
    node.set(model="wide.safetensors")
    with pytest.raises(EvaluationError) as caught:
        engine.evaluate(node, 1)
    assert "take 'hero' (take1) is a Z latent of 8 values" in str(caught.value)
    assert "wide.safetensors (DCGAN, nz=12, 64x64) takes nz=12" in str(caught.value)
    node.key_latent(1, take="hero")
    with pytest.raises(ParameterError, match="used by the latent keys at frames 1; remove those keys first"):
        node.delete_take("hero")
    node.set(model="dcgan-faces")
    with pytest.raises(EvaluationError) as missing:
        engine.evaluate(node, 1)
    assert "model 'dcgan-faces' is not installed" in str(missing.value)
    assert "dcgan-faces-64.pth" in str(missing.value) and "filmstudio models install dcgan-faces" in str(
        missing.value
    )
    with pytest.raises(ParameterError, match="a take or a seed"):
        node.key_latent(5)
    with pytest.raises(ParameterError, match="a seed is a whole number from 0 to 4294967295"):
        node.new_take(seed=-1)


def test_a_contact_sheet_shows_the_candidates_a_take_then_renders(project, engine, dcgan, tmp_path):
    node = generator(project, dcgan, placement="centre")
    sheet, seeds = node.contact_sheet(seeds=[5, 6, 7], path=str(tmp_path / "sheet.png"), columns=3)
    assert seeds == [5, 6, 7] and sheet.shape == (3, 64, 3 * 64 + 2 * 2)
    assert (tmp_path / "sheet.png").stat().st_size > 0
    drawn_sheet, drawn = node.contact_sheet(seeds=4)
    assert len(set(drawn)) == 4 and drawn_sheet.shape == (3, 130, 130)
    node.new_take(seed=seeds[1])
    from filmstudio.models.display import to_model_rgb

    rgb, _alpha = to_model_rgb(engine.evaluate(node, 1)[None])
    cell = sheet[:, :, 66:130]
    assert (rgb[0] - cell[:, 14:50]).abs().max() < 2e-3  # the 36-row project shows rows 14-50


def test_takes_survive_a_save_and_load(project, engine, dcgan, tmp_path, registry):
    import filmstudio as fs
    from filmstudio.engine.engine import Engine

    node = generator(project, dcgan)
    node.new_take(seed=11, name="hero")
    node.key_latent(1, take="hero")
    node.key_latent(9, seed=12)
    before = engine.evaluate(node, 4)
    project.save(tmp_path / "cast.fsproj")
    loaded = fs.Project.load(tmp_path / "cast.fsproj", registry=registry)
    with Engine(loaded, cpu_workers=2) as other:
        assert torch.equal(other.evaluate(loaded[node.name], 4), before)


def test_new_characters_never_reuse_an_id_a_take_holds(project, engine, dcgan):
    node = generator(project, dcgan)
    node.new_take(seed=1)
    node.new_take(seed=2)
    node.delete_take("take1")
    assert engine.generate_take(node, 1) == "take3" and node.takes == ["take2", "take3"]
    assert node.state["active_take"] == "take3"


def test_a_take_made_from_a_script_records_when_it_was_made(project, dcgan):
    from filmstudio.core.takes import list_takes

    node = generator(project, dcgan)
    node.new_take(seed=5, name="hero")
    (take,) = [t for t in list_takes(node) if t.name == "hero"]
    assert len(take.created) == 20 and take.created.endswith("Z")  # the Takes section shows it
