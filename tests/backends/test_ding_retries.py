"""Retries only where safe: GETs on 5xx / 429 / connection errors, POSTs only
when nothing was sent. ``backend.sleeps`` records the waits (nothing sleeps)."""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import math
import time
from collections.abc import Callable
from typing import Any

import pytest
import requests
import responses
from django.test import override_settings

from django_ding.backends.ding import DingBackend, parse_retry_after
from django_ding.exceptions import DingAPIError, DingConnectionError, DingTimeoutError
from tests.backends import transport_failures as failures
from tests.backends.conftest import make_backend
from tests.backends.payloads import (
    API_KEY,
    AUTH_UUID,
    BASE_URL,
    CHECK_RESPONSE,
    CODE,
    CREATE_RESPONSE,
    CUSTOMER_UUID,
    FEEDBACK_RESPONSE,
    LOOKUP_RESPONSE,
    PHONE,
    PHONE_QUOTED,
    RETRY_RESPONSE,
    STATUS_RESPONSE,
)

STATUS_URL = f"{BASE_URL}/authentication/{AUTH_UUID}"
LOOKUP_URL = f"{BASE_URL}/lookup/{PHONE_QUOTED}"


def sleeps(backend: DingBackend) -> list[float]:
    recorded: list[float] = backend.sleeps  # type: ignore[attr-defined]
    return recorded


GETS: list[tuple[str, str, Callable[[DingBackend], Any], dict[str, Any]]] = [
    ("status", STATUS_URL, lambda b: b.get_authentication_status(AUTH_UUID), STATUS_RESPONSE),
    ("lookup", LOOKUP_URL, lambda b: b.lookup(PHONE), LOOKUP_RESPONSE),
]
POSTS: list[tuple[str, str, Callable[[DingBackend], Any], dict[str, Any]]] = [
    ("create", f"{BASE_URL}/authentication", lambda b: b.create_authentication(PHONE),
     CREATE_RESPONSE),
    ("check", f"{BASE_URL}/check", lambda b: b.check(AUTH_UUID, CODE), CHECK_RESPONSE),
    ("retry", f"{BASE_URL}/retry", lambda b: b.retry(AUTH_UUID), RETRY_RESPONSE),
    ("feedback", f"{BASE_URL}/authentication/feedback",
     lambda b: b.feedback(PHONE, "onboarded"), FEEDBACK_RESPONSE),
]  # fmt: skip


def _ids(cases: list[tuple[Any, ...]]) -> list[str]:
    return [case[0] for case in cases]


# -- GET: retried on 5xx, 429 and connection errors ---------------------------------------


@pytest.mark.parametrize(("name", "url", "call", "payload"), GETS, ids=_ids(GETS))
@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_get_retries_5xx_with_backoff(
    backend: DingBackend,
    mocked: responses.RequestsMock,
    caplog: pytest.LogCaptureFixture,
    name: str,
    url: str,
    call: Callable[[DingBackend], Any],
    payload: dict[str, Any],
    status: int,
):
    mocked.get(url, body="busy", status=status)
    mocked.get(url, body="busy", status=status)
    mocked.get(url, json=payload)
    caplog.set_level(logging.WARNING, logger="django_ding")

    result = call(backend)

    assert result is not None
    assert len(mocked.calls) == 3
    assert sleeps(backend) == [0.5, 1.0]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2
    assert f"(HTTP {status}); retry 1 of 2 in 0.50 s" in warnings[0]
    assert f"(HTTP {status}); retry 2 of 2 in 1.00 s" in warnings[1]


def test_get_gives_up_after_max_retries(backend: DingBackend, mocked: responses.RequestsMock):
    mocked.get(STATUS_URL, json={"code": "internal_server_error"}, status=500)

    with pytest.raises(DingAPIError) as info:
        backend.get_authentication_status(AUTH_UUID)

    assert info.value.status_code == 500
    assert info.value.code == "internal_server_error"
    assert len(mocked.calls) == 3  # 1 + MAX_RETRIES
    assert sleeps(backend) == [0.5, 1.0]


@pytest.mark.parametrize(("retries", "expected"), [(0, []), (1, [0.25]), (4, [0.25, 0.5, 1, 2])])
def test_backoff_is_exponential(
    mocked: responses.RequestsMock, retries: int, expected: list[float]
):
    backend = make_backend(max_retries=retries, retry_backoff=0.25)
    mocked.get(STATUS_URL, status=503)

    with pytest.raises(DingAPIError):
        backend.get_authentication_status(AUTH_UUID)

    assert len(mocked.calls) == retries + 1
    assert sleeps(backend) == expected


def test_settings_drive_the_policy(mocked: responses.RequestsMock):
    mocked.get(STATUS_URL, status=503)
    ding = {
        "API_KEY": API_KEY,
        "CUSTOMER_UUID": CUSTOMER_UUID,
        "BASE_URL": BASE_URL,
        "MAX_RETRIES": 3,
        "RETRY_BACKOFF": 0.1,
    }
    with override_settings(DING=ding):
        backend = DingBackend()
    waits: list[float] = []
    backend.sleep = waits.append  # type: ignore[method-assign]

    with pytest.raises(DingAPIError):
        backend.get_authentication_status(AUTH_UUID)

    assert waits == pytest.approx([0.1, 0.2, 0.4])
    assert len(mocked.calls) == 4


