"""Every evaluated frame is kept: right after ``evaluate``, ``is_cached`` is true for the node and
frame, and evaluating it again computes nothing. The cache bar and the graph's badges promise the
user that scrubbing back to such a frame is free, for every built-in node type, including nodes that
hand on one of their inputs unchanged (a Dot, a Switch, a faded-out Title, a no-op Grade).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from filmstudio.core.project import Project
from filmstudio.engine.engine import Engine
from filmstudio_nodes import NODES
from tests.colour.reference import smooth_lut_values, write_cube
from tests.media.clips import write_clip
from tests.models.tiny import forget_models, isolate_models

DEMO = Path(__file__).resolve().parents[2] / "resources" / "demo" / "demo.fsproj"
FOUNTAIN = Path(__file__).resolve().parents[1] / "script" / "every_element.fountain"
FRAME = 4

# Parameters per node type, one dict per variant tried (default: the node's own defaults). "{clip}",
# "{lut}", "{fountain}" and "{srt}" stand for files the test provides. Model nodes use their model-free
# methods. A new node type that cannot evaluate with its defaults and the inputs :func:`wire` gives
# it needs an entry here (or in SETUP, below).
VARIANTS: dict[str, list[dict[str, Any]]] = {
    "Read": [{"file": "{clip}"}, {"file": "{clip}", "start_frame": 10}],  # a frame, then black outside
    "Write": [{"file": "out.mp4"}],
    "ScriptFile": [{"file": "{fountain}"}],
    "SubtitleFile": [{"file": "{srt}"}],
    "Grade": [{}, {"gain": (2.0, 1.5, 1.0, 1.0)}],
    "ColorCorrector": [{}, {"saturation": 0.5}],
    "LUT": [{"file": "{lut}"}, {"file": "{lut}", "mix": 0.0}],
    "ColorMatch": [{}, {"amount": 0.0}],
    "Blur": [{}, {"size": 0.0}],
    "Merge": [{}, {"mix": 0.0}],
    "Shuffle": [{}, {"red": "blue"}],
    "Transform": [{}, {"rotate": 10.0}],
    "Crop": [{}, {"box": (0.1, 0.1, 0.9, 0.9)}],
    "Reformat": [{"width": 32, "height": 18}],
    "Title": [{}, {"opacity": 0.0}, {"text": ""}],
    "TimeOffset": [{"offset": 2}],
    "FrameHold": [{"first_frame": 2}],
    "Switch": [{"which": 0}, {"which": 1}],
    "Deflicker": [{}, {"window": 2}],
    "Upscaler": [{"method": "lanczos"}, {"method": "bicubic", "factor": 4.0}],
    "Segmenter": [{"backend": "chroma_key"}, {"backend": "chroma_key", "invert": True, "feather": 2.0}],
}


def tiny_generator(models: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """A GAN node's model: a tiny random DCGAN in the test's models folder."""
    from tests.gan.tiny import save_dcgan

    return {"model": save_dcgan(models / "tiny-dcgan.safetensors", nz=8, ngf=4).name}


def tiny_language_model(models: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """An LLM Script's model: a tiny random Llama as a GGUF file, asked for a short answer."""
    from tests.llm.tiny import save_gguf

    monkeypatch.setattr("tqdm.tqdm.monitor_interval", 0)  # loading shows progress: no monitor thread
    return {"model": str(save_gguf(models / "tiny.gguf")), "prompt": "a launch", "max_tokens": 8, "seed": 1}


