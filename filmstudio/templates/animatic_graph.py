"""The animatic's picture and sound graph, laid out from the script's timing model.

Built to render efficiently: every shot is a small branch whose result is the same on all its
frames (a background per shot, the faces of its characters placed over it), so the engine
computes each shot once; a tree of Switches, keyed to hold at each shot's first frame, picks the
shot of the frame and asks only that branch. Only Burn-in (the subtitle of the frame) and the
title cards (the scene heading from the Script) are drawn per frame, which costs milliseconds::

    Face_<NAME> -> Cut -> Up (DAT-light x4) -> Soft -> Place ─┐ (per character, computed once)
    Sky/Grain or Plate -> Look<scene> (Style) ──────────────────┤
                     Shot<N>BG (Transform) -> Shot<N>_<NAME> (Transform) -> Shot<N> (Merge)
    Shot<N>, Card ... -> Cut switches -> Captions (Burn-in) -> Export (Write)
    Speech -> Mix (Audio Mix) -> Export.audio;  Speech.subtitles -> Captions, Export.subtitles

A face therefore reaches only the shots that show its character: a new take of one character
re-renders those shots' branches and nothing else.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from filmstudio.core.graph import NodeInstance
from filmstudio.core.project import Project
from filmstudio.script import Screenplay
from filmstudio.script.timing import Timing
from filmstudio.templates.screenplay import is_card

FACE_PIXELS = 64  # the DCGAN's picture, placed 1:1 in the middle of the frame
UPSCALE = 4  # DAT-light x4: the face as 256x256
FACE_SCALE = {"WS": 0.45, "FS": 0.5, "MS": 0.72, "MCU": 0.95, "CU": 1.15, "ECU": 1.3}
BACKGROUND_SCALE = {"WS": 1.0, "FS": 1.05, "MS": 1.15, "MCU": 1.3, "CU": 1.45, "ECU": 1.6}
SWITCH_INPUTS = 4
# Styles of style-multi26 that keep a plate readable behind faces (chosen by looking at all 26).
STYLES = (0, 7, 10, 12, 14, 23)


@dataclass(frozen=True)
class ShotPicture:
    """One shot as laid out: its frames (``first <= frame < end``), the node whose output is its
    picture, and where each character's face is, as a box in pixels (left, top, right, bottom)."""

    number: str
    first: int
    end: int
    node: str
    characters: tuple[str, ...]
    faces: tuple[tuple[str, tuple[float, float, float, float]], ...]
    card: bool


@dataclass(frozen=True)
class Layout:
    """What :func:`lay_out` made: the shots in order, the writer, the picture before subtitles."""

    shots: tuple[ShotPicture, ...]
    write: str
    picture: str


def node_name(prefix: str, character: str) -> str:
    """A node name for a character's node: ``Face_MARY_ANN``."""
    return f"{prefix}_{''.join(ch if ch.isalnum() else '_' for ch in character)}"


def face_chain(project: Project, face: NodeInstance, character: str) -> NodeInstance:
    """The character's 64x64 face cut out of ``face``'s frame, upscaled x4 by DAT-light, its
    edges softened, centred on a transparent frame of the project's size (computed once)."""
    fmt = project.settings.format
    left, top = (fmt.width - FACE_PIXELS) // 2, (fmt.height - FACE_PIXELS) // 2
    box = (
        left / fmt.width,
        top / fmt.height,
        (left + FACE_PIXELS) / fmt.width,
        (top + FACE_PIXELS) / fmt.height,
    )
    cut = project.connect(face, project.add_node("Crop", node_name("Cut", character), box=box, reformat=True))
    up = project.connect(
        cut,
        project.add_node(
            "Upscaler",
            node_name("Up", character),
            method="model",
            model="dat-light-x4",
            factor=float(UPSCALE),
        ),
    )
    soft = project.connect(
        up,
        project.add_node("Crop", node_name("Soft", character), box=(0.01, 0.01, 0.99, 0.99), softness=24.0),
    )
    place = project.add_node(
        "Reformat", node_name("Place", character), width=fmt.width, height=fmt.height, resize="pad"
    )
    return project.connect(soft, place)


