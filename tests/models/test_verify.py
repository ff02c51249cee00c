"""`filmstudio models verify` never calls a file OK that FilmStudio would refuse to load, and says
when a file matches only by name (no published checksum)."""

from __future__ import annotations

import builtins
import re
from pathlib import Path

import torch

from filmstudio.cli import main
from filmstudio.models.manifest import known_model
from tests.models.tiny import save_esrgan


class _TouchesAFile:
    """Unpickling this calls ``open(marker, "w")``: code running at load, the classic attack."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (builtins.open, (str(self.marker), "w"))


def _malicious_weights(path: Path, marker: Path) -> Path:
    torch.save({"conv.weight": torch.zeros(2, 2), "payload": _TouchesAFile(marker)}, path)
    return path


def test_a_pickle_that_holds_code_is_refused_without_running_it(isolated_models, tmp_path, capsys):
    model = known_model("realesrgan-x4plus")
    assert model is not None and model.sha256 is None  # matched by file name only
    # The payload is real: unpickled the unsafe way, it creates its marker.
    proof = tmp_path / "proof-marker"
    torch.load(_malicious_weights(tmp_path / "proof.pth", proof), weights_only=False)
    assert proof.exists()

    marker = tmp_path / "marker"
    _malicious_weights(isolated_models / model.file, marker)
    assert main(["models", "verify", model.name]) == 1
    out = capsys.readouterr().out
    assert re.search(r"^REFUSED +realesrgan-x4plus ", out, re.MULTILINE), out
    assert re.search(r"holds code: .*Python code \((io|builtins)\.open\)", out), out
    assert "OK" not in out and model.source in out
    assert main(["models", "verify"]) == 1  # verifying everything finds it too
    assert "REFUSED" in capsys.readouterr().out
    assert not marker.exists()


def test_real_weights_without_a_checksum_are_reported_unverified(isolated_models, capsys):
    save_esrgan(isolated_models / "RealESRGAN_x4plus.pth")
    assert main(["models", "verify", "realesrgan-x4plus"]) == 0
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if "realesrgan-x4plus" in line)
    assert line.startswith("UNVERIFIED ") and "no published checksum" in line
    assert "refused at load" in line


def test_a_damaged_file_without_a_checksum_is_bad(isolated_models, capsys):
    (isolated_models / "RealESRGAN_x4plus.pth").write_bytes(b"PK\x03\x04 not really a zip")
    assert main(["models", "verify", "realesrgan-x4plus"]) == 1
    assert re.search(r"^BAD +realesrgan-x4plus .*damaged", capsys.readouterr().out, re.MULTILINE)
