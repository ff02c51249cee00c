"""A project: settings (rate, range, format) plus the node graph — what a .fsproj file holds.

This is the entry point of the scripting API::

    import filmstudio as fs
    project = fs.Project(fps=24, frame_range="1-48", width=640, height=360)
    ramp = project.add_node("Ramp")
    grade = project.connect(ramp, project.add_node("Grade", gain=1.5))
    project.save("shot.fsproj")
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, fields, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

from filmstudio.core.commands import SetProjectSettings
from filmstudio.core.context import EvalContext
from filmstudio.core.graph import Graph, Link, NodeInstance, active_take
from filmstudio.core.node import Node
from filmstudio.core.registry import NodeRegistry
from filmstudio.core.timebase import MAX_FPS, MAX_FRAME, Format, FrameRange, parse_fps

DEFAULT_WORKING_SPACE = "scene_linear"


@dataclass(frozen=True)
class ProjectSettings:
    """Project-wide values every node sees. ``current_frame`` is saved so a project reopens where
    the artist left it."""

    fps: Fraction = Fraction(24)
    frame_range: FrameRange = field(default_factory=lambda: FrameRange(1, 100))
    format: Format = field(default_factory=Format)
    working_space: str = DEFAULT_WORKING_SPACE
    current_frame: int = 1

    def __post_init__(self) -> None:
        # the file loader's limits, kept by every way of changing settings: what is saved loads
        if not 0 < self.fps <= MAX_FPS:
            raise ValueError(f"the frame rate must lie between 0 and {MAX_FPS:,}, not {self.fps}")
        if not -MAX_FRAME <= self.current_frame <= MAX_FRAME:
            raise ValueError(f"the current frame must lie within ±{MAX_FRAME:,}")


class Project:
    """Settings and graph, plus where the project was loaded from (for relative media paths)."""

    def __init__(
        self,
        fps: Any = 24,
        frame_range: str | tuple[int, int] | FrameRange = (1, 100),
        width: int = 1920,
        height: int = 1080,
        pixel_aspect: float = 1.0,
        *,
        registry: NodeRegistry | None = None,
        settings: ProjectSettings | None = None,
    ) -> None:
        if settings is None:
            if isinstance(frame_range, str):
                frame_range = FrameRange.parse(frame_range)
            elif not isinstance(frame_range, FrameRange):
                frame_range = FrameRange(*frame_range)
            settings = ProjectSettings(
                fps=parse_fps(fps),
                frame_range=frame_range,
                format=Format(width, height, pixel_aspect),
                current_frame=frame_range.first,
            )
        self.settings = settings
        self.graph = Graph(registry)
        self.graph.project = self
        self.path: Path | None = None
        self.load_warnings: list[str] = []

    def __repr__(self) -> str:
        name = self.path.name if self.path else "untitled"
        return f"<Project {name}: {len(self.graph.nodes)} nodes>"

    # --- scripting conveniences (all undoable through graph.history) ---------------------------

    def add_node(self, type_id: str | type[Node], name: str | None = None, **params: Any) -> NodeInstance:
        """Add a node by type id with parameter values; returns it."""
        return self.graph.create(type_id, name, **params)

    def connect(
        self,
        source: str | NodeInstance,
        target: str | NodeInstance,
        source_port: str | None = None,
        target_port: str | None = None,
        replace: bool = False,
    ) -> NodeInstance:
        """Link ``source`` into ``target`` and return ``target`` (so chains read left to right)."""
        self.graph.connect(source, target, source_port, target_port, replace=replace)
        return self.graph.node(target)

    def link(self, *args: Any, **kwargs: Any) -> Link:
        """Like :meth:`connect` but returns the link."""
        return self.graph.connect(*args, **kwargs)

    def __getitem__(self, name: str) -> NodeInstance:
        return self.graph.node(name)

    @property
    def nodes(self) -> list[NodeInstance]:
        return list(self.graph.nodes.values())

    def context(self, node: str | NodeInstance, frame: int) -> EvalContext:
        """What ``node`` sees at ``frame`` without its inputs: parameter values, state, active take,
        format, fps and connected ports — for overlays, take generation and scripts (the engine
        builds its own, with inputs, when it evaluates)."""
        instance = self.graph.node(node)
        state = instance.state
        folder = str(self.path.resolve().parent) if self.path is not None else None
        return EvalContext(
            node_name=instance.name,
            frame=int(frame),
            params=instance.values_at(frame),
            format=self.settings.format,
            fps=self.settings.fps,
            connected=frozenset(self.graph.input_links(instance.uuid)),
            state=state,
            take=active_take(state) if state else None,
            project_dir=folder,
        )

    def analyse(
        self,
        node: str | NodeInstance,
        frames: Iterable[int] | None = None,
        *,
        reverse: bool = False,
        carry: Any = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        """Run ``node``'s analysis pass (a Tracker's tracking, a Deflicker's measuring) over
        ``frames`` (default: the project range) and store the results in the node (one undo step);
        see :func:`filmstudio.render.analysis.analyse`."""
        # The engine sits above core: reached by name when called (as the filmstudio package's
        # lazy names do), so core still imports without torch and no layer points upward.
        analyse = importlib.import_module("filmstudio.render.analysis").analyse
        analyse(self, node, frames, reverse=reverse, carry=carry, progress=progress)

    def bake_to_keyframes(
        self,
        node: str | NodeInstance,
        params: Sequence[str] | None = None,
        frames: Iterable[int] | None = None,
    ) -> dict[str, int]:
        """Snapshot ``node``'s positions that follow tracks live (default: all of them) into a
        keyframe at every frame (default: the project range) and unlink them, as one undo step;
        see :func:`filmstudio.render.bake.bake_to_keyframes`."""
        bake = importlib.import_module("filmstudio.render.bake").bake_to_keyframes
        return bake(self, node, params, frames)

    def undo(self) -> bool:
        return self.graph.history.undo()

    def redo(self) -> bool:
        return self.graph.history.redo()

    def update_settings(self, **changes: Any) -> None:
        """Change settings as one undo step, e.g. ``update_settings(frame_range=FrameRange(1, 48))``
        (recorded through ``graph.history``: Ctrl+Z in the editor, :meth:`undo` in scripts). Moving
        the current frame alone is not an edit, as a playhead is not in Nuke: nothing is recorded.
        Raises ValueError for values the project file could not hold, and changes nothing then."""
        settings = replace(self.settings, **changes)  # validates everything before changing anything
        if replace(settings, current_frame=self.settings.current_frame) != self.settings:
            self.graph.history.push(SetProjectSettings(settings), merge=False)
        if "current_frame" in changes:
            self.settings = replace(self.settings, current_frame=settings.current_frame)

    def replace_settings(self, settings: ProjectSettings) -> None:
        """Put ``settings`` in place and tell the graph's listeners (the undo command's step; use
        :meth:`update_settings` to edit). The current frame stays where it is, moved into the new
        frame range if it falls outside."""
        frames = settings.frame_range
        last = frames.first + (len(frames) - 1) * frames.step
        current = min(max(self.settings.current_frame, frames.first), last)
        settings = replace(settings, current_frame=current)
        changed = frozenset(
            item.name
            for item in fields(settings)
            if getattr(settings, item.name) != getattr(self.settings, item.name)
        )
        self.settings = settings
        if changed:
            self.graph.settings_changed(changed)

    def resolve_path(self, path: str | Path) -> Path:
        """A file parameter as a path: ``~`` expanded, relative paths taken from the project's folder
        (the working folder for a project never saved)."""
        resolved = Path(path).expanduser()
        if not resolved.is_absolute() and self.path is not None:
            resolved = self.path.resolve().parent / resolved
        return resolved

    @property
    def modified(self) -> bool:
        return not self.graph.history.is_clean

    # --- files -----------------------------------------------------------------------------------

    def save(self, path: str | Path | None = None) -> Path:
        """Write the project atomically (temp file + rename) and mark it unmodified."""
        from filmstudio.core.project_file import write_project

        target = Path(path) if path is not None else self.path
        if target is None:
            raise ValueError("this project has never been saved: give a path")
        write_project(self, target)
        self.path = target
        self.graph.history.set_clean()
        return target

    def to_json(self) -> str:
        from filmstudio.core.project_file import dump_project

        return dump_project(self)

    @classmethod
    def load(cls, path: str | Path, registry: NodeRegistry | None = None) -> Project:
        """Read a project file; any problem raises :class:`ProjectError` naming file and place."""
        from filmstudio.core.project_file import read_project

        return read_project(Path(path), registry)

    @classmethod
    def from_json(
        cls, text: str | bytes, registry: NodeRegistry | None = None, path: Path | None = None
    ) -> Project:
        from filmstudio.core.project_file import parse_project

        return parse_project(text, registry, path)