def test_get_does_not_retry_4xx(backend: DingBackend, mocked: responses.RequestsMock):
    mocked.get(STATUS_URL, json={"code": "invalid_auth_uuid"}, status=400)

    with pytest.raises(DingAPIError):
        backend.get_authentication_status(AUTH_UUID)

    assert len(mocked.calls) == 1
    assert sleeps(backend) == []


@pytest.mark.parametrize(("name", "url", "call", "payload"), GETS, ids=_ids(GETS))
def test_get_429_honours_retry_after_seconds(
    backend: DingBackend,
    mocked: responses.RequestsMock,
    name: str,
    url: str,
    call: Callable[[DingBackend], Any],
    payload: dict[str, Any],
):
    mocked.get(url, status=429, headers={"Retry-After": "3"})
    mocked.get(url, status=429, headers={"Retry-After": "0"})
    mocked.get(url, json=payload)

    call(backend)

    assert sleeps(backend) == [3.0, 0.0]
    assert len(mocked.calls) == 3


def test_get_429_honours_retry_after_http_date(
    backend: DingBackend, mocked: responses.RequestsMock
):
    when = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=6)
    mocked.get(
        STATUS_URL,
        status=429,
        headers={"Retry-After": email.utils.format_datetime(when, usegmt=True)},
    )
    mocked.get(STATUS_URL, json=STATUS_RESPONSE)

    backend.get_authentication_status(AUTH_UUID)

    (waited,) = sleeps(backend)
    assert 4.0 < waited <= 6.0


def test_get_429_without_retry_after_uses_backoff(
    backend: DingBackend, mocked: responses.RequestsMock
):
    mocked.get(STATUS_URL, status=429)
    mocked.get(STATUS_URL, status=429, headers={"Retry-After": "soon"})
    mocked.get(STATUS_URL, json=STATUS_RESPONSE)

    backend.get_authentication_status(AUTH_UUID)

    assert sleeps(backend) == [0.5, 1.0]


@pytest.mark.parametrize("retry_after", ["11", "3600", "1e999"])
def test_get_429_over_the_cap_is_not_waited_for(
    backend: DingBackend,
    mocked: responses.RequestsMock,
    caplog: pytest.LogCaptureFixture,
    retry_after: str,
):
    mocked.get(
        STATUS_URL, json={"message": "slow down"}, status=429, headers={"Retry-After": retry_after}
    )

    with pytest.raises(DingAPIError) as info:
        backend.get_authentication_status(AUTH_UUID)

    assert info.value.status_code == 429
    assert len(mocked.calls) == 1
    assert sleeps(backend) == []
    assert "RETRY_AFTER_MAX" in caplog.text


def test_retry_after_cap_from_settings(mocked: responses.RequestsMock):
    backend = make_backend(retry_after_max=2)
    mocked.get(STATUS_URL, status=503, headers={"Retry-After": "2"})
    mocked.get(STATUS_URL, status=503, headers={"Retry-After": "2.5"})

    with pytest.raises(DingAPIError):
        backend.get_authentication_status(AUTH_UUID)

    assert sleeps(backend) == [2.0]  # 2 s is within the cap; 2.5 s is not
    assert len(mocked.calls) == 2


@pytest.mark.parametrize(("name", "url", "call", "payload"), GETS, ids=_ids(GETS))
@pytest.mark.parametrize(
    "failure",
    [
        failures.connection_refused,
        failures.dns_failure,
        failures.connect_timeout,
        failures.connection_reset,
    ],
)
def test_get_retries_connection_errors(
    backend: DingBackend,
    mocked: responses.RequestsMock,
    name: str,
    url: str,
    call: Callable[[DingBackend], Any],
    payload: dict[str, Any],
    failure: Callable[[str], Exception],
):
    mocked.get(url, body=failure(url))
    mocked.get(url, json=payload)

    call(backend)

    assert len(mocked.calls) == 2
    assert sleeps(backend) == [0.5]


def test_get_connection_errors_exhaust_retries(
    backend: DingBackend, mocked: responses.RequestsMock
):
    mocked.get(LOOKUP_URL, body=failures.connection_refused(LOOKUP_URL))

    with pytest.raises(DingConnectionError) as info:
        backend.lookup(PHONE)

    assert info.value.request_sent is False
    assert len(mocked.calls) == 3


def test_get_is_retried_after_a_read_timeout(backend: DingBackend, mocked: responses.RequestsMock):
    # A GET has no second effect: a slow answer is worth another try (policy
    # changed on purpose; it used to give up at the first read timeout).
    mocked.get(STATUS_URL, body=failures.read_timeout(STATUS_URL))
    mocked.get(STATUS_URL, json=STATUS_RESPONSE)

    assert backend.get_authentication_status(AUTH_UUID).uuid == AUTH_UUID

    assert len(mocked.calls) == 2
    assert sleeps(backend) == [0.5]


