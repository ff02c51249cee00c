"""Stand-ins of the model nodes: the Upscaler previews with Lanczos at the model's output size and
reports its tiles while the model runs; the Segmenter previews a model backend with a quarter-size
pass (DeepLabV3) or its prompt (SAM 2); Style previews its steadied look with one frame alone. Only
slow settings offer one."""

from __future__ import annotations

import pytest
import torch

from filmstudio.engine.request import FrameRequest
from filmstudio_nodes.upscale_resample import resize
from tests.models.tiny import forget_models, isolate_models, save_deeplab, save_esrgan, save_sam2

W, H = 64, 36  # the `project` fixture's format


@pytest.fixture
def models(tmp_path, monkeypatch):
    yield isolate_models(tmp_path, monkeypatch)
    forget_models()


@pytest.fixture
def noise(project):
    return project.add_node("Noise", seed=5, size=5, low=(0.05, 0.1, 0.0, 1.0), high=(0.9, 0.8, 1.0, 1.0))


def preview(engine, node, frame: int = 1):
    """(plan, value) of the stand-in request for ``node`` at ``frame``."""
    plan = engine.plan(FrameRequest.at(node, frame, standin=True))[0]
    return plan, engine.execute(plan)


def test_the_upscaler_previews_a_model_with_lanczos_at_the_same_size(project, engine, noise, models):
    save_esrgan(models / "esrgan-x2.pth", scale=2)
    model = project.connect(
        noise, project.add_node("Upscaler", method="model", model="esrgan-x2.pth", factor=1.5, tile_size=16)
    )
    plan, value = preview(engine, model)
    assert plan.uses_standin and engine.standins(model) == 1 and engine.evaluations(model) == 0
    source = engine.evaluate(noise, 1)
    expected = resize(source[None], 54, 96)[0]
    expected[3:4].clamp_(0.0, 1.0)
    assert torch.equal(value, expected)
    assert value.shape == engine.evaluate(model, 1).shape == (4, 54, 96)  # the real result's size
    # Lanczos itself, and auto without weights, are quick already: no stand-in
    for params in ({"method": "lanczos"}, {"method": "auto", "model": "not-installed.pth"}):
        quick = project.connect(noise, project.add_node("Upscaler", **params))
        assert not preview(engine, quick)[0].uses_standin


def test_the_upscaler_reports_its_tiles(project, engine, noise, models, monkeypatch):
    save_esrgan(models / "esrgan-x2.pth", scale=2)
    params = {"method": "model", "model": "esrgan-x2.pth", "tile_size": 16, "overlap": 4}
    model = project.connect(noise, project.add_node("Upscaler", **params))
    reports = []  # what the viewer would read through engine.progress, every report kept
    monkeypatch.setattr(engine.scheduler, "_report", lambda key, done, total: reports.append((done, total)))
    engine.evaluate(model, 1)
    assert reports == [(done, 15) for done in range(15)]  # 3 rows x 5 columns of 16-pixel tiles


def test_the_segmenter_previews_a_model_with_a_quarter_size_pass(project, engine, noise, models):
    save_deeplab(models / "deeplab.pth")
    segmenter = project.connect(
        noise, project.add_node("Segmenter", backend="deeplabv3", model="deeplab.pth", classes="1")
    )
    plan, mask = preview(engine, segmenter)  # the first output: the mask
    assert plan.uses_standin and engine.standins(segmenter) == 1
    assert mask.shape == (1, H, W) and 0.0 <= float(mask.min()) <= float(mask.max()) <= 1.0
    assert engine.evaluations(segmenter) == 0  # the model ran on the quarter-size frame only
    real = engine.evaluate(segmenter, 1)
    assert real.shape == mask.shape
    keyed = project.connect(noise, project.add_node("Segmenter", backend="chroma_key"))
    assert not preview(engine, keyed)[0].uses_standin  # keying is quick: no stand-in
    missing = project.connect(noise, project.add_node("Segmenter", backend="mask_rcnn", model="none.pth"))
    assert not engine.plan(FrameRequest.at(missing, 1, standin=True))[0].uses_standin  # its error, at once


def test_the_segmenter_previews_sam2_with_its_prompt(project, engine, noise, models):
    save_sam2(models / "sam2-tiny")
    box = (0.25, 0.5, 0.75, 1.0)
    params = {"backend": "sam2", "model": "sam2-tiny", "prompt": "box", "box": box}
    segmenter = project.connect(noise, project.add_node("Segmenter", **params))
    plan, mask = preview(engine, segmenter)
    assert plan.uses_standin
    mask = mask[0]
    assert float(mask[H // 2 + 2, W // 2]) == 1.0 and float(mask[2, W // 2]) == 0.0  # inside / above
    assert float(mask[H // 2 + 2, 2]) == 0.0 and float(mask.mean()) == pytest.approx(0.25, abs=0.03)


def test_style_previews_its_steadied_look_with_one_frame_alone(project, noise):
    steady = project.connect(noise, project.add_node("Style", temporal=0.5))
    plain = project.connect(noise, project.add_node("Style", temporal=0.0))
    context = project.context(steady, 1)
    assert steady.type.shared().offers_standin(context)
    assert not plain.type.shared().offers_standin(project.context(plain, 1))
