"""Before the first frame, a render looks up every model the graph needs and stops with one
message naming them all and the command that installs them; models a node can do without, and
the models of nodes that render from takes or are disabled, are not asked for."""

from __future__ import annotations

import hashlib
import time

import pytest

import filmstudio as fs
from filmstudio.cli import main
from filmstudio.models import manifest
from filmstudio.render.export import render
from filmstudio.render.preflight import MissingModelsError, check_models
from tests.models.tiny import isolate_models


@pytest.fixture
def models(tmp_path, monkeypatch):
    return isolate_models(tmp_path, monkeypatch)


def model_graph(folder) -> fs.Project:
    """A GAN face, upscaled by a named model, over a stylised ramp; an Upscaler on auto; a
    disabled Style; a Speech that would render from its take; a Write."""
    project = fs.Project(fps=24, frame_range=(1, 4), width=64, height=36)
    face = project.add_node("GANGenerator", "Face", model="dcgan-faces")
    up = project.connect(face, project.add_node("Upscaler", "Up", method="model", model="dat-light-x4"))
    auto = project.connect(up, project.add_node("Upscaler", "Auto", method="auto", model="dat-light-x2"))
    look = project.connect(project.add_node("Ramp", "Sky"), project.add_node("Style", "Look"))
    off = project.connect(look, project.add_node("Style", "Off", method="arbitrary"))
    off.set_disabled()
    merge = project.add_node("Merge", "Over")
    project.connect(off, merge, "image", "B")
    project.connect(auto, merge, "image", "A")
    write = project.connect(merge, project.add_node("Write", "Export", file="out.mp4"))
    project.add_node("Speech", "Voices")  # feeds nothing here: never looked at
    project.connect(project.add_node("Speech", "Said"), write, "audio", "audio")
    project.save(folder / "shot.fsproj")
    return project


def test_every_missing_model_is_named_at_once_before_any_frame(models, tmp_path):
    project = model_graph(tmp_path)
    started = time.perf_counter()
    with pytest.raises(MissingModelsError) as caught:
        render(project)
    assert time.perf_counter() - started < 5  # before any model, decode or encode work
    message = str(caught.value)
    assert message.splitlines()[0] == "cannot render: 3 models this project needs are not usable"
    assert "  dcgan-faces (dcgan-faces-64.pth) for Face: not installed" in message
    assert "  dat-light-x4 (DAT_light_x4.pth) for Up: not installed" in message
    assert "  style-multi26 (multistyle26.onnx) for Look: not installed" in message
    assert message.splitlines()[-2:] == [
        "install them with: filmstudio models install dcgan-faces dat-light-x4 style-multi26",
        "  (or every model the demos use: filmstudio models install --all-free)",
    ]
    assert "dat-light-x2" not in message and "arbitrary" not in message and "piper" not in message
    assert [m.ref for m in caught.value.missing] == ["dcgan-faces", "dat-light-x4", "style-multi26"]
    assert not any(tmp_path.glob("*.mp4*")) and not any(tmp_path.glob(".out*"))


def test_the_render_command_prints_the_one_message_and_exits_1(models, tmp_path, capsys):
    model_graph(tmp_path)
    assert main(["render", str(tmp_path / "shot.fsproj"), "--quiet"]) == 1
    error = capsys.readouterr().err
    assert error.count("cannot render: 3 models") == 1 and "Traceback" not in error
    assert "filmstudio models install dcgan-faces dat-light-x4 style-multi26" in error


def test_damaged_and_unknown_models_say_what_to_do(models, tmp_path):
    project = model_graph(tmp_path)
    (models / "dcgan-faces-64.pth").write_bytes(b"not the published weights")
    project["Up"].set(model="my_upscaler.pth")
    with pytest.raises(MissingModelsError) as caught:
        check_models(project, project["Export"], 1)
    message = str(caught.value)
    assert "dcgan-faces (dcgan-faces-64.pth) for Face: damaged (its sha256 is" in message
    assert "my_upscaler.pth for Up: not installed" in message
    assert (
        f"my_upscaler.pth: choose an existing file in the node's model parameter, or put it in {models}"
        in message
    )
    assert "install them with: filmstudio models install dcgan-faces style-multi26" in message


def test_installed_models_pass(models, tmp_path, monkeypatch):
    project = model_graph(tmp_path)
    for name in ("dcgan-faces", "dat-light-x4", "style-multi26"):
        known = manifest.known_model(name)
        data = f"weights of {name}".encode()
        (models / known.file).write_bytes(data)
        monkeypatch.setitem(
            manifest._BY_NAME,
            name,
            manifest.KnownModel(**{**known.__dict__, "sha256": hashlib.sha256(data).hexdigest()}),
        )
    check_models(project, project["Export"], 1)  # found and checked: nothing raised


def test_restoration_and_segmentation_nodes_name_the_models_their_settings_need(models, tmp_path):
    """Segmenter (a model backend), Denoise and Inpaint on ``model`` (or a clean plate filled by
    the model) and Face Restore (its weights, and YuNet when asked for by name) are looked up before
    the first frame; keys, filters and 'auto' face finding need nothing."""
    project = fs.Project(fps=24, frame_range=(1, 2), width=64, height=36)
    ramp = project.add_node("Ramp", "Plate")
    spatial = project.connect(ramp, project.add_node("Denoise", "Quick", method="spatial"))
    learned = project.connect(
        spatial, project.add_node("Denoise", "Clean", method="model", model="scunet.pth")
    )
    people = project.connect(learned, project.add_node("Segmenter", "People", backend="deeplabv3"))
    keyed = project.connect(learned, project.add_node("Segmenter", "Key", backend="chroma_key"))
    plate = project.add_node("Inpaint", "Plate fill", method="clean_plate", fallback="model", model="lama.pt")
    project.connect(learned, plate, "image", "source")
    project.connect(people, plate, "mask", "mask")
    faces = project.connect(
        plate, project.add_node("FaceRestore", "Faces", model="gfpgan.pth", detector="yunet")
    )
    auto = project.connect(faces, project.add_node("FaceRestore", "Auto", model="gfpgan.pth"))
    merge = project.add_node("Merge", "Over")
    project.connect(auto, merge, "image", "B")
    project.connect(keyed, merge, "image", "A")
    write = project.connect(merge, project.add_node("Write", "Export", file="out.mp4"))
    with pytest.raises(MissingModelsError) as caught:
        check_models(project, write, 1)
    named = {m.ref: m.nodes for m in caught.value.missing}
    assert named == {
        "scunet.pth": ("Clean",),
        "deeplabv3-resnet50": ("People",),
        "lama.pt": ("Plate fill",),
        "gfpgan.pth": ("Faces", "Auto"),
        "face-yunet": ("Faces",),
    }
    project["Plate fill"].set(fallback="telea")
    project["People"].set(backend="grabcut")
    project["Faces"].set(detector="box")
    project["Clean"].set(method="temporal")
    with pytest.raises(MissingModelsError) as caught:
        check_models(project, write, 1)
    assert {m.ref: m.nodes for m in caught.value.missing} == {"gfpgan.pth": ("Faces", "Auto")}
