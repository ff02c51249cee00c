"""Work around a PySide6 6.12 bug on Python 3.11: every call of a C++ method that returns void
hands Python a ``None`` it took no reference for, so each call lowers None's reference count by
one. After a few thousand calls (one repaint of a large graph) CPython aborts with "deallocating
None". Python 3.12 made None immortal and is not affected.

:func:`keep_none_alive` gives None a reference count no session can use up. It belongs where the
application first imports Qt (``filmstudio.ui``); the graph editor calls it because it makes the
most such calls. Any thread; idempotent.
"""

from __future__ import annotations

import ctypes
import sys

_HEADROOM = 1 << 60  # decades of calls at millions per second; far from the 2**63 limit


def keep_none_alive() -> None:
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return
    count = ctypes.c_ssize_t.from_address(id(None))
    if count.value < _HEADROOM // 2:
        count.value += _HEADROOM
