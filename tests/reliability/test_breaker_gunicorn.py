"""The circuit breaker under a real server: gunicorn (2 workers x 8 threads,
``gthread``) serving the send view, sharing the breaker through the database
cache of one SQLite file, in front of a Prelude v2 provider that is down the
slow way (its connects time out).

Once the breaker is open, 50 parallel sends finish within twice the connect
timeout in all, each with the usual "could not send right now" page, and
none reaches the provider until the cool-off is over and one probe goes
through (the provider comes back for it and counts every connection).
"""

from __future__ import annotations

import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
import requests

from tests.backends.blackhole import Blackhole
from tests.backends.http_fake import Reply, ScriptedServer, serve
from tests.backends.prelude_payloads import CREATE_RESPONSE

pytest.importorskip("gunicorn")

ROOT = Path(__file__).resolve().parents[2]
CONNECT_TIMEOUT = 2.0
FAILURES = 3  # BREAKER_FAILURES
COOL_OFF = 8.0  # BREAKER_COOL_OFF
PARALLEL = 50
WORKERS, THREADS = 2, 8
COULD_NOT_SEND = "We could not send a code right now."
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

SETTINGS = """\
from tests.settings import *  # noqa: F403

DEBUG = False
DATABASES = {{
    "default": {{
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": {db!r},
        "OPTIONS": {{
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
        }},
    }}
}}
# Shared by every worker: the breaker's state lives here.
CACHES = {{
    "default": {{
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "ding_cache",
    }}
}}
SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
DING = {{
    "BACKEND": "django_ding.backends.prelude.PreludeBackend",
    "API_KEY": "sk_breaker-test-not-real",
    "BASE_URL": {base_url!r},
    "TIMEOUT": ({connect!r}, {connect!r}),
    "MAX_RETRIES": 0,
    "BREAKER_FAILURES": {failures!r},
    "BREAKER_COOL_OFF": {cool_off!r},
    "BREAKER_CACHE": "default",
    "SEND_LIMIT_PER_IP": (10_000, 3600),
    "SEND_LIMIT_GLOBAL_PER_HOUR": None,
    "SEND_ONBOARDED_FEEDBACK": False,
}}
LOGGING = {{
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {{"plain": {{"format": "%(process)d %(levelname)s %(name)s %(message)s"}}}},
    "handlers": {{
        "file": {{"class": "logging.FileHandler", "filename": {log!r}, "formatter": "plain"}}
    }},
    "loggers": {{"django_ding": {{"handlers": ["file"], "level": "DEBUG"}}}},
}}
"""
WSGI = """\
from django.core.wsgi import get_wsgi_application

application = get_wsgi_application()
"""


class FakePrelude(ScriptedServer):
    prefix: ClassVar[str] = "/v2"
    not_found: ClassVar[Any] = {"code": "not_found", "message": "?"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _phone(n: int) -> str:
    return f"+336120{n:05d}"


class Site:
    """The gunicorn site: ``visitor()`` opens a session on the send page and
    returns a function that posts one number from it."""

    def __init__(self, url: str, folder: Path) -> None:
        self.url = url
        self.db = folder / "site.sqlite3"
        self.log = folder / "ding.log"

    def visitor(self) -> Callable[[str], requests.Response]:
        session = requests.Session()
        page = session.get(self.url + "/verify/", timeout=30)
        assert page.status_code == 200
        match = CSRF.search(page.text)
        assert match
        token = match.group(1)

        def send(phone: str) -> requests.Response:
            return session.post(
                self.url + "/verify/",
                data={"csrfmiddlewaretoken": token, "phone_number": phone},
                headers={"Referer": self.url + "/verify/"},
                allow_redirects=False,
                timeout=30,
            )

        return send

    def error_codes(self) -> dict[str, int]:
        with sqlite3.connect(self.db) as db:
            rows = db.execute(
                "SELECT status || ':' || error_code, COUNT(*) FROM django_ding_authentication "
                "GROUP BY 1"
            ).fetchall()
        return dict(rows)

    def log_lines(self, text: str) -> list[str]:
        return [line for line in self.log.read_text().splitlines() if text in line]


@pytest.fixture(scope="module")
def provider_port() -> int:
    return _free_port()


@pytest.fixture(scope="module")
def site(provider_port: int, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("breaker-site")
    port = _free_port()
    site = Site(f"http://127.0.0.1:{port}", folder)
    (folder / "breaker_site.py").write_text(
        SETTINGS.format(
            db=str(site.db),
            log=str(site.log),
            base_url=f"http://127.0.0.1:{provider_port}/v2",
            connect=CONNECT_TIMEOUT,
            failures=FAILURES,
            cool_off=COOL_OFF,
        )
    )
    (folder / "breaker_wsgi.py").write_text(WSGI)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(folder), str(ROOT)]),
        "DJANGO_SETTINGS_MODULE": "breaker_site",
    }
    env.pop("DING_TEST_DATABASE_URL", None)  # its own SQLite file, on either database
    for name in [name for name in env if name.startswith("COV_CORE_")]:
        del env[name]  # no coverage in the workers: it would only slow the timing down
    for command in (["migrate", "--noinput"], ["createcachetable"]):
        subprocess.run(
            [sys.executable, "-m", "django", *command, "-v", "0"],
            env=env,
            cwd=folder,
            check=True,
            timeout=120,
        )
    errors = (folder / "gunicorn.log").open("wb")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(WORKERS),
            "--threads",
            str(THREADS),
            "--worker-class",
            "gthread",
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "60",
            "--log-level",
            "warning",
            "breaker_wsgi:application",
        ],
        env=env,
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=errors,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(site.url + "/verify/", timeout=5).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert server.poll() is None, (folder / "gunicorn.log").read_text()
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.2)
        # Warm every worker thread up (imports, URLconf, templates, connections).
        warm = [threading.Thread(target=site.visitor) for _ in range(WORKERS * THREADS * 2)]
        for thread in warm:
            thread.start()
        for thread in warm:
            thread.join(60)
        yield site
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:  # pragma: no cover
            server.kill()
            server.wait(20)
        errors.close()


