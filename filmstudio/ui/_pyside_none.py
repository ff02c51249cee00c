"""Guard against a PySide6 6.12.0 bug on Python 3.11: every call of a C++ method that returns void
hands Python a ``None`` it took no reference for (and some bool returns a ``True``/``False``), so
each call lowers that singleton's reference count by one. After a few thousand calls (one repaint
of a large graph, a few thousand playhead moves) CPython aborts with "deallocating None". 6.11 is
not affected, nor is Python 3.12+ (immortal singletons).

pyproject.toml keeps 6.12.0 out; :func:`keep_singletons_alive` covers an environment that has it
anyway, by giving the three singletons a reference count no session can use up. Called once, when
``filmstudio.ui`` is imported (before any widget exists). Idempotent.
"""

from __future__ import annotations

import ctypes
import sys

_HEADROOM = 1 << 60  # decades of calls at millions per second; far from the 2**63 limit


def affected() -> bool:
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return False
    import PySide6

    return tuple(PySide6.__version_info__[:2]) == (6, 12)


def keep_singletons_alive() -> None:
    if not affected():
        return
    for singleton in (None, True, False):
        count = ctypes.c_ssize_t.from_address(id(singleton))
        if count.value < _HEADROOM // 2:
            count.value += _HEADROOM
