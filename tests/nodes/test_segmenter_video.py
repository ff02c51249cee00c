"""Segmenter ``sam2_video``: SAM 2 video propagation as an analysis pass, with a tiny random-weight
SAM 2 video model built here and loaded through the real loading code, over a generated H.264
clip read by the Read node. Random weights make meaningless masks: these tests check the
mechanics (a mask per frame, read back per frame, cancel, per-frame cache keys, save/load, bounded
session memory), shapes and determinism — not quality."""

from __future__ import annotations

import threading
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
import torch

from filmstudio.core.errors import Cancelled, EvaluationError
from filmstudio.core.project import Project
from filmstudio.engine.engine import Engine
from filmstudio_nodes.segment import PROPAGATED
from filmstudio_nodes.segment_video import Propagation, decode_mask, load_video_model, prompt_of
from tests.models.tiny import forget_models, isolate_models, save_sam2

W, H, FRAMES = 64, 48, 10
SIZE = 64  # the tiny model's input size (the published models take 1024)
BOX = (0.2, 0.25, 0.6, 0.75)


def save_sam2_video(folder: Path, seed: int = 6, size: int = SIZE, reach: int = 4) -> Path:
    """A transformers SAM 2 *video* model folder (about 4 MB) taking ``size`` pixels square: the
    image model's parts at toy widths plus one memory-attention layer, memory encoder and fuser,
    remembering the last ``reach`` frames (the published models: 16). Its object-score head says
    "the object is there" on every frame, so the random masks are not all empty."""
    import transformers
    from transformers import Sam2ImageProcessor, Sam2VideoConfig, Sam2VideoModel, Sam2VideoProcessor
    from transformers.models.sam2_video.video_processing_sam2_video import Sam2VideoVideoProcessor

    transformers.utils.logging.disable_progress_bar()  # its tqdm monitor thread would outlive the test
    hidden = 128  # SAM 2 splits object pointers into 64-channel memory tokens: a multiple above 64
    backbone = {
        "model_type": "sam2_hiera_det_model",
        "hidden_size": 8,
        "image_size": [size, size],
        "blocks_per_stage": [1, 1, 2, 1],
        "embed_dim_per_stage": [8, 16, 32, 64],
        "num_attention_heads_per_stage": [1, 1, 1, 1],
        "window_size_per_stage": [4, 4, 4, 4],
        "global_attention_blocks": [3],
        "window_positional_embedding_background_size": [2, 2],
    }
    config = Sam2VideoConfig(
        vision_config={
            "model_type": "sam2_vision_model",
            "backbone_config": backbone,
            "backbone_channel_list": [64, 32, 16, 8],
            "backbone_feature_sizes": [[size // 4] * 2, [size // 8] * 2, [size // 16] * 2],
            "fpn_hidden_size": hidden,
        },
        prompt_encoder_config={"hidden_size": hidden, "image_size": size, "patch_size": 16},
        mask_decoder_config={"hidden_size": hidden, "mlp_dim": 64, "num_attention_heads": 2},
        image_size=size,
        num_maskmem=min(7, reach),
        max_object_pointers_in_encoder=reach,
        memory_attention_hidden_size=hidden,
        memory_attention_num_layers=1,
        memory_attention_feed_forward_hidden_size=64,
        memory_attention_rope_feat_sizes=[size // 16] * 2,
        memory_encoder_hidden_size=hidden,
        mask_downsampler_embed_dim=hidden,
        memory_fuser_embed_dim=hidden,
        memory_fuser_intermediate_dim=64,
        memory_fuser_num_layers=1,
    )
    torch.manual_seed(seed)
    model = Sam2VideoModel(config)
    with torch.no_grad():
        head = model.mask_decoder.pred_obj_score_head.proj_out
        head.weight.zero_()
        head.bias.fill_(8.0)
    model.save_pretrained(folder)
    images = Sam2ImageProcessor(
        size={"height": size, "width": size}, mask_size={"height": size // 4, "width": size // 4}
    )
    videos = Sam2VideoVideoProcessor(size={"height": size, "width": size})
    Sam2VideoProcessor(image_processor=images, video_processor=videos).save_pretrained(folder)
    return folder


def moving_square_clip(path: Path, frames: int = FRAMES) -> Path:
    """An H.264 clip of a bright square drifting right over a textured background."""
    y, x = np.mgrid[0:H, 0:W].astype(np.float32)
    background = np.stack([90 + 40 * np.sin(x / 5), 110 + 30 * np.cos(y / 4), 140 + 0 * x], -1)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=24, options={"crf": "16", "preset": "fast"})
        stream.width, stream.height, stream.pix_fmt = W, H, "yuv420p"
        for index in range(frames):
            pixels = background.copy()
            left = 14 + 2 * index
            pixels[14:34, left : left + 20] = (235, 60, 40)
            frame = av.VideoFrame.from_ndarray(pixels.clip(0, 255).astype(np.uint8), format="rgb24")
            frame.pts, frame.time_base = index, Fraction(1, 24)
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return path


@pytest.fixture
def models(tmp_path, monkeypatch):
    yield isolate_models(tmp_path, monkeypatch)
    forget_models()


@pytest.fixture
def model_folder(models):
    return save_sam2_video(models / "tiny-sam2-video")


@pytest.fixture
def clip(tmp_path):
    return moving_square_clip(tmp_path / "square.mp4")


@pytest.fixture
def segmenter(project, clip, model_folder):
    project.update_settings(format=project.settings.format.__class__(W, H))
    read = project.add_node("Read", file=str(clip), colorspace="sRGB")
    node = project.add_node("Segmenter", backend="sam2_video", model=str(model_folder), box=BOX)
    return project.connect(read, node)


def masks_of(node) -> dict[str, np.ndarray]:
    return {frame: decode_mask(entry) for frame, entry in node.state[PROPAGATED].items()}


def test_the_pass_stores_a_mask_per_frame_that_evaluate_reads_back(project, engine, segmenter):
    progress = []
    engine.analyze(segmenter, range(1, FRAMES + 1), progress=lambda done, total: progress.append(done))
    assert progress == list(range(1, FRAMES + 1))
    masks = masks_of(segmenter)
    assert list(masks) == [str(f) for f in range(1, FRAMES + 1)]
    assert all(mask.shape == (H, W) and mask.dtype == bool for mask in masks.values())
    assert any(mask.any() for mask in masks.values())
    scores = [entry["score"] for entry in segmenter.state[PROPAGATED].values()]
    assert all(0.0 <= score <= 1.0 for score in scores)
    for frame in (1, 5, FRAMES):
        mask = engine.evaluate(segmenter, frame)
        assert mask.shape == (1, H, W)
        assert torch.equal(mask[0], torch.from_numpy(masks[str(frame)]).float())
        cutout = engine.evaluate(segmenter, frame, output="image")
        source = engine.evaluate(project.graph.node("Read1"), frame)
        assert torch.allclose(cutout, source * mask)
    half = engine.evaluate(segmenter, 5, scale=0.5)  # a proxy reads the same mask, resized
    assert half.shape == (1, H // 2, W // 2) and 0 <= half.min() <= half.max() <= 1
    assert torch.equal(engine.evaluate(segmenter, FRAMES + 1), torch.zeros(1, H, W))  # not analysed
    exported = engine.evaluate_frames(segmenter, range(1, 7), cache_frames=False)  # batched, as exports
    for frame, mask in zip(range(1, 7), exported, strict=True):
        assert torch.equal(mask[0], torch.from_numpy(masks[str(frame)]).float())


def test_the_pass_runs_on_the_model_worker(project, engine, segmenter, monkeypatch):
    threads = []
    step = Propagation.step

    def recorded(self, picture, device):
        threads.append(threading.current_thread().name)
        return step(self, picture, device)

    monkeypatch.setattr(Propagation, "step", recorded)
    engine.analyze(segmenter, range(1, 4))
    assert len(threads) == 3 and all(name.startswith("filmstudio-model-cpu") for name in threads)


def test_a_backward_pass_starts_from_its_last_frame(project, engine, segmenter):
    engine.analyze(segmenter, range(6, 9))
    forward = dict(segmenter.state[PROPAGATED])
    engine.analyze(segmenter, range(1, 7), reverse=True)  # prompted at frame 6, then 5, 4, ... 1
    backward = segmenter.state[PROPAGATED]
    assert list(backward) == [str(f) for f in range(1, 9)]
    assert backward["6"] == forward["6"]  # the prompt frame, whichever way the pass goes
    assert backward["7"] == forward["7"] and backward["8"] == forward["8"]  # outside: kept


def test_propagation_is_deterministic(project, segmenter):
    runs = []
    for _ in range(2):
        with Engine(project, cpu_workers=1) as engine:
            engine.analyze(segmenter, range(1, 7))
        runs.append(dict(segmenter.state[PROPAGATED]))
        project.undo()
    assert runs[0] == runs[1]


def test_cancel_stops_the_pass_within_one_frame(project, engine, segmenter):
    done = []

    def progress(count: int, total: int) -> None:
        done.append(count)
        if count == 3:
            token.cancel()

    future, token = engine.submit_analysis(segmenter, range(1, FRAMES + 1), progress)
    with pytest.raises(Cancelled):
        future.result()
    assert done == [1, 2, 3]
    assert PROPAGATED not in segmenter.state  # nothing half-stored


def test_re_propagating_frames_5_to_8_keeps_the_other_frames_cached(project, engine, segmenter):
    engine.analyze(segmenter, range(1, FRAMES + 1))
    frames = range(1, FRAMES + 1)
    keys = {f: engine.key(segmenter, f) for f in frames}
    before = dict(segmenter.state[PROPAGATED])
    for frame in frames:
        engine.evaluate(segmenter, frame)
    computed = engine.evaluations(segmenter)
    engine.analyze(segmenter, range(5, 9))  # re-seeded at frame 5 with the box there
    after = segmenter.state[PROPAGATED]
    assert list(after) == [str(f) for f in frames]
    changed = {f for f in frames if engine.key(segmenter, f) != keys[f]}
    assert changed and changed <= set(range(5, 9))
    assert changed == {f for f in frames if after[str(f)] != before[str(f)]}
    for frame in frames:
        assert engine.evaluate(segmenter, frame).shape == (1, H, W)
    assert engine.evaluations(segmenter) == computed + len(changed)  # only those were recomputed


def test_the_project_saves_and_loads_with_the_masks(project, engine, segmenter, tmp_path, registry):
    engine.analyze(segmenter, range(1, 7))
    shown = [engine.evaluate(segmenter, f) for f in range(1, 7)]
    path = project.save(tmp_path / "masks.fsproj")
    loaded = Project.load(path, registry=registry)
    node = loaded.graph.node(segmenter.name)
    assert node.state[PROPAGATED] == segmenter.state[PROPAGATED]
    with Engine(loaded, cpu_workers=1) as fresh:
        for frame, mask in zip(range(1, 7), shown, strict=True):
            assert torch.equal(fresh.evaluate(node, frame), mask)


def test_missing_weights_say_where_they_were_looked_for(project, engine, clip, models):
    read = project.add_node("Read", file=str(clip), colorspace="sRGB")
    node = project.connect(read, project.add_node("Segmenter", backend="sam2_video"))
    with pytest.raises(EvaluationError) as caught:
        engine.analyze(node, range(1, 4))
    message = str(caught.value)
    assert "model 'sam2.1-hiera-tiny' is not installed" in message and str(models) in message
    assert "Traceback" not in message and PROPAGATED not in node.state


def test_an_image_only_sam2_model_is_refused_with_advice(project, engine, clip, models):
    folder = save_sam2(models / "tiny-sam2-image")
    read = project.add_node("Read", file=str(clip), colorspace="sRGB")
    node = project.connect(read, project.add_node("Segmenter", backend="sam2_video", model=str(folder)))
    with pytest.raises(EvaluationError, match="without the video memory layers.*sam2_video"):
        engine.analyze(node, range(1, 3))


def test_other_backends_have_no_pass_to_run(project, engine, clip):
    read = project.add_node("Read", file=str(clip), colorspace="sRGB")
    node = project.connect(read, project.add_node("Segmenter", backend="grabcut"))
    with pytest.raises(EvaluationError, match="set backend to sam2_video"):
        engine.analyze(node, range(1, 3))


# --- the session itself --------------------------------------------------------------------------


def pictures(count: int, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 256, (H, W, 3), dtype=np.uint8) for _ in range(count)]


@pytest.mark.slow
def test_the_session_holds_the_same_memory_after_8_and_24_frames(model_folder):
    """The model reaches 4 frames back: past that, each frame's memory replaces the oldest."""
    loaded = load_video_model(model_folder)
    prompt = prompt_of(type("P", (), {"prompt": "box", "box": BOX, "point": (0.5, 0.5)}), W, H)
    propagation = Propagation(lambda device: loaded, prompt, "cpu")
    held = {}
    for count, picture in enumerate(pictures(24), start=1):
        mask, _score = propagation.step(picture, "cpu")
        assert mask.shape == (H, W)
        if count in (2, 8, 24):
            held[count] = propagation.held_bytes()
    assert held[8] == held[24] > held[2] > 0


@pytest.mark.slow
def test_moving_to_another_device_reseeds_from_the_last_mask(model_folder):
    """What an out-of-memory fallback does (here between two names of the CPU): a new session on
    the other device, seeded with the last frame and its mask, carries on with the frame count."""
    loaded = load_video_model(model_folder)
    prompt = prompt_of(type("P", (), {"prompt": "point", "box": BOX, "point": (0.4, 0.5)}), W, H)
    propagation = Propagation(lambda device: loaded, prompt, "cpu:0")
    frames = pictures(8, seed=1)
    for picture in frames[:4]:
        propagation.step(picture, "cpu:0")
    first_session = propagation.session
    for picture in frames[4:]:
        mask, score = propagation.step(picture, "cpu")
        assert mask.shape == (H, W) and 0 <= score <= 1
    assert propagation.session is not first_session and propagation.device == "cpu"
    assert propagation.index == 7
    assert set(propagation.session.processed_frames) == {7}
