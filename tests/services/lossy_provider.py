"""A real loopback proxy in front of the sandbox's wire API (on the live
server) that loses answers the way flaky networks do.

``proxy.queue("check", "drop")`` makes the next check go through to the
sandbox (which acts on it) and then closes the connection without an answer;
``"slow"`` answers after the client's read timeout, ``"500"`` replaces the
answer with an HTTP 500, ``"malformed"`` with a 200 whose body is not JSON,
and ``"unreached"`` answers 503 without forwarding (the provider never saw
it). ``proxy.always("status", "500")`` fails every status read. Requests
are counted per operation in ``forwarded`` (those that reached the sandbox).
"""

from __future__ import annotations

import threading
import time
from collections import Counter, defaultdict, deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests

#: Headers relayed to the sandbox (the provider's auth and body headers).
_RELAYED = ("content-type", "authorization", "x-api-key", "customer-uuid")


def operation(method: str, path: str) -> str:
    if method == "POST" and path.endswith("/check"):
        return "check"
    if method == "GET" and ("/authentication/" in path or "/history/" in path):
        return "status"
    return "other"


class LossyProxy(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, upstream: str, *, slow_seconds: float) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.upstream = upstream.rstrip("/")
        self.slow_seconds = slow_seconds
        self.lock = threading.Lock()
        self._queued: dict[str, deque[str]] = defaultdict(deque)
        self._always: dict[str, str] = {}
        self.forwarded: Counter[str] = Counter()
        self.session = requests.Session()

    @property
    def root(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def queue(self, op: str, *faults: str) -> None:
        with self.lock:
            self._queued[op].extend(faults)

    def always(self, op: str, fault: str | None) -> None:
        with self.lock:
            if fault is None:
                self._always.pop(op, None)
            else:
                self._always[op] = fault

    def next_fault(self, op: str) -> str | None:
        with self.lock:
            queued = self._queued[op]
            return queued.popleft() if queued else self._always.get(op)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that gave up (read timeout) is expected


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: LossyProxy

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._relay()

    def do_POST(self) -> None:
        self._relay()

    def _relay(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        op = operation(self.command, self.path)
        fault = self.server.next_fault(op)
        if fault == "unreached":
            self._answer(503, b'{"message": "unavailable"}')
            return
        headers = {name: value for name, value in self.headers.items() if name.lower() in _RELAYED}
        upstream = self.server.session.request(
            self.command, self.server.upstream + self.path, data=body, headers=headers, timeout=10
        )
        with self.server.lock:
            self.server.forwarded[op] += 1
        if fault == "drop":
            self.close_connection = True
            return
        if fault == "slow":
            time.sleep(self.server.slow_seconds)
            self.close_connection = True
            return
        if fault == "500":
            self._answer(500, b'{"message": "internal error"}')
            return
        if fault == "malformed":
            self._answer(200, b'{"status": "val')
            return
        self._answer(upstream.status_code, upstream.content)

    def _answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
