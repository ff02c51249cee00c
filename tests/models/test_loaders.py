"""Loading through the real code paths: architectures detected from tiny real-architecture weights;
damaged files and pickled code refused with messages that say what to do."""

from __future__ import annotations

import pathlib

import pytest
import torch

from filmstudio.models.errors import ModelFileError, UnsafeModelFileError
from filmstudio.models.loaders import load_spandrel, load_torchvision, read_state_dict
from tests.models.tiny import save_compact, save_deeplab, save_esrgan, save_span


@pytest.mark.parametrize(
    ("save", "name", "architecture", "scale"),
    [
        (save_compact, "compact.safetensors", "RealESRGAN Compact", 2),
        (save_esrgan, "esrgan.pth", "ESRGAN", 4),
        (save_span, "span.pth", "SPAN", 2),
    ],
)
def test_spandrel_detects_the_architecture_and_scale(tmp_path, save, name, architecture, scale):
    path = save(tmp_path / name, scale=scale)
    model = load_spandrel(path)
    assert model.architecture.name == architecture and model.scale == scale
    out = model(torch.rand(1, 3, 12, 16))
    assert out.shape == (1, 3, 12 * scale, 16 * scale)


class RunsCode:
    """Unpickling this would create a file: proof that code ran."""

    def __init__(self, marker: pathlib.Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (pathlib.Path.touch, (self.marker,))


def test_a_pickle_with_code_is_refused_without_running_it(tmp_path):
    marker = tmp_path / "code-ran"
    path = tmp_path / "evil.pth"
    torch.save({"conv.weight": torch.zeros(1), "payload": RunsCode(marker)}, path)
    with pytest.raises(UnsafeModelFileError) as caught:
        load_spandrel(path)
    message = str(caught.value)
    assert str(path) in message and "would run Python code" in message and "refuses" in message
    assert ".safetensors" in message
    assert not marker.exists()


def test_truncated_and_garbage_files_are_reported_as_damaged(tmp_path):
    good = save_esrgan(tmp_path / "good.pth")
    truncated = tmp_path / "truncated.pth"
    truncated.write_bytes(good.read_bytes()[:5000])
    garbage = tmp_path / "garbage.safetensors"
    garbage.write_bytes(b"\x00not a model" * 50)
    for path in (truncated, garbage):
        with pytest.raises(ModelFileError) as caught:
            load_spandrel(path)
        message = str(caught.value)
        assert str(path) in message and "damaged" in message and "re-download or reinstall" in message


def test_weights_of_an_unknown_architecture(tmp_path):
    path = tmp_path / "random.pth"
    torch.save({"encoder.weight": torch.rand(4, 4)}, path)
    with pytest.raises(ModelFileError, match="not an image model architecture spandrel knows"):
        load_spandrel(path)
    torch.save([1, 2, 3], path)
    with pytest.raises(ModelFileError, match="does not hold a state dict"):
        read_state_dict(path)


def test_torchvision_deeplab_from_a_local_state_dict(tmp_path):
    path = save_deeplab(tmp_path / "deeplab.safetensors", classes=3)
    model = load_torchvision(path, "deeplabv3")
    assert type(model).__name__ == "DeepLabV3" and model.classifier[-1].out_channels == 3
    with torch.inference_mode():
        assert model(torch.rand(1, 3, 32, 32))["out"].shape == (1, 3, 32, 32)
    esrgan = save_esrgan(tmp_path / "esrgan.pth")
    with pytest.raises(ModelFileError, match="is not a deeplabv3 state dict"):
        load_torchvision(esrgan, "deeplabv3")
