"""What a render asks of its writer and of the readers upstream: encode settings, the output
transform, and the sound to pass through.

Writers and readers are found by what their types declare (``Node.output_file``,
``Node.media_file``), never by type id, so a plugin's writer renders like the built-in Write.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from filmstudio.core.context import Values
from filmstudio.core.errors import FilmStudioError
from filmstudio.core.graph import NodeInstance
from filmstudio.core.project import Project
from filmstudio.core.timebase import FrameRange
from filmstudio.core.types import PortType


def writers(project: Project) -> list[NodeInstance]:
    """Every node of the project whose type writes files (enabled or not), in creation order."""
    return [node for node in project.graph.nodes.values() if node.type.output_file is not None]


def output_file(write: NodeInstance) -> str:
    """The file a writer node writes, as stored (relative paths are relative to the project)."""
    name = write.type.output_file
    if name is None:
        raise FilmStudioError(f"{write.name} is a {write.type.id} node, which does not write files")
    return str(write[name])


def encode_settings(project: Project, write: NodeInstance, frames: FrameRange) -> Any:
    """The writer's :class:`~filmstudio.media.settings.EncodeSettings` for rendering ``frames``."""
    fps = project.settings.fps / frames.step
    return write.type.shared().encode_settings(write.values_at(frames.first), fps, frames.first)


def output_image(image: Any, write: NodeInstance, values: Values, target: Path) -> Any:
    """Working-space pixels -> what the writer's file stores (its output transform)."""
    return write.type.shared().output_image(image, values, target)


def audio_source(
    project: Project, write: NodeInstance, frames: FrameRange
) -> tuple[str, tuple[float, float]] | None:
    """(file, (start, end) seconds in that file) of the sound to pass through, or None.

    A writer that copies audio takes the first reader upstream (creation order: the first the
    artist added) whose file has sound, trimmed to the seconds of that clip the rendered frames
    show. Step renders get none, and so does a writer whose Audio input is linked (it writes
    that sound instead: :func:`linked_audio`), and one whose reader conforms its sound to a
    picture at another rate (it is encoded from the reader's Audio: :func:`audio_to_write`)."""
    if frames.step != 1 or not write.type.shared().copies_audio(write.values_at(frames.first)):
        return None
    if linked_audio(project, write) is not None:
        return None
    found = _sounding_reader(project, write, frames)
    if found is None or found.conformed:
        return None
    duration = len(frames) / float(project.settings.fps)
    return found.path, (found.start, found.start + duration)


@dataclass(frozen=True)
class _Reader:
    node: NodeInstance
    path: str
    start: float  # where its picture is at the first rendered frame, seconds into the clip
    conformed: bool  # its sound is played at the picture's pace, not as recorded


def _sounding_reader(project: Project, write: NodeInstance, frames: FrameRange) -> _Reader | None:
    """The first reader upstream of ``write`` (creation order) whose movie has sound and shows a
    frame at the first rendered frame."""
    from filmstudio.media.audio_source import conform_speed
    from filmstudio.media.pool import shared_pool

    graph, fps = project.graph, project.settings.fps
    upstream = graph.upstream(write.uuid)
    for node in graph.nodes.values():
        media_file = node.type.media_file
        if node.uuid not in upstream or media_file is None or node.disabled:
            continue
        values = node.values_at(frames.first)
        path = str(project.resolve_path(values[media_file]))
        try:
            clip = shared_pool.open(path)
        except FilmStudioError:
            continue
        if not clip.info.audio or clip.info.kind != "video" or clip.info.fps is None:
            continue
        # Where the picture is at the first frame (by time for a variable-rate clip), so the
        # sound starts with it.
        start = node.type.shared().clip_seconds(values, clip, frames.first, fps)
        if start is None:
            continue
        return _Reader(node, path, start, conform_speed(clip, values, fps) != 1)
    return None


def linked_audio(project: Project, write: NodeInstance) -> tuple[str, str] | None:
    """(node name, output port) of the sound linked into the writer's Audio input (the first
    input its type declares of type Audio), or None when nothing is linked there."""
    port = next((i.name for i in write.type.inputs if i.type is PortType.AUDIO), None)
    link = project.graph.input_links(write.uuid).get(port or "")
    if link is None:
        return None
    return project.graph.nodes[link.source].name, link.source_port


def audio_to_write(project: Project, write: NodeInstance, frames: FrameRange, engine: Any) -> Any:
    """(:class:`~filmstudio.audio.clip.Audio`, project samples ``[start, stop)``) the writer's
    file carries when it writes sound that is not passed through: the value linked to its Audio
    input, or else the Audio of a reader whose sound keeps pace with a picture at another rate;
    evaluated once (it is the same at every frame), over exactly the rendered frames. None
    otherwise."""
    if frames.step != 1 or not write.type.shared().copies_audio(write.values_at(frames.first)):
        return None
    linked = linked_audio(project, write)
    if linked is None:  # a reader whose sound keeps pace with a picture at another rate
        found = _sounding_reader(project, write, frames)
        if found is None or not found.conformed:
            return None
        port = next((o.name for o in found.node.type.outputs if o.type is PortType.AUDIO), None)
        if port is None:
            return None
        linked = (found.node.name, port)
    from filmstudio.audio.clip import PROJECT_RATE, Audio, frames_samples

    audio = engine.evaluate(linked[0], frames.first, output=linked[1])
    if not isinstance(audio, Audio):
        raise FilmStudioError(f"{linked[0]}.{linked[1]} gives {type(audio).__name__}, not sound")
    return audio, frames_samples(frames.first, frames.last, project.settings.fps, PROJECT_RATE)
