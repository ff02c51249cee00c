"""The server back end: any OpenAI-compatible chat-completions server (Ollama, vLLM, llama-server,
LM Studio, hosted APIs), streamed over server-sent events with httpx.

The base URL is the API root the server documents (``http://localhost:11434/v1`` for Ollama,
``http://localhost:8000/v1`` for vLLM, ``http://localhost:8080/v1`` for llama-server); requests go
to ``{base_url}/chat/completions``. The API key comes only from the environment —
``$FILMSTUDIO_LLM_API_KEY``, else ``$OPENAI_API_KEY`` — and is never stored in a project or a take.
Timeouts: ``connect_timeout`` to reach the server, ``read_timeout`` between two pieces of the
answer (``$FILMSTUDIO_LLM_TIMEOUT`` seconds, 120 by default: a server may load the model first).

Every failure is a :class:`~filmstudio.llm.errors.ServerError` that names the server and says what
to do: nothing listening, a timeout, a refused key (401/403), an unknown model (404), rate
limiting (429, with the server's Retry-After), a connection dropped mid-answer, or an error the
server reports. What identifies the answer — the model id the server reports and its
``system_fingerprint`` when it sends one — goes into the take.
"""

from __future__ import annotations

import email.utils
import json
import os
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from filmstudio.core.context import CancelToken
from filmstudio.core.errors import Cancelled
from filmstudio.llm import errors as e
from filmstudio.llm.request import GenerationRequest, GenerationResult, emit

API_KEY_VARIABLES = ("FILMSTUDIO_LLM_API_KEY", "OPENAI_API_KEY")
TIMEOUT_VARIABLE = "FILMSTUDIO_LLM_TIMEOUT"
CONNECT_TIMEOUT_S = 10.0
READ_TIMEOUT_S = 120.0
_START = (
    "start it (`ollama serve`, `llama-server -m MODEL.gguf`, `vllm serve MODEL`) "
    "or correct the node's base_url"
)


@dataclass(frozen=True)
class ServerSettings:
    """Where to send a request: the API root, the model name, and the two timeouts in seconds."""

    base_url: str
    model: str
    connect_timeout: float = CONNECT_TIMEOUT_S
    read_timeout: float = READ_TIMEOUT_S

    @classmethod
    def from_environment(cls, base_url: str, model: str) -> ServerSettings:
        """Settings with the read timeout from ``$FILMSTUDIO_LLM_TIMEOUT`` when it is set."""
        value = os.environ.get(TIMEOUT_VARIABLE, "").strip()
        try:
            read = float(value) if value else READ_TIMEOUT_S
        except ValueError:
            raise e.LLMError(f"${TIMEOUT_VARIABLE} must be a number of seconds, not {value!r}") from None
        return cls(base_url, model, read_timeout=read if read > 0 else READ_TIMEOUT_S)

    @property
    def url(self) -> str:
        return self.base_url.strip().rstrip("/")


def api_key() -> tuple[str, str] | None:
    """(variable name, key) of the first API key variable that is set, or None."""
    for name in API_KEY_VARIABLES:
        value = os.environ.get(name, "").strip()
        if value:
            return name, value
    return None


def generate(settings: ServerSettings, request: GenerationRequest, cancel: CancelToken) -> GenerationResult:
    """Stream one chat completion; raises a :class:`ServerError` or :class:`Cancelled`. A server
    that refuses ``response_format`` (HTTP 400) is asked again without it: the shot-list parser
    reads JSON however it comes."""
    import httpx

    url = settings.url
    if not url.startswith(("http://", "https://")):
        raise e.ServerUnreachableError(
            url, f"the LLM server base_url {url!r} is not an http:// or https:// URL: {_START}"
        )
    cancel.raise_if_cancelled()
    timeout = httpx.Timeout(settings.read_timeout, connect=settings.connect_timeout)
    with httpx.Client(timeout=timeout) as client:
        try:
            return _stream(client, settings, request, cancel, _body(settings, request, constrained=True))
        except _Unconstrained:
            return _stream(client, settings, request, cancel, _body(settings, request, constrained=False))


class _Unconstrained(Exception):
    """The server refused constrained output; ask again without it."""


def _schema_name(schema: Mapping[str, Any]) -> str:
    """The name OpenAI-style servers want for a schema (letters, digits, _ and -): its title."""
    title = re.sub(r"[^A-Za-z0-9_-]+", "_", str(schema.get("title") or "")).strip("_")
    return title[:64] or "answer"


def _body(settings: ServerSettings, request: GenerationRequest, constrained: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "model": settings.model,
        "messages": request.chat(),
        "stream": True,
        "temperature": request.temperature,
        "top_p": request.top_p,
        "max_tokens": request.max_tokens,
        "seed": request.seed,
    }
    if constrained and request.json_schema is not None:
        body["response_format"] = {
            "type": "json_schema",
            "json_schema": {
                "name": _schema_name(request.json_schema),
                "strict": True,
                "schema": dict(request.json_schema),
            },
        }
    return body


