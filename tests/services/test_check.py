"""check_code: every outcome and refusal reason, attempt counting, signals."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import RequestFactory
from django.utils import timezone

from django_ding import services
from django_ding.backends.enums import CheckStatus
from django_ding.backends.results import CreateCheckResponse
from django_ding.exceptions import DingAPIError, DingTimeoutError
from django_ding.models import Authentication, CheckRecord
from django_ding.reasons import Reason
from tests.services.backend import Script
from tests.services.conftest import PHONE, SignalLog, age, rolled_back

pytestmark = pytest.mark.django_db(transaction=True)

WRONG = "000000"
RIGHT = "123456"


@pytest.fixture
def authentication(script: Script) -> Authentication:
    return services.send_code(PHONE)


def answer(status: str) -> CreateCheckResponse:
    return CreateCheckResponse(status=status)


def test_right_code_verifies(
    script: Script, authentication: Authentication, sent_signals: SignalLog
) -> None:
    request = RequestFactory().post("/")
    result = services.check_code(authentication, RIGHT, request=request)

    assert result
    assert result.verified
    assert result.reason is None
    assert result.authentication is authentication
    assert authentication.status == Authentication.Status.VERIFIED
    assert authentication.verified_at is not None
    assert authentication.failed_checks == 0
    assert authentication.checks_in_progress == 0
    assert script.calls[-2] == (
        "check",
        {
            "authentication_uuid": authentication.provider_id,
            "check_code": RIGHT,
            "phone_number": PHONE,
        },
    )
    # feedback_sent comes from the built-in onboarding receiver, which runs
    # (immediate task backend) before this test's phone_verified receiver.
    assert sent_signals.names() == [
        "status_changed",
        "feedback_sent",
        "phone_verified",
        "code_checked",
    ]
    verified = sent_signals.of("phone_verified")[0]
    assert verified["phone_number"].as_e164 == PHONE
    assert verified["user"] is None
    assert verified["request"] is request
    assert sent_signals.of("code_checked")[0]["result"] is result
    record = CheckRecord.objects.get()
    assert (record.verified, record.provider_status, record.reason) == (True, "valid", "")


def test_code_is_cleaned_of_whitespace(script: Script, authentication: Authentication) -> None:
    assert services.check_code(authentication, " 123 456\n").verified
    assert script.calls[1][1]["check_code"] == RIGHT


def test_wrong_code_counts(script: Script, authentication: Authentication) -> None:
    result = services.check_code(authentication, WRONG)
    assert not result
    assert result.reason == Reason.INVALID_CODE
    assert result.attempts_left == 4
    assert authentication.failed_checks == 1
    record = CheckRecord.objects.get()
    assert record.counts_as_failure
    assert record.provider_called
    assert record.provider_status == "invalid"


@pytest.mark.parametrize(
    "code",
    [
        "",
        "   ",
        "12",
        "12345678901",
        "12a456",
        "\uff11\uff12\uff13\uff14\uff15\uff16",
        "x" * 10_000,
    ],
)
def test_malformed_codes_are_refused_without_using_an_attempt(
    script: Script, authentication: Authentication, code: str
) -> None:
    result = services.check_code(authentication, code)
    assert result.reason == Reason.INVALID_CODE
    assert result.attempts_left == 5
    assert script.count("check") == 0
    authentication.refresh_from_db()
    assert (authentication.failed_checks, authentication.checks_in_progress) == (0, 0)
    record = CheckRecord.objects.get()
    assert not record.counts_as_failure
    assert not record.provider_called


@pytest.mark.parametrize("code", [None, 123456, b"123456"])
def test_a_code_of_the_wrong_type_is_a_type_error(
    script: Script, authentication: Authentication, code: Any
) -> None:
    with pytest.raises(TypeError):
        services.check_code(authentication, code)
    assert CheckRecord.objects.count() == 0


def test_not_an_authentication(script: Script) -> None:
    with pytest.raises(TypeError):
        services.check_code("uuid", RIGHT)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="never saved"):
        services.check_code(Authentication(phone_number=PHONE), RIGHT)


def test_five_wrong_codes_lock_the_authentication(
    script: Script, authentication: Authentication, sent_signals: SignalLog
) -> None:
    for left in (4, 3, 2, 1):
        assert services.check_code(authentication, WRONG).attempts_left == left
    last = services.check_code(authentication, WRONG)
    assert last.reason == Reason.INVALID_CODE
    assert last.attempts_left == 0
    assert authentication.status == Authentication.Status.LOCKED
    assert ("pending", "locked") in [
        (s["old_status"], s["new_status"]) for s in sent_signals.of("status_changed")
    ]
    # Even the right code is now refused, locally.
    refused = services.check_code(authentication, RIGHT)
    assert refused.reason == Reason.LOCKED
    assert refused.attempts_left == 0
    assert script.count("check") == 5
    assert not CheckRecord.objects.last().counts_as_failure  # type: ignore[union-attr]


def test_malformed_codes_never_lock(script: Script, authentication: Authentication) -> None:
    for _ in range(20):
        services.check_code(authentication, "x")
    assert authentication.status == Authentication.Status.PENDING
    assert script.count("check") == 0
    assert services.check_code(authentication, RIGHT).verified


def test_expired_locally_without_a_provider_call(
    script: Script, authentication: Authentication, sent_signals: SignalLog
) -> None:
    Authentication.objects.filter(pk=authentication.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    result = services.check_code(authentication, RIGHT)
    assert result.reason == Reason.EXPIRED
    assert authentication.status == Authentication.Status.EXPIRED
    assert script.count("check") == 0
    assert services.check_code(authentication, RIGHT).reason == Reason.EXPIRED
    assert [s["new_status"] for s in sent_signals.of("status_changed")] == ["expired"]


def test_already_verified_is_refused_locally(
    script: Script, authentication: Authentication
) -> None:
    services.check_code(authentication, RIGHT)
    result = services.check_code(authentication, RIGHT)
    assert not result
    assert result.reason == Reason.ALREADY_VERIFIED
    assert result.attempts_left is None
    assert script.count("check") == 1


@pytest.mark.parametrize(
    "status",
    [
        Authentication.Status.SENDING,
        Authentication.Status.FAILED,
        Authentication.Status.BLOCKED,
        Authentication.Status.MERGED,
    ],
)
def test_not_sent(script: Script, authentication: Authentication, status: str) -> None:
    Authentication.objects.filter(pk=authentication.pk).update(status=status)
    result = services.check_code(authentication, RIGHT)
    assert result.reason == Reason.NOT_SENT
    assert script.count("check") == 0
    assert CheckRecord.objects.get().reason == Reason.NOT_SENT


def test_a_stale_sending_row_is_failed_by_a_check(script: Script) -> None:
    stale = Authentication.objects.create(phone_number=PHONE)
    age(Authentication, 3600)
    assert services.check_code(stale, RIGHT).reason == Reason.NOT_SENT
    assert stale.status == Authentication.Status.FAILED
    assert stale.error_code == "interrupted"


def test_phone_lock_spans_authentications_and_resends(script: Script, settings: Any) -> None:
    settings.DING = {
        **settings.DING,
        "SEND_COOLDOWN": 0,
        "SEND_LIMIT_PER_PHONE": None,
        "MAX_FAILED_CHECKS_PER_PHONE": 10,
    }
    first = services.send_code(PHONE)
    for _ in range(4):
        services.check_code(first, WRONG)
    services.retry(first)  # a resend does not reset anything
    services.check_code(first, WRONG)
    assert first.status == Authentication.Status.LOCKED
    second = services.send_code(PHONE)
    for _ in range(4):
        assert services.check_code(second, WRONG).reason == Reason.INVALID_CODE
    age(CheckRecord, 3600)
    third = services.send_code(PHONE)
    assert services.check_code(third, WRONG).reason == Reason.INVALID_CODE
    # 10 wrong codes for this number in 24 h: even the right code is refused,
    # for any of its authentications.
    result = services.check_code(third, RIGHT)
    assert result.reason == Reason.PHONE_LOCKED
    # The oldest of the last ten failures (3600 s old) leaves the window in 23 h.
    assert 23 * 3600 - 2 <= result.retry_after <= 23 * 3600
    assert third.status == Authentication.Status.PENDING
    assert services.check_code(second, RIGHT).reason == Reason.PHONE_LOCKED
    assert script.count("check") == 10
    # Refusals do not count, so they do not extend the lock.
    assert CheckRecord.objects.filter(counts_as_failure=True).count() == 10
    # Once the window has passed, checks are allowed again.
    age(CheckRecord, 23 * 3600)
    assert services.check_code(third, RIGHT).verified


def test_phone_lock_can_be_disabled(script: Script, settings: Any) -> None:
    settings.DING = {**settings.DING, "MAX_FAILED_CHECKS_PER_PHONE": None}
    authentication = services.send_code(PHONE)
    for _ in range(12):
        CheckRecord.objects.create(authentication=authentication, counts_as_failure=True)
    assert services.check_code(authentication, RIGHT).verified


def test_provider_expired_auth(script: Script, authentication: Authentication) -> None:
    script.queue("check", answer(CheckStatus.EXPIRED_AUTH))
    result = services.check_code(authentication, RIGHT)
    assert result.reason == Reason.EXPIRED
    assert authentication.status == Authentication.Status.EXPIRED
    assert authentication.failed_checks == 0
    assert authentication.checks_in_progress == 0


def test_provider_rate_limited_locks(script: Script, authentication: Authentication) -> None:
    script.queue("check", answer(CheckStatus.RATE_LIMITED))
    result = services.check_code(authentication, RIGHT)
    assert result.reason == Reason.LOCKED
    assert authentication.status == Authentication.Status.LOCKED
    assert result.attempts_left == 0


def test_provider_already_validated_is_never_a_success(
    script: Script, authentication: Authentication, sent_signals: SignalLog
) -> None:
    script.queue("check", answer(CheckStatus.ALREADY_VALIDATED))
    result = services.check_code(authentication, RIGHT)
    assert not result.verified
    assert result.reason == Reason.PROVIDER_REFUSED
    assert authentication.status == Authentication.Status.FAILED
    assert authentication.error_code == "already_validated"
    assert authentication.verified_at is None
    assert sent_signals.of("phone_verified") == []


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (CheckStatus.WITHOUT_ATTEMPT, Reason.NOT_SENT),
    ],
)
def test_answers_that_neither_verify_nor_count(
    script: Script, authentication: Authentication, status: Any, reason: Reason
) -> None:
    script.queue("check", answer(status))
    result = services.check_code(authentication, RIGHT)
    assert result.reason == reason
    assert result.attempts_left == 5
    assert authentication.status == Authentication.Status.PENDING
    assert not CheckRecord.objects.get().counts_as_failure


@pytest.mark.parametrize("status", [CheckStatus.UNKNOWN, "something_new", None])
def test_an_unknown_check_status_is_in_doubt_until_the_status_says(
    script: Script, authentication: Authentication, status: Any
) -> None:
    # Neither right nor wrong in words we know: the provider may have
    # validated it, so it is held like a lost answer, never a success.
    script.queue("check", answer(status))
    result = services.check_code(authentication, RIGHT)
    assert result.reason == Reason.PROVIDER_ERROR
    assert result.attempts_left == 4  # held until settled
    assert authentication.status == Authentication.Status.PENDING
    record = CheckRecord.objects.get()
    assert record.in_doubt
    assert record.error_code == "unknown_status"
    # The provider's status shows it never counted that check: released, and
    # the code typed again is checked.
    again = services.check_code(authentication, RIGHT)
    assert again.verified
    assert authentication.failed_checks == 0
    assert authentication.checks_in_progress == 0


@pytest.mark.parametrize(
    "error",
    [
        DingTimeoutError("refused", request_sent=False),
        DingAPIError("no", status_code=400, code="invalid_auth_uuid"),
    ],
)
def test_provider_errors_are_results_and_release_the_attempt(
    script: Script, authentication: Authentication, sent_signals: SignalLog, error: Exception
) -> None:
    script.queue("check", error)
    result = services.check_code(authentication, RIGHT)
    assert result.reason == Reason.PROVIDER_ERROR
    assert result.attempts_left == 5
    assert authentication.checks_in_progress == 0
    record = CheckRecord.objects.get()
    assert record.error_code in {"timeout", "invalid_auth_uuid"}
    assert not record.counts_as_failure
    assert not record.in_doubt
    assert sent_signals.names()[-1] == "code_checked"
    assert services.check_code(authentication, RIGHT).verified
    assert script.count("get_authentication_status") == 0


@pytest.mark.parametrize(
    "error",
    [
        DingTimeoutError("slow", request_sent=True),
        DingAPIError("down", status_code=503),
        RuntimeError("bug in a backend"),
    ],
)
def test_provider_errors_that_may_have_counted_hold_the_attempt_in_doubt(
    script: Script, authentication: Authentication, sent_signals: SignalLog, error: Exception
) -> None:
    script.queue("check", error)
    result = services.check_code(authentication, RIGHT)
    assert result.reason == Reason.PROVIDER_ERROR
    assert result.attempts_left == 4
    assert authentication.checks_in_progress == 1
    record = CheckRecord.objects.get()
    assert record.error_code in {"timeout", "http_503", "internal_error"}
    assert (record.in_doubt, record.counts_as_failure) == (True, True)
    assert sent_signals.names()[-1] == "code_checked"
    # The next check reads the provider's status first; it shows a right code
    # (this suite's default status): verified without a second check.
    assert services.check_code(authentication, RIGHT).verified
    assert script.count("check") == 1
    record.refresh_from_db()
    assert (record.in_doubt, record.verified, record.counts_as_failure) == (False, True, False)


def test_code_checked_is_sent_for_refusals_too(
    script: Script, authentication: Authentication, sent_signals: SignalLog
) -> None:
    Authentication.objects.filter(pk=authentication.pk).update(status="locked")
    result = services.check_code(authentication, RIGHT)
    assert sent_signals.names() == ["code_checked"]
    assert sent_signals.of("code_checked")[0]["result"] is result


def test_all_attempts_in_progress_is_refused(
    script: Script, authentication: Authentication
) -> None:
    Authentication.objects.filter(pk=authentication.pk).update(
        failed_checks=3, checks_in_progress=2
    )
    result = services.check_code(authentication, RIGHT)
    assert result.reason == Reason.LOCKED
    assert result.retry_after == 1
    assert script.count("check") == 0
    assert authentication.status == Authentication.Status.PENDING


def test_a_rolled_back_check_emits_nothing(
    script: Script, authentication: Authentication, sent_signals: SignalLog
) -> None:
    rolled_back(lambda: services.check_code(authentication, RIGHT))
    assert sent_signals.sent == []
    authentication.refresh_from_db()
    assert authentication.status == Authentication.Status.PENDING


def test_max_check_attempts_setting(script: Script, settings: Any) -> None:
    settings.DING = {**settings.DING, "MAX_CHECK_ATTEMPTS": 2}
    authentication = services.send_code(PHONE)
    services.check_code(authentication, WRONG)
    assert services.check_code(authentication, WRONG).attempts_left == 0
    assert authentication.status == Authentication.Status.LOCKED


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (Authentication.Status.VERIFIED, Reason.ALREADY_VERIFIED),
        (Authentication.Status.EXPIRED, Reason.EXPIRED),
        (Authentication.Status.LOCKED, Reason.LOCKED),
        (Authentication.Status.FAILED, Reason.NOT_SENT),
    ],
)
def test_a_right_code_that_loses_a_race(
    script: Script,
    authentication: Authentication,
    sent_signals: SignalLog,
    status: str,
    reason: Reason,
) -> None:
    def meanwhile(**call: Any) -> CreateCheckResponse:
        # Another request changes the row while the provider answers.
        Authentication.objects.filter(pk=authentication.pk).update(status=status)
        return answer(CheckStatus.VALID)

    script.queue("check", meanwhile)
    result = services.check_code(authentication, RIGHT)
    assert not result.verified
    assert result.reason == reason
    assert sent_signals.of("phone_verified") == []
    assert authentication.checks_in_progress == 0
    record = CheckRecord.objects.get()
    assert (record.verified, record.reason) == (False, reason)


def test_a_lowered_limit_locks_at_the_next_check(script: Script, settings: Any) -> None:
    authentication = services.send_code(PHONE)
    for _ in range(3):
        services.check_code(authentication, WRONG)
    settings.DING = {**settings.DING, "MAX_CHECK_ATTEMPTS": 3}
    assert services.check_code(authentication, RIGHT).reason == Reason.LOCKED
    assert authentication.status == Authentication.Status.LOCKED
