"""Subtitles in renders and on the command line: the track a Write muxes, sidecar files, lint.

A writer's Subtitles input (the first input its type declares of that type) is evaluated once
per render (subtitles are the same at every frame) and muxed as a text track
(:mod:`filmstudio.media.subtitles`): mov_text in MP4/MOV, SRT/ASS/WebVTT in MKV. An output
that cannot hold one (MXF, image sequences) gets a sidecar file beside it instead, written
atomically once the pictures are in place. The cues' time zero is the render's first frame.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from filmstudio.core.errors import FilmStudioError
from filmstudio.core.graph import NodeInstance
from filmstudio.core.project import Project
from filmstudio.core.timebase import FrameRange
from filmstudio.core.types import PortType
from filmstudio.subtitles import Subtitles

_PATTERN = re.compile(r"[._-]?(#+|%0?\d*d)")  # shot.####.png / shot.%04d.png -> shot
_SIDECAR_FORMATS = {"srt": "srt", "ass": "ass", "webvtt": "vtt"}


@dataclass(frozen=True)
class SubtitleOutput:
    """What a render does with its writer's subtitles: ``track`` for the writer to mux, or a
    sidecar (``subtitles`` written to ``sidecar`` as ``sidecar_format`` by :meth:`finish`)."""

    track: Any = None  # a filmstudio.media.subtitles.SubtitleTrack
    subtitles: Subtitles | None = None
    sidecar: Path | None = None
    sidecar_format: str = "srt"
    origin: int = 1

    def finish(self) -> Path | None:
        """Write the sidecar, if there is one (after the movie is in place); its path."""
        if self.subtitles is None or self.sidecar is None:
            return None
        from filmstudio.subtitles import write_subtitles

        return write_subtitles(self.subtitles, self.sidecar, self.sidecar_format, self.origin).path


def subtitles_input(write: NodeInstance) -> str | None:
    """The name of the writer type's Subtitles input, or None."""
    return next((i.name for i in write.type.inputs if i.type is PortType.SUBTITLES), None)


def node_subtitles(project: Project, node: str | NodeInstance, engine: Any = None) -> Subtitles:
    """The Subtitles ``node`` gives: its Subtitles output, or what is linked to a writer's
    Subtitles input; evaluated at the project's first frame (subtitles hold for every frame)."""
    instance = project.graph.node(node)
    source, port = (
        instance,
        next((o.name for o in instance.type.outputs if o.type is PortType.SUBTITLES), None),
    )
    if port is None and (name := subtitles_input(instance)) is not None:
        link = project.graph.input_links(instance.uuid).get(name)
        if link is None:
            raise FilmStudioError(
                f"{instance.name}'s {name} input is not linked: link a Subtitles output to it"
            )
        source, port = project.graph.nodes[link.source], link.source_port
    if port is None:
        raise FilmStudioError(
            f"{instance.name} is a {instance.type.id} node, which has no subtitles: name a Subtitle File, "
            "Script Subtitles or Translate node, or a Write whose subtitles input is linked"
        )
    if engine is None:
        from filmstudio.engine.engine import Engine

        with Engine(project, cpu_workers=1) as own:
            value = own.evaluate(source, project.settings.frame_range.first, output=port)
    else:
        value = engine.evaluate(source, project.settings.frame_range.first, output=port)
    if not isinstance(value, Subtitles):
        raise FilmStudioError(f"{source.name}.{port} gives {type(value).__name__}, not subtitles")
    return value


def sidecar_path(target: Path, fmt: str) -> Path:
    """Where a sidecar goes beside ``target``: same name, the format's suffix (a sequence's
    frame-number pattern removed: ``shot.####.png`` -> ``shot.srt``)."""
    stem = _PATTERN.sub("", target.stem) or target.stem
    return target.with_name(f"{stem}.{fmt}")


def subtitle_output(
    project: Project, write: NodeInstance, frames: FrameRange, engine: Any, target: Path
) -> SubtitleOutput:
    """What the render of ``frames`` into ``target`` does with the writer's linked subtitles
    (nothing when none are linked). Checked before the first frame: a format the container
    cannot hold, a bad language code or unreadable subtitles fail here."""
    name = subtitles_input(write)
    if name is None or project.graph.input_links(write.uuid).get(name) is None:
        return SubtitleOutput()
    from filmstudio.media.subtitles import SubtitleTrack, check_language, subtitle_codec

    values = write.values_at(frames.first)
    choice = str(values.get("subtitle_format", "auto"))
    language = str(values.get("subtitle_language", ""))
    codec = subtitle_codec(target, choice)
    subtitles = node_subtitles(project, write, engine)
    if subtitles.fps != project.settings.fps:
        raise FilmStudioError(
            f"{write.name}'s subtitles are timed at {subtitles.fps} fps but the project runs at "
            f"{project.settings.fps}: re-time them in the node that makes them"
        )
    if codec is not None:
        span = len(frames) * frames.step
        return SubtitleOutput(SubtitleTrack(subtitles, frames.first, span, codec, language))
    check_language(language)
    fmt = "vtt" if target.suffix.lower() == ".webm" else _SIDECAR_FORMATS.get(choice, "srt")
    return SubtitleOutput(None, subtitles, sidecar_path(target, fmt), fmt, frames.first)


@dataclass(frozen=True)
class SubtitleExport:
    path: Path
    format: str
    cues: int
    dropped: int


def export_node_subtitles(
    project: Project,
    node: str | NodeInstance,
    output: str | os.PathLike[str],
    fmt: str | None = None,
    origin: int | None = None,
) -> SubtitleExport:
    """Write ``node``'s subtitles to ``output`` (format from ``fmt`` or the suffix) with frame
    ``origin`` (default: the project's first) at time zero, as a full render's track would be."""
    from filmstudio.subtitles import format_for, write_subtitles

    chosen = format_for(output, fmt)  # a bad name fails before any evaluation
    subtitles = node_subtitles(project, node)
    start = project.settings.frame_range.first if origin is None else origin
    written = write_subtitles(subtitles, Path(output).expanduser(), chosen, start)
    return SubtitleExport(written.path, written.format, written.cues, written.dropped)


def lint_lines(project: Project, limit: int = 10) -> dict[str, list[str]]:
    """``filmstudio info``'s lint of every node with a Subtitles output, by node uuid: a summary
    line and the first ``limit`` problems, by the node's own rules (its lint parameters)."""
    from filmstudio.subtitles import LintRules, lint, lint_report

    nodes = [
        n for n in project.graph.nodes.values() if any(o.type is PortType.SUBTITLES for o in n.type.outputs)
    ]
    if not nodes:
        return {}
    from filmstudio.engine.engine import Engine

    found: dict[str, list[str]] = {}
    with Engine(project, cpu_workers=1) as engine:
        for node in nodes:
            try:
                subtitles = node_subtitles(project, node, engine)
            except FilmStudioError as error:
                found[node.uuid] = [f"subtitles: cannot lint: {error}"]
                continue
            rules = LintRules.from_values(node.values_at(project.settings.frame_range.first))
            lines = lint_report(subtitles, lint(subtitles, rules), limit)
            found[node.uuid] = [f"subtitles: {lines[0]}", *(f"  {line}" for line in lines[1:])]
    return found
