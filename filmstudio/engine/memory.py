"""Process memory tuning for frame-sized buffers.

glibc serves allocations above its mmap threshold (128 KiB by default, rising only slowly) with
fresh ``mmap`` pages and returns them to the OS on free. A frame cache churns through many
frame-sized buffers, so every new frame would page-fault its whole buffer in again (a 256x256 RGBA
float frame is 256 pages; a 1080p one 8,100). Raising the mmap and trim thresholds keeps freed
frame memory in the process for the next frame — the reason PyTorch's CPU tuning guide suggests
jemalloc/tcmalloc. The trim threshold is bounded (256 MiB) so a long export's RSS stays flat: with
1 GiB the 60 s render of the export benchmark peaked 11% above the 10 s one, with 256 MiB 2-4%.

Worker threads allocate from glibc's per-thread arenas: 64 MiB heaps that are unmapped as soon as
one is wholly free, so the model worker's activations were page-faulted in afresh on most frames
(50,000-115,000 faults and +40-90% time on a 480p CPU upscale). glibc keeps a heap when its free
top is within ``M_TOP_PAD`` of the heap size, so the pad is set to one heap (64 MiB): thread arenas
keep their memory for the next frame, and the main arena trims down to 64 MiB rather than to
nothing — the trim threshold is raised by the same pad, so touched memory kept stays at 256 MiB.
On two cores the CPU model benchmark went from 0.72-0.92 to 0.905-0.986 of the bare loop (16
runs), the export benchmark from 0.98 to 1.05-1.12 with its RSS ratio still 1.01-1.06, and the
scheduler benchmark's cold runs stopped page-faulting between rounds.

Blocks above the mmap threshold's 32 MiB ceiling (a model's activations: 32 channels of a 480p
frame are 52 MB) would still be mmapped and page-faulted in afresh on every layer, so mmapped
chunks are switched off (``M_MMAP_MAX`` 0) and they come from the heap like the rest: a CPU
upscaler ran 1.5-2.8x faster, and the export benchmark kept its ratio (0.98 -> 1.03) and flat
memory (rss_ratio 1.01 -> 1.02).
Best effort: a no-op off glibc or when ``FILMSTUDIO_DEFAULT_MALLOC`` is set.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

_M_TRIM_THRESHOLD = -1
_M_TOP_PAD = -2
_M_MMAP_THRESHOLD = -3
_M_MMAP_MAX = -4
_MMAP_THRESHOLD = 32 << 20  # glibc's upper limit on 64-bit
_TOP_PAD = 64 << 20  # one thread-arena heap: glibc then keeps a freed heap instead of unmapping it
_TRIM_THRESHOLD = (256 << 20) + _TOP_PAD  # keep up to 256 MiB of freed memory (not more: RSS stays flat)

_tuned = False


def tune_allocator() -> bool:
    """Raise glibc's mmap/trim thresholds once per process; returns whether it applied."""
    global _tuned
    if _tuned:
        return True
    if not sys.platform.startswith("linux") or os.environ.get("FILMSTUDIO_DEFAULT_MALLOC"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl, macOS): leave the allocator alone
        return False
    mmap_set = bool(mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD)) and bool(mallopt(_M_MMAP_MAX, 0))
    kept = bool(mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD)) and bool(mallopt(_M_TOP_PAD, _TOP_PAD))
    _tuned = mmap_set and kept
    return _tuned