def scene_look(
    project: Project, index: int, heading: str, rng: random.Random, plate: Path | None
) -> NodeInstance:
    """Scene ``index``'s stylised background: the plate (a still, held so it is read once), or a
    gradient lit by the heading (night, interior, exterior) textured with seeded noise."""
    fmt = project.settings.format
    if plate is not None:
        read = project.add_node("Read", f"Plate{index}", file=str(plate))
        hold = project.connect(read, project.add_node("FrameHold", f"PlateHold{index}"), "image", "source")
        base = project.connect(
            hold,
            project.add_node(
                "Reformat", f"PlateFit{index}", width=fmt.width, height=fmt.height, resize="fill"
            ),
        )
    else:
        top, bottom = _palette(heading, rng)
        sky = project.add_node(
            "Ramp", f"Sky{index}", start_color=top, end_color=bottom, start=(0.5, 0.0), end=(0.5, 1.0)
        )
        grain = project.add_node(
            "Noise",
            f"Grain{index}",
            seed=rng.randrange(10_000),
            size=float(rng.choice((48, 64, 96))),
            low=(0.0, 0.0, 0.0, 1.0),
            high=(1.0, 0.9, 0.8, 1.0),
        )
        base = project.add_node("Merge", f"Texture{index}", operation="screen", mix=0.3)
        project.connect(sky, base, "image", "B")
        project.connect(grain, base, "image", "A")
    style = f"style {rng.choice(STYLES)}"
    look = project.add_node("Style", f"Look{index}", method="multi", style=style, strength=0.75)
    return project.connect(base, look, "image", "source")


