"""Real concurrency on PostgreSQL: parallel checks racing to settle one check
in doubt settle it exactly once."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from django_ding import services
from django_ding.backends.test import provider
from django_ding.exceptions import DingTimeoutError
from django_ding.models import Authentication, CheckRecord
from django_ding.reasons import Reason
from tests.services.backend import VALID_CODE, Script
from tests.services.conftest import PHONE, SignalLog
from tests.services.test_concurrency import run_parallel

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("flavour"),
]

WRONG = "000000"


def lose_the_answer(authentication: Authentication, *, valid: bool) -> None:
    """The provider checks the code (right or wrong), then the answer is lost."""

    def lost(**call: Any) -> Any:
        verification = provider.verifications[authentication.provider_id or ""]
        verification.checks.append((timezone.now(), valid))
        if valid:
            verification.state = "converted"
        else:
            verification.failed_checks += 1
        raise DingTimeoutError("read timed out", request_sent=True)

    provider.queue("check", lost)


def test_parallel_checks_settle_a_right_code_in_doubt_once(
    script: Script, sent_signals: SignalLog
) -> None:
    authentication = services.send_code(PHONE)
    lose_the_answer(authentication, valid=True)
    assert services.check_code(authentication, VALID_CODE).reason == Reason.PROVIDER_ERROR

    results = run_parallel(10, lambda: services.check_code(authentication, VALID_CODE))

    assert not [r for r in results if isinstance(r, Exception)]
    assert sum(1 for r in results if r.verified) == 1
    assert {r.reason for r in results if not r.verified} <= {Reason.ALREADY_VERIFIED}
    assert script.count("check") == 1
    assert len(sent_signals.of("phone_verified")) == 1
    authentication.refresh_from_db()
    assert authentication.status == Authentication.Status.VERIFIED
    assert (authentication.failed_checks, authentication.checks_in_progress) == (0, 0)


def test_parallel_wrong_checks_count_a_wrong_code_in_doubt_once(script: Script) -> None:
    authentication = services.send_code(PHONE)
    lose_the_answer(authentication, valid=False)
    services.check_code(authentication, WRONG)

    run_parallel(10, lambda: services.check_code(authentication, WRONG))

    authentication.refresh_from_db()
    assert authentication.checks_in_progress == 0
    # The doubtful one settled as wrong, then at most four more reached the provider.
    assert script.count("check") == authentication.failed_checks <= 5
    checked = provider.verifications[authentication.provider_id or ""].checks
    assert authentication.failed_checks == sum(1 for _, valid in checked if not valid)
    assert (
        CheckRecord.objects.filter(counts_as_failure=True).count() == authentication.failed_checks
    )
    assert not CheckRecord.objects.filter(in_doubt=True).exists()
