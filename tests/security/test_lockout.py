"""Finding: anyone could lock a number out for 24 hours, and codes kept being
sent to it. Two sends 31 s apart and five wrong codes each made every later
check of that number, the right code included, answer "try again in 24
hours", while further sends still went out (paid, unusable).

Now wrong codes also count per client address (10 a day by default, across
numbers), the per-phone cap is higher (30, NIST SP 800-63B allows 100), and no
code is sent to a number whose checks are locked."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import HttpRequest
from django.test import RequestFactory

from django_ding import services
from django_ding.exceptions import VerificationRefused
from django_ding.models import Authentication, CheckRecord
from django_ding.reasons import Reason
from django_ding.sandbox.models import SandboxMessage
from django_ding.sandbox.testing import last_code

pytestmark = pytest.mark.django_db

OWNER_NUMBER = "+33612345602"


@pytest.fixture(autouse=True)
def _sends_are_easy(settings: Any) -> None:
    """Only the failure limits under test: no cooldown, no send caps."""
    settings.DING = {
        **settings.DING,
        "SEND_COOLDOWN": 0,
        "SEND_LIMIT_PER_PHONE": None,
        "SEND_LIMIT_PER_IP": None,
        "SEND_ONBOARDED_FEEDBACK": False,
    }


def client_request(ip: str) -> HttpRequest:
    return RequestFactory().post("/verify/check/", REMOTE_ADDR=ip)


def wrong_code(phone: str) -> str:
    return "000000" if last_code(phone) != "000000" else "111111"


def guess(authentication: Authentication, ip: str, times: int) -> list[Any]:
    phone = str(authentication.phone_number)
    return [
        services.check_code(authentication, wrong_code(phone), request=client_request(ip)).reason
        for _ in range(times)
    ]


def test_one_stranger_cannot_lock_the_owner_out() -> None:
    stranger = "203.0.113.7"
    # The reported attack: two sends, five wrong codes each.
    for _ in range(2):
        authentication = services.send_code(OWNER_NUMBER, request=client_request(stranger))
        guess(authentication, stranger, 5)
    # The stranger's own address is now locked, whatever the number...
    third = services.send_code(OWNER_NUMBER, request=client_request(stranger))
    assert guess(third, stranger, 1) == [Reason.CLIENT_LOCKED]
    other = services.send_code("+33612345603", request=client_request(stranger))
    assert guess(other, stranger, 1) == [Reason.CLIENT_LOCKED]
    # ...and the owner still receives a code and verifies with it.
    owner = "198.51.100.20"
    mine = services.send_code(OWNER_NUMBER, request=client_request(owner))
    result = services.check_code(mine, last_code(OWNER_NUMBER), request=client_request(owner))
    assert result.verified
    # Refused checks were not sent to the provider and do not count.
    assert CheckRecord.objects.filter(counts_as_failure=True).count() == 10


def test_no_code_is_sent_to_a_locked_number(settings: Any) -> None:
    limit = 30
    assert settings.DING.get("MAX_FAILED_CHECKS_PER_PHONE", limit) == limit  # the default
    pending = services.send_code(OWNER_NUMBER)  # sent before the lock
    # Many addresses together reach the per-phone cap.
    for n in range(limit // 5):
        authentication = services.send_code(OWNER_NUMBER)
        assert set(guess(authentication, f"192.0.2.{n + 1}", 5)) == {Reason.INVALID_CODE}
    messages_before = SandboxMessage.objects.count()
    with pytest.raises(VerificationRefused) as refused:
        services.send_code(OWNER_NUMBER, request=client_request("198.51.100.20"))
    assert refused.value.reason == Reason.PHONE_LOCKED
    assert refused.value.retry_after is not None
    assert refused.value.retry_after > 23 * 3600
    # A resend of an authentication still pending is refused the same way.
    pending.refresh_from_db()
    assert pending.status == Authentication.Status.PENDING
    with pytest.raises(VerificationRefused) as refused_retry:
        services.retry(pending)
    assert refused_retry.value.reason == Reason.PHONE_LOCKED
    assert SandboxMessage.objects.count() == messages_before  # nothing was sent


def test_the_client_limit_spans_numbers() -> None:
    ip = "203.0.113.9"
    for n in range(2):
        authentication = services.send_code(f"+3361234561{n}")
        guess(authentication, ip, 5)
    authentication = services.send_code("+33612345619")
    result = services.check_code(
        authentication, last_code("+33612345619"), request=client_request(ip)
    )
    assert result.reason == Reason.CLIENT_LOCKED
    assert result.retry_after is not None
    assert result.retry_after > 23 * 3600
    # The same right code from another address verifies.
    other = services.check_code(
        authentication, last_code("+33612345619"), request=client_request("198.51.100.1")
    )
    assert other.verified


def test_the_client_limit_can_be_disabled(settings: Any) -> None:
    settings.DING = {**settings.DING, "MAX_FAILED_CHECKS_PER_CLIENT": None}
    ip = "203.0.113.10"
    for n in range(3):
        authentication = services.send_code(f"+3361234562{n}")
        assert set(guess(authentication, ip, 5)) == {Reason.INVALID_CODE}


def test_checks_without_a_client_address_only_count_per_number() -> None:
    authentication = services.send_code(OWNER_NUMBER)
    wrong = wrong_code(OWNER_NUMBER)
    results = [services.check_code(authentication, wrong).reason for _ in range(5)]
    assert results[-1] == Reason.INVALID_CODE
    assert CheckRecord.objects.filter(ip__isnull=True, counts_as_failure=True).count() == 5
