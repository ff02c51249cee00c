"""Segmenter: chroma key on a generated green-screen clip with a known matte, GrabCut, refinement,
and the model backends (tiny DeepLabV3, Mask R-CNN, SAM 2) through the real loaders."""

from __future__ import annotations

import shutil
from fractions import Fraction

import av
import numpy as np
import pytest
import torch
from PIL import Image

from filmstudio.colour import to_working
from filmstudio.core.errors import EvaluationError
from filmstudio.engine.engine import Engine
from filmstudio_nodes.segment_refine import refine
from tests.models.tiny import forget_models, isolate_models, save_deeplab, save_mask_rcnn, save_sam2

SCREEN = (24, 178, 64)  # the green of the generated screen, sRGB 0..255
W, H, FRAMES = 160, 96, 12


@pytest.fixture
def models(tmp_path, monkeypatch):
    yield isolate_models(tmp_path, monkeypatch)
    forget_models()


def working(rgb255: tuple[int, ...]) -> tuple[float, ...]:
    pixel = torch.tensor([*(c / 255 for c in rgb255), 1.0]).view(4, 1, 1)
    return tuple(to_working(pixel, "sRGB").flatten().tolist())


def actor(frame: int, supersample: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """(colour HxWx3 0..255, coverage HxW 0..1) of a figure walking across the frame: a head, a
    shirt, trousers and hair in everyday colours, anti-aliased by supersampling."""
    s = supersample
    y, x = np.mgrid[0 : H * s, 0 : W * s].astype(np.float32) / s
    cx = 40 + 6 * frame
    parts = [
        (((x - cx) / 9) ** 2 + ((y - 20) / 11) ** 2 < 1, (224, 172, 140)),  # face
        (((x - cx) / 10) ** 2 + ((y - 13) / 6) ** 2 < 1, (45, 32, 25)),  # hair
        ((abs(x - cx) < 16) & (y > 30) & (y < 62), (196, 42, 40)),  # shirt
        ((abs(x - cx) < 13) & (y >= 62) & (y < 92), (38, 58, 138)),  # trousers
        ((abs(x - cx - 22) < 4) & (y > 34) & (y < 60), (235, 232, 226)),  # a white sleeve
    ]
    colour = np.zeros((H * s, W * s, 3), np.float32)
    covered = np.zeros((H * s, W * s), bool)
    for inside, rgb in parts:
        colour[inside & ~covered] = rgb
        covered |= inside
    shrink = lambda a: a.reshape(H, s, W, s, *a.shape[2:]).mean(axis=(1, 3))  # noqa: E731
    coverage = shrink(covered.astype(np.float32))
    return shrink(colour * covered[..., None]), coverage


def green_screen_clip(path, frames: int = FRAMES) -> list[np.ndarray]:
    """An H.264 clip of the figure over an unevenly lit, noisy green screen; returns the mattes."""
    rng = np.random.default_rng(7)
    y, x = np.mgrid[0:H, 0:W].astype(np.float32)
    light = 0.85 + 0.25 * (x / W) - 0.1 * (y / H)  # brighter on the right, darker at the bottom
    mattes = []
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=24, options={"crf": "14", "preset": "fast"})
        stream.width, stream.height, stream.pix_fmt = W, H, "yuv420p"
        for index in range(frames):
            colour, matte = actor(index)
            screen = np.array(SCREEN, np.float32) * light[..., None] + rng.normal(0, 2.5, (H, W, 3))
            pixels = colour + screen * (1 - matte[..., None])
            frame = av.VideoFrame.from_ndarray(np.clip(pixels, 0, 255).astype(np.uint8), format="rgb24")
            frame.pts, frame.time_base = index, Fraction(1, 24)
            container.mux(stream.encode(frame))
            mattes.append(matte)
        container.mux(stream.encode())
    return mattes


def iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / (a | b).sum())


