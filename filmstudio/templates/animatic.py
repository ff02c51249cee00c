"""From a logline to an animatic in one graph, built with the scripting API.

:func:`build_animatic` makes and saves a project in which every generated piece is a take:

1. **Scene** (LLM Script, ``scene`` preset) writes a short scene from the logline with the local
   model; the builder tidies it into a take of its own (see :mod:`.screenplay`), keeping the
   model's take beside it.
2. **Shots** (LLM Script, ``shots`` preset) breaks it into shots; when the model's shot list is
   unusable, the builder's take plans them from the scene. Title cards open each scene.
3. **Face_<NAME>** (GAN Generator): a take per character, named after the character.
4. **Voices** (Speech): the dialogue, a voice per character (the free Piper voice, pitched apart).
5. The shots are timed to the recorded voices (another Shots take), and the project's range is
   the script's timing model's: picture, sound and subtitles all follow it.
6. The graph of :mod:`.animatic_graph`: a background per shot, faces, cards, subtitles burnt in
   and as a soft track, the sound mixed, a Write.

Regenerating one character (``project["Face_MARA"].new_take(...)``) re-renders only the shots that
show that character; editing one line and generating Voices again synthesises only that line.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from filmstudio.core.context import CancelToken
from filmstudio.core.errors import FilmStudioError
from filmstudio.core.project import Project
from filmstudio.core.timebase import FrameRange
from filmstudio.engine.engine import Engine
from filmstudio.llm.errors import LLMError
from filmstudio.render.preflight import MissingModelsError, missing_references
from filmstudio.script import Screenplay, Script, Shot
from filmstudio.script.timing import DEFAULT_READING_WPM
from filmstudio.templates import screenplay as plan
from filmstudio.templates.animatic_graph import Layout, ShotPicture, face_chain, lay_out, node_name

# what each stage needs: the models the builder runs (rendering needs fewer: see render.preflight)
MODELS = {
    "smollm2-135m-instruct": "Scene, Shots (LLM Script)",
    "dcgan-faces": "the faces (GAN Generator)",
    "piper-en-us-joe": "Voices (Speech)",
    "style-multi26": "the backgrounds (Style)",
    "dat-light-x4": "the faces (Upscaler)",
}
STAGES = ("writing the scene", "breaking it into shots", "drawing faces", "recording voices",
          "timing the shots", "laying out the graph", "saving")  # fmt: skip
SCENE_TOKENS = 224  # a short scene: about seven lines of dialogue
SCENE_TRIES = 2
SHOT_TOKENS = 256
PITCHES = (0.0, 4.0, -3.0)  # one voice, pitched apart per character
GAP_FRAMES = 2  # Speech's min_gap: the frames between two lines

Progress = Callable[[int, int, str], None]  # (stage done, stages, what now)


@dataclass(frozen=True)
class Animatic:
    """A built animatic: where it was saved, its characters and shots (frames, faces), its frame
    range, and what the builder did with the model's output (``notes``)."""

    path: Path
    logline: str
    characters: tuple[str, ...]
    shots: tuple[ShotPicture, ...]
    frames: FrameRange
    layout: Layout
    fps: int = 24
    notes: tuple[str, ...] = field(default=())

    @property
    def seconds(self) -> float:
        return len(self.frames) / self.fps


def check_build(folder: Path | None = None) -> None:
    """Raise :class:`MissingModelsError` (every missing model and the install command) or a
    :class:`FilmStudioError` for a missing espeak-ng, before any work."""
    from filmstudio.speech.errors import EspeakMissingError
    from filmstudio.speech.phonemes import espeak_program

    missing = missing_references({ref: (who,) for ref, who in MODELS.items()}, folder)
    if missing:
        raise MissingModelsError(missing, "build the animatic", "the builder")
    try:
        espeak_program()
    except EspeakMissingError as error:
        raise FilmStudioError(f"the voices cannot be recorded: {error}") from None


def build_animatic(
    logline: str,
    path: str | Path,
    *,
    plate: str | Path | None = None,
    seed: int = 1,
    fps: int = 24,
    size: tuple[int, int] = (640, 360),
    output: str = "animatic.mp4",
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
) -> Animatic:
    """Build the animatic of ``logline`` and save it as ``path`` (a new ``.fsproj``; its folder is
    made). ``plate``: a still to stylise as every scene's background (else generated ones).
    ``seed`` makes every take reproducible. Raises :class:`FilmStudioError` subclasses for what a
    user can fix (no logline, an existing project, missing models) and
    :class:`~filmstudio.core.errors.Cancelled` when ``cancel`` fires (nothing is saved)."""
    logline = " ".join(str(logline).split())
    if not logline:
        raise FilmStudioError("the logline is empty: say in a sentence what happens, to whom")
    target = Path(path).expanduser().resolve()
    if target.suffix != ".fsproj":
        raise FilmStudioError(f"{target} is not a project file name: it must end in .fsproj")
    if target.exists():
        raise FilmStudioError(f"{target} exists: choose another folder (nothing was overwritten)")
    still = Path(plate).expanduser().resolve() if plate is not None else None
    if still is not None and not still.is_file():
        raise FilmStudioError(f"the plate {still} is not a file: give a still image (PNG, JPEG)")
    check_build(target.parent)  # before anything is made
    made_folder = not target.parent.exists()
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        return _build(logline, target, still, seed, fps, size, output, progress, cancel or CancelToken())
    except BaseException:
        if made_folder and not any(target.parent.iterdir()):
            target.parent.rmdir()  # a failed or cancelled build leaves nothing behind
        raise