def _palette(heading: str, rng: random.Random) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Top and bottom colours (scene-linear) for a heading: night, interior or exterior."""
    text = heading.upper()
    if "NIGHT" in text or "EVENING" in text:
        top, bottom = (0.01, 0.015, 0.06), (0.08, 0.05, 0.14)
    elif text.startswith(("INT", ".INT")):
        top, bottom = (0.32, 0.18, 0.07), (0.07, 0.035, 0.02)
    else:
        top, bottom = (0.22, 0.42, 0.85), (0.75, 0.66, 0.5)
    jitter = [rng.uniform(0.85, 1.15) for _ in range(3)]
    return (*(c * j for c, j in zip(top, jitter, strict=True)), 1.0), (*bottom, 1.0)


def _slots(count: int) -> tuple[float, ...]:
    if count <= 2:
        return ((0.5,), (0.3, 0.7))[count - 1]
    return tuple(0.2 + 0.6 * i / (count - 1) for i in range(count))


def shot_branch(
    project: Project,
    label: str,
    index: int,
    size: str,
    look: NodeInstance,
    characters: Sequence[str],
    places: Mapping[str, NodeInstance],
) -> tuple[NodeInstance, tuple[tuple[str, tuple[float, float, float, float]], ...]]:
    """The picture of the shot named ``label``: the scene's look framed for the shot size (a pan that differs
    from shot to shot), with the faces of ``characters`` side by side over it; and their boxes."""
    fmt = project.settings.format
    zoom = BACKGROUND_SCALE.get(size.upper(), 1.2)
    pan = ((index % 3) - 1) * (zoom - 1.0) * fmt.width * 0.3
    picture = project.connect(
        look, project.add_node("Transform", f"Shot{label}BG", scale=(zoom, zoom), translate=(pan, 0.0))
    )
    shown = [c for c in characters if c in places]
    slots = _slots(len(shown)) if shown else ()
    scale = FACE_SCALE.get(size.upper(), 0.8)
    if len(shown) > 1:  # side by side without overlapping
        scale = min(scale, 0.9 * (slots[1] - slots[0]) * fmt.width / (FACE_PIXELS * UPSCALE))
    side = FACE_PIXELS * UPSCALE * scale
    middle = 0.55 if size.upper() in ("WS", "FS") else 0.5
    faces = []
    for slot, character in zip(slots, shown, strict=True):
        x, y = slot * fmt.width, middle * fmt.height
        placed = project.connect(
            places[character],
            project.add_node(
                "Transform",
                node_name(f"Shot{label}", character),
                scale=(scale, scale),
                translate=(x - fmt.width / 2, y - fmt.height / 2),
            ),
        )
        over = project.add_node("Merge", f"Shot{label}Over{len(faces) + 1}")
        project.connect(picture, over, "image", "B")
        project.connect(placed, over, "image", "A")
        picture = over
        faces.append((character, (x - side / 2, y - side / 2, x + side / 2, y + side / 2)))
    picture.rename(f"Shot{label}")
    return picture, tuple(faces)


def switch_tree(project: Project, inputs: Sequence[NodeInstance], firsts: Sequence[int]) -> NodeInstance:
    """Switches (four inputs each, a tree for more) whose ``which`` holds input ``i`` from frame
    ``firsts[i]`` on. Only the chosen input of each switch is evaluated."""
    level = 0
    nodes, starts = list(inputs), list(firsts)
    while len(nodes) > 1 or level == 0:
        level += 1
        grouped, group_starts = [], []
        for group, at in enumerate(range(0, len(nodes), SWITCH_INPUTS)):
            switch = project.add_node(
                "Switch", f"Cut{level}_{group + 1}" if len(nodes) > SWITCH_INPUTS else "Cut"
            )
            for slot, node in enumerate(nodes[at : at + SWITCH_INPUTS]):
                project.connect(node, switch, None, f"input{slot}")
                switch.set_keyframe("which", starts[at + slot], slot, "hold")
            grouped.append(switch)
            group_starts.append(starts[at])
        nodes, starts = grouped, group_starts
    return nodes[0]


def lay_out(
    project: Project,
    screenplay: Screenplay,
    timing: Timing,
    shots_node: NodeInstance,
    speech: NodeInstance,
    places: Mapping[str, NodeInstance],
    plate: Path | None,
    seed: int,
    output: str,
) -> Layout:
    """The picture and sound graph of the timed shots (see the module docstring)."""
    rng = random.Random(seed)
    scene_ids = list(dict.fromkeys(timed.shot.scene for timed in timing.shots))
    looks = {
        scene_id: scene_look(
            project,
            index + 1,
            screenplay.element(scene_id).text if screenplay.has(scene_id) else "",
            rng,
            plate,
        )
        for index, scene_id in enumerate(scene_ids)
    }
    card_back = project.add_node("Constant", "CardBack", color=(0.01, 0.01, 0.015, 1.0))
    card = project.add_node("Title", "Card", script_shows="scene", size=34.0, position=(0.5, 0.5))
    project.connect(card_back, card, "image", "source")
    project.connect(shots_node, card, "script", "script")
    pictures: list[ShotPicture] = []
    branches: list[NodeInstance] = []
    for index, timed in enumerate(timing.shots):
        shot = timed.shot
        if is_card(shot):
            branches.append(card)
            pictures.append(ShotPicture(shot.number, timed.first, timed.end, card.name, (), (), True))
            continue
        label = f"{index + 1:02d}"  # the model's shot numbers may repeat: node names must not
        branch, faces = shot_branch(
            project, label, index, shot.size, looks[shot.scene], shot.characters, places
        )
        branches.append(branch)
        shown = tuple(name for name, _box in faces)
        pictures.append(ShotPicture(shot.number, timed.first, timed.end, branch.name, shown, faces, False))
    picture = switch_tree(project, branches, [p.first for p in pictures])
    captions = project.connect(picture, project.add_node("BurnIn", "Captions"), None, "source")
    project.connect(speech, captions, "subtitles", "subtitles")
    mix = project.connect(speech, project.add_node("AudioMix", "Mix"), "audio", "audio1")
    write = project.add_node(
        "Write", "Export", file=output, preset="h264", speed="fast", subtitle_language="eng"
    )
    project.connect(captions, write, "image", "source")
    project.connect(mix, write, "audio", "audio")
    project.connect(speech, write, "subtitles", "subtitles")
    return Layout(tuple(pictures), write.name, picture.name)
