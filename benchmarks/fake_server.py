"""The fake provider both overhead benchmarks time against: a keep-alive
HTTP/1.1 server on 127.0.0.1 (a free port, in a thread) that answers every
POST with one fixed JSON body, as fast as the standard library allows."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["start_server"]


def start_server(response: bytes) -> tuple[ThreadingHTTPServer, str]:
    """Start the server; return it and its root URL (``http://127.0.0.1:<port>``)."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive
        disable_nagle_algorithm = True
        wbufsize = 64 * 1024  # headers and body leave in one write (flushed per request)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(response)))
            self.end_headers()
            self.wfile.write(response)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host, port = server.server_address[:2]
    return server, f"http://{host!s}:{port}"
