"""Bake to keyframes: the explicit snapshot that turns positions following tracks into keys.

A position that follows a track (``follows_track``, :mod:`filmstudio.core.track_link`) is linked
live: re-tracking moves it. Baking writes its followed value at every frame as a keyframe and turns
the link off, as one undo step — what a Nuke artist does with "Bake" before handing a shot on, and
the only way a link becomes a copy. The editor's context action and scripts call
:func:`bake_to_keyframes` (``project.bake_to_keyframes(node)``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from filmstudio.core import commands as cmd
from filmstudio.core.errors import ParameterError
from filmstudio.core.graph import NodeInstance
from filmstudio.core.params import AnimCurve, Keyframe
from filmstudio.core.project import Project
from filmstudio.core.track import TrackSet
from filmstudio.core.track_link import TrackLink, active, followed_value
from filmstudio.engine.engine import Engine


def bake_to_keyframes(
    project: Project,
    node: str | NodeInstance,
    params: Sequence[str] | None = None,
    frames: Iterable[int] | None = None,
    *,
    engine: Engine | None = None,
) -> dict[str, int]:
    """Key ``node``'s track-following ``params`` (default: every one that follows a track now) at
    each of ``frames`` (default: the project range) with the value it has there, then unlink them;
    one undo step named "Bake <node> to keyframes". Returns the number of keys per parameter.
    Raises :class:`~filmstudio.core.errors.ParameterError` when a parameter does not follow a
    track, and the link's own error (a deleted track, a missing input) before anything changes.
    Pass an open ``engine`` to reuse its frame cache; else one is made and closed here."""
    instance = project.graph.node(node)
    frames = sorted(set(project.settings.frame_range if frames is None else (int(f) for f in frames)))
    links = _chosen(instance, params)
    if engine is None:
        with Engine(project) as own:
            curves = _curves(project, instance, links, frames, own)
    else:
        curves = _curves(project, instance, links, frames, engine)
    graph = project.graph
    with graph.history.step(f"Bake {instance.name} to keyframes"):
        for link in links:
            graph.perform(cmd.SetParam(instance.uuid, link.param, curves[link.param]))
            graph.perform(cmd.SetParam(instance.uuid, link.name_param, ""))
    return {link.param: len(curves[link.param].keys) for link in links}


def _chosen(instance: NodeInstance, params: Sequence[str] | None) -> list[TrackLink]:
    following = active(instance.type.track_links, instance.values_at(0))
    if params is None:
        if not following:
            raise ParameterError(
                f"{instance.name} has no parameter that follows a track: there is nothing to bake"
            )
        return following
    by_name = {link.param: link for link in following}
    missing = [name for name in params if name not in by_name]
    if missing:
        have = ", ".join(by_name) or "none"
        raise ParameterError(
            f"{instance.name}: {', '.join(map(repr, missing))} does not follow a track (parameters "
            f"that do: {have}); name a track in its track parameter first"
        )
    return [by_name[name] for name in dict.fromkeys(params)]


def _curves(
    project: Project, instance: NodeInstance, links: list[TrackLink], frames: list[int], engine: Engine
) -> dict[str, AnimCurve]:
    """Each link's followed value at every frame, as keys (read before anything is changed)."""
    graph = project.graph
    curves: dict[str, AnimCurve] = {}
    for link in links:
        source = graph.input_link(instance.uuid, link.follow.input)
        seen: dict[int, TrackSet | None] = {}

        def tracks_at(frame: int, source: Any = source, seen: dict[int, Any] = seen) -> TrackSet | None:
            if source is None:
                return None
            if frame not in seen:
                value = engine.evaluate(source.source, frame, output=source.source_port)
                seen[frame] = value if value is not None else TrackSet()
            return seen[frame]

        keys = []
        for frame in frames:
            value = followed_value(link, instance.values_at(frame), frame, tracks_at, project.settings.format)
            keys.append(Keyframe(float(frame), instance.type.param(link.param).coerce(value)))
        curves[link.param] = AnimCurve(tuple(keys))
    return curves
