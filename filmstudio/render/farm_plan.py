"""What a farm render is made of, decided on the coordinator before any chunk leaves it: the
settings, the path map, whether the graph can be split at all, and where the chunks begin.

**Why chunks are pure.** Everything a frame depends on is in the saved project: analysis results
(Tracker, Deflicker, SAM 2 propagation) and generative takes (LLM Script, GAN) are node state,
which ships with the project's JSON. A chunk therefore renders by pulling its frames from the
same project, exactly as a single machine would. Two things never happen on a farm, because
splitting them would change the result: an analysis pass (sequential: its carry, a tracker's
template or SAM 2's memory, would restart at every chunk boundary) and a take generation
(random: each worker would draw its own). So the coordinator refuses, naming the node:

* an analysis node whose pass has results, but none for the rendered range (the pass was run
  elsewhere; rendering would need one over this range: run ``filmstudio analyse`` first). A node
  that was never analysed renders as it does on one machine (Deflicker passes its input through,
  a chroma-key Segmenter needs no pass), so it is not refused;
* a generative node with neither an active take nor anything else to render from (no state, no
  linked input): rendering it would mean generating a take;
* a writer whose parameters are animated over the range: a render encodes with the writer's
  values at the range's first frame, and a chunk would take its own first frame's.

Temporal requests are fine: a node that asks for frames outside its chunk (a frame blend, Style's
history) gets them because the worker pulls those frames itself from the same project; the chunk
recomputes them, which costs time but not identity.

**Which chunks go first.** The heaviest: each chunk's cost is estimated from the plans of a few
of its frames (a model node's step weighs most), and the cluster is given the chunks in that
order, so a model-heavy shot at the end of a sequence does not start last and finish alone.

**Where chunks begin.** On a cut when the graph knows one (an encoder starts a new picture group
there anyway): the shot (else scene) starts of a Script's timing model read by a node upstream,
the frames where a reader's clip jumps or appears/disappears, and held keys that change a value
(a Switch's edit). Each boundary of an equal split moves to the nearest cut within a quarter of
a chunk; without one it stays where it is.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from filmstudio.core.errors import FilmStudioError
from filmstudio.core.graph import NodeInstance, active_take
from filmstudio.core.node import Node
from filmstudio.core.params import AnimCurve, Interp
from filmstudio.core.project import Project
from filmstudio.core.timebase import FrameRange
from filmstudio.core.types import PortType

__all__ = [
    "FarmError",
    "FarmRefused",
    "FarmSettings",
    "cut_frames",
    "map_path",
    "parse_path_map",
    "refuse_unshippable",
    "split_range",
]

PathMap = tuple[tuple[str, str], ...]


class FarmError(FilmStudioError):
    """A farm render failed: the message says which chunk, on which worker, and why."""


class FarmRefused(FarmError):
    """The graph cannot be split into chunks as it is; the message names the node and the fix."""


@dataclass(frozen=True)
class FarmSettings:
    """Where and how a render is split. Frozen: built once (CLI, export dialog), read everywhere.

    ``cluster``: a Dask scheduler's address (``tcp://host:8786``); else ``workers`` single-threaded
    worker processes on this machine (a LocalCluster on 127.0.0.1). ``chunk``: frames per chunk
    (None: about four chunks per worker). ``path_map``: (coordinator prefix, worker prefix) pairs
    for media, models and outputs mounted elsewhere on the workers. ``max_attempts``: runs of one
    chunk before the render fails; ``worker_failures``: failures after which a worker gets no more
    chunks; ``min_chunk_seconds``/``max_chunk_seconds``: a chunk finishing faster, or running
    longer, counts as failed (0 / None: no limit)."""

    cluster: str | None = None
    workers: int | None = None
    chunk: int | None = None
    path_map: PathMap = ()
    max_attempts: int = 3
    worker_failures: int = 2
    min_chunk_seconds: float = 0.0
    max_chunk_seconds: float | None = None

    def __post_init__(self) -> None:
        if (self.cluster is None) == (self.workers is None):
            raise FarmError("give a Dask scheduler's address (--cluster) or a number of local --workers")
        if self.workers is not None and self.workers < 1:
            raise FarmError(f"--workers must be 1 or more, not {self.workers}")
        if self.chunk is not None and self.chunk < 1:
            raise FarmError(f"--chunk must be 1 frame or more, not {self.chunk}")
        if self.max_attempts < 1 or self.worker_failures < 1:
            raise FarmError("max_attempts and worker_failures must be 1 or more")
        limit = self.max_chunk_seconds
        if self.min_chunk_seconds < 0 or (limit is not None and limit <= self.min_chunk_seconds):
            raise FarmError("chunk time limits need 0 <= minimum < maximum seconds")


def parse_path_map(items: Iterable[str]) -> PathMap:
    """``["/studio/media=/mnt/media", ...]`` as (coordinator prefix, worker prefix) pairs, longest
    prefix first (so a more specific mapping wins)."""
    pairs = []
    for item in items:
        source, sep, target = item.partition("=")
        if not sep or not source.strip() or not target.strip():
            raise FarmError(f"--map {item!r}: write SRC=DST, e.g. --map /studio/media=/mnt/media")
        pairs.append((source.strip().rstrip("/") or "/", target.strip().rstrip("/") or "/"))
    return tuple(sorted(pairs, key=lambda pair: -len(pair[0])))


def map_path(path: str, path_map: PathMap) -> str:
    """``path`` as a worker sees it: the first (longest) matching prefix replaced, whole folder
    names only (``/studio/media2`` does not match ``/studio/media``). Others are returned as given."""
    for source, target in path_map:
        if path == source or path.startswith(source.rstrip("/") + "/"):
            rest = path[len(source) :].lstrip("/")
            return str(PurePosixPath(target) / rest) if rest else target
    return path


# --- what cannot be split ---------------------------------------------------------------------------


def refuse_unshippable(project: Project, write: NodeInstance, frames: FrameRange) -> None:
    """Raise :class:`FarmRefused` naming the first node whose frames a chunk could not render
    from the saved project alone (see the module docstring for the rules)."""
    animated = [name for name, value in write.params.items() if _changes(value, frames)]
    if animated:
        raise FarmRefused(
            f"{write.name}'s {', '.join(animated)} change within frames {frames}: a farm encodes "
            "every chunk with one setting, so make them constant (or render on one machine)"
        )
    graph = project.graph
    upstream = graph.upstream(write.uuid)
    for node in graph.nodes.values():
        if node.uuid not in upstream or node.disabled:
            continue
        implementation = type(node.type.shared())
        key = node.type.analysis_state
        if key is not None and not _analysed_in(node.state.get(key), frames):
            raise FarmRefused(
                f"{node.name} has {key} analysis results, but none for frames {frames}: analyse it "
                f"over them first (`filmstudio analyse PROJECT {node.name} --range {frames}`); a farm "
                "never runs analysis passes, which split into chunks would restart at every chunk"
            )
        generates = implementation.generate_take is not Node.generate_take
        if generates and active_take(node.state) is None and not _renders_without_take(project, node):
            raise FarmRefused(
                f"{node.name} has no active take: generate one (and save) before a farm render; "
                "a farm never generates takes, each worker would draw its own"
            )


def _changes(value: Any, frames: FrameRange) -> bool:
    if not isinstance(value, AnimCurve):
        return False
    first = value.evaluate(frames.first)
    return any(value.evaluate(frame) != first for frame in frames)


def _analysed_in(results: Any, frames: FrameRange) -> bool:
    """True when ``results`` (an analysis state, ``{"12": ...}`` by frame) is absent (never
    analysed: the node renders without it, as on one machine) or has a result in ``frames``."""
    if not isinstance(results, dict) or not results:
        return True
    return any(results.get(str(frame)) is not None for frame in frames)


def _renders_without_take(project: Project, node: NodeInstance) -> bool:
    """A generative node renders without a take when it has other state (keyed latents) or a
    linked input (a latent walk) to render from."""
    others = {k: v for k, v in node.state.items() if k not in ("takes", "active_take") and v}
    return bool(others) or bool(project.graph.input_links(node.uuid))


# --- where the cuts are -------------------------------------------------------------------------------


def cut_frames(project: Project, write: NodeInstance, frames: FrameRange, engine: Any) -> set[int]:
    """Frames inside ``frames`` where the picture cuts (see the module docstring): each is the
    first frame of a new shot. Best effort: a source that cannot be asked gives no cuts."""
    graph = project.graph
    upstream = [n for n in graph.nodes.values() if n.uuid in graph.upstream(write.uuid) and not n.disabled]
    cuts: set[int] = set()
    for node in upstream:
        cuts |= _held_changes(node, frames)
        if node.type.media_file is not None:
            cuts |= _clip_edges(project, node, frames)
        cuts |= _script_cuts(project, node, frames, engine)
    return {frame for frame in cuts if frames.first < frame <= frames.last}


def _held_changes(node: NodeInstance, frames: FrameRange) -> set[int]:
    found = set()
    for value in node.params.values():
        if not isinstance(value, AnimCurve):
            continue
        for before, after in zip(value.keys, value.keys[1:], strict=False):
            if before.interp is Interp.HOLD and before.value != after.value:
                found.add(math.ceil(after.frame))
    return found


def _clip_edges(project: Project, node: NodeInstance, frames: FrameRange) -> set[int]:
    """Frames where a reader's clip appears, disappears or jumps (not where it plays on or holds)."""
    from filmstudio.media.pool import shared_pool

    values = node.values_at(frames.first)
    name = node.type.media_file
    if not name or not values[name]:
        return set()
    reader = node.type.shared()
    try:
        clip = shared_pool.open(project.resolve_path(values[name]))
    except FilmStudioError:
        return set()  # the chunk that reads it reports the problem, naming the node

    def shown(frame: int) -> int | None:
        try:
            return reader.clip_frame(values, clip.first, clip.last, frame)
        except FilmStudioError:
            return None

    found, previous = set(), shown(frames.first)
    for frame in range(frames.first + 1, frames.last + 1):
        now = shown(frame)
        if (now is None) != (previous is None) or (
            now is not None and previous is not None and now not in (previous, previous + 1)
        ):
            found.add(frame)
        previous = now
    return found


