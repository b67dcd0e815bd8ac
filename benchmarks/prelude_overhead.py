"""How much do PreludeBackend and the official Prelude SDK add on top of a
bare ``requests`` call?

Starts a local keep-alive fake Prelude server (HTTP/1.1, 127.0.0.1, a free
port, in a thread), then in the same run times
``PreludeBackend.create_authentication``, the official SDK's
``verification.create`` (``prelude-python-sdk``, if installed; retries off)
and a bare ``requests.Session.post`` of the same JSON body to the same URL.
Each client is timed in a pair with the bare call, the two interleaved in
rounds with the order alternating, so that drift in machine load hits both
alike; the pairs run one after the other in the same run, each ratio against
its own bare median (interleaving the SDK's httpx client with ours too made
every figure noisier).

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
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import django  # noqa: E402
from django.conf import settings  # noqa: E402
from fake_server import start_server  # noqa: E402  (beside this script)

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


def compare(
    call: Callable[[], object], bare: Callable[[], object], *, calls: int, rounds: int
) -> tuple[float, float]:
    """Medians (µs) of ``call`` and ``bare``, interleaved, after a warm-up."""
    for _ in range(200):  # warm up every connection and cache
        call()
        bare()
    timings: tuple[list[int], list[int]] = ([], [])
    clock = time.perf_counter_ns
    gc.disable()
    try:
        for _ in range(rounds):
            for index in range(calls // rounds):
                order = ((0, call), (1, bare)) if index % 2 else ((1, bare), (0, call))
                for slot, function in order:
                    started = clock()
                    function()
                    timings[slot].append(clock() - started)
            gc.collect()
    finally:
        gc.enable()
    return statistics.median(timings[0]) / 1000, statistics.median(timings[1]) / 1000


def main(argv: list[str]) -> int:
    calls = int(argv[1]) if len(argv) > 1 else 2000
    rounds = int(argv[2]) if len(argv) > 2 else 20
    if calls < rounds or rounds < 1:
        print("usage: prelude_overhead.py [CALLS >= ROUNDS] [ROUNDS >= 1]")
        return 2

    server, root = start_server(RESPONSE)
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

    bare_name = "bare requests.Session.post"
    bare = sides.pop(bare_name)
    results: list[tuple[str, float, float]] = []
    try:
        for name, call in sides.items():
            mine, base = compare(call, bare, calls=calls, rounds=rounds)
            results.append((name, mine, base))
    finally:
        backend.close()
        session.close()
        if sdk is not None:
            sdk.close()
        server.shutdown()
        server.server_close()

    print(f"calls per side: {calls // rounds * rounds} in {rounds} interleaved rounds per pair")
    for name, mine, base in results:
        print(f"{name:<40} median: {mine:8.1f} µs  bare: {base:8.1f} µs  ratio: {mine / base:.3f}")
    name, mine, base = results[0]
    ratio = mine / base
    print(f"target: PreludeBackend ratio <= {TARGET:.2f} {'PASS' if ratio <= TARGET else 'ABOVE'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
