"""The circuit breaker (django_ding.backends.circuit) over real loopback
sockets: a scripted server that drops every connection (and counts them), a
port whose connects time out, and a closed port that refuses."""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any, ClassVar

import pytest
from django.core.checks import run_checks
from django.core.management import call_command

from django_ding import signals
from django_ding.backends.circuit import CircuitBreaker, breaker_host
from django_ding.backends.ding import DingBackend
from django_ding.backends.prelude import PreludeBackend
from django_ding.conf import breaker_cache, breaker_cool_off, breaker_failures
from django_ding.exceptions import (
    DingAPIError,
    DingCircuitOpenError,
    DingConfigurationError,
    DingConnectionError,
    DingTimeoutError,
    DingTransportError,
)
from tests.backends.blackhole import Blackhole
from tests.backends.conftest import make_backend
from tests.backends.http_fake import Reply, ScriptedServer, serve
from tests.backends.payloads import AUTH_UUID, CREATE_RESPONSE, PHONE, STATUS_RESPONSE

CREATE = "/v1/authentication"
LOGGER = "django_ding.backends.ding"


class FakeDing(ScriptedServer):
    prefix: ClassVar[str] = "/v1"


@pytest.fixture
def server() -> Iterator[FakeDing]:
    yield from serve(FakeDing())


@pytest.fixture
def breaker_settings(settings: Any) -> dict[str, Any]:
    """A private cache for the breaker and DING keys that turn it on (three
    failures, a short cool-off)."""
    settings.CACHES = {
        **settings.CACHES,
        "breaker": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"breaker-{uuid.uuid4()}",
        },
    }
    keys = {"BREAKER_FAILURES": 3, "BREAKER_COOL_OFF": 0.4, "BREAKER_CACHE": "breaker"}
    settings.DING = {**settings.DING, **keys}
    return keys


@pytest.fixture
def live(server: FakeDing, breaker_settings: dict[str, Any]) -> Iterator[DingBackend]:
    """A DingBackend on the fake, with the breaker of the settings, no retries."""
    backend = make_backend(base_url=server.base_url, timeout=(1.0, 1.0), max_retries=0)
    yield backend
    backend.close()


@pytest.fixture
def opened() -> Iterator[list[dict[str, Any]]]:
    calls: list[dict[str, Any]] = []

    def receiver(**kwargs: Any) -> None:
        calls.append(kwargs)

    signals.circuit_opened.connect(receiver, weak=False)
    yield calls
    signals.circuit_opened.disconnect(receiver)


@pytest.fixture
def closed() -> Iterator[list[dict[str, Any]]]:
    calls: list[dict[str, Any]] = []

    def receiver(**kwargs: Any) -> None:
        calls.append(kwargs)

    signals.circuit_closed.connect(receiver, weak=False)
    yield calls
    signals.circuit_closed.disconnect(receiver)


def _fail(backend: DingBackend, times: int, error: type[Exception] = DingConnectionError) -> None:
    for _ in range(times):
        with pytest.raises(error):
            backend.create_authentication(PHONE)


def _opened_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "circuit breaker opened" in r.getMessage()]


def _wait_out_cool_off(backend: DingBackend) -> None:
    breaker = backend.circuit_breaker
    assert breaker is not None
    time.sleep(breaker.cool_off + 0.05)


# -- Opening --------------------------------------------------------------------------


def test_opens_after_the_configured_consecutive_failures(server: FakeDing, live: DingBackend):
    server.script = {CREATE: [Reply(drop=True)]}

    _fail(live, 3)
    assert server.connections == 3

    started = time.perf_counter()
    with pytest.raises(DingCircuitOpenError) as caught:
        live.create_authentication(PHONE)
    elapsed = time.perf_counter() - started

    assert server.connections == 3  # no socket was opened
    assert elapsed < 0.1
    assert caught.value.request_sent is False
    assert caught.value.retry_after == 1  # ceil of the 0.4 s left
    assert "circuit breaker is open" in caught.value.message
    assert PHONE not in str(caught.value)