def _build(
    logline: str,
    target: Path,
    still: Path | None,
    seed: int,
    fps: int,
    size: tuple[int, int],
    output: str,
    progress: Progress | None,
    cancel: CancelToken,
) -> Animatic:
    report = progress or (lambda _done, _total, _what: None)
    project = Project(fps=fps, frame_range=(1, 240), width=size[0], height=size[1])
    project.path = target  # models and relative paths resolve from its folder while building
    notes: list[str] = []
    with Engine(project) as engine:
        stage = _Stages(report, cancel)
        stage.next()
        scene = _write_scene(project, engine, logline, seed, cancel, notes)
        stage.next()
        shots_node, shots = _plan_shots(project, engine, scene, seed, cancel, notes)
        stage.next()
        places = _draw_faces(project, scene, seed)
        stage.next()
        speech = _record_voices(project, engine, shots_node, scene, seed, cancel)
        stage.next()
        timing = _time_shots(project, engine, shots_node, speech, scene, shots, fps)
        stage.next()
        layout = lay_out(project, scene, timing, shots_node, speech, places, still, seed, output)
        arrange(project)
        stage.next()
        project.update_settings(frame_range=FrameRange(1, timing.end - 1), current_frame=1)
    project.save(target)
    report(len(STAGES), len(STAGES), "done")
    frames = project.settings.frame_range
    return Animatic(target, logline, scene.characters(), layout.shots, frames, layout, fps, tuple(notes))


class _Stages:
    def __init__(self, report: Progress, cancel: CancelToken) -> None:
        self.report, self.cancel, self.done = report, cancel, 0

    def next(self) -> None:
        self.cancel.raise_if_cancelled()
        self.report(self.done, len(STAGES), STAGES[self.done])
        self.done += 1


def _generate(engine: Engine, node: Any, cancel: CancelToken, name: str | None = None) -> str:
    from filmstudio.llm.generation import generate

    return generate(engine, node, frame=1, cancel=cancel, name=name)


def _builder_take(node: Any, data: dict[str, Any], name: str) -> str:
    from filmstudio.llm.takes import add_take

    return add_take(node, data, name=name)


def _write_scene(
    project: Project, engine: Engine, logline: str, seed: int, cancel: CancelToken, notes: list[str]
) -> Screenplay:
    """The Scene node with the model's takes and the builder's tidied take (active); the scene.
    A scene of fewer than two lines gets one more try with the next seed; the better one is used."""
    from filmstudio.script import write

    node = project.add_node(
        "LLMScript", "Scene", prompt=logline, preset="scene", seed=seed, max_tokens=SCENE_TOKENS
    )
    tries: list[tuple[Screenplay, list[str], str]] = []
    for attempt in range(SCENE_TRIES):
        node.set(seed=seed + attempt)
        take = _generate(engine, node, cancel, name=f"model (seed {seed + attempt})")
        data = _take_data(node, take)
        truncated = (data.get("made_by") or {}).get("finish") == "length"
        tidied, changes = plan.tidy_scene(str(data.get("text", "")), truncated)
        tries.append((tidied, changes, take))
        if len(tidied.dialogue()) >= 2:
            break
    tidied, changes, take = max(tries, key=lambda t: (len(t[0].characters()), len(t[0].dialogue())))
    if len(tries) > 1:
        notes.append(
            f"scene: {len(tries)} takes asked of the model, {take} used (the most characters and lines)"
        )
    notes += [f"scene: {change}" for change in changes]
    if not tidied.dialogue():
        tidied, take = plan.narrated_scene(logline), ""
        notes.append("scene: a narrator says the logline (the model wrote no usable dialogue)")
    text = write(tidied)
    script = Script.from_text(text)  # the ids the take's text will always parse to
    made_by = {"backend": "animatic builder", "edited_from": take, "changes": notes[:]}
    data = {"text": text, "format": "fountain", "script": script.to_json(), "made_by": made_by}
    _builder_take(node, data, "tidied")
    return script.screenplay


def _plan_shots(
    project: Project, engine: Engine, scene: Screenplay, seed: int, cancel: CancelToken, notes: list[str]
) -> tuple[Any, tuple[Shot, ...]]:
    """The Shots node with the model's take (when it could be read) and the builder's shot plan."""
    node = project.add_node("LLMScript", "Shots", preset="shots", seed=seed, max_tokens=SHOT_TOKENS)
    project.connect(project["Scene"], node, "script", "source")
    take, why = "", ""
    try:
        take = _generate(engine, node, cancel, name="model")
        model_shots = Script.from_json(_take_data(node, take)["script"]).shots
        why = plan.usable_shots(model_shots, scene)
    except LLMError as error:
        model_shots, why = (), f"it could not be read ({str(error).split(';')[0]})"
    if why:
        shots = plan.planned_shots(scene)
        notes.append(f"shots: planned from the scene; the model's shot list was unusable: {why}")
    else:
        shots = _cast_known(model_shots, scene)
        notes.append(f"shots: the model's {len(shots)} shots")
    shots = plan.with_cards(shots, scene)
    _store_shots(
        node, scene, shots, {"shot_plan": "model" if not why else f"planned: {why}", "edited_from": take}
    )
    return node, shots


