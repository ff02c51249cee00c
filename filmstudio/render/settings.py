"""From a Write node's parameters to what the encoder needs: settings, audio, colour."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from filmstudio.core.errors import FilmStudioError
from filmstudio.core.graph import NodeInstance
from filmstudio.core.project import Project
from filmstudio.core.timebase import FrameRange
from filmstudio.engine.engine import Engine

_SEQUENCE_PRESETS = ("png", "exr")


def encode_settings(project: Project, write: NodeInstance, target: Path, frames: FrameRange) -> Any:
    from filmstudio.media.settings import EncodeSettings

    values = write.values_at(frames.first)
    depth = None if values.bit_depth == "auto" else int(values.bit_depth)
    fps = project.settings.fps / frames.step
    return EncodeSettings(
        preset=values.preset,
        fps=fps,
        bit_depth=depth,
        crf=values.crf if values.preset in ("h264", "h265") else None,
        speed=values.speed,
        profile=None if values.profile == "auto" else values.profile,
        alpha=values.alpha,
        first_frame=frames.first,
    )


def audio_source(
    project: Project, write: NodeInstance, frames: FrameRange, engine: Engine
) -> tuple[str, tuple[float, float]] | None:
    """(file, (start, end) seconds in that file) of the sound to pass through, or None.

    ``auto`` takes the first Read upstream of the Write whose file has audio, trimmed to the
    seconds of that clip the rendered frames show (step renders and sequences get none)."""
    values = write.values_at(frames.first)
    if values.audio == "none" or values.preset in ("png", "exr") or frames.step != 1:
        return None
    from filmstudio.media.pool import shared_pool
    from filmstudio.media.timing import clip_frame_number

    graph = project.graph
    upstream = graph.upstream(write.uuid)
    for node in graph.nodes.values():  # creation order: the first Read the artist added wins
        if node.uuid not in upstream or node.type.id != "Read" or node.disabled:
            continue
        params = node.values_at(frames.first)
        path = str(project.resolve_path(params.file))
        try:
            clip = shared_pool.open(path)
        except FilmStudioError:
            continue
        if not clip.info.audio or clip.info.kind != "video" or clip.info.fps is None:
            continue
        first = clip_frame_number(clip.first, clip.last, params, frames.first)
        if first is None:
            continue
        start = (first - clip.first) / float(clip.info.fps)
        duration = len(frames) / float(project.settings.fps)
        return path, (start, start + duration)
    return None


def to_output_space(image: Any, write: NodeInstance, target: Path) -> Any:
    """Working-space pixels -> what the Write's file stores: its colour space (auto: sRGB for
    stills, Rec.709 for movies, linear Rec.709 for EXR), or an OCIO display/view."""
    from filmstudio.colour.conversions import display_transform, from_working
    from filmstudio.colour.spaces import chosen_space

    choice = write["colorspace"]
    if choice == "display":
        return display_transform(image, write["display"] or None, write["view"] or None)
    preset = write["preset"]
    default = "linear" if preset == "exr" else ("sRGB" if preset in _SEQUENCE_PRESETS else "Rec.709")
    space = chosen_space(choice, write["ocio_colorspace"], None, default, "the Write's colorspace")
    return from_working(image, space)