def test_stays_closed_below_the_threshold_and_a_success_resets_the_count(
    server: FakeDing, live: DingBackend
):
    server.script = {CREATE: [Reply(drop=True), Reply(drop=True), Reply(body=CREATE_RESPONSE)]}
    _fail(live, 2)
    assert live.create_authentication(PHONE).authentication_uuid == AUTH_UUID
    assert live.circuit_breaker is not None
    assert live.circuit_breaker.consecutive_failures() == 0

    server.script = {CREATE: [Reply(drop=True)]}
    _fail(live, 2)  # 2 in a row again: still closed
    assert not live.circuit_breaker.is_open()
    assert len(server.received) == 5


def test_http_errors_do_not_count(server: FakeDing, live: DingBackend):
    """A 5xx or a 429 is an answer: the provider is reachable, quickly."""
    server.script = {CREATE: [Reply(503, {"message": "busy"}), Reply(429, {"message": "slow"})]}
    _fail(live, 4, DingAPIError)
    assert live.circuit_breaker is not None
    assert not live.circuit_breaker.is_open()
    assert len(server.received) == 4


def test_connect_timeouts_open_it_and_it_then_fails_fast(breaker_settings: dict[str, Any]):
    """The outage the breaker is for: every connect waits its full timeout."""
    with Blackhole() as down:
        backend = make_backend(base_url=down.root + "/v1", timeout=(0.3, 0.3), max_retries=0)
        started = time.perf_counter()
        _fail(backend, 3, DingTimeoutError)
        opening = time.perf_counter() - started

        started = time.perf_counter()
        for _ in range(20):
            with pytest.raises(DingCircuitOpenError):
                backend.create_authentication(PHONE)
        open_calls = time.perf_counter() - started
    assert opening >= 0.85
    assert open_calls < 0.3  # less than one connect timeout for all twenty


