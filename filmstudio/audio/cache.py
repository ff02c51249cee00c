"""The sample cache: rendered Audio kept by ``(key, block)``, so sound is computed once per range.

Audio is continuous while the frame cache is per frame, so sound has its own cache: samples are
rendered in blocks of :data:`BLOCK` samples on the project's sample grid (block ``k`` holds samples
``[k * BLOCK, (k + 1) * BLOCK)``) and kept by the Audio's content key. An export, the timeline's
waveform and playback asking for overlapping ranges of the same sound share the blocks; a changed
keyframe changes the mix's key, so only sound that really changed is rendered again. Blocks
outside an Audio's extent are silence and never rendered or stored.

Least recently used blocks go first when the byte budget is exceeded. Thread-safe: rendering runs
outside the lock (two threads asking for the same new block may both render it; the result is the
same).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from filmstudio.audio.clip import Audio

__all__ = ["BLOCK", "AudioCache", "audio_cache"]

BLOCK = 1 << 15  # samples: 0.68 s at 48 kHz, 256 KiB of stereo float32
DEFAULT_BUDGET = 256 << 20


class AudioCache:
    """Rendered blocks of Audio by ``(key, channels, block index)`` within ``budget`` bytes."""

    def __init__(self, budget: int = DEFAULT_BUDGET) -> None:
        self.budget = budget
        self.renders = 0  # blocks rendered (for tests and stats)
        self._blocks: OrderedDict[tuple[str, int, int, int], np.ndarray] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    @property
    def bytes(self) -> int:
        return self._bytes

    def clear(self) -> None:
        with self._lock:
            self._blocks.clear()
            self._bytes = 0

    def samples(self, audio: Audio, start: int, stop: int) -> np.ndarray:
        """``audio``'s samples ``[start, stop)``, read-only, assembled from cached blocks."""
        count = max(0, stop - start)
        extent = audio.extent()
        if extent is not None:
            start_in, stop_in = max(start, extent[0]), min(stop, extent[1])
        if extent is None or stop_in <= start_in:
            silent = np.zeros((audio.channels, count), np.float32)
            silent.flags.writeable = False
            return silent
        first, last = start // BLOCK, (stop - 1) // BLOCK
        if first == last and start_in == start and stop_in == stop:
            block = self._block(audio, first, extent)  # one block: a view, no copy
            view = block[:, start - first * BLOCK : stop - first * BLOCK]
            return view
        out = np.zeros((audio.channels, count), np.float32)
        for index in range(start_in // BLOCK, (stop_in - 1) // BLOCK + 1):
            block = self._block(audio, index, extent)
            lo, hi = max(start_in, index * BLOCK), min(stop_in, (index + 1) * BLOCK)
            out[:, lo - start : hi - start] = block[:, lo - index * BLOCK : hi - index * BLOCK]
        out.flags.writeable = False
        return out

    def _block(self, audio: Audio, index: int, extent: tuple[int, int]) -> np.ndarray:
        name = (audio.key, audio.rate, audio.channels, index)
        with self._lock:
            block = self._blocks.get(name)
            if block is not None:
                self._blocks.move_to_end(name)
                return block
        begin = index * BLOCK
        lo, hi = max(begin, extent[0]), min(begin + BLOCK, extent[1])
        block = np.zeros((audio.channels, BLOCK), np.float32)
        rendered = np.asarray(audio.render(lo, hi), dtype=np.float32)
        if rendered.shape != (audio.channels, hi - lo):
            from filmstudio.audio.clip import AudioError

            raise AudioError(
                f"{type(audio).__name__} rendered {rendered.shape} for {audio.channels} channels "
                f"x {hi - lo} samples: a bug in that Audio"
            )
        block[:, lo - begin : hi - begin] = rendered
        block.flags.writeable = False
        with self._lock:
            self.renders += 1
            if name not in self._blocks:
                self._blocks[name] = block
                self._bytes += block.nbytes
                while self._bytes > self.budget and len(self._blocks) > 1:
                    _old, dropped = self._blocks.popitem(last=False)
                    self._bytes -= dropped.nbytes
            return self._blocks[name]


audio_cache = AudioCache()
"""The process's sample cache, shared by exports, the waveform and playback."""
