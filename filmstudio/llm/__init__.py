"""Language models for the LLM Script node: back ends, presets, and takes.

- :func:`generate` (:mod:`filmstudio.llm.generation`): make a node's next take, streaming its text to
  a callback, cancellable, stored as one undo step only when it succeeds;
- :mod:`filmstudio.llm.takes`: list, switch, compare, rename, delete and edit takes (undoable);
- back ends: :mod:`filmstudio.llm.local` (a transformers folder or a GGUF file, on the model
  worker) and :mod:`filmstudio.llm.server` (any OpenAI-compatible server, streamed over SSE);
- :mod:`filmstudio.llm.prompts`: the task presets; :mod:`filmstudio.llm.script_take`: what a
  Script take holds and how the node renders it.

No Qt; torch, transformers and httpx load only when a model or server is used.
"""

from __future__ import annotations

from filmstudio.core.lazy import lazy_exports
from filmstudio.llm.errors import (
    LLMDependencyError,
    LLMError,
    NoTakeError,
    RateLimitError,
    ServerAuthError,
    ServerError,
    ServerResponseError,
    ServerTimeoutError,
    ServerUnreachableError,
    StreamInterruptedError,
    TakeError,
    UnknownServerModelError,
)
from filmstudio.llm.request import GenerationRequest, GenerationResult

_LAZY = {
    "generate": "filmstudio.llm.generation",
    "Take": "filmstudio.llm.takes",
    "list_takes": "filmstudio.llm.takes",
    "get_take": "filmstudio.llm.takes",
    "active_take": "filmstudio.llm.takes",
    "switch_take": "filmstudio.llm.takes",
    "rename_take": "filmstudio.llm.takes",
    "delete_take": "filmstudio.llm.takes",
    "edit_take": "filmstudio.llm.takes",
    "diff_takes": "filmstudio.llm.takes",
    "PRESETS": "filmstudio.llm.prompts",
    "LLM_PRESETS": "filmstudio.llm.prompts",
}

__all__ = [
    "GenerationRequest",
    "GenerationResult",
    "LLMDependencyError",
    "LLMError",
    "NoTakeError",
    "RateLimitError",
    "ServerAuthError",
    "ServerError",
    "ServerResponseError",
    "ServerTimeoutError",
    "ServerUnreachableError",
    "StreamInterruptedError",
    "TakeError",
    "UnknownServerModelError",
    *sorted(_LAZY),
]


__getattr__, __dir__ = lazy_exports(__name__, globals(), _LAZY)