def _in_parallel(calls: list[Callable[[], requests.Response]]) -> tuple[list[Any], float]:
    """Run ``calls`` at once (one thread each); return their outcomes, in
    order, and the wall time from the start to the last answer."""
    barrier = threading.Barrier(len(calls) + 1)
    outcomes: list[Any] = [None] * len(calls)

    def run(index: int) -> None:
        barrier.wait()
        try:
            outcomes[index] = calls[index]()
        except Exception as err:  # pragma: no cover - reported by the assertions
            outcomes[index] = err

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join(60)
    return outcomes, time.perf_counter() - started


def _could_not_send(response: Any) -> bool:
    return isinstance(response, requests.Response) and (
        response.status_code == 200 and COULD_NOT_SEND in response.text
    )


def _sender(send: Callable[[str], requests.Response], phone: str) -> Callable[[], Any]:
    return lambda: send(phone)


def test_an_open_breaker_keeps_50_parallel_sends_fast_and_off_the_provider(
    site: Site, provider_port: int
):
    # Every session first (CSRF cookie and token), so only the POSTs are timed.
    openers = [site.visitor() for _ in range(FAILURES)]
    crowd = [site.visitor() for _ in range(PARALLEL)]
    early = [site.visitor() for _ in range(5)]
    probers = [site.visitor() for _ in range(10)]
    after = site.visitor()

    down = Blackhole(provider_port)
    try:
        # 1. The provider is down: each send waits for its connect timeout,
        #    until FAILURES in a row open the breaker.
        waits = []
        for n, send in enumerate(openers):
            started = time.perf_counter()
            response = send(_phone(n))
            waits.append(time.perf_counter() - started)
            assert _could_not_send(response), response.text[:500]
        opened_at = time.monotonic()
        assert min(waits) >= CONNECT_TIMEOUT * 0.9

        # 2. Open: 50 parallel sends from 50 sessions and numbers.
        calls = [_sender(send, _phone(100 + n)) for n, send in enumerate(crowd)]
        outcomes, elapsed = _in_parallel(calls)
    finally:
        down.close()
    print(  # noqa: T201
        f"\nbreaker: {FAILURES} sends to the down provider took "
        f"{', '.join(f'{w:.2f}' for w in waits)} s; then {PARALLEL} parallel sends on "
        f"gunicorn ({WORKERS}x{THREADS} gthread) took {elapsed:.3f} s in all "
        f"(limit {2 * CONNECT_TIMEOUT:.1f} s = twice the connect timeout)"
    )
    failed = [o for o in outcomes if not _could_not_send(o)]
    assert not failed, [getattr(o, "status_code", o) for o in failed]
    assert elapsed < 2 * CONNECT_TIMEOUT
    # The history says why each failed: a connect timeout for the first
    # three, the open breaker (nothing sent) for the fifty.
    assert site.error_codes() == {"failed:timeout": FAILURES, "failed:circuit_open": PARALLEL}
    assert len(site.log_lines("-> DingTimeoutError")) == FAILURES
    assert len(site.log_lines("circuit breaker opened")) == 1

    # 3. The provider is back (and counts connections), the cool-off is not
    #    over: still nothing reaches it.
    with _provider(provider_port) as provider:
        provider.script = {
            "/v2/verification": [
                Reply(body={**CREATE_RESPONSE, "id": "vrf_probe"}, delay=0.5),
                Reply(body={**CREATE_RESPONSE, "id": "vrf_after"}),
            ]
        }
        outcomes, _ = _in_parallel([_sender(send, _phone(200 + n)) for n, send in enumerate(early)])
        assert time.monotonic() < opened_at + COOL_OFF, "the test was too slow to show this"
        assert all(_could_not_send(o) for o in outcomes)
        assert provider.connections == 0

        # 4. Cool-off over: of ten parallel sends one is the probe and reaches
        #    the provider; the others fail fast while it is in flight.
        time.sleep(max(0.0, opened_at + COOL_OFF + 0.2 - time.monotonic()))
        outcomes, elapsed_probe = _in_parallel(
            [_sender(send, _phone(300 + n)) for n, send in enumerate(probers)]
        )
        sent = [o for o in outcomes if isinstance(o, requests.Response) and o.status_code == 302]
        assert len(sent) == 1, [getattr(o, "status_code", o) for o in outcomes]
        assert sum(_could_not_send(o) for o in outcomes) == len(probers) - 1
        assert len(provider.received) == 1
        assert json.loads(provider.received[0].body)["target"]["value"] == _phone(
            300 + outcomes.index(sent[0])
        )

        # 5. The probe closed it: sends reach the provider again.
        assert after(_phone(400)).status_code == 302
        assert len(provider.received) == 2
    print(  # noqa: T201
        f"breaker: after the cool-off, {len(probers)} parallel sends took "
        f"{elapsed_probe:.3f} s: 1 probe reached the provider, {len(probers) - 1} failed fast"
    )
    assert len(site.log_lines("circuit breaker closed")) == 1


class _provider:
    """The fake Prelude on ``port``, serving in a thread for a ``with`` block."""

    def __init__(self, port: int) -> None:
        self.server = FakePrelude(port)
        self._serving = serve(self.server)

    def __enter__(self) -> FakePrelude:
        return next(self._serving)

    def __exit__(self, *exc: object) -> None:
        next(self._serving, None)
