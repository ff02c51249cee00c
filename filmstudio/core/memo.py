"""Work remembered for particular objects: :class:`IdentityMemo`.

Some values are worth computing once per *object* rather than per equal value: a take's immutable
data (its digest, its parsed latent), a cached colour pipeline (its compiled decode). Hashing such
an object to find it would cost as much as the work, so the memo looks it up by ``id`` — and holds
the object while it remembers it, so that its id cannot be handed to another object meanwhile.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any


class IdentityMemo:
    """``make(obj)`` remembered for the ``size`` latest (object, name) pairs. Thread-safe; two
    threads asking at once for something new may both make it (the later result is kept)."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._found: OrderedDict[tuple[int, Hashable], tuple[Any, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, obj: Any, what: Hashable, make: Callable[[Any], Any]) -> Any:
        """``make(obj)``, remembered for this very object under the name ``what``."""
        key = (id(obj), what)
        with self._lock:
            found = self._found.get(key)
            if found is not None and found[0] is obj:
                self._found.move_to_end(key)
                return found[1]
        value = make(obj)
        with self._lock:
            self._found[key] = (obj, value)
            while len(self._found) > self._size:
                self._found.popitem(last=False)
        return value