@pytest.fixture
def keyed(project, tmp_path):
    """(project with Read -> Segmenter chroma key, the Segmenter, the true mattes)."""
    mattes = green_screen_clip(tmp_path / "screen.mp4")
    project.update_settings(format=project.settings.format.__class__(W, H))
    read = project.add_node("Read", file=str(tmp_path / "screen.mp4"), colorspace="sRGB")
    key = project.connect(read, project.add_node("Segmenter", key_color=working(SCREEN)))
    return read, key, mattes


def test_chroma_key_matches_the_known_matte(keyed, engine):
    _read, key, mattes = keyed
    scores = []
    for index, matte in enumerate(mattes):
        mask = engine.evaluate(key, index + 1)
        assert mask.shape == (1, H, W) and mask.min() >= 0 and mask.max() <= 1
        scores.append(iou(mask[0].numpy() > 0.5, matte > 0.5))
    assert min(scores) >= 0.95, scores


def test_spill_suppression_neutralises_green_in_the_cutout(project, engine, keyed):
    read, key, _mattes = keyed
    key.set("spill", 0.0)
    plain = engine.evaluate(key, 1, output="image")
    key.set("spill", 1.0)
    despilled = engine.evaluate(key, 1, output="image")
    source = engine.evaluate(read, 1)
    alpha = engine.evaluate(key, 1)
    assert torch.allclose(despilled[3:], alpha) and torch.allclose(plain[3:], alpha)
    edge = (alpha[0] > 0.2) & (alpha[0] < 0.8)  # soft edges carry the most screen colour
    green_excess = lambda im: (im[1] - torch.maximum(im[0], im[2]))[edge].mean()  # noqa: E731
    assert green_excess(despilled) < green_excess(plain) - 0.005
    assert torch.allclose(plain[:3], (source[:3] * alpha), atol=2e-3)  # without spill: just cut out


def test_the_mask_drives_a_grade(project, engine, keyed):
    read, key, _mattes = keyed
    grade = project.connect(read, project.add_node("Grade", gain=(0.2, 0.2, 0.2, 1)))
    project.connect(key, grade, source_port="mask", target_port="mask")
    mask, source, graded = (engine.evaluate(n, 2) for n in (key, read, grade))
    outside = mask[0] == 0
    assert torch.allclose(graded[:, outside], source[:, outside], atol=1e-6)
    assert (graded[:3, mask[0] > 0.99] < source[:3, mask[0] > 0.99]).all()


def test_refinement_threshold_grow_feather_invert():
    square = torch.zeros(1, 1, 40, 40)
    square[..., 10:20, 10:20] = 1.0
    soft = square * 0.6
    assert torch.equal(refine(soft, 0.5, 0, 0, False), square)
    assert refine(square, 0, 2, 0, False).sum() == 14 * 14
    assert refine(square, 0, -2, 0, False).sum() == 6 * 6
    assert torch.equal(refine(square, 0, 0, 0, True), 1 - square)
    full = torch.ones(1, 1, 8, 8)
    assert torch.equal(refine(full, 0, -3, 0, False), full)  # the frame edge is not an edge of the mask
    feathered = refine(square, 0, 0, 6, False)
    assert 0 < feathered[0, 0, 15, 9] < 1 and feathered[0, 0, 15, 15] > 0.95
    assert abs(feathered.sum() - square.sum()) < 0.5


def test_grabcut_finds_the_object_in_the_box(project, engine, tmp_path):
    rng = np.random.default_rng(3)
    y, x = np.mgrid[0:H, 0:W]
    disc = (x - 80) ** 2 + (y - 48) ** 2 < 26**2
    background = np.stack([70 + 30 * np.sin(x / 5), 90 + 20 * np.cos(y / 4), 150 + 0 * x], -1)
    pixels = np.where(disc[..., None], [210, 60, 40], background) + rng.normal(0, 4, (H, W, 3))
    Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(tmp_path / "disc.png")
    project.update_settings(format=project.settings.format.__class__(W, H))
    read = project.add_node("Read", file=str(tmp_path / "disc.png"), colorspace="sRGB")
    cut = project.connect(
        read, project.add_node("Segmenter", backend="grabcut", box=(0.25, 0.15, 0.75, 0.85))
    )
    mask = engine.evaluate(cut, 1)
    assert iou(mask[0].numpy() > 0.5, disc) >= 0.9
    assert torch.equal(mask, engine.evaluate(cut, 1))  # seeded: the same every time


