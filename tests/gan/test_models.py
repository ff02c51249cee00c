"""Generators through the real store and loaders: tiny DCGAN and StyleGAN2 of the real layouts,
the StyleGAN2 maths against NVlabs' fused formulation, and what a bad state dict is told."""

from __future__ import annotations

import json

import pytest
import torch
from safetensors.torch import save_file

from filmstudio.models.errors import ModelFileError, UnsafeModelFileError
from filmstudio.models.gan_generate import LatentMismatchError, check_latent, mix_rows, render_latents
from filmstudio.models.gan_latent import Latent, LatentKind, seed_latent, slerp, z_from_seed
from filmstudio.models.gan_load import gan_info, load_gan
from filmstudio.models.gan_stylegan import modulated_conv2d, setup_filter
from filmstudio.models.store import ModelStore
from tests.gan.tiny import save_dcgan, save_stylegan, stylegan, tutorial_dcgan


def find(name: str):
    return ModelStore().find(name)


@pytest.mark.parametrize("suffix", [".safetensors", ".pth"])
def test_a_tutorial_dcgan_loads_through_the_store_and_matches_the_original(models, suffix):
    save_dcgan(models / f"faces{suffix}", nz=8, ngf=4)
    location = find(f"faces{suffix}")
    info = gan_info(location)
    assert (info.architecture, info.z_dim, info.resolution, info.channels) == ("dcgan", 8, 64, 3)
    model = load_gan(location, "cpu")
    latents = [seed_latent(seed, 8, info.digest) for seed in (1, 2)]
    pictures = render_latents(model, latents, [1.0, 1.0])
    with torch.no_grad():
        expected = tutorial_dcgan(nz=8, ngf=4)(torch.stack([z.values for z in latents])[:, :, None, None])
    assert pictures.shape == (2, 3, 64, 64)
    assert torch.allclose(pictures, (expected + 1) / 2, atol=1e-6)
    assert not torch.allclose(pictures[0], pictures[1], atol=1e-2)


def test_a_stylegan2_loads_through_the_store_and_truncation_pulls_to_the_average(models):
    net = stylegan()
    save_stylegan(models / "tiny-sg2.safetensors", net)
    location = find("tiny-sg2.safetensors")
    info = gan_info(location)
    assert (info.architecture, info.z_dim, info.w_dim, info.num_ws, info.resolution) == (
        "stylegan2",
        8,
        8,
        6,
        16,
    )
    model = load_gan(location, "cpu")
    z = seed_latent(3, 8)
    out = render_latents(model, [z, z], [1.0, 0.0])
    # ψ=0 renders the average W whatever the latent; ψ=1 what the mapping network made of z
    average = Latent(LatentKind.W, net.mapping.w_avg.clone())
    assert torch.allclose(out[1], render_latents(model, [average], [1.0])[0], atol=1e-6)
    with torch.no_grad():
        w = net.mapping(z.values[None]).repeat(1, 6, 1)
        direct = (net.synthesis(w).clamp(-1, 1) + 1) / 2
    assert torch.allclose(out[0], direct[0], atol=1e-6) and out.shape == (2, 3, 16, 16)
    # const noise is the stored noise: the same every time; random noise is the seed's
    again = render_latents(model, [z], [1.0], noise="random", noise_seeds=[5])
    assert torch.equal(again, render_latents(model, [z], [1.0], noise="random", noise_seeds=[5]))
    assert not torch.allclose(again, render_latents(model, [z], [1.0], noise="random", noise_seeds=[6]))


@pytest.mark.parametrize("up", [1, 2])
def test_modulated_convolution_equals_nvlabs_fused_form(up):
    """The per-sample demodulated weights applied as a grouped convolution (NVlabs' fused path)."""
    torch.manual_seed(0)
    x, weight, styles = torch.randn(3, 5, 6, 6), torch.randn(7, 5, 3, 3), torch.randn(3, 5) + 1
    f = setup_filter()
    ours = modulated_conv2d(x, weight, styles, up=up, f=f)
    w = weight[None] * styles[:, None, :, None, None]
    w = w * (w.square().sum(dim=[2, 3, 4]) + 1e-8).rsqrt()[:, :, None, None, None]
    grouped = w.reshape(-1, 5, 3, 3)
    if up == 1:
        fused = torch.nn.functional.conv2d(x.reshape(1, -1, 6, 6), grouped, padding=1, groups=3)
    else:  # zero-insert, filter, then the (flipped: a true convolution) 3x3 kernel, as conv2d_resample
        from filmstudio.models.gan_stylegan import upfirdn2d

        big = upfirdn2d(x.reshape(1, -1, 6, 6), f, up=2, pad=(3, 2, 3, 2), gain=4)
        fused = torch.nn.functional.conv2d(big, grouped.flip([2, 3]), groups=3)
    assert torch.allclose(ours, fused.reshape(3, 7, *fused.shape[-2:]), atol=1e-4)


