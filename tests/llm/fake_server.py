"""A real OpenAI-compatible chat-completions server on 127.0.0.1, in a thread, for the server
back end's tests: SSE streaming over chunked HTTP/1.1, and failures on demand.

``mode`` picks the behaviour of the next requests:

- ``ok``: streams ``text`` in ``pieces`` (a role chunk first, ``finish_reason`` "stop", then
  ``[DONE]``), pausing ``delay`` seconds between pieces;
- ``401`` / ``404`` / ``429`` (with ``Retry-After: 7``): the OpenAI error bodies;
- ``stall``: sends the headers and one piece, then nothing until the test ends (a read timeout);
- ``drop``: sends two pieces, then closes the connection mid-body (no terminating chunk);
- ``no-schema``: answers 400 to a request with ``response_format``, else like ``ok``.

Every request is recorded (path, headers, JSON body) in ``requests``. :meth:`close` wakes stalled
handlers and joins every thread, so no test leaks one.
"""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SERVED_MODEL = "fake-model-2025-01"
FINGERPRINT = "fp_test_1234"


class FakeOpenAI:
    def __init__(self) -> None:
        self.mode = "ok"
        self.text = "INT. KITCHEN - NIGHT\n\nADA\nWe have to go.\n"
        self.delay = 0.0
        self.requests: list[dict[str, Any]] = []
        self.release = threading.Event()  # set on close: stalled and slow handlers finish
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name="fake-openai")

    def __enter__(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()  # joins the handler threads (block_on_close)
        self._thread.join()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def pieces(self) -> list[str]:
        """``text`` as the server streams it: word by word, keeping the whitespace."""
        out, current = [], ""
        for char in self.text:
            current += char
            if char in " \n":
                out.append(current)
                current = ""
        return [*out, current] if current else out


class _Server(ThreadingHTTPServer):
    daemon_threads = False
    block_on_close = True
    fake: FakeOpenAI


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet test output
        pass

    def do_POST(self) -> None:
        fake = self.server.fake
        length = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(length) or b"{}")
        fake.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
        mode = fake.mode
        if self.path != "/v1/chat/completions":
            return self._error(404, {"message": f"no route {self.path}", "type": "invalid_request_error"})
        if mode == "401":
            return self._error(401, {"message": "Incorrect API key provided", "code": "invalid_api_key"})
        if mode == "404":
            model = body.get("model")
            return self._error(
                404, {"message": f"The model `{model}` does not exist", "code": "model_not_found"}
            )
        if mode == "429":
            return self._error(
                429, {"message": "Rate limit reached", "code": "rate_limit"}, {"Retry-After": "7"}
            )
        if mode == "no-schema" and "response_format" in body:
            return self._error(
                400, {"message": "response_format is not supported", "type": "invalid_request_error"}
            )
        self._stream(fake, mode)

    def _error(self, status: int, error: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        data = json.dumps({"error": error}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _stream(self, fake: FakeOpenAI, mode: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self._event({"role": "assistant", "content": ""}, None)
        pieces = fake.pieces()
        for index, piece in enumerate(pieces):
            if mode == "drop" and index == 2:
                self.connection.shutdown(socket.SHUT_RDWR)  # mid-body: no terminating chunk
                self.close_connection = True
                return
            if mode == "stall" and index == 1:
                fake.release.wait(30)
                self.close_connection = True
                return
            if not self._event({"content": piece}, None):
                return  # the client went away (a cancelled or timed-out request)
            if fake.delay and fake.release.wait(fake.delay):
                self.close_connection = True
                return
        if self._event({}, "stop") and self._chunk(b"data: [DONE]\n\n"):
            self._chunk(b"")

    def _event(self, delta: dict[str, Any], finish: str | None) -> bool:
        event = {
            "id": "chatcmpl-1",
            "object": "chat.completion.chunk",
            "model": SERVED_MODEL,
            "system_fingerprint": FINGERPRINT,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }
        return self._chunk(f"data: {json.dumps(event)}\n\n".encode())

    def _chunk(self, data: bytes) -> bool:
        try:
            self.wfile.write(f"{len(data):X}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()
        except OSError:
            self.close_connection = True
            return False
        return True


def server_node(project: Any, server: FakeOpenAI, **params: Any) -> Any:
    """An LLM Script node of ``project`` that asks ``server``."""
    values = {"prompt": "A heist in a bakery.", "backend": "server", "model": "test-model", "seed": 5}
    return project.add_node("LLMScript", base_url=server.base_url, **{**values, **params})
