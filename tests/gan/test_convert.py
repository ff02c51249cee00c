"""`filmstudio models convert-stylegan`: NVlabs pickles to safetensors, reading them as data only."""

from __future__ import annotations

import pickle

import pytest
import torch
from safetensors import safe_open
from safetensors.torch import load_file

from filmstudio.cli import main
from filmstudio.models.errors import ModelFileError, UnsafeModelFileError
from filmstudio.models.gan_generate import render_latents
from filmstudio.models.gan_latent import seed_latent
from filmstudio.models.gan_load import gan_info, load_gan
from filmstudio.models.gan_pickle import convert_stylegan
from filmstudio.models.store import ModelStore
from tests.gan.tiny import Payload, stylegan, write_nvlabs_pickle


def test_a_tiny_nvlabs_pickle_converts_to_the_same_weights_without_running_its_code(
    tmp_path, models, monkeypatch, capsys
):
    # a mapping learning rate other than NVlabs' default, and a clamp: only the pickle knows them
    net = stylegan(seed=4, mapping_lr=0.05, conv_clamp=256.0, architecture="skip")
    marker = tmp_path / "code-ran"
    pkl = write_nvlabs_pickle(tmp_path / "network-snapshot.pkl", net, monkeypatch, marker=marker)
    monkeypatch.undo()  # the stand-in torch_utils/dnnlib modules are gone: nothing to import
    monkeypatch.setenv("XDG_DATA_HOME", str(models.parent.parent))

    out = models / "tiny.safetensors"
    assert main(["models", "convert-stylegan", str(pkl), str(out)]) == 0
    assert "StyleGAN2 z_dim=8 w_dim=8 16x16" in capsys.readouterr().out
    assert not marker.exists()
    converted = load_file(str(out))
    original = net.state_dict()
    assert set(converted) == set(original)
    assert all(torch.equal(converted[k], original[k]) for k in original)
    with safe_open(str(out), "pt") as handle:
        assert '"mapping_lr": 0.05' in handle.metadata()["filmstudio.gan"]
    # and it renders as the original network does (the metadata carries the learning rate)
    location = ModelStore().find("tiny.safetensors")
    z = seed_latent(9, 8)
    with torch.no_grad():
        w = net.mapping(z.values[None]).repeat(1, 6, 1)
        expected = (net.synthesis(w).clamp(-1, 1) + 1) / 2
    assert torch.allclose(render_latents(load_gan(location, "cpu"), [z], [1.0]), expected, atol=1e-6)
    assert not [p for p in models.iterdir() if p.name.startswith(".")]  # no partial file left


def test_a_reduce_payload_is_refused_before_it_runs(tmp_path):
    marker = tmp_path / "pwned"
    evil = tmp_path / "evil.pkl"
    evil.write_bytes(pickle.dumps({"G_ema": Payload(f"touch {marker}")}, protocol=3))
    with pytest.raises(
        UnsafeModelFileError, match=r"would call (posix|os|nt)\.system .* refused it without running"
    ):
        convert_stylegan(evil, tmp_path / "out.safetensors")
    assert not marker.exists() and not (tmp_path / "out.safetensors").exists()


def test_the_cli_explains_refusals_and_exits_1(tmp_path, capsys):
    evil = tmp_path / "evil.pkl"
    evil.write_bytes(pickle.dumps(Payload("true"), protocol=2))
    assert main(["models", "convert-stylegan", str(evil), str(tmp_path / "o.safetensors")]) == 1
    error = capsys.readouterr().err
    assert error.startswith("filmstudio: error: model file") and "Traceback" not in error
    assert main(["models", "convert-stylegan", str(evil), str(tmp_path / "o.pt")]) == 2


def test_pickles_that_are_not_stylegan2_networks_are_named(tmp_path, monkeypatch):
    plain = tmp_path / "plain.pkl"
    plain.write_bytes(pickle.dumps({"weights": [1, 2, 3]}))
    with pytest.raises(ModelFileError, match=r"has no G_ema network \(it holds: weights\)"):
        convert_stylegan(plain, tmp_path / "o.safetensors")
    (tmp_path / "cut.pkl").write_bytes(plain.read_bytes()[:10])
    with pytest.raises(ModelFileError, match="is not a readable network pickle"):
        convert_stylegan(tmp_path / "cut.pkl", tmp_path / "o.safetensors")
    tf = tmp_path / "tf.pkl"
    tf.write_bytes(b"\x80\x03cdnnlib.tflib.network\nNetwork\nq\x00)\x81q\x01.")
    with pytest.raises(ModelFileError, match="TensorFlow StyleGAN pickle"):
        convert_stylegan(tf, tmp_path / "o.safetensors")


def test_the_converted_file_is_found_by_the_store_like_any_generator(tmp_path, models, monkeypatch):
    net = stylegan(seed=2)
    pkl = write_nvlabs_pickle(tmp_path / "n.pkl", net, monkeypatch)
    convert_stylegan(pkl, models / "n.safetensors", network="G")
    info = gan_info(ModelStore().find("n.safetensors"))
    assert (info.architecture, info.num_ws) == ("stylegan2", 6)
