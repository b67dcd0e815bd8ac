"""PreludeBackend over real loopback sockets: headers and bodies on the wire,
the retry policy, malformed answers, and secrets kept out of errors and logs."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from django.test import override_settings

from django_ding.backends import create_fields, load_backend_class
from django_ding.backends.ding import USER_AGENT
from django_ding.backends.prelude import PreludeBackend
from django_ding.backends.prelude_enums import (
    HistoryStatus,
    LifecycleEventType,
    LookupLineType,
    VerificationStatus,
)
from django_ding.exceptions import (
    DingAPIError,
    DingConfigurationError,
    DingError,
    DingInvalidResponseError,
    DingTimeoutError,
)
from django_ding.privacy import mask_phone
from tests.backends.fake_prelude import FakePrelude, Reply, prelude_server
from tests.backends.prelude_payloads import (
    ALL_FIELDS,
    ALL_FIELDS_BODY,
    API_KEY,
    CHECK_RESPONSE,
    CODE,
    CREATE_RESPONSE,
    FEEDBACK_RESPONSE,
    HISTORY_RESPONSE,
    LOOKUP_RESPONSE,
    PHONE,
    VRF_ID,
)

__all__ = ["prelude_server"]  # the fixture, imported for pytest

TARGET = {"type": "phone_number", "value": PHONE}


def make_prelude(base_url: str, **overrides: Any) -> PreludeBackend:
    options: dict[str, Any] = {
        "api_key": API_KEY,
        "base_url": base_url,
        "timeout": (1.0, 2.0),
        "max_retries": 2,
        "retry_backoff": 0.5,
        "retry_after_max": 10.0,
    }
    options.update(overrides)
    backend = PreludeBackend(**options)
    backend.sleeps = []  # type: ignore[attr-defined]
    backend.sleep = backend.sleeps.append  # type: ignore[attr-defined,method-assign]
    return backend


@pytest.fixture
def live(prelude_server: FakePrelude) -> Iterator[PreludeBackend]:
    backend = make_prelude(prelude_server.base_url)
    yield backend
    backend.close()


def sleeps(backend: PreludeBackend) -> list[float]:
    recorded: list[float] = backend.sleeps  # type: ignore[attr-defined]
    return recorded


# -- Construction and settings -----------------------------------------------------------


def test_settings_and_defaults():
    with override_settings(DING={"BACKEND": "django_ding.backends.prelude.PreludeBackend"}):
        backend = load_backend_class()()
        assert isinstance(backend, PreludeBackend)
        assert backend.base_url == "https://api.prelude.dev/v2"
        assert create_fields() == PreludeBackend.create_fields
    assert PreludeBackend.requires_credentials is True
    assert PreludeBackend.requires_customer_uuid is False
    assert API_KEY not in repr(make_prelude("https://api.prelude.test/v2"))


def test_missing_api_key_names_the_setting(live: PreludeBackend):
    live.api_key = None
    with pytest.raises(DingConfigurationError, match=r"DING\['API_KEY'\] is required by Prelude"):
        live.create_authentication(PHONE)


# -- The wire ------------------------------------------------------------------------------


def test_create_sends_bearer_and_every_field_mapped(
    prelude_server: FakePrelude, live: PreludeBackend
):
    prelude_server.script = {"/v2/verification": [Reply(body=CREATE_RESPONSE)]}

    result = live.create_authentication(PHONE, **ALL_FIELDS)

    (request,) = prelude_server.received
    assert (request.method, request.path) == ("POST", "/v2/verification")
    assert request.headers["Authorization"] == f"Bearer {API_KEY}"
    assert "x-api-key" not in {name.lower() for name in request.headers}
    assert request.headers["User-Agent"] == USER_AGENT
    assert request.json == ALL_FIELDS_BODY
    assert result.id == VRF_ID
    assert result.status is VerificationStatus.SUCCESS
    assert result.channels == ("sms", "whatsapp")
    assert result.metadata is not None
    assert result.metadata.correlation_id == "signup-42"
    assert result.request_id == "req_1"


def test_create_with_only_a_phone_number(prelude_server: FakePrelude, live: PreludeBackend):
    prelude_server.script = {"/v2/verification": [Reply(body=CREATE_RESPONSE)]}
    live.create_authentication(PHONE)
    assert prelude_server.received[0].json == {"target": TARGET}


def test_ipv4_mapped_and_plain_ipv4(prelude_server: FakePrelude, live: PreludeBackend):
    prelude_server.script = {"/v2/verification": [Reply(body=CREATE_RESPONSE)]}
    live.create_authentication(PHONE, ip="192.0.2.10", device_type="ios")
    assert prelude_server.received[0].json["signals"] == {
        "ip": "192.0.2.10",
        "device_platform": "ios",
    }


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"user_agnt": "x"}, TypeError),
        ({"method": "sms"}, ValueError),
        ({"preferred_channel": "pigeon"}, ValueError),
        ({"correlation_id": "x" * 65}, ValueError),
        ({"device_type": "BLACKBERRY"}, ValueError),
        ({"ip": "not-an-ip"}, ValueError),
        ({"is_returning_user": "yes"}, TypeError),
    ],
)
def test_bad_create_fields_fail_before_sending(
    prelude_server: FakePrelude, live: PreludeBackend, fields: dict[str, Any], error: type
):
    with pytest.raises(error):
        live.create_authentication(PHONE, **fields)
    assert prelude_server.received == []


def test_check_is_keyed_by_the_phone_number(prelude_server: FakePrelude, live: PreludeBackend):
    prelude_server.script = {"/v2/verification/check": [Reply(body=CHECK_RESPONSE)]}

    result = live.check(VRF_ID, CODE, phone_number=PHONE)

    (request,) = prelude_server.received
    assert request.json == {"target": TARGET, "code": CODE}
    assert result.is_valid
    assert result.id == VRF_ID


@pytest.mark.parametrize("operation", ["check", "retry"])
def test_check_and_retry_need_the_phone_number(
    prelude_server: FakePrelude, live: PreludeBackend, operation: str
):
    call = (
        (lambda: live.check(VRF_ID, CODE)) if operation == "check" else (lambda: live.retry(VRF_ID))
    )
    with pytest.raises(TypeError, match="needs phone_number="):
        call()
    assert prelude_server.received == []


def test_retry_is_a_second_create_for_the_number(prelude_server: FakePrelude, live: PreludeBackend):
    prelude_server.script = {
        "/v2/verification": [Reply(body={**CREATE_RESPONSE, "status": "retry"})]
    }

    result = live.retry(VRF_ID, phone_number=PHONE)

    (request,) = prelude_server.received
    assert (request.method, request.path, request.json) == (
        "POST",
        "/v2/verification",
        {"target": TARGET},
    )
    assert result.status is VerificationStatus.RETRY
    assert (result.remaining_retry, result.next_retry_at) == (None, None)


def test_feedback_onboarded_is_a_completed_verification(
    prelude_server: FakePrelude, live: PreludeBackend
):
    prelude_server.script = {"/v2/watch/feedback": [Reply(body=FEEDBACK_RESPONSE)]}

    result = live.feedback(PHONE, "onboarded")

    assert prelude_server.received[0].json == {
        "feedbacks": [{"target": TARGET, "type": "verification.completed"}]
    }
    assert result.sent
    assert result.status == "success"
    assert result.request_id == "req_3"


def test_feedback_not_onboarded_sends_nothing(prelude_server: FakePrelude, live: PreludeBackend):
    result = live.feedback(PHONE, "not_onboarded")
    assert result.sent is False
    assert prelude_server.received == []


def test_status_reads_the_history_entry(prelude_server: FakePrelude, live: PreludeBackend):
    prelude_server.script = {
        f"/v2/verification/phone/history/{VRF_ID}": [Reply(body=HISTORY_RESPONSE)]
    }

    result = live.get_authentication_status(VRF_ID)

    assert prelude_server.received[0].method == "GET"
    assert result.status is HistoryStatus.CONVERTED
    assert result.expires_at is not None
    assert result.expires_at.tzinfo is not None
    assert [event.type for event in result.events] == [
        LifecycleEventType.CREATE,
        LifecycleEventType.ATTEMPT,
        LifecycleEventType.CHECK,
    ]
    check = result.events[2].check
    assert check is not None
    assert check.is_valid is True
    assert CODE not in repr(result)  # the code typed stays out of repr
    assert result.lifecycle is not None
    assert result.lifecycle.total_cost is not None


def test_lookup_path_and_cnam(prelude_server: FakePrelude, live: PreludeBackend):
    prelude_server.script = {f"/v2/lookup/%2B{PHONE[1:]}": [Reply(body=LOOKUP_RESPONSE)]}

    result = live.lookup(PHONE, cnam=True)

    (request,) = prelude_server.received
    parts = urlsplit(request.path)
    assert unquote(parts.path) == f"/v2/lookup/{PHONE}"
    assert parts.query == "type=cnam"
    assert result.line_type is LookupLineType.MOBILE
    assert result.flags == ("ported",)
    assert result.network_info is not None
    assert result.network_info.carrier_name == "Orange"
    assert result.caller_name == "JEAN DUPONT"


def test_unknown_enum_values_are_kept_as_strings(prelude_server: FakePrelude, live: PreludeBackend):
    prelude_server.script = {
        "/v2/verification": [
            Reply(
                body={
                    "id": VRF_ID,
                    "status": "quarantined",
                    "method": "carrier_pigeon",
                    "channels": ["sms", "smoke_signal"],
                    "reason": "moon_phase",
                    "risk_factors": ["brand_new_factor"],
                }
            )
        ]
    }
    result = live.create_authentication(PHONE)
    assert result.status == "quarantined"
    assert not isinstance(result.status, VerificationStatus)
    assert result.channels == ("sms", "smoke_signal")
    assert result.outcome == "unknown"
    assert result.code_sent is False


# -- Retry policy ----------------------------------------------------------------------------


def test_create_is_sent_once_on_a_500(prelude_server: FakePrelude, live: PreludeBackend):
    prelude_server.script = {
        "/v2/verification": [Reply(500, {"code": "internal", "message": "boom"}), Reply(body={})]
    }
    with pytest.raises(DingAPIError) as info:
        live.create_authentication(PHONE)
    time.sleep(0.1)
    assert [r.method for r in prelude_server.received] == ["POST"]
    assert info.value.status_code == 500
    assert info.value.code == "internal"
    assert sleeps(live) == []


def test_create_is_sent_once_on_a_read_timeout(prelude_server: FakePrelude):
    prelude_server.script = {"/v2/verification": [Reply(body=CREATE_RESPONSE, delay=0.6)]}
    backend = make_prelude(prelude_server.base_url, timeout=(1.0, 0.2))
    with pytest.raises(DingTimeoutError) as info:
        backend.create_authentication(PHONE)
    time.sleep(0.6)  # a wrong retry would have reached the server by now
    backend.close()
    assert info.value.request_sent is True
    assert "Prelude did not answer" in str(info.value)
    assert [r.method for r in prelude_server.received] == ["POST"]
    assert sleeps(backend) == []


@pytest.mark.parametrize("operation", ["check", "feedback"])
def test_other_posts_are_sent_once_on_a_503(
    prelude_server: FakePrelude, live: PreludeBackend, operation: str
):
    prelude_server.script = {
        "/v2/verification/check": [Reply(503)],
        "/v2/watch/feedback": [Reply(503)],
    }
    call = {
        "check": lambda: live.check(VRF_ID, CODE, phone_number=PHONE),
        "feedback": lambda: live.feedback(PHONE, "onboarded"),
    }[operation]
    with pytest.raises(DingAPIError):
        call()
    assert len(prelude_server.received) == 1


def test_get_is_retried_on_503_and_on_429_with_retry_after(
    prelude_server: FakePrelude, live: PreludeBackend
):
    path = f"/v2/verification/phone/history/{VRF_ID}"
    prelude_server.script = {
        path: [
            Reply(503),
            Reply(
                429, {"code": "rate_limited", "message": "slow down"}, headers={"Retry-After": "3"}
            ),
            Reply(body=HISTORY_RESPONSE),
        ]
    }
    assert live.get_authentication_status(VRF_ID).id == VRF_ID
    assert len(prelude_server.received) == 3
    assert sleeps(live) == [0.5, 3.0]


def test_get_429_with_retry_after_ms(prelude_server: FakePrelude, live: PreludeBackend):
    path = f"/v2/lookup/%2B{PHONE[1:]}"
    prelude_server.script = {
        path: [Reply(429, headers={"retry-after-ms": "250"}), Reply(body=LOOKUP_RESPONSE)]
    }
    live.lookup(PHONE)
    assert sleeps(live) == [0.25]


def test_get_429_over_the_cap_is_not_waited_for(prelude_server: FakePrelude, live: PreludeBackend):
    path = f"/v2/verification/phone/history/{VRF_ID}"
    prelude_server.script = {path: [Reply(429, headers={"Retry-After": "60"})]}
    with pytest.raises(DingAPIError):
        live.get_authentication_status(VRF_ID)
    assert len(prelude_server.received) == 1


def test_get_is_retried_after_a_read_timeout(prelude_server: FakePrelude):
    path = f"/v2/verification/phone/history/{VRF_ID}"
    prelude_server.script = {
        path: [Reply(body=HISTORY_RESPONSE, delay=0.5), Reply(body=HISTORY_RESPONSE)]
    }
    backend = make_prelude(prelude_server.base_url, timeout=(1.0, 0.2))
    assert backend.get_authentication_status(VRF_ID).id == VRF_ID
    backend.close()
    assert len(prelude_server.received) == 2
    assert sleeps(backend) == [0.5]


# -- Malformed answers ---------------------------------------------------------------------

NESTED = b"[" * 50_000


@pytest.mark.parametrize(
    "reply",
    [
        Reply(raw=b"{not json"),
        Reply(raw=b"[1, 2]"),
        Reply(raw=b'"a string"'),
        Reply(raw=b""),
        Reply(raw=b"\xff\xfe"),
        Reply(raw=NESTED),
    ],
    ids=["broken", "array", "string", "empty", "not-utf8", "nested"],
)
def test_a_2xx_that_is_not_a_json_object(
    prelude_server: FakePrelude, live: PreludeBackend, reply: Reply
):
    prelude_server.script = {"/v2/verification/check": [reply]}
    with pytest.raises(DingInvalidResponseError, match="Prelude answered") as info:
        live.check(VRF_ID, CODE, phone_number=PHONE)
    assert info.value.status_code == 200


def test_a_create_without_id_is_invalid(prelude_server: FakePrelude, live: PreludeBackend):
    prelude_server.script = {"/v2/verification": [Reply(body={"status": "success"})]}
    with pytest.raises(DingInvalidResponseError, match="without a verification id"):
        live.create_authentication(PHONE)


@pytest.mark.parametrize("status", [500, 400])
def test_a_deeply_nested_error_body_is_a_clean_error(
    prelude_server: FakePrelude, live: PreludeBackend, status: int
):
    prelude_server.script = {"/v2/verification": [Reply(status, raw=NESTED)]}
    with pytest.raises(DingAPIError) as info:
        live.create_authentication(PHONE)
    assert info.value.status_code == status
    assert info.value.message.startswith("Prelude API error: [[[")
    assert len(str(info.value)) < 400


def test_v2_error_body_gives_code_message_and_param(
    prelude_server: FakePrelude, live: PreludeBackend
):
    body = {"code": "invalid_phone_number", "message": "bad number", "param": "target.value"}
    prelude_server.script = {"/v2/verification": [Reply(400, body)]}
    with pytest.raises(DingAPIError) as info:
        live.create_authentication(PHONE)
    error = info.value
    assert (error.status_code, error.code, error.message, error.param) == (
        400,
        "invalid_phone_number",
        "bad number",
        "target.value",
    )
    assert error.doc_url is None
    assert str(error) == "bad number (HTTP 400, code=invalid_phone_number, param=target.value)"


@pytest.mark.parametrize("status", [401, 403])
def test_auth_failures_are_api_errors(
    prelude_server: FakePrelude, live: PreludeBackend, status: int
):
    prelude_server.script = {"/v2/verification": [Reply(status, raw=b"")]}
    with pytest.raises(DingAPIError, match="Prelude API error") as info:
        live.create_authentication(PHONE)
    assert info.value.status_code == status
    assert not isinstance(info.value, DingConfigurationError)


# -- Secrets ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "reply",
    [
        Reply(
            400, {"code": "invalid_request", "message": f"key {API_KEY} for {PHONE} code {CODE}"}
        ),
        Reply(500, raw=f"<html>{API_KEY} {PHONE} {CODE}</html>".encode()),
        Reply(302, headers={"Location": f"/x?key={API_KEY}"}),
    ],
    ids=["echo-400", "echo-500", "redirect"],
)
def test_secrets_absent_from_errors_and_debug_logs(
    prelude_server: FakePrelude,
    live: PreludeBackend,
    caplog: pytest.LogCaptureFixture,
    reply: Reply,
):
    prelude_server.script = {
        "/v2/verification/check": [reply],
        f"/v2/lookup/%2B{PHONE[1:]}": [reply],
    }
    caplog.set_level(logging.DEBUG)
    with pytest.raises(DingError) as check_info:
        live.check(VRF_ID, CODE, phone_number=PHONE)
    with pytest.raises(DingError) as lookup_info:
        live.lookup(PHONE)

    shown = [caplog.text, repr(live)] + [record.getMessage() for record in caplog.records]
    for text in shown:
        for secret in (API_KEY, PHONE, PHONE[1:], CODE):
            assert secret not in text, (secret, text)
    # The check knows the code; a lookup has none to hide (the fake echoes it anyway).
    for info, secrets in ((check_info, (CODE,)), (lookup_info, ())):
        for text in (str(info.value), repr(info.value), info.value.args[0]):
            for secret in (API_KEY, PHONE, PHONE[1:], *secrets):
                assert secret not in text, (secret, text)
    lines = [r.getMessage() for r in caplog.records if r.name == "django_ding.backends.prelude"]
    assert lines[0].startswith("Prelude POST /verification/check -> ")
    assert lines[1].startswith(f"Prelude GET /lookup/{mask_phone(PHONE)} -> ")
