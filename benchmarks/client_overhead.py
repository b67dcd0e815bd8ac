"""How much does DingBackend add on top of a bare ``requests`` call?

Starts a local keep-alive fake Ding server (HTTP/1.1, 127.0.0.1, a free port,
in a thread), then in the same run times ``DingBackend.create_authentication``
against a bare ``requests.Session.post`` of the same JSON body, with the same
headers and timeout, to the same URL. The two are interleaved in rounds (and
the order flips on every pair) so that drift in machine load hits both alike.

    python benchmarks/client_overhead.py [CALLS] [ROUNDS]

Prints both medians in microseconds, their ratio, and the target
(ratio <= 1.10). It is a measurement, not a test: it never fails.
"""

from __future__ import annotations

import gc
import json
import statistics
import sys
import time
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import django  # noqa: E402
from django.conf import settings  # noqa: E402
from fake_server import start_server  # noqa: E402  (beside this script)

API_KEY = "bench-api-key"
CUSTOMER_UUID = "c9f826e0-deca-41ec-871f-ecd6e8efeb46"
PHONE = "+33612345678"
TARGET = 1.10
RESPONSE = json.dumps(
    {
        "authentication_uuid": "e0e7b0e9-739d-424b-922f-1c2cb48ab077",
        "status": "pending",
        "created_at": "2024-05-01T12:00:00.123456789Z",
        "expires_at": "2024-05-01T12:10:00Z",
    }
).encode()


def start_ding_server() -> tuple[ThreadingHTTPServer, str]:
    server, root = start_server(RESPONSE)
    return server, root + "/v1"


def main(argv: list[str]) -> int:
    calls = int(argv[1]) if len(argv) > 1 else 2000
    rounds = int(argv[2]) if len(argv) > 2 else 20
    if calls < rounds or rounds < 1:
        print("usage: client_overhead.py [CALLS >= ROUNDS] [ROUNDS >= 1]")
        return 2

    server, base_url = start_ding_server()
    settings.configure(
        DEBUG=False,
        USE_TZ=True,
        INSTALLED_APPS=[],
        DING={
            "BACKEND": "django_ding.backends.ding.DingBackend",
            "API_KEY": API_KEY,
            "CUSTOMER_UUID": CUSTOMER_UUID,
            "BASE_URL": base_url,
        },
    )
    django.setup()

    import requests

    from django_ding.backends.ding import ENDPOINTS, USER_AGENT, DingBackend

    backend = DingBackend()
    url = base_url + ENDPOINTS["create_authentication"].path
    session = requests.Session()
    body = {"customer_uuid": CUSTOMER_UUID, "phone_number": PHONE}
    headers = {"User-Agent": USER_AGENT, "Accept": "application/json", "x-api-key": API_KEY}
    timeout = backend.timeout

    def client_call() -> None:
        backend.create_authentication(PHONE)

    def bare_call() -> None:
        session.post(url, json=body, headers=headers, timeout=timeout)

    for _ in range(200):  # warm up both connections and caches
        client_call()
        bare_call()

    # Each round runs its calls as client/bare pairs, the order flipping on
    # every pair, so a burst of load elsewhere on the machine lands on both.
    per_round = calls // rounds
    client_ns: list[int] = []
    bare_ns: list[int] = []
    clock = time.perf_counter_ns
    gc.disable()
    try:
        for _ in range(rounds):
            for pair in range(per_round):
                order = (client_call, bare_call) if pair % 2 else (bare_call, client_call)
                for call in order:
                    started = clock()
                    call()
                    elapsed = clock() - started
                    (client_ns if call is client_call else bare_ns).append(elapsed)
            gc.collect()
    finally:
        gc.enable()
        backend.close()
        session.close()
        server.shutdown()
        server.server_close()

    # The client's own work per call, with the network taken out: the same
    # call through a session that hands back a ready-made response.
    canned = requests.Response()
    canned.status_code = 200
    canned._content = RESPONSE

    class CannedSession(requests.Session):
        def request(self, *args: Any, **kwargs: Any) -> requests.Response:
            return canned

    offline = DingBackend(session=CannedSession())
    work_ns = []
    for _ in range(5):
        started = clock()
        for _ in range(2000):
            offline.create_authentication(PHONE)
        work_ns.append((clock() - started) / 2000)

    client_us = statistics.median(client_ns) / 1000
    bare_us = statistics.median(bare_ns) / 1000
    ratio = client_us / bare_us
    print(f"calls per side: {len(client_ns)} in {rounds} interleaved rounds")
    print(f"DingBackend.create_authentication  median: {client_us:8.1f} µs")
    print(f"bare requests.Session.post         median: {bare_us:8.1f} µs")
    print(f"client-side work per call (network stubbed, best of 5): {min(work_ns) / 1000:.1f} µs")
    print(f"ratio: {ratio:.3f}")
    print(f"target: ratio <= {TARGET:.2f} {'PASS' if ratio <= TARGET else 'ABOVE'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