def test_slerp_keeps_the_ends_exact_and_the_norm_typical():
    a, b = z_from_seed(1, 512), z_from_seed(2, 512)
    assert torch.equal(slerp(a, b, 0.0), a) and torch.equal(slerp(a, b, 1.0), b)
    middle = slerp(a, b, 0.5)
    assert abs(middle.norm() / a.norm() - 1) < 0.05 and (a + b).div(2).norm() < 0.8 * a.norm()
    # NVlabs' seeds: np.random.RandomState(seed).randn(z_dim)
    import numpy as np

    assert torch.equal(
        z_from_seed(85, 4), torch.from_numpy(np.random.RandomState(85).randn(4).astype(np.float32))
    )


def test_mix_rows_follow_the_resolutions():
    # 1024x1024: 18 W; coarse 4-8 (rows 0-3), middle 16-32 (4-7), fine 64-1024 (8-17)
    assert (mix_rows(18, "coarse"), mix_rows(18, "middle"), mix_rows(18, "fine")) == (
        range(0, 3),
        range(3, 7),
        range(7, 18),
    )


def test_a_latent_of_another_size_or_model_is_refused_by_name(models):
    save_dcgan(models / "a.safetensors", nz=8)
    info = gan_info(find("a.safetensors"))
    with pytest.raises(
        LatentMismatchError, match=r"take 'hero' is a Z latent of 100 values .* a.safetensors \(DCGAN, nz=8"
    ):
        check_latent(info, seed_latent(1, 100, "f" * 64), "take 'hero'")
    with pytest.raises(LatentMismatchError, match="has no W space"):
        check_latent(info, Latent(LatentKind.W, torch.zeros(8)), "the latent input")
    check_latent(info, seed_latent(1, 8, "f" * 64), "a Z of another model of the same size is fine")


def test_wrong_keys_name_the_file_and_what_differs(models):
    state = tutorial_dcgan(nz=8).state_dict()
    del state["main.4.running_var"]
    state["main.99.weight"] = torch.zeros(2)
    save_file({k: v.contiguous() for k, v in state.items()}, str(models / "broken.safetensors"))
    with pytest.raises(ModelFileError) as caught:
        gan_info(find("broken.safetensors"))
    message = str(caught.value)
    assert "broken.safetensors" in message and "missing main.4.running_var" in message
    assert "unexpected main.99.weight" in message

    net = stylegan()
    state = {k: v.contiguous() for k, v in net.state_dict().items()}
    state["synthesis.b8.conv0.weight"] = torch.zeros(16, 4, 3, 3)
    save_file(state, str(models / "sg.safetensors"))
    with pytest.raises(
        ModelFileError, match=r"synthesis.b8.conv0.weight is \[16, 4, 3, 3\], expected \[16, 16, 3, 3\]"
    ):
        gan_info(find("sg.safetensors"))


def test_a_declared_nz_that_the_tensors_contradict_is_an_error(models):
    state = {k: v.contiguous() for k, v in tutorial_dcgan(nz=8).state_dict().items()}
    save_file(
        state,
        str(models / "nz.safetensors"),
        {"filmstudio.gan": json.dumps({"architecture": "dcgan", "nz": 100})},
    )
    with pytest.raises(ModelFileError, match="metadata says nz=100 but main.0.weight takes nz=8"):
        gan_info(find("nz.safetensors"))


def test_files_that_hold_no_generator_say_so(models):
    torch.save({"netD_state_dict": {"main.0.weight": torch.zeros(1)}, "optimizerD": {}}, models / "d.pth")
    with pytest.raises(
        ModelFileError, match=r"holds no generator state dict \(found: netD_state_dict, optimizerD"
    ):
        gan_info(find("d.pth"))
    save_file({"conv.weight": torch.zeros(1)}, str(models / "other.safetensors"))
    with pytest.raises(ModelFileError, match="neither a DCGAN .* nor a StyleGAN2 .* keys begin conv.weight"):
        gan_info(find("other.safetensors"))
    save_file(
        {"style.1.weight": torch.zeros(1), "convs.0.conv.weight": torch.zeros(1)},
        str(models / "ros.safetensors"),
    )
    with pytest.raises(ModelFileError, match="rosinality"):
        gan_info(find("ros.safetensors"))


def test_a_pickle_with_code_is_refused_not_run(models, tmp_path):
    from tests.gan.tiny import Payload

    marker = tmp_path / "ran"
    torch.save({"netG_state_dict": Payload(f"touch {marker}")}, models / "evil.pth")
    with pytest.raises(UnsafeModelFileError):
        gan_info(find("evil.pth"))
    assert not marker.exists()


def test_a_dataparallel_prefix_is_removed(models):
    state = {f"module.{k}": v for k, v in tutorial_dcgan(nz=8).state_dict().items()}
    torch.save({"netG_state_dict": state}, models / "dp.pth")
    assert gan_info(find("dp.pth")).z_dim == 8
