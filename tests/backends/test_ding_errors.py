"""DingBackend error paths: every HTTP status and body shape, transport
failures, redirects, and secrets kept out of messages and logs."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import pytest
import requests
import responses
from django.core.exceptions import ImproperlyConfigured

from django_ding.backends.ding import DingBackend
from django_ding.exceptions import (
    DingAPIError,
    DingConfigurationError,
    DingConnectionError,
    DingError,
    DingInvalidResponseError,
    DingTimeoutError,
    DingTransportError,
)
from django_ding.privacy import mask_phone
from tests.backends import transport_failures as failures
from tests.backends.conftest import make_backend
from tests.backends.payloads import (
    API_KEY,
    AUTH_UUID,
    BASE_URL,
    CODE,
    ERROR_BODY,
    PHONE,
    PHONE_QUOTED,
)

CREATE_URL = f"{BASE_URL}/authentication"
LOOKUP_URL = f"{BASE_URL}/lookup/{PHONE_QUOTED}"

# (body as sent, expected code, expected doc_url, text the message must contain)
ERROR_SHAPES = {
    "full": (json.dumps(ERROR_BODY), "invalid_phone_number", ERROR_BODY["doc_url"], "+0 is not"),
    "code only": (
        '{"code": "blocked_number"}',
        "blocked_number",
        None,
        "blocked_number",
    ),
    "message only": ('{"message": "Bad things"}', None, None, "Bad things"),
    "unknown code": (
        '{"code": "brand_new_code", "message": "New!"}',
        "brand_new_code",
        None,
        "New!",
    ),
    "non-object JSON": ('["invalid_phone_number"]', None, None, "invalid_phone_number"),
    "null": ("null", None, None, "null"),
    "wrong types": ('{"code": 7, "message": ["x"], "doc_url": false}', None, None, "Ding API"),
    "malformed JSON": ('{"code": "bad_req', None, None, '{"code": "bad_req'),
    "HTML": (
        "<html><body><h1>400 Bad Request</h1></body></html>",
        None,
        None,
        "<h1>400 Bad Request</h1>",
    ),
    "empty": ("", None, None, "empty body"),
    "whitespace": ("  \n ", None, None, "empty body"),
}


@pytest.mark.parametrize("shape", sorted(ERROR_SHAPES))
def test_400_error_body_shapes(backend: DingBackend, mocked: responses.RequestsMock, shape: str):
    body, code, doc_url, text = ERROR_SHAPES[shape]
    mocked.post(CREATE_URL, body=body, status=400, content_type="application/json")

    with pytest.raises(DingAPIError) as info:
        backend.create_authentication(PHONE)

    error = info.value
    assert type(error) is DingAPIError
    assert error.status_code == 400
    assert error.code == code
    assert error.doc_url == doc_url
    assert error.body == body
    assert text in error.message
    assert isinstance(error.raw_response, requests.Response)
    assert error.raw_response.status_code == 400
    assert "HTTP 400" in str(error)
    assert len(mocked.calls) == 1


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (401, '{"message": "Unauthorized"}'),
        (403, '{"code": "suspended_account", "message": "Your account is suspended"}'),
        (404, "<html><title>404 Not Found</title></html>"),
        (405, ""),
        (409, '{"code": "duplicated_feedback_status", "message": "dup"}'),
        (422, "not json at all"),
        (429, '{"message": "Too Many Requests"}'),
        (500, '{"code": "internal_server_error", "message": "oops"}'),
        (502, "<html><body>502 Bad Gateway</body></html>"),
        (503, ""),
        (504, "upstream request timeout"),
    ],
)
def test_error_statuses(
    backend: DingBackend, mocked: responses.RequestsMock, status: int, body: str
):
    mocked.post(f"{BASE_URL}/check", body=body, status=status, headers={"Retry-After": "1"})

    with pytest.raises(DingAPIError) as info:
        backend.check(AUTH_UUID, CODE)

    assert info.value.status_code == status
    assert info.value.body == body
    assert f"HTTP {status}" in str(info.value)
    assert len(mocked.calls) == 1  # a POST is never retried after an answer


@pytest.mark.parametrize("status", [401, 403, 404, 500, 502])
def test_error_statuses_on_get_without_retries(mocked: responses.RequestsMock, status: int):
    backend = make_backend(max_retries=0)
    mocked.get(f"{BASE_URL}/authentication/{AUTH_UUID}", json=ERROR_BODY, status=status)

    with pytest.raises(DingAPIError) as info:
        backend.get_authentication_status(AUTH_UUID)

    assert (info.value.status_code, info.value.code) == (status, "invalid_phone_number")


@pytest.mark.parametrize(
    "body",
    [
        "",
        "<html>OK</html>",
        "[]",
        '["authentication_uuid"]',
        "null",
        "42",
        '"text"',
        '{"authentication_uuid": ',
        "[" * 100_000 + "]" * 100_000,
        b"\xff\xfe\x00garbage",
    ],
    ids=["empty", "html", "array", "list", "null", "number", "string", "truncated", "deep", "bin"],
)
def test_success_status_with_unusable_body(
    backend: DingBackend, mocked: responses.RequestsMock, body: str | bytes
):
    mocked.post(f"{BASE_URL}/check", body=body, status=200)

    with pytest.raises(DingInvalidResponseError, match="not a JSON object") as info:
        backend.check(AUTH_UUID, CODE)

    assert isinstance(info.value, DingAPIError)  # one except clause catches both
    assert info.value.status_code == 200
    assert info.value.raw_response is not None


def test_204_no_content_is_invalid(backend: DingBackend, mocked: responses.RequestsMock):
    mocked.post(f"{BASE_URL}/authentication/feedback", status=204)

    with pytest.raises(DingInvalidResponseError) as info:
        backend.feedback(PHONE, "onboarded")
    assert info.value.status_code == 204


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("operation", ["create", "status"])
def test_redirects_are_not_followed(
    backend: DingBackend, mocked: responses.RequestsMock, status: int, operation: str
):
    target = "https://evil.example/steal"
    mocked.post(CREATE_URL, status=status, headers={"Location": target})
    mocked.get(
        f"{BASE_URL}/authentication/{AUTH_UUID}", status=status, headers={"Location": target}
    )
    mocked.add(responses.POST, target, json={})
    mocked.add(responses.GET, target, json={})

    if operation == "create":
        call: Callable[[], Any] = lambda: backend.create_authentication(PHONE)  # noqa: E731
    else:
        call = lambda: backend.get_authentication_status(AUTH_UUID)  # noqa: E731

    with pytest.raises(DingAPIError, match="redirect") as info:
        call()

    assert info.value.status_code == status
    assert "BASE_URL" in str(info.value)
    assert len(mocked.calls) == 1
    assert "evil.example" not in str(mocked.calls[0].request.url)


# -- Transport failures ---------------------------------------------------------------------

TRANSPORT = [
    # (failure, expected class, request_sent)
    (failures.connect_timeout, DingTimeoutError, False),
    (failures.read_timeout, DingTimeoutError, True),
    (failures.connection_refused, DingConnectionError, False),
    (failures.dns_failure, DingConnectionError, False),
    (failures.connection_reset, DingConnectionError, True),
    (
        lambda url: requests.exceptions.SSLError("certificate verify failed"),
        DingConnectionError,
        True,
    ),
    (lambda url: requests.exceptions.ChunkedEncodingError("broken"), DingConnectionError, True),
    (lambda url: requests.RequestException(), DingConnectionError, True),
]


@pytest.mark.parametrize(("failure", "expected", "sent"), TRANSPORT)
def test_transport_failures(
    mocked: responses.RequestsMock,
    failure: Callable[[str], Exception],
    expected: type[DingTransportError],
    sent: bool,
):
    backend = make_backend(max_retries=0)
    cause = failure(LOOKUP_URL)
    mocked.get(LOOKUP_URL, body=cause)

    with pytest.raises(expected) as info:
        backend.lookup(PHONE)

    error = info.value
    assert type(error) is expected
    assert error.request_sent is sent
    assert error.__cause__ is cause
    assert isinstance(error, DingTransportError)
    assert isinstance(error, DingError)
    assert "GET /lookup/" in str(error)
    assert PHONE not in str(error)
    assert PHONE_QUOTED not in str(error)


def test_timeout_messages_say_which_phase(mocked: responses.RequestsMock):
    backend = make_backend(max_retries=0)
    mocked.post(CREATE_URL, body=failures.read_timeout(CREATE_URL))
    mocked.post(f"{BASE_URL}/check", body=failures.connect_timeout(CREATE_URL))

    with pytest.raises(DingTimeoutError, match="read timeout"):
        backend.create_authentication(PHONE)
    with pytest.raises(DingTimeoutError, match="connect timeout"):
        backend.check(AUTH_UUID, CODE)


def test_configuration_error_is_not_a_ding_error():
    assert issubclass(DingConfigurationError, ImproperlyConfigured)
    assert not issubclass(DingConfigurationError, DingError)
    assert issubclass(DingInvalidResponseError, DingAPIError)
    assert issubclass(DingTimeoutError, DingTransportError)
    assert issubclass(DingConnectionError, DingTransportError)


# -- Secrets never leak ---------------------------------------------------------------------


def _forbidden() -> list[str]:
    return [API_KEY, CODE, PHONE, PHONE_QUOTED, PHONE.lstrip("+")]


def _scenarios() -> list[tuple[str, Callable[[DingBackend], Any], Callable[..., None]]]:
    """(id, call, mock setup): each one ends in an exception."""
    # What a server might echo back: only values the call actually sent.
    echo = f"{PHONE} / {PHONE_QUOTED} / key {API_KEY} rejected"
    echo_code = f"code {CODE} for {AUTH_UUID} / key {API_KEY} rejected"
    html = f"<html><p>No route for /v1/lookup/{PHONE_QUOTED} (key {API_KEY})</p></html>"
    status_url = f"{BASE_URL}/authentication/{AUTH_UUID}"
    return [
        (
            "create 400 echo",
            lambda b: b.create_authentication(PHONE, device_id="d"),
            lambda m: m.post(CREATE_URL, json={"code": "bad_request", "message": echo}, status=400),
        ),
        (
            "check 400 echo",
            lambda b: b.check(AUTH_UUID, CODE),
            lambda m: m.post(f"{BASE_URL}/check", body=echo_code, status=400),
        ),
        (
            "check 200 html",
            lambda b: b.check(AUTH_UUID, CODE),
            lambda m: m.post(f"{BASE_URL}/check", body=f"<p>{echo_code}</p>", status=200),
        ),
        (
            "feedback 500",
            lambda b: b.feedback(PHONE, "onboarded"),
            lambda m: m.post(f"{BASE_URL}/authentication/feedback", body=html, status=500),
        ),
        (
            "lookup 404 html",
            lambda b: b.lookup(PHONE, cnam=True),
            lambda m: m.get(LOOKUP_URL, body=html, status=404),
        ),
        (
            "lookup 503 retried",
            lambda b: b.lookup(PHONE),
            lambda m: m.get(LOOKUP_URL, body=echo, status=503),
        ),
        (
            "lookup 429 over cap",
            lambda b: b.lookup(PHONE),
            lambda m: m.get(LOOKUP_URL, body=echo, status=429, headers={"Retry-After": "3600"}),
        ),
        (
            "lookup refused",
            lambda b: b.lookup(PHONE),
            lambda m: m.get(LOOKUP_URL, body=failures.connection_refused(LOOKUP_URL)),
        ),
        (
            "lookup read timeout",
            lambda b: b.lookup(PHONE),
            lambda m: m.get(LOOKUP_URL, body=failures.read_timeout(LOOKUP_URL)),
        ),
        (
            "create reset",
            lambda b: b.create_authentication(PHONE),
            lambda m: m.post(CREATE_URL, body=failures.connection_reset(CREATE_URL)),
        ),
        (
            "create connect timeout",
            lambda b: b.create_authentication(PHONE),
            lambda m: m.post(CREATE_URL, body=failures.connect_timeout(CREATE_URL)),
        ),
        (
            "status 502",
            lambda b: b.get_authentication_status(AUTH_UUID),
            lambda m: m.get(status_url, body=f"key {API_KEY}", status=502),
        ),
        (
            "create redirect",
            lambda b: b.create_authentication(PHONE),
            lambda m: m.post(
                CREATE_URL, status=302, headers={"Location": f"/x?phone={PHONE}&key={API_KEY}"}
            ),
        ),
    ]


@pytest.mark.parametrize(
    ("name", "call", "setup"), _scenarios(), ids=[s[0].replace(" ", "-") for s in _scenarios()]
)
def test_secrets_absent_from_errors_and_logs(
    mocked: responses.RequestsMock,
    caplog: pytest.LogCaptureFixture,
    name: str,
    call: Callable[[DingBackend], Any],
    setup: Callable[..., None],
):
    backend = make_backend()
    setup(mocked)
    caplog.set_level(logging.DEBUG)

    with pytest.raises(DingError) as info:
        call(backend)

    shown = [str(info.value), repr(info.value), info.value.args[0], caplog.text]
    shown += [record.getMessage() for record in caplog.records]
    for text in shown:
        for secret in _forbidden():
            assert secret not in text, (name, secret, text)
    assert caplog.records, "every exchange is logged at DEBUG"
    assert any(mask_phone(PHONE) in r.getMessage() for r in caplog.records) or (
        "lookup" not in name
    )


def test_successful_calls_log_without_secrets(
    mocked: responses.RequestsMock, caplog: pytest.LogCaptureFixture
):
    from tests.backends.payloads import CHECK_RESPONSE, CREATE_RESPONSE, LOOKUP_RESPONSE

    backend = make_backend()
    mocked.post(CREATE_URL, json=CREATE_RESPONSE)
    mocked.post(f"{BASE_URL}/check", json=CHECK_RESPONSE)
    mocked.get(LOOKUP_URL, json=LOOKUP_RESPONSE)
    caplog.set_level(logging.DEBUG, logger="django_ding")

    backend.create_authentication(PHONE)
    backend.check(AUTH_UUID, CODE)
    backend.lookup(PHONE, cnam=True)

    lines = [r.getMessage() for r in caplog.records if r.name == "django_ding.backends.ding"]
    assert len(lines) == 3
    assert lines[0].startswith("Ding POST /authentication -> 200 in ")
    assert lines[1].startswith("Ding POST /check -> 200 in ")
    assert lines[2].startswith(f"Ding GET /lookup/{mask_phone(PHONE)} -> 200 in ")
    assert all(line.endswith(" ms") for line in lines)
    for secret in _forbidden():
        assert secret not in caplog.text