def test_get_read_timeouts_exhaust_retries(backend: DingBackend, mocked: responses.RequestsMock):
    mocked.get(STATUS_URL, body=failures.read_timeout(STATUS_URL))

    with pytest.raises(DingTimeoutError) as info:
        backend.get_authentication_status(AUTH_UUID)

    assert info.value.request_sent is True
    assert len(mocked.calls) == 3
    assert sleeps(backend) == [0.5, 1.0]


# -- POST: never retried once the request may have been sent ---------------------------------


@pytest.mark.parametrize(("name", "url", "call", "payload"), POSTS, ids=_ids(POSTS))
@pytest.mark.parametrize(
    "answer",
    [
        {"body": failures.read_timeout("x")},
        {"body": failures.connection_reset("x")},
        {"body": requests.exceptions.ChunkedEncodingError("cut")},
        {"status": 500, "body": "oops"},
        {"status": 502, "body": "<html>bad gateway</html>"},
        {"status": 503, "body": "", "headers": {"Retry-After": "1"}},
        {"status": 429, "body": "", "headers": {"Retry-After": "1"}},
        {"status": 429, "body": ""},
    ],
    ids=["read-timeout", "reset", "chunked", "500", "502", "503", "429-retry-after", "429"],
)
def test_post_is_never_retried_after_sending(
    backend: DingBackend,
    mocked: responses.RequestsMock,
    name: str,
    url: str,
    call: Callable[[DingBackend], Any],
    payload: dict[str, Any],
    answer: dict[str, Any],
):
    mocked.post(url, **answer)
    mocked.post(url, json=payload)  # would be used by a (wrong) retry

    with pytest.raises((DingAPIError, DingTimeoutError, DingConnectionError)) as info:
        call(backend)

    assert len(mocked.calls) == 1, "a POST that may have arrived was sent twice"
    assert sleeps(backend) == []
    if not isinstance(info.value, DingAPIError):
        assert info.value.request_sent is True


@pytest.mark.parametrize(("name", "url", "call", "payload"), POSTS, ids=_ids(POSTS))
@pytest.mark.parametrize(
    "failure", [failures.connection_refused, failures.dns_failure, failures.connect_timeout]
)
def test_post_is_retried_when_nothing_was_sent(
    backend: DingBackend,
    mocked: responses.RequestsMock,
    caplog: pytest.LogCaptureFixture,
    name: str,
    url: str,
    call: Callable[[DingBackend], Any],
    payload: dict[str, Any],
    failure: Callable[[str], Exception],
):
    mocked.post(url, body=failure(url))
    mocked.post(url, body=failure(url))
    mocked.post(url, json=payload)
    caplog.set_level(logging.WARNING, logger="django_ding")

    call(backend)

    assert len(mocked.calls) == 3
    assert sleeps(backend) == [0.5, 1.0]
    assert "retry 1 of 2" in caplog.text


def test_post_connect_failures_exhaust_retries(
    backend: DingBackend, mocked: responses.RequestsMock
):
    url = f"{BASE_URL}/authentication"
    mocked.post(url, body=failures.connect_timeout(url))

    with pytest.raises(DingTimeoutError) as info:
        backend.create_authentication(PHONE)

    assert info.value.request_sent is False
    assert len(mocked.calls) == 3


def test_post_connect_failure_then_read_timeout_stops(
    backend: DingBackend, mocked: responses.RequestsMock
):
    url = f"{BASE_URL}/authentication"
    mocked.post(url, body=failures.connection_refused(url))
    mocked.post(url, body=failures.read_timeout(url))
    mocked.post(url, json=CREATE_RESPONSE)

    with pytest.raises(DingTimeoutError) as info:
        backend.create_authentication(PHONE)

    assert info.value.request_sent is True
    assert len(mocked.calls) == 2
    assert sleeps(backend) == [0.5]


def test_no_retries_when_disabled(mocked: responses.RequestsMock):
    backend = make_backend(max_retries=0)
    url = f"{BASE_URL}/authentication"
    mocked.post(url, body=failures.connection_refused(url))

    with pytest.raises(DingConnectionError):
        backend.create_authentication(PHONE)
    assert len(mocked.calls) == 1


def test_default_sleep_really_sleeps(backend: DingBackend):
    started = time.perf_counter()
    DingBackend.sleep(backend, 0.01)
    assert time.perf_counter() - started >= 0.009


# -- parse_retry_after ---------------------------------------------------------------------


NOW = 1_700_000_000.0


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        ("   ", None),
        ("soon", None),
        ("nan", None),
        ("120", 120.0),
        (" 7 ", 7.0),
        ("1.5", 1.5),
        ("-3", 0.0),
        ("1e999", math.inf),
        (email.utils.formatdate(NOW + 30, usegmt=True), 30.0),
        (email.utils.formatdate(NOW - 30, usegmt=True), 0.0),
        ("Tue, 14 Nov 2023 22:13:50 -0000", 30.0),
        ("Mon, 99 Foo 2023 25:61:61 GMT", None),
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None):
    assert parse_retry_after(value, now=NOW) == expected
