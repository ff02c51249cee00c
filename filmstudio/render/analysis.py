"""Headless analysis passes: what ``filmstudio analyse`` and ``Project.analyse`` run.

A pass (a Tracker tracking, a Deflicker measuring) runs on the calling thread with its own engine
and stores its results in the node's state as one undo step; the caller saves the project. A
cancelled pass (Ctrl+C, ``cancel``) changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from filmstudio.core.context import CancelToken
from filmstudio.core.errors import FilmStudioError
from filmstudio.core.graph import NodeInstance
from filmstudio.core.project import Project
from filmstudio.engine.engine import Engine


def analyse(
    project: Project,
    node: str | NodeInstance,
    frames: Iterable[int] | None = None,
    *,
    reverse: bool = False,
    carry: Any = None,
    progress: Callable[[int, int], None] | None = None,
    cancel: CancelToken | None = None,
    engine: Engine | None = None,
) -> NodeInstance:
    """Run ``node``'s analysis pass over ``frames`` (default: the project range) and store the
    result in it; returns the node. ``reverse`` runs from the last frame to the first; ``carry``
    is the node's own request for the pass (a :class:`~filmstudio.core.track.TrackingPass`).
    Pass an open ``engine`` to reuse its frame cache; else one is made and closed here."""
    instance = project.graph.node(node)
    if instance.type.analysis_state is None:
        with_pass = sorted(n.name for n in project.graph.nodes.values() if n.type.analysis_state)
        raise FilmStudioError(
            f"{instance.name} ({instance.type.id}) has no analysis pass; nodes that have one: "
            f"{', '.join(with_pass) or 'none'}"
        )
    frames = list(project.settings.frame_range if frames is None else frames)
    if engine is not None:
        engine.analyze(instance, frames, progress, cancel, reverse=reverse, carry=carry)
        return instance
    with Engine(project) as own:
        own.analyze(instance, frames, progress, cancel, reverse=reverse, carry=carry)
    return instance
