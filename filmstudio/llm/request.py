"""What a back end is asked (:class:`GenerationRequest`) and what it answers (:class:`GenerationResult`),
and the streaming sink that carries text to a UI while a take is generated.

The sink: :func:`streaming_to` installs a callback for the duration of a generation on the thread
that runs it (a context variable, so a node's ``generate_take(ctx)`` — whose signature the engine
fixes — needs no extra argument); back ends call :func:`emit` with each new piece of text. The
callback runs on that thread (the model worker for the local back end): a UI must hand the text to
its own thread (a queued signal) and must not block.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

TextSink = Callable[[str], None]

_SINK: contextvars.ContextVar[TextSink | None] = contextvars.ContextVar("filmstudio_llm_sink", default=None)


@dataclass(frozen=True)
class GenerationRequest:
    """One chat completion. ``messages`` are (role, content) pairs; ``temperature`` 0 is greedy.
    ``json_schema``, when set, asks for JSON following it (constrained where the back end can).
    ``seed`` makes a local model repeat itself exactly; servers take it as a hint."""

    messages: tuple[tuple[str, str], ...]
    temperature: float = 0.7
    top_p: float = 0.95
    max_tokens: int = 512
    seed: int = 0
    json_schema: Mapping[str, Any] | None = None

    def chat(self) -> list[dict[str, str]]:
        """The messages as OpenAI / transformers chat messages."""
        return [{"role": role, "content": content} for role, content in self.messages]


@dataclass(frozen=True)
class GenerationResult:
    """A finished answer. ``finish`` is "stop" (the model ended it) or "length" (max_tokens hit);
    ``made_by`` identifies what wrote it (back end, model and its file digest or the server's
    fingerprint), JSON data stored in the take."""

    text: str
    finish: str
    tokens: int
    made_by: dict[str, Any] = field(default_factory=dict)


@contextlib.contextmanager
def streaming_to(sink: TextSink | None) -> Iterator[None]:
    """Send the text of generations run inside the block, on this thread, to ``sink``."""
    token = _SINK.set(sink)
    try:
        yield
    finally:
        _SINK.reset(token)


def emit(text: str) -> None:
    """Hand a new piece of the answer to the current sink (if any)."""
    sink = _SINK.get()
    if sink is not None and text:
        sink(text)