def test_a_retried_post_stops_retrying_once_it_opens(breaker_settings: dict[str, Any]):
    """Refused connections are retried (nothing was sent); the attempt that
    opens the breaker is the last one, and the call raises its real error."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    backend = make_backend(base_url=f"http://127.0.0.1:{port}/v1", max_retries=5)

    with pytest.raises(DingConnectionError) as caught:
        backend.create_authentication(PHONE)

    assert type(caught.value) is DingConnectionError
    assert caught.value.request_sent is False
    assert backend.sleeps == [0.5, 1.0]  # type: ignore[attr-defined]  # 3 attempts, not 6
    with pytest.raises(DingCircuitOpenError):
        backend.create_authentication(PHONE)


def test_a_retry_refused_by_a_breaker_opened_elsewhere_raises_the_real_failure(
    server: FakeDing, breaker_settings: dict[str, Any]
):
    """A GET retried after a 503 while another process opened the breaker:
    the call raises the 503, not a circuit error."""
    server.script = {f"/v1/authentication/{AUTH_UUID}": [Reply(503, {"message": "busy"})]}
    server.script[CREATE] = [Reply(drop=True)]
    backend = make_backend(base_url=server.base_url, max_retries=2)
    other = make_backend(base_url=server.base_url, max_retries=0)

    def sleep(seconds: float) -> None:  # another process meets the outage meanwhile
        _fail(other, 3)

    backend.sleep = sleep  # type: ignore[method-assign]
    with pytest.raises(DingAPIError) as caught:
        backend.get_authentication_status(AUTH_UUID)
    assert caught.value.status_code == 503
    assert isinstance(caught.value.__context__, DingCircuitOpenError)
    assert len([r for r in server.received if r.method == "GET"]) == 1


def test_circuit_errors_are_not_counted(server: FakeDing, live: DingBackend):
    server.script = {CREATE: [Reply(drop=True)]}
    _fail(live, 3)
    assert live.circuit_breaker is not None
    for _ in range(5):
        with pytest.raises(DingCircuitOpenError):
            live.create_authentication(PHONE)
    assert live.circuit_breaker.consecutive_failures() == 3


# -- The probe --------------------------------------------------------------------------


def test_one_probe_after_the_cool_off_even_with_parallel_callers(
    server: FakeDing, live: DingBackend, closed: list[dict[str, Any]]
):
    server.script = {CREATE: [Reply(drop=True)]}
    _fail(live, 3)
    _wait_out_cool_off(live)
    server.script = {CREATE: [Reply(body=CREATE_RESPONSE, delay=0.5)]}
    callers = 12
    barrier = threading.Barrier(callers)
    outcomes: list[object] = []
    lock = threading.Lock()

    def call() -> None:
        barrier.wait()
        try:
            result: object = live.create_authentication(PHONE)
        except Exception as err:
            result = err
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=call) for _ in range(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    refused = [o for o in outcomes if isinstance(o, DingCircuitOpenError)]
    answered = [o for o in outcomes if not isinstance(o, Exception)]
    assert len(answered) == 1, outcomes
    assert len(refused) == callers - 1
    assert all(err.retry_after and err.retry_after >= 1 for err in refused)
    assert "probe request is under way" in refused[0].message
    assert len(server.received) == 3 + 1
    # The probe closed it: calls go through again.
    assert live.create_authentication(PHONE).authentication_uuid == AUTH_UUID
    assert len(server.received) == 5
    assert len(closed) == 1
    assert closed[0]["host"] == breaker_host(server.base_url)


def test_a_failed_probe_reopens_for_another_cool_off(
    server: FakeDing,
    live: DingBackend,
    opened: list[dict[str, Any]],
    closed: list[dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
):
    caplog.set_level(logging.INFO, logger=LOGGER)
    server.script = {CREATE: [Reply(drop=True)]}
    _fail(live, 3)
    _wait_out_cool_off(live)

    _fail(live, 1)  # the probe: its own error
    assert server.connections == 4
    with pytest.raises(DingCircuitOpenError):
        live.create_authentication(PHONE)
    assert server.connections == 4
    assert any("the probe request failed" in r.getMessage() for r in caplog.records)

    _wait_out_cool_off(live)
    server.script = {CREATE: [Reply(body=CREATE_RESPONSE)]}
    assert live.create_authentication(PHONE).authentication_uuid == AUTH_UUID
    assert live.create_authentication(PHONE).authentication_uuid == AUTH_UUID
    assert server.connections in (5, 6)  # keep-alive may reuse the probe's connection
    assert len(server.received) == 6

    assert len(opened) == 1  # the re-opening is the same outage
    assert len(closed) == 1
    closing = [r for r in caplog.records if "circuit breaker closed" in r.getMessage()]
    assert [r.levelno for r in closing] == [logging.INFO]


def test_a_5xx_answer_to_the_probe_closes_it(server: FakeDing, live: DingBackend):
    server.script = {CREATE: [Reply(drop=True)]}
    _fail(live, 3)
    _wait_out_cool_off(live)
    server.script = {CREATE: [Reply(500, {"message": "oops"}), Reply(body=CREATE_RESPONSE)]}
    with pytest.raises(DingAPIError):
        live.create_authentication(PHONE)
    assert live.create_authentication(PHONE).authentication_uuid == AUTH_UUID


def test_a_probe_that_never_reports_frees_its_slot(server: FakeDing, live: DingBackend):
    """A process that died while probing: the slot expires after one
    attempt's timeouts, then another caller probes."""
    server.script = {CREATE: [Reply(drop=True)]}
    _fail(live, 3)
    _wait_out_cool_off(live)
    breaker = live.circuit_breaker
    assert breaker is not None
    breaker.probe_window = 0.3
    lost = breaker.admit()  # taken, never reported
    assert lost.probe
    with pytest.raises(DingCircuitOpenError):
        live.create_authentication(PHONE)
    time.sleep(1.1)  # the cache's whole-second timeout
    server.script = {CREATE: [Reply(body=CREATE_RESPONSE)]}
    assert live.create_authentication(PHONE).authentication_uuid == AUTH_UUID