def _cast_known(shots: tuple[Shot, ...], scene: Screenplay) -> tuple[Shot, ...]:
    """The model's shots showing only the script's characters, and always the speakers."""
    from dataclasses import replace

    names = set(scene.characters())
    speakers = {line.id: line.speaker for line in scene.dialogue()}
    fixed = []
    for shot in shots:
        cast = [c for c in shot.characters if c in names] + [speakers[i] for i in shot.dialogue]
        fixed.append(replace(shot, characters=tuple(dict.fromkeys(cast))))
    return tuple(fixed)


def _store_shots(node: Any, scene: Screenplay, shots: tuple[Shot, ...], made_by: dict[str, Any]) -> str:
    script = Script(scene, shots)
    data = {
        "text": plan.shot_list_json(shots),
        "format": "shots",
        "script": script.to_json(),
        "made_by": {"backend": "animatic builder", **made_by},
    }
    name = "timed to the voices" if "timed_to" in made_by else "shot plan"
    return _builder_take(node, data, name)


def _draw_faces(project: Project, scene: Screenplay, seed: int) -> dict[str, Any]:
    """A GAN Generator per character with one take named after it; the placed faces."""
    places = {}
    for character in scene.characters():
        face = project.add_node(
            "GANGenerator",
            node_name("Face", character),
            model="dcgan-faces",
            placement="centre",
            truncation=0.7,
        )
        face.new_take(seed=random.Random(f"{seed}:{character}").randrange(2**31), name=character, frame=1)
        places[character] = face_chain(project, face, character)
    return places


def cast_text(characters: tuple[str, ...]) -> str:
    """The Speech node's voices: the free Piper voice for everyone, pitched apart."""
    return "\n".join(
        f"{name} = piper-en-us-joe, pitch={PITCHES[index % len(PITCHES)]:+g}"
        for index, name in enumerate(characters)
    )


def _record_voices(
    project: Project, engine: Engine, shots_node: Any, scene: Screenplay, seed: int, cancel: CancelToken
) -> Any:
    speech = project.add_node(
        "Speech", "Voices", voices=cast_text(scene.characters()), fit="natural", seed=seed, language="en",
        min_gap=GAP_FRAMES, reading_speed=DEFAULT_READING_WPM,
    )  # fmt: skip
    project.connect(shots_node, speech, "script", "script")
    _generate(engine, speech, cancel)
    return speech


def _time_shots(
    project: Project,
    engine: Engine,
    shots_node: Any,
    speech: Any,
    scene: Screenplay,
    shots: tuple[Shot, ...],
    fps: int,
) -> Any:
    """Shot lengths from the recorded voices, as the Shots node's active take; the timing model."""
    cues = engine.evaluate(speech, frame=1, output="subtitles")
    voiced = {cue.id: cue.frames for cue in cues}
    timed = plan.timed_shots(shots, scene, voiced, Fraction(fps), DEFAULT_READING_WPM, GAP_FRAMES)
    active = shots_node.state.get("active_take", "")
    _store_shots(
        shots_node, scene, timed, {"edited_from": active, "timed_to": speech.state.get("active_take")}
    )
    script = engine.evaluate(shots_node, frame=1)
    return script.timing(fps, 1, DEFAULT_READING_WPM)


def _take_data(node: Any, take_id: str) -> dict[str, Any]:
    for record in node.state.get("takes", ()):
        if record.get("id") == take_id:
            return record["data"]
    raise FilmStudioError(f"{node.name} has no take {take_id}")


def arrange(project: Project) -> None:
    """Place the nodes in columns by their distance from the sources, each column ordered by where
    its inputs sit (fewer crossing links), so the graph reads left to right in the editor."""
    graph = project.graph
    depth: dict[str, int] = {}
    for uuid in graph.nodes:  # nodes were added after their inputs: one pass suffices
        sources = [link.source for link in graph.input_links(uuid).values()]
        depth[uuid] = 1 + max((depth.get(s, 0) for s in sources), default=-1)
    row: dict[str, float] = {}
    for column in range(max(depth.values(), default=-1) + 1):
        members = [uuid for uuid in graph.nodes if depth[uuid] == column]
        wanted = {}
        for order, uuid in enumerate(members):
            sources = [row[link.source] for link in graph.input_links(uuid).values() if link.source in row]
            wanted[uuid] = sum(sources) / len(sources) if sources else order
        for index, uuid in enumerate(sorted(members, key=lambda u: wanted[u])):
            row[uuid] = index
            graph.move(uuid, (column * 200.0, index * 64.0))
