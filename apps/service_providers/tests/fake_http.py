"""A local HTTP server that plays a provider's API in contract tests.

Routes map (method, path regex) to a handler that receives the recorded request and returns a
FakeResponse; a response body may be bytes, a JSON-able object, or an iterable of chunks written
as they come (server-sent events). Every request is recorded so a test can check the wire format
the adapter sent: path, headers, JSON body.
"""

import json
import re
import ssl
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class FakeResponse:
    status: int = 200
    body: Any = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering: for timeouts

    def encoded(self) -> tuple[bytes | Iterable[bytes], dict[str, str]]:
        headers = dict(self.headers)
        if isinstance(self.body, bytes | str):
            raw = self.body.encode() if isinstance(self.body, str) else self.body
            return raw, headers
        if isinstance(self.body, dict | list):
            headers.setdefault("Content-Type", "application/json")
            return json.dumps(self.body).encode(), headers
        return (chunk.encode() if isinstance(chunk, str) else chunk for chunk in self.body), headers


def sse(events: Iterable[Any], *, named: bool = False, done: bool = False) -> FakeResponse:
    """A server-sent event stream: `data: <json>` per event, or (`named`) (event_name, payload) pairs."""

    def chunks():
        for event in events:
            if named:
                name, payload = event
                yield f"event: {name}\ndata: {json.dumps(payload)}\n\n"
            else:
                yield f"data: {json.dumps(event)}\n\n"
        if done:
            yield "data: [DONE]\n\n"

    return FakeResponse(body=chunks(), headers={"Content-Type": "text/event-stream"})


Handler = Callable[[RecordedRequest], FakeResponse]


class FakeServer:
    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        """`tls`: a server-side context, to answer HTTPS (tests of certificate and SNI handling)."""
        self.routes: list[tuple[str, re.Pattern[str], Handler | list[FakeResponse]]] = []
        self.requests: list[RecordedRequest] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        if tls is not None:
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        self._scheme = "https" if tls else "http"
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        port = self._server.server_address[1]
        return f"{self._scheme}://127.0.0.1:{port}"

    def route(self, method: str, path_pattern: str, handler: Handler | FakeResponse | list[FakeResponse]) -> None:
        """Answer requests matching the path regex (full match). A list of responses is played in
        order, the last one repeating; a single response always."""
        if isinstance(handler, FakeResponse):
            handler = [handler]
        self.routes.insert(0, (method.upper(), re.compile(path_pattern), handler))

    def requests_to(self, path_pattern: str) -> list[RecordedRequest]:
        pattern = re.compile(path_pattern)
        return [request for request in self.requests if pattern.fullmatch(request.path)]

    def start(self) -> "FakeServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _respond(self, request: RecordedRequest) -> FakeResponse:
        for method, pattern, handler in self.routes:
            if method == request.method and pattern.fullmatch(request.path):
                if callable(handler):
                    return handler(request)
                return handler.pop(0) if len(handler) > 1 else handler[0]
        return FakeResponse(404, {"error": {"message": f"no fake route for {request.method} {request.path}"}})

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class RequestHandler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # small chunked writes would otherwise wait for delayed ACKs

            def log_message(self, format, *args):  # noqa: A002 - keep test output quiet
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                parts = urlsplit(self.path)
                request = RecordedRequest(
                    method=self.command,
                    path=parts.path,
                    query=parse_qs(parts.query),
                    headers={key.lower(): value for key, value in self.headers.items()},
                    body=self.rfile.read(length) if length else b"",
                )
                fake.requests.append(request)
                response = fake._respond(request)
                if response.delay:
                    time.sleep(response.delay)
                body, headers = response.encoded()
                try:
                    self.send_response(response.status)
                    for key, value in headers.items():
                        self.send_header(key, value)
                    if isinstance(body, bytes):
                        self.send_header("Content-Length", str(len(body)))
                        self.end_headers()
                        self.wfile.write(body)
                    else:
                        self.send_header("Transfer-Encoding", "chunked")
                        self.end_headers()
                        for chunk in body:
                            self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                            self.wfile.flush()
                        self.wfile.write(b"0\r\n\r\n")
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

            do_GET = do_POST = do_PUT = do_DELETE = _handle

        return RequestHandler
