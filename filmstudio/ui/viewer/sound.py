"""The viewed node's sound for the timeline and playback: which Audio, evaluated off the GUI
thread, and its waveform peaks, computed off the GUI thread and cached.

Which sound (:func:`sound_source`): a selected node that only makes sound (an Audio Mix, which the
viewer cannot show as a picture); else the viewed node's first Audio output (a Read); else what a
writer would write: the Audio linked to the viewed writer's Audio input, or to that of the enabled
writer rendering the viewed node; none otherwise.

Threads, as the viewer's frame requests (napari's slicer habit): :meth:`SoundLoader.refresh`
plans on the GUI thread (planning reads the graph), evaluates and measures the waveform on the
engine's request threads, and delivers by queued signal; a newer refresh cancels the older one
and a late result carrying an old generation is dropped. ``force_sync`` runs it all on the
calling thread (tests).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal

from filmstudio.audio.cache import BLOCK
from filmstudio.audio.clip import Audio, frame_sample
from filmstudio.core.context import CancelToken
from filmstudio.core.errors import Cancelled, FilmStudioError
from filmstudio.core.graph import Graph
from filmstudio.core.types import PortType
from filmstudio.engine.request import FrameRequest
from filmstudio.ui.session import EditorSession

BINS_PER_FRAME = 8  # waveform resolution: peaks per frame, enough for ~8 px a frame when zoomed in
_KEPT_WAVEFORMS = 8


def sound_source(graph: Graph, viewed: str | None, selected: Sequence[str] = ()) -> tuple[str, str] | None:
    """(node uuid, output port) of the sound that goes with what the artist looks at, or None."""
    for uuid in reversed(selected):
        node = graph.nodes.get(uuid)
        if node is not None and all(o.type is PortType.AUDIO for o in node.type.outputs):
            return node.uuid, node.type.outputs[0].name
    node = graph.nodes.get(viewed or "")
    if node is None:
        return None
    port = next((o.name for o in node.type.outputs if o.type is PortType.AUDIO), None)
    if port is not None:
        return node.uuid, port
    writers = [node] if node.type.output_file is not None else []
    writers += [
        n
        for n in graph.nodes.values()
        if n.type.output_file is not None
        and not n.disabled
        and n.type.inputs
        and (link := graph.input_links(n.uuid).get(n.type.inputs[0].name)) is not None
        and link.source == node.uuid
    ]
    for writer in writers:  # the sound it would write
        wanted = next((i.name for i in writer.type.inputs if i.type is PortType.AUDIO), None)
        link = graph.input_links(writer.uuid).get(wanted or "")
        if link is not None:
            return link.source, link.source_port
    return None


@dataclass(frozen=True)
class Waveform:
    """Peaks of ``audio`` over frames ``first..last``: ``peaks[i]`` is the loudest sample (0..1,
    all channels) of bin ``i``, :data:`BINS_PER_FRAME` bins a frame."""

    first: int
    last: int
    peaks: np.ndarray

    def peak_between(self, start: float, end: float) -> float:
        """The loudest peak between fractional frames ``start`` and ``end``."""
        lo = max(0, int((start - self.first) * BINS_PER_FRAME))
        hi = min(len(self.peaks), max(lo + 1, int(np.ceil((end - self.first) * BINS_PER_FRAME))))
        return float(self.peaks[lo:hi].max()) if hi > lo else 0.0


_waveforms: OrderedDict[tuple[str, int, int, Fraction], Waveform] = OrderedDict()


def measure(
    audio: Audio, first: int, last: int, fps: Fraction, cancel: CancelToken | None = None
) -> Waveform:
    """The :class:`Waveform` of ``audio`` over frames ``first..last`` (any thread; remembered for
    the last few sounds, by content key, so undoing an edit shows the old waveform at once)."""
    name = (audio.key, first, last, Fraction(fps))
    found = _waveforms.get(name)
    if found is not None:
        return found
    starts = np.array([frame_sample(f, fps, audio.rate) for f in range(first, last + 2)], np.int64)
    lengths = np.diff(starts)
    # BINS_PER_FRAME bins a frame, each frame's own samples split evenly: bins stay on frames
    edges = (starts[:-1, None] + lengths[:, None] * np.arange(BINS_PER_FRAME) // BINS_PER_FRAME).ravel()
    edges = np.append(edges, starts[-1])
    peaks = np.zeros(len(edges) - 1, np.float32)
    extent = audio.extent()
    if extent is not None:
        start, stop = max(int(edges[0]), extent[0]), min(int(edges[-1]), extent[1])
        for begin in range(start - start % BLOCK, stop, BLOCK):
            if cancel is not None:
                cancel.raise_if_cancelled()
            lo, hi = max(begin, start), min(begin + BLOCK, stop)
            if hi <= lo:
                continue
            level = np.abs(audio.samples(lo, hi)).max(axis=0)
            first_bin = int(np.searchsorted(edges, lo, side="right")) - 1
            inner = edges[(edges > lo) & (edges < hi)]
            cuts = np.concatenate([[0], inner - lo]).astype(np.intp)
            bins = first_bin + np.arange(len(cuts))
            peaks[bins] = np.maximum(peaks[bins], np.maximum.reduceat(level, cuts))
    found = Waveform(first, last, np.minimum(peaks, 1.0))
    _waveforms[name] = found
    while len(_waveforms) > _KEPT_WAVEFORMS:
        _waveforms.popitem(last=False)
    return found


class SoundLoader(QObject):
    """The viewed node's sound and waveform, kept current for the timeline and playback.

    Signals: ``soundChanged(object)`` (an :class:`Audio` or None) and ``waveformChanged(object)``
    (a :class:`Waveform` or None), on the GUI thread. ``problem`` says why there is no sound (an
    evaluation error), empty otherwise.
    """

    soundChanged = Signal(object)
    waveformChanged = Signal(object)
    _delivered = Signal(int, object, object, str)  # generation, audio, waveform, problem: queued

    def __init__(
        self, session: EditorSession, parent: QObject | None = None, force_sync: bool = False
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.force_sync = force_sync
        self.audio: Audio | None = None
        self.waveform: Waveform | None = None
        self.problem = ""
        self._generation = 0
        self._token = CancelToken()
        self._source: tuple[Any, ...] | None = None
        self._delivered.connect(self._deliver)

    def refresh(self) -> None:
        """Look again at what the viewed node sounds like (after graph edits, a new viewed node, a
        new range). GUI thread: plans here, runs on the engine's request threads."""
        session = self.session
        source = sound_source(session.graph, session.viewed_node, session.selected)
        frames = session.frame_range
        first, last = frames.first, frames.first + (len(frames) - 1) * frames.step
        fps = session.project.settings.fps
        self._token.cancel("superseded")
        self._generation += 1
        self._token = token = CancelToken()
        generation = self._generation
        if source is None:
            self._deliver(generation, None, None, "")
            return
        try:
            # the sound is the same at every frame: ask at the current one, which the viewer has
            # most likely evaluated already (a Read's sound comes with its picture)
            request = FrameRequest.at(source[0], session.current_frame, source[1], cancel=token)
            plan = session.engine.plan(request)[0]
        except FilmStudioError as error:
            self._deliver(generation, None, None, str(error))
            return
        job: Callable[[], None] = lambda: self._run(generation, plan, first, last, fps, token)  # noqa: E731
        if self.force_sync:
            job()
        else:
            try:
                session.engine.run_in_background(job)
            except RuntimeError:  # the engine is closing
                return

    def cancel(self) -> None:
        self._token.cancel("stopped")
        self._generation += 1

    def _run(
        self, generation: int, plan: Any, first: int, last: int, fps: Fraction, token: CancelToken
    ) -> None:
        try:
            audio = self.session.engine.execute(plan)
            if not isinstance(audio, Audio):
                self._delivered.emit(generation, None, None, "")
                return
            self._delivered.emit(generation, audio, None, "")  # playable before it is measured
            self._delivered.emit(generation, audio, measure(audio, first, last, fps, token), "")
        except Cancelled:
            return
        except FilmStudioError as error:
            self._delivered.emit(generation, None, None, str(error))

    def _deliver(self, generation: int, audio: Audio | None, waveform: Waveform | None, problem: str) -> None:
        if generation != self._generation:
            return  # superseded
        self.problem = problem
        if audio != self.audio or audio is None:
            self.audio = audio
            self.soundChanged.emit(audio)
        if waveform is not self.waveform:
            self.waveform = waveform
            self.waveformChanged.emit(waveform)
