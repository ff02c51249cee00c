"""The limits a project file stays within, and the check of a whole JSON document against them.

Hostile or damaged files must be refused quickly with a :class:`ProjectError` naming the place,
never load into something that cannot be saved or rendered. Python's ``json`` lets through what
our project cannot hold (1e400 becomes ``inf``, a 5,000-digit integer raises a bare ValueError,
nesting is limited only by the interpreter's stack), so the reader parses with the hooks below and
checks the document once, in time linear in its size; the writer runs the same check before it
writes, so whatever loads saves and whatever saves loads.

Timing and format limits (frames, rates, image sizes) live with the values in
:mod:`filmstudio.core.timebase`; parameter values are bounded by :meth:`Param.coerce`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any, NoReturn

from filmstudio.core.params import INT_RANGE

# 256 MiB: six times a 170,000-node graph (43 MB); parsing more takes gigabytes of memory.
MAX_FILE_BYTES = 256 * 2**20
# Objects and lists inside each other, counted from the document itself. Real projects reach
# about 10 (a take's data inside a node's state); the writer recurses twice per level and must stay
# well inside Python's recursion limit of 1000 even when called from deep in the editor's stack.
MAX_DEPTH = 100
# Digits of a whole number: more than INT_RANGE ever needs, checked before Python converts the text
# (which, past 4,300 digits, raises a bare ValueError, and takes quadratic time below that).
_MAX_INT_DIGITS = 21
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")

_PLACE_STEPS = 12  # a place deeper than this is shown cut short

Fail = Callable[[str, str], NoReturn]


class _Unrepresentable:
    """A number the JSON text holds but Python cannot (the check reports it at its place)."""

    def __init__(self, text: str, problem: str) -> None:
        self.text = text
        self.problem = problem


def parse_int(text: str) -> int | _Unrepresentable:
    """``json.loads``'s ``parse_int``: digits beyond any 64-bit number are not converted."""
    if len(text.lstrip("-")) > _MAX_INT_DIGITS:
        return _Unrepresentable(text, f"a whole number of {len(text.lstrip('-')):,} digits is too large")
    return int(text)


def parse_float(text: str) -> float | _Unrepresentable:
    """``json.loads``'s ``parse_float``: 1e400 is not a number, not infinity."""
    value = float(text)
    if not math.isfinite(value):
        return _Unrepresentable(text, f"{_short(text)} is too large for a number (at most about 1.8e308)")
    return value


def check_document(document: Any, fail: Fail) -> None:
    """Check every value of a parsed (or about to be written) document: nesting depth, whole
    numbers within 64 bits, finite numbers, text that is valid Unicode, JSON types only. Calls
    ``fail(problem, place)`` for the first problem (``place`` like ``nodes[2].state.tracks``).
    Iterative and linear in the document's size."""
    # (value, depth, trail): trail is (parent trail, key), the place is built only on failure
    stack: list[tuple[Any, int, Any]] = [(document, 1, None)]
    while stack:
        value, depth, trail = stack.pop()
        if isinstance(value, dict):
            if depth > MAX_DEPTH:
                fail(f"nested more than {MAX_DEPTH} levels deep; no project needs that", _place(trail))
            for key, child in value.items():
                if not isinstance(key, str):
                    fail(f"object keys must be text, not {_short(repr(key))}", _place(trail))
                _check_text(key, fail, trail)
                stack.append((child, depth + 1, (trail, key)))
        elif isinstance(value, list | tuple):
            if depth > MAX_DEPTH:
                fail(f"nested more than {MAX_DEPTH} levels deep; no project needs that", _place(trail))
            stack.extend((child, depth + 1, (trail, index)) for index, child in enumerate(value))
        elif isinstance(value, str):
            _check_text(value, fail, trail)
        elif isinstance(value, bool) or value is None:
            continue
        elif isinstance(value, int):
            if not INT_RANGE[0] <= value <= INT_RANGE[1]:
                fail("the whole number is too large: whole numbers must fit 64 bits", _place(trail))
        elif isinstance(value, float):
            if not math.isfinite(value):
                fail(f"{value} is not a number a project file can hold", _place(trail))
        elif isinstance(value, _Unrepresentable):
            fail(value.problem, _place(trail))
        else:
            fail(f"{type(value).__name__} is not JSON data (text, numbers, lists, objects)", _place(trail))


def _check_text(text: str, fail: Fail, trail: Any) -> None:
    # lone surrogates ("\ud800") parse, but cannot be written as UTF-8: the save would fail
    if not text.isascii() and _LONE_SURROGATE.search(text):
        fail(
            "the text holds an unpaired surrogate escape (\\ud800-\\udfff): not valid Unicode", _place(trail)
        )


def _place(trail: Any) -> str:
    """``nodes[2].state.tracks`` for the trail of keys from the document to a value."""
    steps: list[str | int] = []
    while trail is not None:
        trail, key = trail
        steps.append(key)
    steps.reverse()
    text = ""
    for step in steps[:_PLACE_STEPS]:
        step = step if isinstance(step, int) else _short(step)
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else step)
    return text + (f"... ({len(steps)} levels)" if len(steps) > _PLACE_STEPS else "")


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit] + "..."