# -- Log line and signal ------------------------------------------------------------------


def test_one_log_line_and_one_signal_per_opening(
    server: FakeDing,
    live: DingBackend,
    opened: list[dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
):
    """Eight threads fail at once past the threshold: one opening."""
    caplog.set_level(logging.INFO, logger=LOGGER)
    server.script = {CREATE: [Reply(drop=True, delay=0.2)]}
    barrier = threading.Barrier(8)

    def call() -> None:
        barrier.wait()
        # Dropped, refused by the breaker, or a connect timeout when the
        # fake's listen queue (5) overflows: all transport failures.
        with contextlib.suppress(DingTransportError):
            live.create_authentication(PHONE)

    threads = [threading.Thread(target=call) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    lines = _opened_lines(caplog)
    assert len(lines) == 1
    record = next(r for r in caplog.records if "circuit breaker opened" in r.getMessage())
    assert record.levelno == logging.WARNING
    host = breaker_host(server.base_url)
    assert lines[0].startswith(f"Ding circuit breaker opened for host {host} after ")
    assert lines[0].endswith(
        " consecutive transport failures: calls fail at once for 0.4 s, then one probe request."
    )
    assert PHONE not in caplog.text
    assert PHONE[-8:] not in caplog.text
    assert len(opened) == 1
    assert opened[0]["sender"] is DingBackend
    assert opened[0]["host"] == host
    assert opened[0]["provider"] == "Ding"
    assert opened[0]["failures"] >= 3
    assert opened[0]["retry_after"] == 1


def test_a_failing_receiver_does_not_break_the_call(
    server: FakeDing, live: DingBackend, caplog: pytest.LogCaptureFixture
):
    def broken(**kwargs: Any) -> None:
        raise RuntimeError("receiver bug")

    signals.circuit_opened.connect(broken, weak=False)
    try:
        server.script = {CREATE: [Reply(drop=True)]}
        _fail(live, 3)
    finally:
        signals.circuit_opened.disconnect(broken)
    assert any("receiver of the circuit breaker signal failed" in r.message for r in caplog.records)
    with pytest.raises(DingCircuitOpenError):
        live.create_authentication(PHONE)


# -- Shared state ---------------------------------------------------------------------------


def test_shared_by_two_backends_through_a_file_cache(
    server: FakeDing, settings: Any, tmp_path: Any, opened: list[dict[str, Any]]
):
    """Two instances (two processes, in production) share the breaker of a
    host through the cache: one opens it, the other fails fast."""
    settings.CACHES = {
        **settings.CACHES,
        "shared": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "breaker"),
        },
    }
    settings.DING = {
        **settings.DING,
        "BREAKER_FAILURES": 2,
        "BREAKER_COOL_OFF": 60,
        "BREAKER_CACHE": "shared",
    }
    first = make_backend(base_url=server.base_url, max_retries=0)
    second = make_backend(base_url=server.base_url, max_retries=0)
    server.script = {CREATE: [Reply(drop=True)]}

    _fail(first, 1)
    _fail(second, 1)  # the second consecutive failure of the host

    for backend in (first, second):
        with pytest.raises(DingCircuitOpenError) as caught:
            backend.create_authentication(PHONE)
        assert 59 <= (caught.value.retry_after or 0) <= 60
    assert server.connections == 2
    assert len(opened) == 1