def tiny_voice(models: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """A Speech node's voice: a tiny random VITS folder (transformers) in the test's models folder."""
    from tests.speech.voices import save_tiny_vits

    return {"voice": str(save_tiny_vits(models / "tiny-vits"))}


def tiny_style_network(models: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """A Style node's multi-style network: a tiny random ONNX file in the test's models folder."""
    from tests.nodes.restore_models import save_multistyle

    return {"model": save_multistyle(models / "tiny-multistyle.onnx").name}


def tiny_face_model(models: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """A Face Restore node's weights (RestoreFormer, random) and a keyed face box to work in."""
    from tests.nodes.restore_models import save_restoreformer

    name = save_restoreformer(models / "tiny-restoreformer.safetensors").name
    return {"model": name, "detector": "box", "box": (8.0, 4.0, 24.0, 24.0)}


def tiny_translator(models: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """A Translate node's model: a tiny random MarianMT folder (transformers) in the models folder."""
    from tests.nodes.translate_models import save_tiny_marian

    return {"model": str(save_tiny_marian(models / "tiny-marian")), "target_language": "fr"}


# Node types that need more than parameters (a model file...): a function of the test's user models
# folder that makes it and returns the parameters that name it.
SETUP: dict[str, Callable[[Path, pytest.MonkeyPatch], dict[str, Any]]] = {
    "GANGenerator": tiny_generator,
    "LatentWalk": tiny_generator,
    "LLMScript": tiny_language_model,
    "Speech": tiny_voice,
    "Translate": tiny_translator,
    "Style": tiny_style_network,
    "FaceRestore": tiny_face_model,
}
TAKES = {"GANGenerator", "LLMScript", "Speech", "Translate"}  # render their active take: one is made first
# optional inputs fed all the same (a Speech says a Script or Subtitles; Translate translates either)
FED = {"Speech": {"script"}, "Translate": {"source_subtitles"}}
ANALYSED = {"Deflicker"}  # read what their analysis pass measured: it runs first
# loading and running even tiny models takes seconds
SLOW = {"LLMScript", "Speech", "Translate", "FaceRestore"}
CASES = [
    pytest.param(
        node.id, params, id=f"{node.id}-{index}", marks=[pytest.mark.slow] if node.id in SLOW else []
    )
    for node in NODES
    if not node.layout_only
    for index, params in enumerate(VARIANTS.get(node.id, [{}]))
]


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("media")
    clip = write_clip(
        folder / "clip.mp4", codec="libx264", frames=8, width=64, height=36, pix_fmt="yuv420p", audio=True
    )
    lut = write_cube(folder / "look.cube", smooth_lut_values(9))
    srt = folder / "cues.srt"
    srt.write_text(
        "1\n00:00:00,000 --> 00:00:00,500\nThree, two, one\n\n2\n00:00:00,500 --> 00:00:01,000\nLift-off\n"
    )
    return {"{clip}": str(clip), "{lut}": str(lut), "{fountain}": str(FOUNTAIN), "{srt}": str(srt)}


@pytest.fixture
def no_models(tmp_path, monkeypatch):
    yield isolate_models(tmp_path, monkeypatch)
    forget_models()


def made(project: Project, type_id: str, params: dict[str, Any], media: dict[str, str]):
    return project.add_node(
        type_id, **{k: media.get(v, v) if isinstance(v, str) else v for k, v in params.items()}
    )


def wire(project: Project, type_id: str, params: dict[str, Any], media: dict[str, str]):
    """A node of ``type_id`` with its inputs fed: images from a ramp with a soft alpha (a second
    image, Merge's A or a reference, from a constant), masks from noise, Any inputs from a noise that
    changes every frame (so time offsets matter). A required input of another type (sound, a
    script) is fed by the first built-in node that makes one from nothing; optional ones stay empty."""
    node = made(project, type_id, params, media)
    ramp = project.add_node("Ramp", start_color=(0.1, 0.2, 0.3, 0.4), end_color=(0.9, 0.7, 0.5, 1.0))
    other = project.add_node("Constant", color=(0.2, 0.4, 0.6, 1.0))
    moving = project.add_node("Noise", size=12.0, evolution=1.0)
    moving.set_keyframe("evolution", 1, 0.0)
    moving.set_keyframe("evolution", 10, 9.0)
    for index, port in enumerate(node.type.inputs):
        kind, output = port.type.name, None
        if kind == "MASK":
            source = project.add_node("Noise", size=8.0)
        elif kind == "ANY":
            source = moving if index == 0 else other
        elif kind == "IMAGE":
            source = ramp if index == 0 or port.name == "B" else other
        elif port.optional and port.name not in FED.get(type_id, ()):
            continue
        else:
            maker = next(
                t
                for t in NODES
                if not any(not i.optional for i in t.inputs) and any(o.type is port.type for o in t.outputs)
            )
            source = made(project, maker.id, VARIANTS.get(maker.id, [{}])[0], media)
            output = next(o.name for o in maker.outputs if o.type is port.type)
        project.connect(source, node, source_port=output, target_port=port.name)
    return node


@pytest.mark.parametrize(("type_id", "params"), CASES)
def test_every_node_type_is_cached_right_after_evaluation(
    project, media, no_models, monkeypatch, type_id, params
):
    if type_id in SETUP:
        params = {**params, **SETUP[type_id](no_models, monkeypatch)}
    node = wire(project, type_id, params, media)
    with Engine(project, cpu_workers=2) as engine:
        if type_id in ANALYSED:
            engine.analyze(node, range(1, 9))
        if type_id in TAKES:
            engine.generate_take(node, FRAME)
        values = {o.name: engine.evaluate(node, FRAME, output=o.name) for o in node.type.outputs}
        assert engine.is_cached(node, FRAME)
        assert engine.cached([node], FRAME) == {node.uuid: True}
        computed = engine.evaluations(node)
        for name, value in values.items():  # scrubbing back: served from cache, nothing recomputed
            again = engine.evaluate(node, FRAME, output=name)
            assert again is value
        assert engine.evaluations(node) == computed


def test_frames_evaluated_together_are_kept_too(project, media, no_models):
    """Exports and playback hand a batching model node several frames in one call."""
    read = project.add_node("Read", file=media["{clip}"])
    upscaler = project.connect(read, project.add_node("Upscaler", method="lanczos"))
    title = project.connect(upscaler, project.add_node("Title", opacity=0.0))
    with Engine(project, cpu_workers=2) as engine:
        images = engine.evaluate_frames(title, range(1, 6))
        assert len({id(image) for image in images}) == 5
        assert all(engine.is_cached(node, f) for node in (upscaler, title) for f in range(1, 6))
        assert engine.evaluations(upscaler) == 5


def test_a_pass_through_is_cached_without_counting_its_memory_twice(project, engine):
    grade = project.connect(project.add_node("Ramp"), project.add_node("Grade", gain=(2, 2, 2, 1)))
    engine.evaluate(grade, 1)
    alone = engine.cache_stats()
    dot = project.connect(grade, project.add_node("Dot"))
    switch = project.connect(dot, project.add_node("Switch"), target_port="input0")
    title = project.connect(switch, project.add_node("Title", opacity=0.0))
    assert engine.evaluate(title, 1) is engine.evaluate(grade, 1)
    assert all(engine.is_cached(node, 1) for node in (grade, dot, switch, title))
    stats = engine.cache_stats()
    assert (stats.entries, stats.ram_bytes) == (alone.entries, alone.ram_bytes)


def test_a_pass_through_of_one_output_of_a_node_of_several(project, engine):
    split = project.connect(project.add_node("Ramp"), project.add_node("test.Split"))
    dot = project.add_node("Dot")
    project.connect(split, dot, source_port="alpha")
    off = project.connect(dot, project.add_node("Dot"))
    off.set_disabled(True)  # the switch reads the first dot through it
    switch = project.connect(off, project.add_node("Switch"), target_port="input0")
    alpha = engine.evaluate(switch, 1)
    assert alpha is engine.evaluate(split, 1, output="alpha")
    assert all(engine.is_cached(node, 1) for node in (split, dot, off, switch))
    assert engine.cache_stats().entries == 2  # the ramp, and the split's outputs: nothing else


def test_a_pass_through_leaves_the_cache_with_the_frame_it_hands_on(project, engine):
    grade = project.connect(project.add_node("Ramp"), project.add_node("Grade", gain=(2, 2, 2, 1)))
    dot = project.connect(grade, project.add_node("Dot"))
    engine.evaluate(dot, 1)
    engine.cache.set_budgets(ram=64 * 36 * 4 * 4 - 1)  # the user shrinks the budget below a frame
    assert not engine.is_cached(grade, 1) and not engine.is_cached(dot, 1)
    engine.cache.set_budgets(ram=1 << 20)
    engine.evaluate(dot, 1)
    assert engine.is_cached(dot, 1) and engine.evaluations(grade) == 2


def test_the_demo_caption_is_cached_on_both_branches_of_its_switch(no_models):
    """Frame 30 shows the caption over the first shot; frame 100, after the Switch, the Upscaler's
    punch-in with the caption faded out (the Title hands its input on unchanged). Both are cached,
    scrubbing back to them computes nothing, and the timeline's cache bar marks them."""
    from filmstudio.ui.viewer.cached_frames import CachedFrames  # the cache bar's model, no widget

    project = Project.load(DEMO)
    with Engine(project, cpu_workers=2) as engine:
        images = {frame: engine.evaluate("Caption", frame) for frame in (30, 100)}
        assert engine.is_cached("Caption", 30) and engine.is_cached("Caption", 100)
        assert engine.is_cached("Reframe", 30) and engine.is_cached("Reframe", 100)
        computed = {node.uuid: engine.evaluations(node) for node in project.nodes}
        for frame, image in images.items():
            assert np.array_equal(engine.evaluate("Caption", frame).numpy(), image.numpy())
        assert {node.uuid: engine.evaluations(node) for node in project.nodes} == computed
        bar = CachedFrames()
        frames = list(project.settings.frame_range)
        while not bar.update(engine, project.graph.node("Caption").uuid, frames, 1.0, around=1):
            pass
        assert [frame for frame in frames if bar.cached(frame)] == [30, 100]