def _script_cuts(project: Project, node: NodeInstance, frames: FrameRange, engine: Any) -> set[int]:
    """Shot starts (else scene starts) of the Script linked into ``node``, timed as the node reads
    it (its ``script_start`` and ``reading_speed`` when it has them; the defaults otherwise)."""
    links = project.graph.input_links(node.uuid)
    ports = [i.name for i in node.type.inputs if i.type is PortType.SCRIPT and i.name in links]
    if not ports:
        return set()
    from filmstudio.script.timing import DEFAULT_READING_WPM

    values = node.values_at(frames.first)
    found: set[int] = set()
    for port in ports:
        link = links[port]
        try:
            script = engine.evaluate(
                project.graph.nodes[link.source].name, frames.first, output=link.source_port
            )
            timing = script.timing(
                project.settings.fps,
                int(values.get("script_start", 1)),
                int(values.get("reading_speed", DEFAULT_READING_WPM)),
            )
        except (FilmStudioError, AttributeError, TypeError):
            continue  # not a timed script: no cuts from it
        ranges = timing.shots or timing.scenes
        found |= {timed.first for timed in ranges}
    return found


# --- chunks ---------------------------------------------------------------------------------------------


def default_chunk(frame_count: int, workers: int) -> int:
    """About four chunks per worker (a slow or lost chunk then delays the end by little), and no
    fewer than 8 frames (each chunk pays for opening its media and starting its encoder)."""
    return max(8, math.ceil(frame_count / max(1, 4 * workers)))


