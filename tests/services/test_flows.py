"""The service flows against both providers' semantics.

Every test here takes the ``flavour`` fixture: it runs on the Ding v1 and on
the Prelude v2 test backend, which answer with their provider's real result
classes. The services read the neutral protocol only, so the same
assertions hold for both; v2-only cases (shadow blocks, challenges, windows)
run on Prelude alone.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import RequestFactory

from django_ding import services
from django_ding.backends.outcomes import CheckOutcome, RetryOutcome, SendOutcome
from django_ding.backends.test import Scripted
from django_ding.exceptions import DingInvalidResponseError, VerificationRefused
from django_ding.models import Authentication, CheckRecord, Feedback, RetryRecord, StatusEvent
from django_ding.reasons import Reason
from tests.services.backend import Script
from tests.services.conftest import PHONE, SignalLog, age

pytestmark = pytest.mark.django_db(transaction=True)

RIGHT = "123456"
WRONG = "000000"
prelude_only = pytest.mark.parametrize("flavour", ["prelude"], indirect=True)


def refused_send(**fields: Any) -> VerificationRefused:
    with pytest.raises(VerificationRefused) as caught:
        services.send_code(PHONE, **fields)
    return caught.value


# -- send -> check (wrong, right) -> retry -> status ---------------------------


def test_send_wrong_right(script: Script, flavour: str, sent_signals: SignalLog) -> None:
    authentication = services.send_code(PHONE)
    assert authentication.status == Authentication.Status.PENDING
    assert authentication.provider_id == script.outbox[-1].provider_id
    assert script.last_code(PHONE) == RIGHT

    wrong = services.check_code(authentication, WRONG)
    assert (wrong.verified, wrong.reason, wrong.attempts_left) == (False, Reason.INVALID_CODE, 4)
    right = services.check_code(authentication, RIGHT)
    assert right.verified
    assert authentication.status == Authentication.Status.VERIFIED
    assert authentication.failed_checks == 1
    # The service always hands the phone number to the backend.
    assert [call["phone_number"] for call in script.calls_to("check")] == [PHONE, PHONE]
    assert [r.provider_status for r in CheckRecord.objects.order_by("id")] == (
        ["invalid", "valid"] if flavour == "ding" else ["failure", "success"]
    )
    assert sent_signals.names().count("phone_verified") == 1


def test_send_retry_check_and_status(script: Script, flavour: str) -> None:
    authentication = services.send_code(PHONE)
    first_id = authentication.provider_id
    age(Authentication, 31)  # past the send cooldown
    services.retry(authentication)
    # v1 retry approved, v2 a create inside the open window: the same id.
    assert authentication.provider_id == first_id
    assert authentication.status == Authentication.Status.PENDING
    record = RetryRecord.objects.get()
    assert (record.provider_called, record.reason, record.provider_id) == (True, "", first_id)
    assert [sent.operation for sent in script.outbox] == ["create_authentication", "retry"]
    assert script.calls_to("retry") == [{"authentication_uuid": first_id, "phone_number": PHONE}]
    if flavour == "ding":
        assert authentication.remaining_retry == 2
        assert authentication.next_retry_at is not None
    else:  # no retry counters in v2: local pacing only
        assert authentication.remaining_retry is None
        assert authentication.next_retry_at is None

    assert services.check_code(authentication, RIGHT).verified
    services.refresh_status(authentication)
    events = list(StatusEvent.objects.filter(authentication=authentication))
    kinds = {event.type for event in events}
    assert {"attempt", "check"} <= kinds
    assert RIGHT not in json.dumps([(e.type, e.status, e.details) for e in events])
    if flavour == "prelude":
        assert ("status", "converted") in {(e.type, e.status) for e in events}
    # A status read never verifies nor un-verifies.
    assert authentication.status == Authentication.Status.VERIFIED
    services.refresh_status(authentication)
    assert StatusEvent.objects.filter(authentication=authentication).count() == len(events)


def test_resends_are_paced_locally(script: Script, flavour: str) -> None:
    authentication = services.send_code(PHONE)
    with pytest.raises(VerificationRefused) as caught:
        services.retry(authentication)
    assert caught.value.reason == Reason.RETRY_NOT_YET
    assert script.count("retry") == 0


def test_check_after_the_provider_closed_it_is_expired(script: Script, flavour: str) -> None:
    authentication = services.send_code(PHONE)
    script.close(str(authentication.provider_id))
    result = services.check_code(authentication, RIGHT)
    # v1 expired_auth, v2 expired_or_not_found: both "expired", not a wrong code.
    assert result.reason == Reason.EXPIRED
    assert authentication.status == Authentication.Status.EXPIRED
    assert authentication.failed_checks == 0
    assert CheckRecord.objects.get().counts_as_failure is False


def test_unknown_check_outcome_is_a_provider_error(script: Script, flavour: str) -> None:
    authentication = services.send_code(PHONE)
    script.queue("check", CheckOutcome.UNKNOWN)
    result = services.check_code(authentication, RIGHT)
    assert result.reason == Reason.PROVIDER_ERROR
    assert authentication.status == Authentication.Status.PENDING
    assert authentication.failed_checks == 0


# -- Create outcomes -------------------------------------------------------------


def test_blocked_send(script: Script, flavour: str, sent_signals: SignalLog) -> None:
    script.queue("create_authentication", SendOutcome.BLOCKED)
    error = refused_send()
    assert error.reason == Reason.PROVIDER_REFUSED
    row = error.authentication
    assert row.status == Authentication.Status.BLOCKED
    assert row.refusal_reason == ("spam_detected" if flavour == "ding" else "suspicious")
    assert row.expires_at is None
    assert script.outbox == []
    assert "code_sent" not in sent_signals.names()
    result = services.check_code(row, RIGHT)
    assert result.reason == Reason.NOT_SENT
    assert script.count("check") == 0


def test_unknown_send_outcome_is_a_failed_row(script: Script, flavour: str) -> None:
    script.queue("create_authentication", SendOutcome.UNKNOWN)
    with pytest.raises(DingInvalidResponseError):
        services.send_code(PHONE)
    row = Authentication.objects.get()
    assert (row.status, row.error_code) == (Authentication.Status.FAILED, "unknown_status")


@prelude_only
def test_blocked_reason_is_kept(script: Script, flavour: str) -> None:
    script.queue("create_authentication", Scripted(SendOutcome.BLOCKED, reason="repeated_attempts"))
    assert refused_send().authentication.refusal_reason == "repeated_attempts"


@prelude_only
def test_shadow_blocked_send_is_a_sent_code(
    script: Script, flavour: str, sent_signals: SignalLog
) -> None:
    script.queue("create_authentication", SendOutcome.SHADOW_BLOCKED)
    authentication = services.send_code(PHONE)
    assert authentication.status == Authentication.Status.SHADOW_BLOCKED
    assert authentication.refusal_reason == "suspicious"
    assert sent_signals.names().count("code_sent") == 1
    # A code was sent: its check goes to the provider.
    assert services.check_code(authentication, RIGHT).verified
    assert script.count("check") == 1


@prelude_only
def test_challenged_send_is_checkable(script: Script, flavour: str) -> None:
    script.queue("create_authentication", SendOutcome.CHALLENGED)
    authentication = services.send_code(PHONE)
    assert authentication.status == Authentication.Status.CHALLENGED
    assert services.check_code(authentication, WRONG).attempts_left == 4
    assert services.check_code(authentication, RIGHT).verified


@prelude_only
def test_transaction_error_is_not_a_wrong_code(script: Script, flavour: str) -> None:
    authentication = services.send_code(PHONE)
    script.queue("check", CheckOutcome.TRANSACTION_ERROR)
    result = services.check_code(authentication, RIGHT)
    assert result.reason == Reason.PROVIDER_ERROR
    assert authentication.failed_checks == 0
    assert authentication.status == Authentication.Status.PENDING
    assert CheckRecord.objects.get().counts_as_failure is False


# -- The v2 window --------------------------------------------------------------


@prelude_only
def test_a_send_inside_the_window_returns_the_open_authentication(
    script: Script, flavour: str, settings: Any, sent_signals: SignalLog
) -> None:
    settings.DING = {**settings.DING, "SEND_COOLDOWN": 0, "SEND_LIMIT_PER_PHONE": (2, 600)}
    first = services.send_code(PHONE)
    services.check_code(first, WRONG)
    again = services.send_code(PHONE)  # a second tab, a double click
    assert again == first
    assert again.failed_checks == 1  # the same window: its attempts carry on
    merged = Authentication.objects.exclude(pk=first.pk).get()
    assert merged.status == Authentication.Status.MERGED
    assert merged.merged_into == first
    assert merged.provider_id is None
    assert sent_signals.names().count("code_sent") == 2
    # Both sends reached the provider: both count toward the limits.
    assert refused_send().reason == Reason.PHONE_RATE_LIMITED
    assert services.check_code(again, RIGHT).verified


@prelude_only
@pytest.mark.parametrize("marked_expired", [True, False])
def test_a_send_inside_the_window_reopens_a_verification_that_expired_only_here(
    script: Script, flavour: str, settings: Any, marked_expired: bool
) -> None:
    # Our expiry estimate passed, the provider's window did not: the provider
    # resends in the same window, so the same verification is checkable again
    # (no "this code has expired" loop), with its attempts.
    settings.DING = {**settings.DING, "SEND_COOLDOWN": 0}
    first = services.send_code(PHONE)
    services.check_code(first, WRONG)
    Authentication.objects.filter(pk=first.pk).update(
        expires_at=first.created_at, **({"status": "expired"} if marked_expired else {})
    )
    again = services.send_code(PHONE)
    assert again == first
    assert again.status == Authentication.Status.PENDING
    assert again.expires_at is not None
    assert not again.is_expired()
    assert again.failed_checks == 1
    assert services.check_code(again, RIGHT).verified


@prelude_only
def test_a_send_inside_the_window_of_a_locked_authentication_is_refused(
    script: Script, flavour: str, settings: Any
) -> None:
    settings.DING = {**settings.DING, "SEND_COOLDOWN": 0, "MAX_CHECK_ATTEMPTS": 1}
    first = services.send_code(PHONE)
    services.check_code(first, WRONG)
    assert first.status == Authentication.Status.LOCKED
    assert refused_send().reason == Reason.LOCKED  # no fresh attempts for the same window


@prelude_only
def test_a_retry_after_the_window_ended_records_the_new_id(
    script: Script, flavour: str, sent_signals: SignalLog
) -> None:
    authentication = services.send_code(PHONE)
    old_id = authentication.provider_id
    age(Authentication, 31)
    script.close(str(old_id))
    services.retry(authentication)
    assert authentication.provider_id != old_id
    assert authentication.provider_id == script.outbox[-1].provider_id
    assert authentication.status == Authentication.Status.PENDING
    record = RetryRecord.objects.get()
    assert (record.provider_status, record.provider_id) == ("success", authentication.provider_id)
    assert sent_signals.names().count("retry_requested") == 1
    assert services.check_code(authentication, RIGHT).verified


@prelude_only
def test_a_blocked_retry_is_refused(script: Script, flavour: str) -> None:
    authentication = services.send_code(PHONE)
    age(Authentication, 31)
    script.queue("retry", Scripted(RetryOutcome.BLOCKED, reason="repeated_attempts"))
    with pytest.raises(VerificationRefused) as caught:
        services.retry(authentication)
    assert caught.value.reason == Reason.PROVIDER_REFUSED
    record = RetryRecord.objects.get()
    assert (record.provider_status, record.error_code) == ("blocked", "repeated_attempts")
    assert authentication.status == Authentication.Status.PENDING


@prelude_only
def test_a_shadow_blocked_retry_marks_the_row(script: Script, flavour: str) -> None:
    authentication = services.send_code(PHONE)
    age(Authentication, 31)
    script.queue("retry", RetryOutcome.SHADOW_BLOCKED)
    services.retry(authentication)
    assert authentication.status == Authentication.Status.SHADOW_BLOCKED


# -- Create fields: asked of the configured backend ------------------------------


def test_user_agent_and_ipv6_reach_prelude_only(script: Script, flavour: str) -> None:
    request = RequestFactory().post(
        "/", REMOTE_ADDR="2001:db8::1", HTTP_USER_AGENT="Mozilla/5.0 " + "x" * 1000
    )
    authentication = services.send_code(PHONE, request=request)
    [call] = script.calls_to("create_authentication")
    assert call["ip"] == "2001:db8::1"  # DingBackend itself drops IPv6 on the v1 wire
    if flavour == "prelude":
        assert call["user_agent"] == ("Mozilla/5.0 " + "x" * 1000)[:512]
        assert authentication.signals["user_agent"] == call["user_agent"]
    else:
        assert "user_agent" not in call
        assert "user_agent" not in authentication.signals


def test_v2_fields_are_checked_by_the_configured_backend(script: Script, flavour: str) -> None:
    if flavour == "ding":
        with pytest.raises(TypeError, match="user_agent"):
            services.send_code(PHONE, user_agent="curl/8")
    else:
        with pytest.raises(ValueError, match="method"):
            services.send_code(PHONE, method="pigeon")
    assert not Authentication.objects.exists()
    assert script.calls == []


# -- Feedback and lookup ------------------------------------------------------------


@pytest.mark.parametrize("status", ["onboarded", "not_onboarded"])
def test_feedback(
    script: Script, flavour: str, django_capture_on_commit_callbacks: Any, status: str
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        feedback = services.send_feedback(PHONE, status)
    feedback.refresh_from_db()
    assert script.count("feedback") == 1
    if status == "not_onboarded" and flavour == "prelude":
        # Prelude v2 has no not_onboarded: nothing is sent, and it is not a failure.
        assert (feedback.delivery, feedback.feedback_uuid) == (Feedback.Delivery.SKIPPED, "")
    else:
        assert feedback.delivery == Feedback.Delivery.SENT
        assert feedback.feedback_uuid


def test_lookup(script: Script, flavour: str) -> None:
    result = services.lookup(PHONE)
    assert result.phone_number == PHONE
    assert script.calls_to("lookup") == [{"phone_number": PHONE, "cnam": False}]
