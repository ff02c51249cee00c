"""What can go wrong while a language model writes: each error says what happened and what to do.

Generation either finishes and stores a take, or raises one of these and changes nothing: the
project never holds half an answer. ``str(error)`` is fit to show (the editor, ``filmstudio
generate``).
"""

from __future__ import annotations

from filmstudio.core import takes as _takes
from filmstudio.core.errors import FilmStudioError


class LLMError(FilmStudioError):
    """Base of the LLM back ends' errors."""


class LLMDependencyError(LLMError):
    """A package the local back end needs (gguf, accelerate) is missing."""


class NoTakeError(LLMError):
    """A node that renders its active take has none yet."""


# A take operation names a take that does not exist, or a take's data is not usable: the error
# of every node's takes (filmstudio.core.takes), raised by the LLM's take functions too.
TakeError = _takes.TakeError


class ServerError(LLMError):
    """An OpenAI-compatible server could not give an answer. ``url`` is the server's base URL."""

    def __init__(self, url: str, message: str) -> None:
        self.url = url
        super().__init__(message)


class ServerUnreachableError(ServerError):
    """Nothing answers at the base URL (connection refused, unknown host, connect timeout)."""


class ServerTimeoutError(ServerError):
    """The server accepted the request, then stopped sending for longer than the read timeout."""


class ServerAuthError(ServerError):
    """The server refused the API key (401/403), or wants one and none is set."""


class UnknownServerModelError(ServerError):
    """The server has no model of that name (404), or the base URL is not an OpenAI API."""


class RateLimitError(ServerError):
    """The server is rate-limiting (429); ``retry_after`` is its suggested wait in seconds, if given."""

    def __init__(self, url: str, message: str, retry_after: float | None) -> None:
        self.retry_after = retry_after
        super().__init__(url, message)


class StreamInterruptedError(ServerError):
    """The connection dropped while the answer was streaming; ``received`` characters had arrived."""

    def __init__(self, url: str, message: str, received: int) -> None:
        self.received = received
        super().__init__(url, message)


class ServerResponseError(ServerError):
    """The server answered with an error of its own, or with something that is not the protocol."""
