"""Work remembered by key (:class:`KeyedMemo`), for particular objects (:class:`IdentityMemo`) and
for one plan pass (:func:`pass_memo`, :func:`remembered`).

Some values are worth computing once per *object* rather than per equal value: a take's immutable
data (its digest, its parsed latent), a cached colour pipeline (its compiled decode). Hashing such
an object to find it would cost as much as the work, so the memo looks it up by ``id`` — and holds
the object while it remembers it, so that its id cannot be handed to another object meanwhile.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

_pass: ContextVar[dict[Hashable, Any] | None] = ContextVar("filmstudio_pass_memo", default=None)


class KeyedMemo:
    """``make()`` remembered under a hashable key, for the ``size`` keys made or used latest.
    Thread-safe; two threads asking at once for a new key may both make it (the later result is
    kept). Errors are not remembered."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._found: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, make: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._found:
                self._found.move_to_end(key)
                return self._found[key]
        value = make()
        with self._lock:
            self._found[key] = value
            while len(self._found) > self._size:
                self._found.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._found.clear()


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


@contextmanager
def pass_memo() -> Iterator[None]:
    """Within it, :func:`remembered` gives each key's first result again. The planner runs each
    plan pass in one: what the pass's frames read from disk (where a model's file is, whether it
    changed) is read once for all of them, and afresh by the next pass. Nested: the outer one
    holds. Per thread (a context variable)."""
    if _pass.get() is not None:
        yield
        return
    token = _pass.set({})
    try:
        yield
    finally:
        _pass.reset(token)


def remembered(key: Hashable, make: Callable[[], Any]) -> Any:
    """``make()``, or within a :func:`pass_memo` the value it gave earlier in the pass for ``key``
    (errors are not remembered: raised again for each caller)."""
    memo = _pass.get()
    if memo is None:
        return make()
    try:
        return memo[key]
    except KeyError:
        value = memo[key] = make()
        return value
