"""retry and retry_available_in: provider hints, local limits, outcomes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from django_ding import services
from django_ding.backends.enums import RetryStatus
from django_ding.backends.results import RetryAuthenticationResponse
from django_ding.exceptions import DingAPIError, DingTimeoutError, VerificationRefused
from django_ding.models import Authentication, RetryRecord
from django_ding.reasons import Reason
from tests.services.backend import Script
from tests.services.conftest import PHONE, SignalLog, age

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def authentication(script: Script) -> Authentication:
    sent = services.send_code(PHONE)
    age(Authentication, 31)  # past the send cooldown
    return sent


def refused(authentication: Authentication) -> VerificationRefused:
    with pytest.raises(VerificationRefused) as caught:
        services.retry(authentication)
    return caught.value


def test_approved_retry(
    script: Script, authentication: Authentication, sent_signals: SignalLog
) -> None:
    result = services.retry(authentication)
    assert result is authentication
    assert authentication.remaining_retry == 2
    assert authentication.next_retry_at > timezone.now()
    assert script.calls[-1] == (
        "retry",
        {"authentication_uuid": authentication.provider_id, "phone_number": PHONE},
    )
    record = RetryRecord.objects.get()
    assert (record.provider_called, record.provider_status, record.reason) == (
        True,
        "approved",
        "",
    )
    assert record.remaining_retry == 2
    assert sent_signals.names() == ["retry_requested"]
    assert sent_signals.of("retry_requested")[0]["authentication"] is authentication


def test_provider_next_retry_at_is_honoured(script: Script, authentication: Authentication) -> None:
    services.retry(authentication)
    error = refused(authentication)
    assert error.reason == Reason.RETRY_NOT_YET
    assert 29 <= error.retry_after <= 30
    assert error.authentication == authentication
    assert script.count("retry") == 1
    assert RetryRecord.objects.filter(provider_called=False).get().reason == Reason.RETRY_NOT_YET


def test_local_cooldown_applies_to_retries(script: Script) -> None:
    authentication = services.send_code(PHONE)
    error = refused(authentication)
    assert error.reason == Reason.RETRY_NOT_YET
    assert 29 <= error.retry_after <= 30
    assert script.count("retry") == 0


def test_no_retries_left(script: Script, authentication: Authentication) -> None:
    Authentication.objects.filter(pk=authentication.pk).update(remaining_retry=0)
    error = refused(authentication)
    assert error.reason == Reason.NO_RETRIES_LEFT
    assert error.retry_after is None


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (Authentication.Status.VERIFIED, Reason.ALREADY_VERIFIED),
        (Authentication.Status.LOCKED, Reason.LOCKED),
        (Authentication.Status.EXPIRED, Reason.EXPIRED),
        (Authentication.Status.FAILED, Reason.NOT_SENT),
        (Authentication.Status.SENDING, Reason.NOT_SENT),
    ],
)
def test_refused_by_status(
    script: Script, authentication: Authentication, status: str, reason: Reason
) -> None:
    Authentication.objects.filter(pk=authentication.pk).update(status=status)
    assert refused(authentication).reason == reason
    assert script.count("retry") == 0


def test_expired_locally(script: Script, authentication: Authentication) -> None:
    Authentication.objects.filter(pk=authentication.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert refused(authentication).reason == Reason.EXPIRED
    assert authentication.status == Authentication.Status.EXPIRED


def test_retries_count_toward_the_phone_window(
    script: Script, authentication: Authentication
) -> None:
    for _ in range(4):
        RetryRecord.objects.create(authentication=authentication, provider_called=True)
        age(RetryRecord, 31)
    assert refused(authentication).reason == Reason.PHONE_RATE_LIMITED


def test_retries_count_toward_the_global_cap(
    script: Script, authentication: Authentication, settings: Any
) -> None:
    settings.DING = {**settings.DING, "SEND_LIMIT_GLOBAL_PER_HOUR": 1}
    assert refused(authentication).reason == Reason.GLOBAL_RATE_LIMITED


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (RetryStatus.DENIED, Reason.PROVIDER_REFUSED),
        (RetryStatus.RATE_LIMITED, Reason.PROVIDER_REFUSED),
        (RetryStatus.ALREADY_VALIDATED, Reason.PROVIDER_REFUSED),
        (RetryStatus.NO_ATTEMPT, Reason.NOT_SENT),
        (RetryStatus.EXPIRED_AUTH, Reason.EXPIRED),
        ("new_status", Reason.PROVIDER_REFUSED),
    ],
)
def test_provider_refusals(
    script: Script,
    authentication: Authentication,
    sent_signals: SignalLog,
    status: str,
    reason: Reason,
) -> None:
    next_at = timezone.now() + dt.timedelta(seconds=90)
    script.queue(
        "retry",
        RetryAuthenticationResponse(status=status, next_retry_at=next_at, remaining_retry=1),
    )
    error = refused(authentication)
    assert error.reason == reason
    assert 89 <= error.retry_after <= 90
    assert authentication.remaining_retry == 1
    record = RetryRecord.objects.get()
    assert record.provider_status == str(status)
    assert record.reason == reason
    assert "retry_requested" not in sent_signals.names()
    if status == RetryStatus.EXPIRED_AUTH:
        assert authentication.status == Authentication.Status.EXPIRED
    else:
        assert authentication.status == Authentication.Status.PENDING


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (DingTimeoutError("slow", request_sent=True), "timeout"),
        (DingAPIError("no", status_code=400, code="invalid_auth_uuid"), "invalid_auth_uuid"),
    ],
)
def test_provider_errors_are_recorded_and_raised(
    script: Script, authentication: Authentication, error: Exception, code: str
) -> None:
    script.queue("retry", error)
    with pytest.raises(type(error)):
        services.retry(authentication)
    record = RetryRecord.objects.get()
    assert (record.error_code, record.reason, record.provider_called) == (
        code,
        Reason.PROVIDER_ERROR,
        True,
    )
    # A retry that may have reached the provider counts toward the send limits.
    assert refused(authentication).reason == Reason.RETRY_NOT_YET


def test_bad_arguments(script: Script) -> None:
    with pytest.raises(TypeError):
        services.retry(None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="never saved"):
        services.retry(Authentication(phone_number=PHONE))
    with pytest.raises(TypeError):
        services.retry_available_in("x")  # type: ignore[arg-type]


def test_retry_available_in(script: Script) -> None:
    authentication = services.send_code(PHONE)
    assert 29 <= services.retry_available_in(authentication) <= 30
    age(Authentication, 31)
    assert services.retry_available_in(authentication) == 0
    services.retry(authentication)
    assert 29 <= services.retry_available_in(authentication) <= 30
    Authentication.objects.filter(pk=authentication.pk).update(
        next_retry_at=timezone.now() + dt.timedelta(seconds=120)
    )
    authentication.refresh_from_db()
    assert 119 <= services.retry_available_in(authentication) <= 120