def test_a_prelude_backend_on_the_same_host_shares_it(
    server: FakeDing, live: DingBackend, breaker_settings: dict[str, Any]
):
    server.script = {CREATE: [Reply(drop=True)]}
    _fail(live, 3)
    prelude = PreludeBackend(api_key="sk_x", base_url=server.root + "/v2", timeout=(1, 1))
    with pytest.raises(DingCircuitOpenError):
        prelude.create_authentication(PHONE)
    assert server.connections == 3


def test_other_hosts_are_not_affected(
    server: FakeDing, live: DingBackend, breaker_settings: dict[str, Any]
):
    server.script = {
        CREATE: [Reply(drop=True)],
        f"/v1/authentication/{AUTH_UUID}": [Reply(body=STATUS_RESPONSE)],
    }
    _fail(live, 3)
    same_port_other_name = make_backend(base_url=f"http://localhost:{server.server_port}/v1")
    assert same_port_other_name.get_authentication_status(AUTH_UUID).uuid == AUTH_UUID


@pytest.mark.django_db(transaction=True)
def test_a_broken_cache_lets_every_call_through(
    server: FakeDing, settings: Any, caplog: pytest.LogCaptureFixture
):
    """No table behind the database cache: the breaker steps aside."""
    settings.CACHES = {
        **settings.CACHES,
        "missing": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "no_such_cache_table",
        },
    }
    settings.DING = {**settings.DING, "BREAKER_FAILURES": 1, "BREAKER_CACHE": "missing"}
    backend = make_backend(base_url=server.base_url, max_retries=0)
    server.script = {CREATE: [Reply(drop=True)]}
    _fail(backend, 3)
    assert server.connections == 3
    warnings = [r for r in caplog.records if "cannot use the cache" in r.getMessage()]
    assert len(warnings) == 1


@pytest.mark.django_db(transaction=True)
def test_the_database_cache_shares_it(server: FakeDing, settings: Any):
    settings.CACHES = {
        **settings.CACHES,
        "db": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "brk"},
    }
    call_command("createcachetable", "brk", verbosity=0)
    settings.DING = {**settings.DING, "BREAKER_FAILURES": 2, "BREAKER_CACHE": "db"}
    server.script = {CREATE: [Reply(drop=True)]}
    first = make_backend(base_url=server.base_url, max_retries=0)
    _fail(first, 2)
    with pytest.raises(DingCircuitOpenError):
        make_backend(base_url=server.base_url).create_authentication(PHONE)
    assert server.connections == 2


def test_off_by_default(server: FakeDing):
    backend = make_backend(base_url=server.base_url, max_retries=0)
    assert backend.circuit_breaker is None
    server.script = {CREATE: [Reply(drop=True)]}
    _fail(backend, 8)
    assert server.connections == 8


def test_the_breaker_host_ignores_credentials_and_case():
    assert breaker_host("https://user:secret@API.Prelude.dev/v2") == "api.prelude.dev"
    assert breaker_host("http://127.0.0.1:8080/v1") == "127.0.0.1:8080"
    assert breaker_host("http://[::1]:9/v1") == "[::1]:9"


def test_from_settings_sizes_the_probe_slot_on_the_timeouts(breaker_settings: dict[str, Any]):
    breaker = CircuitBreaker.from_settings(
        "https://api.ding.test/v1",
        timeout=(3.05, 10.0),
        provider="Ding",
        sender=DingBackend,
        logger=logging.getLogger(LOGGER),
    )
    assert breaker is not None
    assert (breaker.failures, breaker.cool_off, breaker.cache_alias) == (3, 0.4, "breaker")
    assert breaker.probe_window == pytest.approx(14.05)
    assert "secret" not in repr(breaker)


