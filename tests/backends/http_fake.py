"""A scripted provider on a real loopback socket (HTTP/1.1 keep-alive, in a
thread), for the tests of the HTTP backends where the transport matters.

``script[path]`` lists the replies for that path (without the query), in
order; the last one repeats. Every request is kept in ``received``, and
``connections`` counts the TCP connections accepted (connection reuse).
It listens on a free port unless given one."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import urlsplit


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # JSON-encoded, unless raw is set
    raw: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drop: bool = False  # close the connection without answering
    # A body sent with chunked transfer encoding, made on the fly (endless...).
    stream: Callable[[], Iterable[bytes]] | None = None


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


class ScriptedServer(ThreadingHTTPServer):
    """Subclasses set the API's path prefix and the body of an unscripted 404."""

    daemon_threads = True
    prefix: ClassVar[str] = ""
    not_found: ClassVar[Any] = {"message": "no route"}

    def __init__(self, port: int = 0) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.script: dict[str, list[Reply]] = {}
        self.received: list[Received] = []
        self.connections = 0
        self.lock = threading.Lock()

    @property
    def root(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def base_url(self) -> str:
        return self.root + self.prefix

    def next_reply(self, path: str) -> Reply:
        with self.lock:
            replies = self.script.get(path) or [Reply(404, self.not_found)]
            return replies.pop(0) if len(replies) > 1 else replies[0]

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that gave up (timeout test) is expected


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: ScriptedServer

    def setup(self) -> None:
        super().setup()
        with self.server.lock:
            self.server.connections += 1

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        with self.server.lock:
            self.server.received.append(
                Received(self.command, self.path, dict(self.headers.items()), body)
            )
        reply = self.server.next_reply(urlsplit(self.path).path)
        if reply.delay:
            time.sleep(reply.delay)
        if reply.drop:
            self.close_connection = True
            return
        if reply.stream is not None:
            self._serve_stream(reply)
            return
        if reply.raw is not None:
            payload = reply.raw
        else:
            payload = b"" if reply.body is None else json.dumps(reply.body).encode()
        try:
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except OSError:
            self.close_connection = True

    def _serve_stream(self, reply: Reply) -> None:
        assert reply.stream is not None
        self.close_connection = True
        try:
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for chunk in reply.stream():
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            self.wfile.write(b"0\r\n\r\n")
        except OSError:
            pass  # the client hung up: what a capped reader does

    do_GET = _serve
    do_POST = _serve


def serve(fake: ScriptedServer) -> Iterator[ScriptedServer]:
    """Run ``fake`` for the length of a fixture."""
    thread = threading.Thread(target=fake.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield fake
    fake.shutdown()
    fake.server_close()
    thread.join(5)