def test_deeplab_class_selection(project, engine, models):
    save_deeplab(models / "tiny-deeplab.safetensors", classes=3)
    noise = project.add_node("Noise", seed=1, size=6)

    def seg(classes):
        node = project.add_node(
            "Segmenter", backend="deeplabv3", model="tiny-deeplab.safetensors", classes=classes
        )
        return engine.evaluate(project.connect(noise, node), 1)

    everything = seg("0, 1, 2")
    assert everything.shape == (1, 36, 64) and torch.allclose(
        everything, torch.ones_like(everything), atol=1e-5
    )
    parts = seg("0") + seg("1") + seg("2")
    assert torch.allclose(parts, torch.ones_like(parts), atol=1e-5)
    assert torch.allclose(seg(""), seg("1,2"))  # empty: every class but the background
    with pytest.raises(
        EvaluationError, match="'person' is not a class of this model: use a class number 0-2"
    ):
        seg("person")


def test_mask_rcnn_instances(project, engine, models):
    save_mask_rcnn(models / "tiny-maskrcnn.pth", classes=3)
    noise = project.add_node("Noise", seed=2, size=4)

    def seg(**params):
        node = project.add_node(
            "Segmenter", backend="mask_rcnn", model="tiny-maskrcnn.pth", classes="", **params
        )
        return engine.evaluate(project.connect(noise, node), 1)

    union, best = seg(score=0.0), seg(score=0.0, instance=0)
    assert union.shape == (1, 36, 64) and union.min() >= 0 and union.max() <= 1
    assert (best <= union + 1e-6).all() and torch.count_nonzero(union) > torch.count_nonzero(best) > 0


def test_sam2_with_point_and_box_prompts(project, engine, models, tmp_path):
    folder = save_sam2(models / "tiny-sam2")
    noise = project.add_node("Noise", seed=3, size=5)
    masks = {}
    for prompt in ("box", "point", "box+point"):
        node = project.add_node(
            "Segmenter", backend="sam2", model=str(folder), prompt=prompt, point=(0.3, 0.6)
        )
        masks[prompt] = engine.evaluate(project.connect(noise, node), 1)
        assert masks[prompt].shape == (1, 36, 64) and masks[prompt].min() >= 0 and masks[prompt].max() <= 1
    assert not torch.allclose(masks["box"], masks["point"])
    # by name, from a Hugging Face cache (offline)
    repo = tmp_path / "hf-cache" / "models--facebook--sam2.1-hiera-tiny"
    shutil.copytree(folder, repo / "snapshots" / "0123abc")
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("0123abc")
    by_name = project.connect(noise, project.add_node("Segmenter", backend="sam2", prompt="box"))
    assert torch.allclose(engine.evaluate(by_name, 1), masks["box"], atol=1e-5)


def test_a_missing_segmentation_model_says_where_it_looked(project, engine, models):
    node = project.connect(project.add_node("Noise"), project.add_node("Segmenter", backend="deeplabv3"))
    with pytest.raises(EvaluationError) as caught:
        engine.evaluate(node, 1)
    message = str(caught.value)
    assert "model 'deeplabv3-resnet50' is not installed" in message
    assert "deeplabv3_resnet50_coco-cd0a2569.pth" in message and "torch hub cache" in message
    assert str(models) in message


def test_exports_batch_the_segmenter(project, keyed, tmp_path):
    _read, key, _mattes = keyed
    with Engine(project, cpu_workers=2) as engine:
        batched = engine.evaluate_frames(key, range(1, 7), cache_frames=False)
        single = [engine.evaluate(key, frame) for frame in range(1, 7)]
    for one, other in zip(batched, single, strict=True):
        assert torch.allclose(one, other, atol=1e-6)