# -- Settings and checks --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value", "check_id"),
    [
        ("BREAKER_FAILURES", 0, "E042"),
        ("BREAKER_FAILURES", -1, "E042"),
        ("BREAKER_FAILURES", 2.5, "E042"),
        ("BREAKER_FAILURES", True, "E042"),
        ("BREAKER_FAILURES", "5", "E042"),
        ("BREAKER_COOL_OFF", 0, "E043"),
        ("BREAKER_COOL_OFF", -3, "E043"),
        ("BREAKER_COOL_OFF", float("nan"), "E043"),
        ("BREAKER_COOL_OFF", float("inf"), "E043"),
        ("BREAKER_COOL_OFF", "30", "E043"),
        ("BREAKER_COOL_OFF", None, "E043"),
        ("BREAKER_CACHE", "nope", "E044"),
        ("BREAKER_CACHE", None, "E044"),
        ("BREAKER_CACHE", 0, "E044"),
    ],
)
def test_a_bad_breaker_setting_is_a_check_error_naming_it(
    settings: Any, key: str, value: object, check_id: str
):
    settings.DING = {**settings.DING, "BREAKER_FAILURES": 5, key: value}
    errors = [m for m in run_checks() if m.id == f"django_ding.{check_id}"]
    assert len(errors) == 1
    assert f"settings.DING[{key!r}]" in errors[0].msg
    reader = {
        "BREAKER_FAILURES": breaker_failures,
        "BREAKER_COOL_OFF": breaker_cool_off,
        "BREAKER_CACHE": breaker_cache,
    }[key]
    with pytest.raises(DingConfigurationError, match=key):
        reader()


def test_good_breaker_settings_pass(settings: Any):
    settings.DING = {**settings.DING, "BREAKER_FAILURES": 5, "BREAKER_COOL_OFF": 30}
    assert not [m for m in run_checks() if m.id.startswith("django_ding.E04")]
    assert (breaker_failures(), breaker_cool_off(), breaker_cache()) == (5, 30.0, "default")
    settings.DING = {**settings.DING, "BREAKER_FAILURES": None}
    assert breaker_failures() is None


@pytest.mark.parametrize(
    ("cache_backend", "warned"),
    [
        ("django.core.cache.backends.locmem.LocMemCache", "private to each process"),
        ("django.core.cache.backends.dummy.DummyCache", "stores nothing"),
        ("django.core.cache.backends.filebased.FileBasedCache", None),
    ],
)
def test_a_cache_the_processes_do_not_share_is_a_warning(
    settings: Any, tmp_path: Any, cache_backend: str, warned: str | None
):
    settings.CACHES = {"default": {"BACKEND": cache_backend, "LOCATION": str(tmp_path)}}
    settings.DEBUG = False
    settings.DING = {
        "BACKEND": "django_ding.backends.prelude.PreludeBackend",
        "API_KEY": "sk_x",
        "BREAKER_FAILURES": 5,
    }
    found = [m for m in run_checks() if m.id == "django_ding.W005"]
    if warned is None:
        assert not found
    else:
        assert len(found) == 1
        assert warned in found[0].msg
        assert "BREAKER_CACHE" in found[0].msg


@pytest.mark.parametrize(
    ("debug", "ding"),
    [
        # runserver: one process
        (True, {"BACKEND": "django_ding.backends.prelude.PreludeBackend", "API_KEY": "k"}),
        # no HTTP backend, nothing to guard
        (False, {"BACKEND": "django_ding.sandbox.backend.SandboxBackend"}),
    ],
)
def test_no_cache_warning_when_it_does_not_matter(settings: Any, debug: bool, ding: dict[str, Any]):
    settings.DEBUG = debug
    settings.DING = {**ding, "BREAKER_FAILURES": 5, "SANDBOX_ALLOW_WITHOUT_DEBUG": True}
    assert not [m for m in run_checks() if m.id == "django_ding.W005"]


def test_no_cache_warning_with_the_breaker_off(settings: Any):
    settings.DEBUG = False
    settings.DING = {"BACKEND": "django_ding.backends.prelude.PreludeBackend", "API_KEY": "k"}
    assert not [m for m in run_checks() if m.id == "django_ding.W005"]