def _stream(
    client: Any,
    settings: ServerSettings,
    request: GenerationRequest,
    cancel: CancelToken,
    body: dict[str, Any],
) -> GenerationResult:
    import httpx

    url = settings.url
    headers = {"Accept": "text/event-stream"}
    key = api_key()
    if key is not None:
        headers["Authorization"] = f"Bearer {key[1]}"
    pieces: list[str] = []
    try:
        with client.stream("POST", f"{url}/chat/completions", json=body, headers=headers) as response:
            if response.status_code != 200:
                response.read()
                if response.status_code == 400 and "response_format" in body:
                    raise _Unconstrained
                raise _status_error(settings, response, key)
            return _read_events(settings, response, cancel, pieces)
    except (httpx.ConnectError, httpx.ConnectTimeout) as error:
        raise e.ServerUnreachableError(
            url, f"cannot connect to the LLM server at {url} ({_reason(error)}): {_START}"
        ) from None
    except (httpx.ReadTimeout, httpx.WriteTimeout, httpx.PoolTimeout):
        after = f" after {len(''.join(pieces))} characters of the answer" if pieces else ""
        raise e.ServerTimeoutError(
            url,
            f"the LLM server at {url} sent nothing for {settings.read_timeout:g} s{after}: it may be busy "
            f"or still loading the model; try again, or allow longer with {TIMEOUT_VARIABLE}=SECONDS. "
            "Nothing was saved",
        ) from None
    except (httpx.RemoteProtocolError, httpx.ReadError) as error:
        received = len("".join(pieces))
        raise e.StreamInterruptedError(
            url,
            f"the connection to the LLM server at {url} dropped after {received} characters of the "
            f"answer ({_reason(error)}): nothing was saved; generate again",
            received,
        ) from None
    except httpx.UnsupportedProtocol:
        raise e.ServerUnreachableError(url, f"{url} is not an http:// or https:// URL: {_START}") from None


def _read_events(
    settings: ServerSettings, response: Any, cancel: CancelToken, pieces: list[str]
) -> GenerationResult:
    url = settings.url
    made_by: dict[str, Any] = {"backend": "server", "base_url": url, "model": settings.model}
    finish = ""
    chunks = 0
    for line in response.iter_lines():
        if cancel.cancelled:
            raise Cancelled(cancel.reason or "cancelled")
        if not line.startswith("data:"):
            continue  # comments (": keep-alive"), event names, blank separators
        payload = line[5:].strip()
        if payload == "[DONE]":
            return GenerationResult("".join(pieces), finish or "stop", chunks, made_by)
        event = _event(url, payload)
        if "served_model" not in made_by and event.get("model"):
            made_by["served_model"] = str(event["model"])
        if event.get("system_fingerprint"):
            made_by["system_fingerprint"] = str(event["system_fingerprint"])
        for choice in event.get("choices") or ():
            text = (choice.get("delta") or {}).get("content") or ""
            if text:
                chunks += 1
                pieces.append(text)
                emit(text)
            finish = choice.get("finish_reason") or finish
    if finish:  # some servers end the stream after the last choice without [DONE]
        return GenerationResult("".join(pieces), finish, chunks, made_by)
    received = len("".join(pieces))
    raise e.StreamInterruptedError(
        url,
        f"the LLM server at {url} ended the answer after {received} characters without finishing it "
        "(the connection dropped or the server stopped): nothing was saved; generate again",
        received,
    )


def _event(url: str, payload: str) -> dict[str, Any]:
    try:
        event = json.loads(payload)
    except json.JSONDecodeError:
        raise e.ServerResponseError(
            url, f"the LLM server at {url} sent something that is not an OpenAI stream: {payload[:120]!r}"
        ) from None
    if not isinstance(event, dict):
        raise e.ServerResponseError(url, f"the LLM server at {url} sent {payload[:120]!r} in its stream")
    if event.get("error"):
        raise e.ServerResponseError(url, f"the LLM server at {url} stopped with an error: {_message(event)}")
    return event


def _status_error(settings: ServerSettings, response: Any, key: tuple[str, str] | None) -> e.ServerError:
    url, status = settings.url, response.status_code
    detail = _message(_json_or_text(response))
    said = f"HTTP {status}" + (f": {detail}" if detail else "")
    if status in (401, 403):
        if key is None:
            names = " or ".join(f"${n}" for n in API_KEY_VARIABLES)
            return e.ServerAuthError(
                url,
                f"the LLM server at {url} needs an API key ({said}): set {names} in the environment "
                "(keys are never saved in projects)",
            )
        return e.ServerAuthError(
            url, f"the LLM server at {url} refused the API key in ${key[0]} ({said}): set it to a valid key"
        )
    if status == 404:
        return e.UnknownServerModelError(
            url,
            f"the LLM server at {url} has no model {settings.model!r} ({said}): use a model name the server "
            f"lists (`ollama list`, GET {url}/models), and check that base_url is its OpenAI API root "
            "(usually ending in /v1)",
        )
    if status == 429:
        wait = retry_after(response.headers.get("retry-after"))
        when = f"try again in {wait:g} s" if wait is not None else "try again later"
        return e.RateLimitError(
            url, f"the LLM server at {url} is rate-limiting requests ({said}): {when}", wait
        )
    return e.ServerResponseError(url, f"the LLM server at {url} answered {said}")


def retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header: a number of seconds or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, round(when.timestamp() - time.time()))


def _json_or_text(response: Any) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text


def _message(data: Any) -> str:
    """The human part of an error body: OpenAI's ``{"error": {"message": ...}}`` and its cousins."""
    if isinstance(data, dict):
        inner = data.get("error", data)
        if isinstance(inner, dict):
            data = inner.get("message") or inner.get("detail") or json.dumps(inner)[:200]
        else:
            data = inner
    return " ".join(str(data or "").split())[:300]


def _reason(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    if "refused" in text.lower():
        return "connection refused: nothing is listening there"
    return text.splitlines()[0][:160]
