"""Headless script exports: evaluate a node's Script output through the engine, then write it.

The Script comes from wherever the node gets it — a Script File's .fountain, an LLM Script's
active take — exactly as a render would see it: exporting never calls a language model.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from filmstudio.core.errors import FilmStudioError
from filmstudio.core.graph import NodeInstance
from filmstudio.core.project import Project
from filmstudio.core.types import PortType
from filmstudio.script import DEFAULT_READING_WPM, Script
from filmstudio.script.export import export_script, format_for


@dataclass(frozen=True)
class ScriptExport:
    """What an export wrote."""

    path: Path
    format: str
    scenes: int
    shots: int


def node_script(project: Project, node: str | NodeInstance) -> Script:
    """The Script on ``node``'s Script output, evaluated by the engine at the project's first
    frame (a Script does not change with the frame)."""
    from filmstudio.engine.engine import Engine

    instance = project.graph.node(node)
    output = next((o for o in instance.type.outputs if o.type is PortType.SCRIPT), None)
    if output is None:
        raise FilmStudioError(
            f"{instance.name} is a {instance.type.id} node, which has no Script output: name a Script "
            "File or LLM Script node"
        )
    with Engine(project, cpu_workers=1) as engine:
        value = engine.evaluate(instance, project.settings.frame_range.first, output=output.name)
    if isinstance(value, str):  # a plain-text Script output (a plugin's): read it as Fountain
        return Script.from_text(value)
    if not isinstance(value, Script):
        raise FilmStudioError(
            f"{instance.name}'s Script output carries a {type(value).__name__}, not a screenplay: "
            "export a Script File or LLM Script node"
        )
    return value


def export_node_script(
    project: Project,
    node: str | NodeInstance,
    output: str | os.PathLike[str],
    export_format: str | None = None,
    reading_speed_wpm: int = DEFAULT_READING_WPM,
) -> ScriptExport:
    """Export ``node``'s Script to ``output`` (format from the suffix unless given); shot lists
    are timed at the project's frame rate from its first frame."""
    chosen = format_for(output, export_format)  # a bad name fails before any evaluation
    script = node_script(project, node)
    path = export_script(
        script,
        output,
        chosen,
        fps=project.settings.fps,
        start_frame=project.settings.frame_range.first,
        reading_speed_wpm=reading_speed_wpm,
    )
    scenes = sum(1 for scene in script.screenplay.scenes() if scene.heading is not None)
    return ScriptExport(path, chosen, scenes, len(script.shots))
