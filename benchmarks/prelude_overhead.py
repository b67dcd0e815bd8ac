"""How much do PreludeBackend and the official Prelude SDK add on top of a
bare ``requests`` call?

Starts a local keep-alive fake Prelude server (HTTP/1.1, 127.0.0.1, a free
port, in a thread), then in the same run times
``PreludeBackend.create_authentication``, the official SDK's
``verification.create`` (``prelude-python-sdk``, if installed; retries off)
and a bare ``requests.Session.post`` of the same JSON body to the same URL.
The three are interleaved in rounds, the order rotating on every call, so
that drift in machine load hits all alike.

    python benchmarks/prelude_overhead.py [CALLS] [ROUNDS]

Prints the medians in microseconds, the ratios to the bare call and the
target (PreludeBackend ratio <= 1.10). A measurement, not a test: it never
fails.
"""

from __future__ import annotations

import gc
import json
import statistics
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import django  # noqa: E402
from django.conf import settings  # noqa: E402

API_KEY = "bench-api-key"
PHONE = "+33612345678"
TARGET = 1.10
RESPONSE = json.dumps(
    {
        "id": "vrf_01jc0t6fwwfgfsq1md24mhyztj",
        "status": "success",
        "method": "message",
        "channels": ["sms"],
        "request_id": "req_1",
    }
).encode()


class FakePreludeHandler(BaseHTTPRequestHandler):
    """Answers every POST with a fixed verification."""

    protocol_version = "HTTP/1.1"  # keep-alive
    disable_nagle_algorithm = True
    wbufsize = 64 * 1024  # headers and body leave in one write (flushed per request)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(RESPONSE)))
        self.end_headers()
        self.wfile.write(RESPONSE)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def main(argv: list[str]) -> int:
    calls = int(argv[1]) if len(argv) > 1 else 2000
    rounds = int(argv[2]) if len(argv) > 2 else 20
    if calls < rounds or rounds < 1:
        print("usage: prelude_overhead.py [CALLS >= ROUNDS] [ROUNDS >= 1]")
        return 2

    server = ThreadingHTTPServer(("127.0.0.1", 0), FakePreludeHandler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host, port = server.server_address[:2]
    root = f"http://{host!s}:{port}"
    settings.configure(
        DEBUG=False,
        USE_TZ=True,
        INSTALLED_APPS=[],
        DING={
            "BACKEND": "django_ding.backends.prelude.PreludeBackend",
            "API_KEY": API_KEY,
            "BASE_URL": root + "/v2",
        },
    )
    django.setup()

    import requests

    from django_ding.backends.ding import USER_AGENT
    from django_ding.backends.prelude import ENDPOINTS, PreludeBackend

    backend = PreludeBackend()
    url = backend.base_url + ENDPOINTS["create_authentication"].path
    session = requests.Session()
    body = {"target": {"type": "phone_number", "value": PHONE}}
    headers = {
        "User-Agent": USER_AGENT,
        "Accept": "application/json",
        "Authorization": f"Bearer {API_KEY}",
    }
    timeout = backend.timeout

    sides: dict[str, Callable[[], object]] = {
        "PreludeBackend.create_authentication": lambda: backend.create_authentication(PHONE),
        "bare requests.Session.post": lambda: session.post(
            url, json=body, headers=headers, timeout=timeout
        ),
    }
    sdk: Any = None
    try:
        from prelude_python_sdk import Prelude
    except ImportError:
        print("prelude-python-sdk not installed: SDK figures skipped (pip install -e '.[test]')")
    else:
        sdk = Prelude(api_token=API_KEY, base_url=root, max_retries=0, timeout=timeout[1])
        sides["prelude-python-sdk verification.create"] = lambda: sdk.verification.create(
            target={"type": "phone_number", "value": PHONE}
        )

    calls_of = list(sides.values())
    for _ in range(200):  # warm up every connection and cache
        for call in calls_of:
            call()

    timings: dict[str, list[int]] = {name: [] for name in sides}
    names = list(sides)
    per_round = calls // rounds
    clock = time.perf_counter_ns
    gc.disable()
    try:
        for _ in range(rounds):
            for index in range(per_round):
                shift = index % len(names)
                for name in names[shift:] + names[:shift]:
                    call = sides[name]
                    started = clock()
                    call()
                    timings[name].append(clock() - started)
            gc.collect()
    finally:
        gc.enable()
        backend.close()
        session.close()
        if sdk is not None:
            sdk.close()
        server.shutdown()
        server.server_close()

    medians = {name: statistics.median(values) / 1000 for name, values in timings.items()}
    bare = medians["bare requests.Session.post"]
    print(f"calls per side: {per_round * rounds} in {rounds} interleaved rounds")
    for name, median in medians.items():
        print(f"{name:<40} median: {median:8.1f} µs  ratio: {median / bare:.3f}")
    ratio = medians["PreludeBackend.create_authentication"] / bare
    print(f"target: PreludeBackend ratio <= {TARGET:.2f} {'PASS' if ratio <= TARGET else 'ABOVE'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
