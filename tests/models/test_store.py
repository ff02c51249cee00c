"""The model store: where it looks, in which order, by name and checksum, and what it says when
a model is missing or damaged."""

from __future__ import annotations

import hashlib
import os

import pytest

from filmstudio.models import manifest
from filmstudio.models.errors import ModelError, ModelFileError, ModelNotFoundError
from filmstudio.models.manifest import KnownModel, WheelSource
from filmstudio.models.store import ModelStore, sha256_of

PAYLOAD = b"pretend these are weights" * 100
DIGEST = hashlib.sha256(PAYLOAD).hexdigest()


@pytest.fixture
def known(monkeypatch):
    """A manifest entry whose checksum the test can produce."""
    model = KnownModel(
        name="test-upscaler",
        kind="spandrel",
        file="test_upscaler.pth",
        licence="Apache-2.0",
        source="the test",
        description="a test entry",
        sha256=DIGEST,
        install=WheelSource("some-wheel", "1.0", "pkg/test_upscaler.pth"),
    )
    monkeypatch.setitem(manifest._BY_NAME, model.name, model)
    return model


def put(folder, name, data=PAYLOAD):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)
    return folder / name


def test_a_known_model_is_found_by_name_and_checksum(isolated_models, known):
    path = put(isolated_models, known.file)
    location = ModelStore().find("test-upscaler")
    assert location.path == path and location.model is known
    assert location.identity[0] == str(path)


def test_search_order_project_then_user_then_env(isolated_models, known, tmp_path, monkeypatch):
    project, studio = tmp_path / "shot", tmp_path / "studio"
    monkeypatch.setenv("FILMSTUDIO_MODELS", os.pathsep.join([str(tmp_path / "nowhere"), str(studio)]))
    in_studio = put(studio, known.file)
    assert ModelStore(project).find(known.name).path == in_studio
    in_user = put(isolated_models, known.file)
    assert ModelStore(project).find(known.name).path == in_user
    in_project = put(project / "models", known.file)
    assert ModelStore(project).find(known.name).path == in_project
    labels = [f.label for f in ModelStore(project).folders()]
    assert labels[:4] == [
        "project folder",
        "project models folder",
        "user models folder",
        "$FILMSTUDIO_MODELS",
    ]


def test_the_hugging_face_cache_is_read_offline(isolated_models, monkeypatch, tmp_path):
    model = KnownModel("hub-model", "transformers", "hub-model", "MIT", "x", "y", hf_repo="org/hub-model")
    monkeypatch.setitem(manifest._BY_NAME, model.name, model)
    root = tmp_path / "hf-cache" / "models--org--hub-model"
    snapshot = root / "snapshots" / "abc123"
    put(snapshot, "config.json", b"{}")
    put(root / "refs", "main", b"abc123")
    assert ModelStore().find("hub-model").path == snapshot


def test_a_missing_model_names_the_file_every_folder_and_the_install_command(isolated_models, tmp_path):
    store = ModelStore(tmp_path / "shot")
    with pytest.raises(ModelNotFoundError) as caught:
        store.find("dat-light-x2")
    message = str(caught.value)
    assert "model 'dat-light-x2' is not installed" in message
    assert "DAT_light_x2.pth (sha256 3888bf067c1a3790" in message
    for folder in store.folders(manifest.known_model("dat-light-x2")):
        assert str(folder.path) in message
    assert "`filmstudio models install dat-light-x2`" in message
    with pytest.raises(ModelNotFoundError) as caught:
        store.find("deeplabv3-resnet50")
    torchvision = str(caught.value)
    assert "torch hub cache" in torchvision and "download.pytorch.org" in torchvision


def test_a_file_with_the_wrong_checksum_is_reported_as_damaged(isolated_models, known):
    damaged = put(isolated_models, known.file, PAYLOAD[:-1] + b"!")
    with pytest.raises(ModelFileError) as caught:
        ModelStore().find(known.name)
    message = str(caught.value)
    assert str(damaged) in message and "damaged or a different version" in message
    assert "filmstudio models install test-upscaler" in message


def test_a_good_copy_later_in_the_search_order_wins_over_a_damaged_one(
    isolated_models, known, tmp_path, monkeypatch
):
    put(isolated_models, known.file, b"truncated")
    monkeypatch.setenv("FILMSTUDIO_MODELS", str(tmp_path / "studio"))
    good = put(tmp_path / "studio", known.file)
    assert ModelStore().find(known.name).path == good


def test_paths_and_file_names(isolated_models, tmp_path):
    project = tmp_path / "shot"
    own = put(project / "weights", "mine.safetensors")
    assert ModelStore(project).find("weights/mine.safetensors").path == own  # relative to the project
    assert ModelStore().find(str(own)).path == own
    shared = put(isolated_models, "4x-Sharp.pth")
    assert ModelStore(project).find("4x-Sharp.pth").path == shared  # a bare name: the model folders
    assert ModelStore(project).find("elsewhere/4x-Sharp.pth").path == shared  # moved file, same name
    with pytest.raises(ModelNotFoundError, match="choose an existing file"):
        ModelStore(project).find("missing.pth")
    with pytest.raises(ModelNotFoundError, match="use a known model name"):
        ModelStore(project).find("dat-lite-x2")  # a typo of a known name
    with pytest.raises(ModelError, match="no model is chosen"):
        ModelStore(project).find("  ")


def test_identity_changes_when_the_file_is_replaced_and_marks_missing_models(isolated_models, known):
    store = ModelStore()
    assert store.identity(known.name)[0] == "unavailable"
    path = put(isolated_models, known.file)
    first = store.identity(known.name)
    os.utime(path, ns=(1, 1))
    assert store.identity(known.name) != first


def test_checksums_are_remembered_per_file_identity(isolated_models, monkeypatch):
    path = put(isolated_models, "a.bin")
    assert sha256_of(path) == DIGEST
    monkeypatch.setattr(hashlib, "sha256", lambda: pytest.fail("hashed twice"))
    assert sha256_of(path) == DIGEST


def test_prefix_checksums_as_torchvision_publishes_them():
    assert manifest.checksum_matches("cd0a2569", "cd0a2569" + "0" * 56)
    assert not manifest.checksum_matches("cd0a2569", "cd0a2560" + "0" * 56)
    assert manifest.checksum_matches(None, "anything")


def test_a_plan_pass_stats_a_model_once_for_all_its_frames(isolated_models, known, tmp_path):
    """Nodes put a model's identity in every frame's key: the engine's plan pass looks it up once
    for all the frames it plans, and the next pass sees a replaced file."""
    from filmstudio.core.memo import pass_memo

    path = put(isolated_models, known.file)
    store = ModelStore()
    with pass_memo():
        first = store.identity(known.name)
        os.utime(path, ns=(1, 1))
        assert store.identity(known.name) == first  # within the pass: as it was when planned
    assert store.identity(known.name) != first
