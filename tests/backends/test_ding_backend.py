"""DingBackend: every operation, every request field, typed immutable results."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import threading
import time
import uuid
from typing import Any

import pytest
import requests
import responses
from django.test import override_settings
from hypothesis import example, given, settings
from hypothesis import strategies as st
from phonenumber_field.phonenumber import PhoneNumber
from responses import matchers

from django_ding import __version__
from django_ding.backends.base import CREATE_AUTHENTICATION_FIELDS
from django_ding.backends.ding import ENDPOINTS, USER_AGENT, DingBackend, Endpoint
from django_ding.backends.enums import (
    AttemptStatus,
    AuthenticationStatus,
    BalanceUpdateType,
    Capability,
    CheckStatus,
    DeliveryStatus,
    DeviceType,
    EventType,
    LineType,
    RetryStatus,
)
from django_ding.backends.results import (
    AttemptEvent,
    AuthenticationEvent,
    AuthenticationSignals,
    AuthenticationStatusResponse,
    BalanceUpdateEvent,
    CheckEvent,
    CreateAuthenticationResponse,
    CreateCheckResponse,
    DeliveryStatusEvent,
    FeedbackResponse,
    LookupResponse,
    RetryAuthenticationResponse,
)
from django_ding.exceptions import DingConfigurationError, DingInvalidResponseError
from django_ding.privacy import mask_phone
from tests.backends.conftest import make_backend
from tests.backends.payloads import (
    ALL_CREATE_FIELDS,
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
    UNKNOWN_ENUMS,
)

UTC = dt.UTC


def sent_json(mocked: responses.RequestsMock, index: int = 0) -> dict[str, Any]:
    body = mocked.calls[index].request.body
    assert isinstance(body, bytes)
    loaded: dict[str, Any] = json.loads(body)
    return loaded


# -- create_authentication ------------------------------------------------------------


def test_create_authentication_minimal(backend: DingBackend, mocked: responses.RequestsMock):
    mocked.post(f"{BASE_URL}/authentication", json=CREATE_RESPONSE)

    result = backend.create_authentication(PHONE)

    assert sent_json(mocked) == {"customer_uuid": CUSTOMER_UUID, "phone_number": PHONE}
    assert result == CreateAuthenticationResponse(
        authentication_uuid=AUTH_UUID,
        status=AuthenticationStatus.PENDING,
        created_at=dt.datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC),
        expires_at=dt.datetime(2024, 5, 1, 12, 10, tzinfo=UTC),
    )
    assert isinstance(result.status, AuthenticationStatus)


def test_create_authentication_sends_every_field(
    backend: DingBackend, mocked: responses.RequestsMock
):
    mocked.post(f"{BASE_URL}/authentication", json=CREATE_RESPONSE)

    backend.create_authentication(PHONE, **ALL_CREATE_FIELDS)

    body = sent_json(mocked)
    assert body == {"customer_uuid": CUSTOMER_UUID, "phone_number": PHONE, **ALL_CREATE_FIELDS}
    assert set(ALL_CREATE_FIELDS) == CREATE_AUTHENTICATION_FIELDS
    assert body["is_returning_user"] is False  # a boolean, not "false" or 0


@pytest.mark.parametrize(("name", "value"), sorted(ALL_CREATE_FIELDS.items()))
def test_create_authentication_each_field_alone(
    backend: DingBackend, mocked: responses.RequestsMock, name: str, value: Any
):
    mocked.post(f"{BASE_URL}/authentication", json=CREATE_RESPONSE)

    backend.create_authentication(PHONE, **{name: value})

    assert sent_json(mocked) == {
        "customer_uuid": CUSTOMER_UUID,
        "phone_number": PHONE,
        name: value,
    }


def test_create_authentication_drops_none_and_empty(
    backend: DingBackend, mocked: responses.RequestsMock
):
    mocked.post(f"{BASE_URL}/authentication", json=CREATE_RESPONSE)

    backend.create_authentication(PHONE, ip=None, device_id="", is_returning_user=True, locale=None)

    assert sent_json(mocked) == {
        "customer_uuid": CUSTOMER_UUID,
        "phone_number": PHONE,
        "is_returning_user": True,
    }


def test_create_authentication_normalises_values(
    backend: DingBackend, mocked: responses.RequestsMock
):
    mocked.post(f"{BASE_URL}/authentication", json=CREATE_RESPONSE)

    backend.create_authentication(
        PhoneNumber.from_string(PHONE),  # type: ignore[arg-type]
        device_type=DeviceType.IOS,
        ip="::ffff:192.0.2.7",
    )
    backend.create_authentication(PHONE, device_type="web", ip="2001:db8::1")

    first, second = sent_json(mocked, 0), sent_json(mocked, 1)
    assert first["phone_number"] == PHONE
    assert first["device_type"] == "IOS"
    assert first["ip"] == "192.0.2.7"  # an IPv4-mapped IPv6 address is sent as IPv4
    assert second["device_type"] == "WEB"
    assert "ip" not in second  # v1 documents IPv4 only


def test_create_authentication_uses_customer_uuid_from_settings(mocked: responses.RequestsMock):
    mocked.post(f"{BASE_URL}/authentication", json=CREATE_RESPONSE)
    other = "a74ee547-564d-487a-91df-37fb25413a91"
    with override_settings(DING={"API_KEY": API_KEY, "CUSTOMER_UUID": other, "BASE_URL": BASE_URL}):
        DingBackend().create_authentication(PHONE)

    assert sent_json(mocked)["customer_uuid"] == other
    assert mocked.calls[0].request.headers["x-api-key"] == API_KEY


def test_create_authentication_without_uuid_in_response(
    backend: DingBackend, mocked: responses.RequestsMock
):
    mocked.post(f"{BASE_URL}/authentication", json={"status": "pending"})

    with pytest.raises(DingInvalidResponseError, match="no authentication_uuid") as info:
        backend.create_authentication(PHONE)
    assert info.value.status_code == 200
    assert info.value.raw_response is not None


# -- check / retry / feedback -----------------------------------------------------------


def test_check(backend: DingBackend, mocked: responses.RequestsMock):
    mocked.post(f"{BASE_URL}/check", json=CHECK_RESPONSE)

    result = backend.check(AUTH_UUID, CODE)

    assert sent_json(mocked) == {
        "customer_uuid": CUSTOMER_UUID,
        "authentication_uuid": AUTH_UUID,
        "check_code": CODE,
    }
    assert result == CreateCheckResponse(authentication_uuid=AUTH_UUID, status=CheckStatus.VALID)
    assert result.is_valid


@pytest.mark.parametrize("status", [s.value for s in CheckStatus])
def test_check_every_status(backend: DingBackend, mocked: responses.RequestsMock, status: str):
    mocked.post(f"{BASE_URL}/check", json={"authentication_uuid": AUTH_UUID, "status": status})

    result = backend.check(uuid.UUID(AUTH_UUID), CODE, phone_number=PHONE)  # type: ignore[arg-type]

    assert result.status is CheckStatus(status)
    assert result.is_valid is (status == "valid")


def test_retry(backend: DingBackend, mocked: responses.RequestsMock):
    mocked.post(f"{BASE_URL}/retry", json=RETRY_RESPONSE)

    result = backend.retry(AUTH_UUID.upper(), phone_number=PHONE)

    assert sent_json(mocked) == {"customer_uuid": CUSTOMER_UUID, "authentication_uuid": AUTH_UUID}
    assert result == RetryAuthenticationResponse(
        authentication_uuid=AUTH_UUID,
        status=RetryStatus.APPROVED,
        created_at=dt.datetime(2024, 5, 1, 12, 1, 0, 500000, tzinfo=UTC),
        next_retry_at=dt.datetime(2024, 5, 1, 10, 2, tzinfo=UTC),
        remaining_retry=2,
    )


@pytest.mark.parametrize("status", ["onboarded", "not_onboarded"])
def test_feedback(backend: DingBackend, mocked: responses.RequestsMock, status: str):
    mocked.post(f"{BASE_URL}/authentication/feedback", json=FEEDBACK_RESPONSE)

    result = backend.feedback(PHONE, status)

    assert sent_json(mocked) == {
        "customer_uuid": CUSTOMER_UUID,
        "phone_number": PHONE,
        "status": status,
    }
    assert result == FeedbackResponse(uuid=FEEDBACK_RESPONSE["uuid"])


# -- get_authentication_status ----------------------------------------------------------


def test_get_authentication_status(backend: DingBackend, mocked: responses.RequestsMock):
    mocked.get(f"{BASE_URL}/authentication/{AUTH_UUID}", json=STATUS_RESPONSE)

    result = backend.get_authentication_status(AUTH_UUID)

    request = mocked.calls[0].request
    assert request.body is None
    assert request.headers["x-api-key"] == API_KEY
    assert result.uuid == AUTH_UUID
    assert result.phone_number == PHONE
    assert result.template_id == "a3b1c2d4-template"
    assert result.correlation_id == "signup-42"
    # Nanoseconds are truncated to microseconds, never rejected.
    assert result.created_at == dt.datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    assert result.signals == AuthenticationSignals(
        ip="192.0.2.10",
        device_id="8F0B1A5E-android-id",
        device_type=DeviceType.IPADOS,
        app_version="3.2.1",
        app_realm="FA+9qCX9VSu",
        os_version="17.4",
        device_model="iPad Pro",
        is_returning_user=True,
    )
    attempt, delivery, check, balance = result.events
    assert attempt == AttemptEvent(
        type=EventType.ATTEMPT,
        created_at=dt.datetime(2024, 5, 1, 12, 0, 0, 200000, tzinfo=UTC),
        id="att_1",
        content="Your code is 918273",
        sender_id="DingDemo",
        capability=Capability.TEXT,
        attempt_number=1,
        status=AttemptStatus.DELIVERED,
    )
    assert delivery == DeliveryStatusEvent(
        type=EventType.DELIVERY_STATUS,
        created_at=dt.datetime(2024, 5, 1, 12, 0, 3, tzinfo=UTC),
        status=DeliveryStatus.DELIVERED,
        attempt_id="att_1",
        attempt_number=1,
        originated_at=dt.datetime(2024, 5, 1, 12, 0, 2, 987654, tzinfo=UTC),
    )
    assert check == CheckEvent(
        type=EventType.CHECK,
        created_at=dt.datetime(2024, 5, 1, 12, 0, 30, tzinfo=UTC),
        id="chk_1",
        code="918273",
        status=CheckStatus.VALID,
    )
    assert balance == BalanceUpdateEvent(
        type=EventType.BALANCE_UPDATE,
        created_at=dt.datetime(2024, 5, 1, 12, 0, 31, tzinfo=UTC),
        balance_update_type=BalanceUpdateType.AUTHENTICATION_SUCCESS,
        amount=-0.042,
    )
    # The code never shows in a repr.
    assert "918273" not in repr(result)


def test_status_path_is_canonical_uuid(backend: DingBackend, mocked: responses.RequestsMock):
    mocked.get(f"{BASE_URL}/authentication/{AUTH_UUID}", json=STATUS_RESPONSE)

    backend.get_authentication_status("{" + AUTH_UUID.upper() + "}")

    assert mocked.calls[0].request.url == f"{BASE_URL}/authentication/{AUTH_UUID}"


# -- lookup ---------------------------------------------------------------------------------


def test_lookup(backend: DingBackend, mocked: responses.RequestsMock):
    mocked.get(
        f"{BASE_URL}/lookup/{PHONE_QUOTED}",
        json=LOOKUP_RESPONSE,
        match=[
            matchers.header_matcher({"customer-uuid": CUSTOMER_UUID}),
            matchers.query_string_matcher(""),
        ],
    )

    result = backend.lookup(PHONE)

    # The "+" travels percent-encoded, so the server reads "+", never a space.
    assert mocked.calls[0].request.path_url == f"/v1/lookup/{PHONE_QUOTED}"
    assert result == LookupResponse(
        phone_number=PHONE,
        mcc="208",
        mnc="01",
        caller_name="JEAN DUPONT",
        carrier="Orange",
        country_code="FR",
        number_ported=False,
        temporary_phone_number=False,
        line_type=LineType.MOBILE,
    )


def test_lookup_cnam(backend: DingBackend, mocked: responses.RequestsMock):
    mocked.get(
        f"{BASE_URL}/lookup/{PHONE_QUOTED}",
        json=LOOKUP_RESPONSE,
        match=[matchers.query_param_matcher({"type": "cnam"})],
    )

    assert backend.lookup(PHONE, cnam=True).caller_name == "JEAN DUPONT"
    assert mocked.calls[0].request.path_url == f"/v1/lookup/{PHONE_QUOTED}?type=cnam"


# -- Results: typed, immutable, tolerant ------------------------------------------------------


def test_results_are_frozen(backend: DingBackend, mocked: responses.RequestsMock):
    mocked.get(f"{BASE_URL}/authentication/{AUTH_UUID}", json=STATUS_RESPONSE)
    result = backend.get_authentication_status(AUTH_UUID)

    with pytest.raises(dataclasses.FrozenInstanceError):
        result.uuid = "other"  # type: ignore[misc]
    assert result.signals is not None
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.signals.ip = "10.0.0.1"  # type: ignore[misc]
    assert isinstance(result.events, tuple)
    hash(result.signals)  # frozen dataclasses of hashables are hashable


def test_results_ignore_unknown_fields_and_wrong_types(
    backend: DingBackend, mocked: responses.RequestsMock
):
    mocked.post(
        f"{BASE_URL}/retry",
        json={
            "authentication_uuid": AUTH_UUID,
            "status": 7,
            "remaining_retry": "3",
            "created_at": "yesterday",
            "brand_new_field": {"x": 1},
        },
    )

    result = backend.retry(AUTH_UUID)

    assert result == RetryAuthenticationResponse(authentication_uuid=AUTH_UUID)


def test_unknown_enum_values_stay_readable(backend: DingBackend, mocked: responses.RequestsMock):
    mocked.post(f"{BASE_URL}/authentication", json=UNKNOWN_ENUMS["create"])
    mocked.post(f"{BASE_URL}/check", json=UNKNOWN_ENUMS["check"])
    mocked.post(f"{BASE_URL}/retry", json=UNKNOWN_ENUMS["retry"])
    mocked.get(f"{BASE_URL}/lookup/{PHONE_QUOTED}", json=UNKNOWN_ENUMS["lookup"])
    mocked.get(f"{BASE_URL}/authentication/{AUTH_UUID}", json=UNKNOWN_ENUMS["status"])

    assert backend.create_authentication(PHONE).status == "queued_for_review"
    check = backend.check(AUTH_UUID, CODE)
    assert check.status == "fraud_suspected"
    assert not check.is_valid
    assert backend.retry(AUTH_UUID).status == "throttled"
    assert backend.lookup(PHONE).line_type == "Quantum"
    status = backend.get_authentication_status(AUTH_UUID)
    assert status.signals is not None
    assert status.signals.device_type == "VISIONOS"
    attempt, delivery, check_event, balance, unknown = status.events
    assert isinstance(attempt, AttemptEvent)
    assert (attempt.capability, attempt.status) == ("carrier_pigeon", "in_flight")
    assert isinstance(delivery, DeliveryStatusEvent)
    assert delivery.status == "bounced"
    assert isinstance(check_event, CheckEvent)
    assert check_event.status == "maybe"
    assert isinstance(balance, BalanceUpdateEvent)
    assert (balance.balance_update_type, balance.amount) == ("refund", 1.0)
    assert type(unknown) is AuthenticationEvent
    assert unknown.type == "silent_auth"
    assert unknown.raw["extra"] == [1, 2]
    for value in (attempt.capability, delivery.status, unknown.type):
        assert type(value) is str


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        ("2024-05-01T12:00:00Z", dt.datetime(2024, 5, 1, 12, tzinfo=UTC)),
        ("2024-05-01T12:00:00.123456789Z", dt.datetime(2024, 5, 1, 12, 0, 0, 123456, UTC)),
        ("2024-05-01T12:00:00.1+01:00", dt.datetime(2024, 5, 1, 11, 0, 0, 100000, UTC)),
        ("2024-05-01T12:00:00", dt.datetime(2024, 5, 1, 12, tzinfo=UTC)),
        ("2024-02-30T12:00:00Z", None),
        ("9999-12-31T23:59:59-05:00", None),  # no UTC equivalent
        ("not a date", None),
        ("", None),
    ],
)
def test_datetimes(backend: DingBackend, mocked: responses.RequestsMock, wire: str, expected):
    mocked.post(
        f"{BASE_URL}/authentication",
        json={"authentication_uuid": AUTH_UUID, "created_at": wire},
    )

    created = backend.create_authentication(PHONE).created_at

    assert created == expected
    assert created is None or created.tzinfo is UTC  # always aware, in UTC


# -- Transport details ----------------------------------------------------------------------


def test_headers_and_timeout(backend: DingBackend, mocked: responses.RequestsMock):
    mocked.post(f"{BASE_URL}/check", json=CHECK_RESPONSE)
    seen: dict[str, Any] = {}
    original = backend.session.request

    def spy(*args: Any, **kwargs: Any) -> requests.Response:
        seen.update(kwargs)
        return original(*args, **kwargs)

    backend.session.request = spy  # type: ignore[method-assign]
    backend.check(AUTH_UUID, CODE)

    headers = mocked.calls[0].request.headers
    assert headers["User-Agent"] == f"django-ding/{__version__}" == USER_AGENT
    assert headers["Accept"] == "application/json"
    assert headers["Content-Type"] == "application/json"
    assert headers["x-api-key"] == API_KEY
    assert seen["timeout"] == (1.5, 4.0)
    assert seen["allow_redirects"] is False


def test_one_session_created_lazily_and_reused(mocked: responses.RequestsMock):
    mocked.post(f"{BASE_URL}/check", json=CHECK_RESPONSE)
    created: list[requests.Session] = []

    class Counting(DingBackend):
        def create_session(self) -> requests.Session:
            session = super().create_session()
            created.append(session)
            return session

    backend = Counting(api_key=API_KEY, customer_uuid=CUSTOMER_UUID, base_url=BASE_URL)
    assert created == []
    backend.check(AUTH_UUID, CODE)
    backend.check(AUTH_UUID, CODE)
    assert len(created) == 1
    assert created[0].headers["User-Agent"] == USER_AGENT
    backend.close()
    backend.check(AUTH_UUID, CODE)  # a closed backend opens a new session
    assert len(created) == 2
    backend.close()


def test_injected_session_is_used_as_is(mocked: responses.RequestsMock):
    mocked.post(f"{BASE_URL}/check", json=CHECK_RESPONSE)
    session = requests.Session()
    session.headers["X-Tenant"] = "acme"
    backend = DingBackend(
        api_key=API_KEY, customer_uuid=CUSTOMER_UUID, base_url=BASE_URL, session=session
    )

    backend.check(AUTH_UUID, CODE)
    backend.close()  # does not close what it does not own

    assert backend.session is session
    headers = mocked.calls[0].request.headers
    assert headers["X-Tenant"] == "acme"
    assert headers["User-Agent"] == USER_AGENT
    assert headers["x-api-key"] == API_KEY
    assert session.adapters  # still usable
    session.close()


def test_base_url_trailing_slash(mocked: responses.RequestsMock):
    mocked.post("http://127.0.0.1:9/ding/v1/check", json=CHECK_RESPONSE)
    backend = make_backend(base_url="http://127.0.0.1:9/ding/v1/")

    backend.check(AUTH_UUID, CODE)

    assert mocked.calls[0].request.url == "http://127.0.0.1:9/ding/v1/check"


def test_endpoints_constant():
    assert dict(ENDPOINTS) == {
        "create_authentication": Endpoint("POST", "/authentication"),
        "check": Endpoint("POST", "/check"),
        "retry": Endpoint("POST", "/retry"),
        "feedback": Endpoint("POST", "/authentication/feedback"),
        "get_authentication_status": Endpoint("GET", "/authentication/{auth_uuid}"),
        "lookup": Endpoint("GET", "/lookup/{phone_number}"),
    }
    with pytest.raises(TypeError):
        ENDPOINTS["check"] = Endpoint("GET", "/x")  # type: ignore[index]
    assert [name for name, e in ENDPOINTS.items() if e.idempotent] == [
        "get_authentication_status",
        "lookup",
    ]


def test_repr_hides_api_key(backend: DingBackend):
    assert API_KEY not in repr(backend)
    assert BASE_URL in repr(backend)


# -- Construction and configuration ---------------------------------------------------------


def test_built_from_settings():
    with override_settings(
        DING={
            "API_KEY": API_KEY,
            "CUSTOMER_UUID": CUSTOMER_UUID,
            "BASE_URL": "http://127.0.0.1:8000/ding-sandbox/v1/",
            "TIMEOUT": 5,
            "MAX_RETRIES": 4,
            "RETRY_BACKOFF": 0.25,
            "RETRY_AFTER_MAX": 3,
        }
    ):
        backend = DingBackend()
    assert backend.api_key == API_KEY
    assert backend.customer_uuid == CUSTOMER_UUID
    assert backend.base_url == "http://127.0.0.1:8000/ding-sandbox/v1"
    assert backend.timeout == (5.0, 5.0)
    assert (backend.max_retries, backend.retry_backoff, backend.retry_after_max) == (4, 0.25, 3.0)


def test_defaults():
    with override_settings(DING={}):
        backend = DingBackend()
    assert backend.base_url == "https://api.ding.live/v1"
    assert backend.timeout == (3.05, 10.0)
    assert (backend.max_retries, backend.retry_backoff, backend.retry_after_max) == (2, 0.5, 10.0)
    assert backend.requires_credentials is True


@pytest.mark.parametrize(
    ("kwargs", "setting"),
    [
        ({"max_retries": -1}, "MAX_RETRIES"),
        ({"max_retries": 1.5}, "MAX_RETRIES"),
        ({"max_retries": True}, "MAX_RETRIES"),
        ({"retry_backoff": "1"}, "RETRY_BACKOFF"),
        ({"retry_backoff": float("nan")}, "RETRY_BACKOFF"),
        ({"retry_after_max": float("inf")}, "RETRY_AFTER_MAX"),
        ({"timeout": 0}, "TIMEOUT"),
        ({"timeout": (1, 2, 3)}, "TIMEOUT"),
    ],
)
def test_invalid_construction(kwargs: dict[str, Any], setting: str):
    with pytest.raises(DingConfigurationError, match=f"DING\\['{setting}'\\]"):
        make_backend(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "setting"),
    [
        ({"api_key": None}, "API_KEY"),
        ({"api_key": ""}, "API_KEY"),
        ({"api_key": "key with space"}, "API_KEY"),
        ({"api_key": "key\r\nX-Evil: 1"}, "API_KEY"),
        ({"customer_uuid": None}, "CUSTOMER_UUID"),
        ({"customer_uuid": "not-a-uuid"}, "CUSTOMER_UUID"),
    ],
)
def test_missing_credentials_at_call_time(
    mocked: responses.RequestsMock, kwargs: dict[str, Any], setting: str
):
    backend = make_backend(**kwargs)  # building it is fine (checks report it)
    with pytest.raises(DingConfigurationError, match=f"DING\\['{setting}'\\]") as info:
        backend.create_authentication(PHONE)
    assert "X-Evil" not in str(info.value)
    assert len(mocked.calls) == 0


def test_missing_settings_name_the_key(mocked: responses.RequestsMock):
    with override_settings(DING={"CUSTOMER_UUID": CUSTOMER_UUID}):
        backend = DingBackend()
    with pytest.raises(DingConfigurationError, match=r"settings\.DING\['API_KEY'\]"):
        backend.lookup(PHONE)


def test_invalid_base_url_is_a_configuration_error(mocked: responses.RequestsMock):
    backend = make_backend(base_url="ftp:/nowhere")
    with pytest.raises(DingConfigurationError, match="BASE_URL"):
        backend.check(AUTH_UUID, CODE)


# -- Argument validation, before any HTTP call ---------------------------------------------


BAD_PHONES = [
    ("", ValueError),
    ("0612345678", ValueError),
    ("+0612345678", ValueError),
    ("+33 6 12 34 56 78", ValueError),
    ("+3361234567890123", ValueError),
    ("+33612345678\n", ValueError),
    ("+33/../x", ValueError),
    (33612345678, TypeError),
    (None, TypeError),
    (b"+33612345678", TypeError),
]


@pytest.mark.parametrize(("phone", "error"), BAD_PHONES)
def test_bad_phone_numbers(
    backend: DingBackend, mocked: responses.RequestsMock, phone: Any, error: type[Exception]
):
    for call in (
        lambda: backend.create_authentication(phone),
        lambda: backend.feedback(phone, "onboarded"),
        lambda: backend.lookup(phone),
    ):
        with pytest.raises(error, match="phone_number") as info:
            call()
        if isinstance(phone, str) and len(phone) > 8:
            assert phone not in str(info.value)
    assert len(mocked.calls) == 0


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("../x", ValueError),
        ("", ValueError),
        ("e0e7b0e9-739d-424b-922f-1c2cb48ab07", ValueError),
        (AUTH_UUID + "/../../lookup", ValueError),
        ("x" * 10_000, ValueError),
        (None, TypeError),
        (42, TypeError),
    ],
)
def test_bad_uuids(
    backend: DingBackend, mocked: responses.RequestsMock, value: Any, error: type[Exception]
):
    with pytest.raises(error, match="auth_uuid"):
        backend.get_authentication_status(value)
    with pytest.raises(error, match="authentication_uuid"):
        backend.check(value, CODE)
    with pytest.raises(error, match="authentication_uuid"):
        backend.retry(value)
    assert len(mocked.calls) == 0


@pytest.mark.parametrize(
    ("code", "error"),
    [("", ValueError), ("1" * 65, ValueError), ("12\n34", ValueError), (123456, TypeError)],
)
def test_bad_codes(
    backend: DingBackend, mocked: responses.RequestsMock, code: Any, error: type[Exception]
):
    with pytest.raises(error, match="check_code") as info:
        backend.check(AUTH_UUID, code)
    if isinstance(code, str) and code:
        assert code.strip() not in str(info.value)
    assert len(mocked.calls) == 0


@pytest.mark.parametrize(
    ("fields", "error", "match"),
    [
        ({"devise_id": "x"}, TypeError, "devise_id"),
        ({"customer_uuid": CUSTOMER_UUID}, TypeError, "customer_uuid"),
        ({"is_returning_user": "true"}, TypeError, "is_returning_user"),
        ({"is_returning_user": 1}, TypeError, "is_returning_user"),
        ({"device_type": "TVOS"}, ValueError, "device_type"),
        ({"device_type": 3}, ValueError, "device_type"),
        ({"ip": "999.1.1.1"}, ValueError, "ip"),
        ({"ip": 3232235777}, TypeError, "ip"),
        ({"callback_url": "javascript:alert(1)"}, ValueError, "callback_url"),
        ({"callback_url": "/relative"}, ValueError, "callback_url"),
        ({"locale": "fr_FR"}, ValueError, "locale"),
        ({"locale": "x"}, ValueError, "locale"),
        ({"app_version": 3.2}, TypeError, "app_version"),
        ({"device_id": "x" * 1025}, ValueError, "device_id"),
    ],
)
def test_bad_create_fields(
    backend: DingBackend,
    mocked: responses.RequestsMock,
    fields: dict[str, Any],
    error: type[Exception],
    match: str,
):
    with pytest.raises(error, match=match):
        backend.create_authentication(PHONE, **fields)
    assert len(mocked.calls) == 0


@pytest.mark.parametrize(("status", "error"), [("ONBOARDED", ValueError), (None, TypeError)])
def test_bad_feedback_status(
    backend: DingBackend, mocked: responses.RequestsMock, status: Any, error: type[Exception]
):
    with pytest.raises(error, match="onboarded"):
        backend.feedback(PHONE, status)
    assert len(mocked.calls) == 0


def test_bad_cnam(backend: DingBackend, mocked: responses.RequestsMock):
    with pytest.raises(TypeError, match="cnam"):
        backend.lookup(PHONE, cnam="yes")  # type: ignore[arg-type]
    assert len(mocked.calls) == 0


# -- Properties (hypothesis) ---------------------------------------------------------------

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=10**308, max_value=10**400)
    | st.floats(allow_nan=False)
    | st.text(max_size=30)
    | st.sampled_from(["2024-05-01T12:00:00.123456789Z", "pending", "attempt", "Mobile"]),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
FIELD_NAMES = st.sampled_from(
    [
        "authentication_uuid",
        "status",
        "created_at",
        "expires_at",
        "next_retry_at",
        "remaining_retry",
        "uuid",
        "phone_number",
        "signals",
        "events",
        "line_type",
        "number_ported",
        "type",
        "amount",
        "capability",
        "attempt_number",
        "device_type",
        "is_returning_user",
    ]
)
EVENT = st.builds(
    lambda d, kind: {**d, "type": kind},
    st.dictionaries(FIELD_NAMES, JSON, max_size=8),
    st.sampled_from(["attempt", "check", "delivery_status", "balance_update", "new"]) | JSON,
)
WIRE = st.dictionaries(FIELD_NAMES | st.text(max_size=8), JSON, max_size=10) | st.builds(
    lambda d, events, signals: {**d, "events": events, "signals": signals},
    st.dictionaries(FIELD_NAMES, JSON, max_size=6),
    st.lists(EVENT | JSON, max_size=5),
    st.dictionaries(FIELD_NAMES, JSON, max_size=6) | JSON,
)
RESULT_CLASSES = (
    CreateAuthenticationResponse,
    CreateCheckResponse,
    RetryAuthenticationResponse,
    FeedbackResponse,
    AuthenticationStatusResponse,
    LookupResponse,
    AuthenticationSignals,
)


@settings(max_examples=300, deadline=None)
@given(WIRE)
@example({"events": [{"type": "balance_update", "amount": 10**400}]})  # float() overflow
@example({"events": [{"type": "check", "created_at": "9999-12-31T23:59:59-23:59"}]})
def test_from_wire_never_crashes(data: dict[str, Any]):
    for cls in RESULT_CLASSES:
        result = cls.from_wire(data)
        wire = result.to_wire()
        assert isinstance(wire, dict)
        json.dumps(wire)  # what to_wire returns is JSON again


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["+1", "+33", "+44", "+353", "+880", "+7"]),
    st.text(alphabet="0123456789", min_size=7, max_size=12),
)
def test_mask_phone_never_returns_the_number(prefix: str, rest: str):
    number = prefix + rest
    masked = mask_phone(number)
    assert masked != number
    assert number not in masked
    assert rest not in masked
    assert masked.endswith(rest[-2:])


def test_concurrent_first_use_creates_one_session():
    created: list[requests.Session] = []

    class Slow(DingBackend):
        def create_session(self) -> requests.Session:
            time.sleep(0.05)  # widen the race window
            session = super().create_session()
            created.append(session)
            return session

    backend = Slow(api_key=API_KEY, customer_uuid=CUSTOMER_UUID, base_url=BASE_URL)
    seen: list[requests.Session] = []
    threads = [threading.Thread(target=lambda: seen.append(backend.session)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(created) == 1
    assert all(session is created[0] for session in seen)
    backend.close()