def split_range(frames: FrameRange, chunk: int, cuts: Sequence[int] | set[int] = ()) -> list[FrameRange]:
    """``frames`` as consecutive chunks of about ``chunk`` frames (equal sizes), each boundary
    moved to the nearest cut within a quarter chunk. Step ranges split on their own frames."""
    items = list(frames)
    count = max(1, math.ceil(len(items) / chunk))
    size = len(items) / count
    # a cut between two rendered frames of a step range starts the chunk at the later one
    cut_indices = sorted({bisect.bisect_left(items, cut) for cut in cuts} - {0, len(items)})
    starts = [0]
    for number in range(1, count):
        ideal = round(number * size)
        near = [i for i in cut_indices if abs(i - ideal) <= size / 4 and i > starts[-1]]
        start = min(near, key=lambda i: (abs(i - ideal), i)) if near else ideal
        if starts[-1] < start < len(items):
            starts.append(start)
    ends = [*starts[1:], len(items)]
    return [FrameRange(items[a], items[b - 1], frames.step) for a, b in zip(starts, ends, strict=True)]


# What one step of a frame's plan weighs in a chunk's estimated cost, by where its node runs.
_STEP_WEIGHT = {"gpu": 8.0, "cpu": 2.0, "any": 1.0}
_SAMPLES = 4  # frames of a chunk planned to estimate its cost


def chunk_costs(write: NodeInstance, ranges: Sequence[Any], engine: Any) -> list[float]:
    """An estimate of each chunk's rendering work (only their order matters): its frame count
    times the mean weight of the plans of a few of its frames, each step weighing by where its
    node runs (a model on the model worker most). A frame that cannot be planned weighs 1."""
    from filmstudio.engine.request import FrameRequest

    costs = []
    for frames in ranges:
        items = list(frames)
        picked = sorted({items[round(i * (len(items) - 1) / max(1, _SAMPLES - 1))] for i in range(_SAMPLES)})
        try:
            plans = engine.plan(FrameRequest.of(write, picked, cache_frames=False))
            steps = plans[0].memo.values() if plans else ()
            weight = sum(_STEP_WEIGHT.get(step.node.type.device.value, 1.0) for step in steps) / len(picked)
        except Exception:  # planning a broken frame fails: the chunk will say why when it renders
            weight = 1.0
        costs.append(len(items) * max(weight, 1.0))
    return costs
