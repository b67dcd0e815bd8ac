"""send_code: recording, provider outcomes, input validation, send limits."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.test import RequestFactory
from django.utils import timezone
from phonenumber_field.phonenumber import PhoneNumber

from django_ding import services
from django_ding.backends.enums import AuthenticationStatus
from django_ding.backends.results import CreateAuthenticationResponse
from django_ding.exceptions import (
    DingAPIError,
    DingConfigurationError,
    DingConnectionError,
    DingError,
    DingInvalidResponseError,
    DingTimeoutError,
    VerificationRefused,
)
from django_ding.models import Authentication, LimitLock, RetryRecord
from django_ding.reasons import Reason
from tests.services.backend import PATH, Script
from tests.services.conftest import OTHER_PHONE, PHONE, SignalLog, age, rolled_back

pytestmark = pytest.mark.django_db(transaction=True)


def test_send_records_the_row_and_signals(script: Script, sent_signals: SignalLog) -> None:
    authentication = services.send_code(PHONE, correlation_id="c-1", template_id="t-1")

    authentication.refresh_from_db()
    assert authentication.status == Authentication.Status.PENDING
    assert authentication.provider_id is not None
    assert authentication.phone_number.as_e164 == PHONE
    assert authentication.correlation_id == "c-1"
    assert authentication.template_id == "t-1"
    assert authentication.backend == PATH
    assert authentication.expires_at > timezone.now()
    assert authentication.error_code == ""
    assert script.calls == [
        (
            "create_authentication",
            {"phone_number": PHONE, "correlation_id": "c-1", "template_id": "t-1"},
        )
    ]
    assert sent_signals.names() == ["status_changed", "code_sent"]
    change = sent_signals.of("status_changed")[0]
    assert (change["old_status"], change["new_status"]) == ("sending", "pending")
    assert change["sender"] is Authentication
    sent = sent_signals.of("code_sent")[0]
    assert sent["authentication"].pk == authentication.pk
    assert sent["request"] is None


def test_send_accepts_a_phonenumber_and_national_numbers_with_default_region(
    script: Script, settings: Any
) -> None:
    assert services.send_code(PhoneNumber.from_string(PHONE)).phone_number.as_e164 == PHONE
    settings.DING = {**settings.DING, "DEFAULT_REGION": "FR"}
    assert services.send_code("06 98 76 54 32").phone_number.as_e164 == OTHER_PHONE


def test_send_uses_the_default_ttl_without_provider_expiry(script: Script) -> None:
    script.queue(
        "create_authentication",
        CreateAuthenticationResponse(
            authentication_uuid="6f1a8e63-7a4a-4bd5-a8c8-2b7b2f1d2c3e",
            status=AuthenticationStatus.PENDING,
        ),
    )
    before = timezone.now()
    authentication = services.send_code(PHONE)
    assert before + dt.timedelta(seconds=599) <= authentication.expires_at
    assert authentication.expires_at <= timezone.now() + dt.timedelta(seconds=600)


@pytest.mark.parametrize("status", ["brand_new", None, "", "<script>"])
def test_unknown_or_missing_provider_status_is_a_failed_send(
    script: Script, sent_signals: SignalLog, status: str | None
) -> None:
    script.queue(
        "create_authentication",
        CreateAuthenticationResponse(
            authentication_uuid="6f1a8e63-7a4a-4bd5-a8c8-2b7b2f1d2c3e", status=status
        ),
    )
    with pytest.raises(DingInvalidResponseError, match="unknown authentication status") as info:
        services.send_code(PHONE)
    assert info.value.status_code == 200
    assert "<script>" not in str(info.value)
    row = Authentication.objects.get()
    assert (row.status, row.error_code) == (Authentication.Status.FAILED, "unknown_status")
    assert "code_sent" not in sent_signals.names()


def test_national_numbers_follow_a_lower_case_default_region(script: Script, settings: Any) -> None:
    settings.DING = {**settings.DING, "DEFAULT_REGION": "fr"}
    assert services.send_code("06 12 34 56 78").phone_number.as_e164 == PHONE
    assert script.calls[0][1]["phone_number"] == PHONE


def test_a_bad_default_region_names_the_setting(script: Script, settings: Any) -> None:
    settings.DING = {**settings.DING, "DEFAULT_REGION": "France"}
    with pytest.raises(DingConfigurationError, match=r"DING\['DEFAULT_REGION'\]"):
        services.send_code("06 12 34 56 78")
    assert Authentication.objects.count() == 0


@pytest.mark.parametrize(
    "fields",
    [
        {"callback_url": "ftp://x/y"},
        {"callback_url": "javascript:alert(1)"},
        {"callback_url": "/relative/path"},
        {"locale": "not a locale"},
        {"locale": "fr_FR"},
    ],
)
def test_fields_the_backend_refuses_leave_no_row_and_no_cooldown(
    script: Script, fields: dict[str, Any]
) -> None:
    with pytest.raises(ValueError, match=r"callback_url|locale"):
        services.send_code(PHONE, **fields)
    assert Authentication.objects.count() == 0
    assert script.calls == []
    # Nothing was recorded, so the cooldown does not refuse the next send.
    authentication = services.send_code(PHONE, callback_url="https://example.com/cb", locale="fr")
    assert authentication.status == Authentication.Status.PENDING


def test_an_invalid_request_locale_is_not_sent(script: Script) -> None:
    request = RequestFactory().post("/", REMOTE_ADDR="203.0.113.9")
    request.user = AnonymousUser()
    request.LANGUAGE_CODE = "not a locale"
    authentication = services.send_code(PHONE, request=request)
    assert authentication.locale == ""
    assert "locale" not in script.calls[0][1]


def test_request_supplies_ip_locale_and_user(script: Script) -> None:
    user = get_user_model().objects.create_user("ann")
    request = RequestFactory().post("/", REMOTE_ADDR="203.0.113.9")
    request.user = user
    request.LANGUAGE_CODE = "pt-br"

    authentication = services.send_code(PHONE, request=request, device_type="web")

    assert authentication.ip == "203.0.113.9"
    assert authentication.locale == "pt-BR"
    assert authentication.user == user
    assert authentication.signals == {"device_type": "WEB"}
    call = script.calls[0][1]
    assert call["ip"] == "203.0.113.9"
    assert call["locale"] == "pt-BR"


def test_explicit_fields_win_over_the_request(script: Script) -> None:
    request = RequestFactory().post("/", REMOTE_ADDR="203.0.113.9")
    request.user = AnonymousUser()
    authentication = services.send_code(PHONE, request=request, ip="198.51.100.1", locale="fr")
    assert (authentication.ip, authentication.locale, authentication.user) == (
        "198.51.100.1",
        "fr",
        None,
    )


@pytest.mark.parametrize(
    "number",
    ["", "   ", "not a number", "+1", "+33 6", "+" + "1" * 80, "+336123456789012345", "\x00"],
)
def test_invalid_numbers_raise_value_error_and_record_nothing(script: Script, number: str) -> None:
    with pytest.raises(ValueError, match="phone number"):
        services.send_code(number)
    assert Authentication.objects.count() == 0
    assert script.calls == []


@pytest.mark.parametrize("number", [None, 33612345678, b"+33612345678", ["+33612345678"]])
def test_numbers_of_the_wrong_type_raise_value_error(script: Script, number: Any) -> None:
    with pytest.raises(ValueError, match="string or a PhoneNumber"):
        services.send_code(number)


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"bogus": "x"}, TypeError),
        ({"ip": "999.1.1.1"}, ValueError),
        ({"ip": 12}, ValueError),
        ({"device_type": "TOASTER"}, ValueError),
        ({"is_returning_user": "yes"}, ValueError),
        ({"correlation_id": "x" * 201}, ValueError),
        ({"template_id": "a\x00b"}, ValueError),
        ({"locale": "x" * 36}, ValueError),
    ],
)
def test_bad_fields_are_refused_before_anything_is_recorded(
    script: Script, fields: dict[str, Any], error: type[Exception]
) -> None:
    with pytest.raises(error):
        services.send_code(PHONE, **fields)
    assert Authentication.objects.count() == 0
    assert script.calls == []


def test_user_must_be_a_saved_user(script: Script) -> None:
    with pytest.raises(TypeError):
        services.send_code(PHONE, user="ann")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="saved"):
        services.send_code(PHONE, user=get_user_model()(username="ghost"))


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (DingAPIError("no", status_code=400, code="invalid_phone_number"), "invalid_phone_number"),
        (DingAPIError("boom", status_code=500), "http_500"),
        (DingAPIError("odd", status_code=400, code="bad code\n<script>"), "bad_code__script_"),
        (DingTimeoutError("slow", request_sent=True), "timeout"),
        (DingConnectionError("down", request_sent=False), "connection_error"),
        (DingInvalidResponseError("junk", status_code=200), "invalid_response"),
        (DingError("other"), "provider_error"),
    ],
)
def test_provider_errors_leave_a_failed_row_and_are_raised(
    script: Script, sent_signals: SignalLog, error: DingError, code: str
) -> None:
    script.queue("create_authentication", error)
    with pytest.raises(type(error)):
        services.send_code(PHONE)
    authentication = Authentication.objects.get()
    assert authentication.status == Authentication.Status.FAILED
    assert authentication.error_code == code
    assert authentication.provider_id is None
    assert sent_signals.names() == ["status_changed"]


def test_a_bug_in_the_backend_still_leaves_a_failed_row(script: Script) -> None:
    script.queue("create_authentication", KeyError("bug"))
    with pytest.raises(KeyError):
        services.send_code(PHONE)
    assert Authentication.objects.get().error_code == "internal_error"


@pytest.mark.parametrize(
    "bad_id",
    ["", " ", "vrf_01jc0t6f wwfg", "vrf_\x00", "vrf_é", "x" * 65, "\t", None, 42, b"vrf_1"],
)
def test_an_answer_without_a_valid_id_fails(script: Script, bad_id: Any) -> None:
    script.queue(
        "create_authentication",
        CreateAuthenticationResponse(authentication_uuid=bad_id, status="pending"),
    )
    with pytest.raises(DingInvalidResponseError, match="no valid id"):
        services.send_code(PHONE)
    authentication = Authentication.objects.get()
    assert authentication.status == Authentication.Status.FAILED
    assert authentication.error_code == "invalid_response"
    assert authentication.provider_id is None


@pytest.mark.parametrize(
    ("answered", "stored"),
    [
        # Ding v1 UUIDs, in any spelling, are stored in their canonical form.
        ("6f1a8e63-7a4a-4bd5-a8c8-2b7b2f1d2c3e", "6f1a8e63-7a4a-4bd5-a8c8-2b7b2f1d2c3e"),
        ("6F1A8E63-7A4A-4BD5-A8C8-2B7B2F1D2C3E", "6f1a8e63-7a4a-4bd5-a8c8-2b7b2f1d2c3e"),
        ("6f1a8e637a4a4bd5a8c82b7b2f1d2c3e", "6f1a8e63-7a4a-4bd5-a8c8-2b7b2f1d2c3e"),
        # Other ids (Prelude v2) are opaque: kept exactly as sent.
        ("vrf_01jc0t6fwwfgfsq1md24mhyztj", "vrf_01jc0t6fwwfgfsq1md24mhyztj"),
        ("not-a-uuid", "not-a-uuid"),
        ("x" * 64, "x" * 64),
    ],
)
def test_the_provider_id_is_stored_canonical_or_as_sent(
    script: Script, answered: str, stored: str
) -> None:
    script.queue(
        "create_authentication",
        CreateAuthenticationResponse(authentication_uuid=answered, status="pending"),
    )
    authentication = services.send_code(PHONE)
    assert authentication.status == Authentication.Status.PENDING
    assert authentication.provider_id == stored
    assert Authentication.objects.get(provider_id=stored).pk == authentication.pk


def test_a_duplicate_uuid_from_the_provider_fails_the_new_row(
    script: Script, settings: Any
) -> None:
    settings.DING = {**settings.DING, "SEND_COOLDOWN": 0}
    answer = CreateAuthenticationResponse(
        authentication_uuid="6f1a8e63-7a4a-4bd5-a8c8-2b7b2f1d2c3e", status="pending"
    )
    script.queue("create_authentication", answer, answer)
    first = services.send_code(PHONE)
    with pytest.raises(DingInvalidResponseError):
        services.send_code(PHONE)
    assert Authentication.objects.get(pk=first.pk).status == Authentication.Status.PENDING
    assert Authentication.objects.exclude(pk=first.pk).get().status == "failed"


@pytest.mark.parametrize(
    "status", [AuthenticationStatus.RATE_LIMITED, AuthenticationStatus.SPAM_DETECTED]
)
def test_provider_refusals_raise_with_the_row(
    script: Script, sent_signals: SignalLog, status: AuthenticationStatus
) -> None:
    script.queue(
        "create_authentication",
        CreateAuthenticationResponse(
            authentication_uuid="6f1a8e63-7a4a-4bd5-a8c8-2b7b2f1d2c3e", status=status
        ),
    )
    with pytest.raises(VerificationRefused) as caught:
        services.send_code(PHONE)
    assert caught.value.reason == Reason.PROVIDER_REFUSED
    # Behaviour change: v1 refusals are "blocked" rows keeping the v1 status
    # as their refusal reason (both providers read the same way).
    assert caught.value.authentication.status == Authentication.Status.BLOCKED
    assert caught.value.authentication.refusal_reason == status.value
    assert "code_sent" not in sent_signals.names()


# -- Send limits ----------------------------------------------------------------


def test_cooldown_refuses_a_second_send_with_retry_after(script: Script) -> None:
    services.send_code(PHONE)
    with pytest.raises(VerificationRefused) as caught:
        services.send_code(PHONE)
    assert caught.value.reason == Reason.COOLDOWN
    assert 29 <= caught.value.retry_after <= 30
    assert script.count("create_authentication") == 1
    # Another number is not affected; after the cooldown the number is free again.
    services.send_code(OTHER_PHONE)
    age(Authentication, 31)
    services.send_code(PHONE)


def test_failed_sends_count_toward_the_limits(script: Script) -> None:
    script.queue("create_authentication", DingTimeoutError("slow", request_sent=True))
    with pytest.raises(DingTimeoutError):
        services.send_code(PHONE)
    with pytest.raises(VerificationRefused) as caught:
        services.send_code(PHONE)
    assert caught.value.reason == Reason.COOLDOWN


def test_per_phone_window(script: Script) -> None:
    for _ in range(5):
        services.send_code(PHONE)
        age(Authentication, 31)
    with pytest.raises(VerificationRefused) as caught:
        services.send_code(PHONE)
    assert caught.value.reason == Reason.PHONE_RATE_LIMITED
    # The oldest of the five was sent 155 s ago: it leaves the 600 s window in 445 s.
    assert 444 <= caught.value.retry_after <= 446
    services.send_code(OTHER_PHONE)


def test_retries_count_toward_the_per_phone_window(script: Script) -> None:
    authentication = services.send_code(PHONE)
    age(Authentication, 31)
    for _ in range(4):
        RetryRecord.objects.create(authentication=authentication, provider_called=True)
        RetryRecord.objects.create(authentication=authentication, provider_called=False)
        age(RetryRecord, 31)
    age(Authentication, 31 * 4)
    with pytest.raises(VerificationRefused) as caught:
        services.send_code(PHONE)
    assert caught.value.reason == Reason.PHONE_RATE_LIMITED


def test_per_ip_window(script: Script, settings: Any) -> None:
    settings.DING = {**settings.DING, "SEND_LIMIT_PER_IP": (2, 3600)}
    services.send_code(PHONE, ip="203.0.113.9")
    services.send_code(OTHER_PHONE, ip="203.0.113.9")
    with pytest.raises(VerificationRefused) as caught:
        services.send_code("+33611111111", ip="203.0.113.9")
    assert caught.value.reason == Reason.IP_RATE_LIMITED
    assert 3599 <= caught.value.retry_after <= 3600
    services.send_code("+33611111111", ip="203.0.113.10")
    services.send_code("+33622222222")  # no address: not counted per address


def test_global_hourly_cap(script: Script, settings: Any) -> None:
    settings.DING = {**settings.DING, "SEND_LIMIT_GLOBAL_PER_HOUR": 2}
    services.send_code(PHONE)
    age(Authentication, 1800)
    services.send_code(OTHER_PHONE)
    with pytest.raises(VerificationRefused) as caught:
        services.send_code("+33611111111")
    assert caught.value.reason == Reason.GLOBAL_RATE_LIMITED
    # The oldest send (1800 s ago) leaves the hour in 1800 s.
    assert 1799 <= caught.value.retry_after <= 1800
    assert script.count("create_authentication") == 2


def test_limits_can_be_disabled(script: Script, settings: Any) -> None:
    settings.DING = {
        **settings.DING,
        "SEND_COOLDOWN": None,
        "SEND_LIMIT_PER_PHONE": None,
        "SEND_LIMIT_PER_IP": None,
        "SEND_LIMIT_GLOBAL_PER_HOUR": None,
    }
    for _ in range(8):
        services.send_code(PHONE, ip="203.0.113.9")
    assert script.count("create_authentication") == 8


def test_lock_rows_hold_no_phone_number_or_address(script: Script) -> None:
    services.send_code(PHONE, ip="203.0.113.9")
    keys = " ".join(LimitLock.objects.values_list("key", flat=True))
    assert LimitLock.objects.count() == 3
    assert "336" not in keys
    assert "203.0" not in keys


# -- Rows that never finish ---------------------------------------------------------


def test_stale_sending_rows_are_failed_by_the_next_send(
    script: Script, sent_signals: SignalLog
) -> None:
    stale = Authentication.objects.create(phone_number=PHONE)
    age(Authentication, 3600)
    services.send_code(PHONE)
    stale.refresh_from_db()
    assert stale.status == Authentication.Status.FAILED
    assert stale.error_code == "interrupted"


def test_fail_stale_sends_for_every_number(script: Script) -> None:
    fresh = Authentication.objects.create(phone_number=PHONE)
    old = Authentication.objects.create(phone_number=OTHER_PHONE)
    age(Authentication, 3600, pk=old.pk)
    assert services.fail_stale_sends() == 1
    fresh.refresh_from_db()
    assert fresh.status == Authentication.Status.SENDING


# -- Transactions ----------------------------------------------------------------------


def test_a_rolled_back_send_emits_no_signal(script: Script, sent_signals: SignalLog) -> None:
    rolled_back(lambda: services.send_code(PHONE))
    assert sent_signals.sent == []
    assert Authentication.objects.count() == 0


def test_signals_wait_for_the_callers_commit(script: Script, sent_signals: SignalLog) -> None:
    with transaction.atomic():
        services.send_code(PHONE)
        assert sent_signals.sent == []
    assert sent_signals.names() == ["status_changed", "code_sent"]


def test_a_late_answer_finalises_a_row_marked_interrupted(
    script: Script, sent_signals: SignalLog
) -> None:
    def slow(**call: Any) -> CreateAuthenticationResponse:
        Authentication.objects.update(status="failed", error_code="interrupted")
        return CreateAuthenticationResponse(
            authentication_uuid="6f1a8e63-7a4a-4bd5-a8c8-2b7b2f1d2c3e", status="pending"
        )

    script.queue("create_authentication", slow)
    authentication = services.send_code(PHONE)
    assert authentication.status == Authentication.Status.PENDING
    assert authentication.error_code == ""
    assert "code_sent" in sent_signals.names()


def test_a_row_changed_by_someone_else_during_the_send_is_left_alone(
    script: Script, sent_signals: SignalLog
) -> None:
    def meanwhile(**call: Any) -> CreateAuthenticationResponse:
        Authentication.objects.update(status="failed", error_code="admin")
        return CreateAuthenticationResponse(
            authentication_uuid="6f1a8e63-7a4a-4bd5-a8c8-2b7b2f1d2c3e", status="pending"
        )

    script.queue("create_authentication", meanwhile)
    authentication = services.send_code(PHONE)
    assert (authentication.status, authentication.error_code) == ("failed", "admin")
    assert "code_sent" not in sent_signals.names()
