"""Render to cache (Nuke's flipbook / render-to-RAM): the viewed node's frames between the in and
out points computed in the background into the engine's frame cache, so the range then plays in
real time. A :class:`~filmstudio.ui.jobs.Job` (listed in the jobs panel, with progress and Cancel);
the timeline's cache bar fills as it goes.

The range must fit the frame cache: a range larger than the budget would evict its own first
frames while rendering its last, so it is refused up front (estimated from the project format)
and again after the first frames (measured), with a message that says what to change.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget

from filmstudio.core.context import CancelToken
from filmstudio.core.errors import FilmStudioError
from filmstudio.engine.cache import VRAM, value_nbytes, value_pool
from filmstudio.engine.request import FrameRequest
from filmstudio.ui.jobs import Job
from filmstudio.ui.session import EditorSession
from filmstudio.ui.viewer.state import ViewerState

CHUNK = 4  # frames planned and run together (model nodes batch them)
_RGBA_FLOAT = 16  # bytes per pixel of a working-space image


class CacheTooSmall(FilmStudioError):
    """The in/out range does not fit the frame cache."""


def _size(count: float) -> str:
    return f"{count / 2**30:.1f} GB" if count >= 2**30 else f"{count / 2**20:.0f} MB"


def _refuse(first: int, last: int, need: float, budget: int) -> CacheTooSmall:
    return CacheTooSmall(
        f"Render to cache: frames {first}-{last} need about {_size(need)} but the frame cache holds "
        f"{_size(budget)}; shorten the in/out range, view at a proxy scale, or raise the cache budget"
    )


def render_action(owner: QWidget) -> QAction:
    """The Render to Cache action (Ctrl+Shift+R while ``owner`` has focus), added to ``owner``;
    its slot is the owner's to connect."""
    action = QAction("Render to Cache", owner)
    action.setObjectName("viewer_render_to_cache")
    action.setShortcut(QKeySequence("Ctrl+Shift+R"))
    action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    action.setToolTip("Render the in/out range to the cache, to play it in real time (Ctrl+Shift+R)")
    owner.addAction(action)
    return action


def render_to_cache_job(session: EditorSession, state: ViewerState) -> Job:
    """A job that computes what the viewer shows (its layers, at its proxy scale) over the in/out
    range into the frame cache. Planned here on the GUI thread (the graph may change while it
    runs); raises :class:`FilmStudioError` when there is nothing to render or it cannot fit."""
    layers = state.layers(session.graph, session.viewed_node)
    if not layers:
        raise FilmStudioError("Render to cache: nothing to view; select an image node")
    first, last = session.in_point, session.out_point
    frames = list(range(first, last + 1))
    engine = session.engine
    stats = engine.cache_stats()
    width, height = session.project.settings.format.scaled(state.proxy)
    estimate = width * height * _RGBA_FLOAT * len(frames) * len(layers)
    if estimate > stats.ram_budget + stats.vram_budget:
        raise _refuse(first, last, estimate, stats.ram_budget + stats.vram_budget)
    names = " / ".join(dict.fromkeys(layer.name for layer in layers))
    job = Job(f"Render to cache: {names} {first}-{last}", lambda progress, cancel: run(progress, cancel))
    chunks = [
        [
            engine.plan(
                FrameRequest.of(layer.node, frames[i : i + CHUNK], layer.output, state.proxy, job.token)
            )
            for layer in layers
        ]
        for i in range(0, len(frames), CHUNK)
    ]

    def run(progress: Callable[[int, int], None], cancel: CancelToken) -> str:
        done, total = 0, len(frames)
        progress(0, total)
        for chunk in chunks:
            for plans in chunk:
                values = engine.execute_frames(plans)
                if done == 0:  # the first frames say how big a frame really is (an Upscaler's 4x)
                    pool_budget = stats.ram_budget + (
                        stats.vram_budget if value_pool(values[0]) == VRAM else 0
                    )
                    need = value_nbytes(values[0]) * total * len(layers)
                    if need > pool_budget:
                        raise _refuse(first, last, need, pool_budget)
            cancel.raise_if_cancelled()
            done += len(chunk[0])  # frames of this chunk (each layer has one plan per frame)
            progress(done, total)
        return f"rendered {names} frames {first}-{last} to the cache: they play in real time"

    return job
