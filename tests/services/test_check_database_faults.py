"""check_code when the database fails: a ``DatabaseError`` injected at each
statement of a right and of a wrong check (``connection.execute_wrapper``).

Every index ends completed or clean: a fault before the provider call is a
``DingStorageError`` with nothing reserved; after it, the write is tried again
(``records.persist``). Either way no attempt stays reserved after the next
check, the right code typed again verifies, and wrong codes are counted
exactly as the provider counted them. A database that keeps failing after
the provider answered leaves a check in flight that the next check settles
from the provider's status once it is older than ``stale_sending_age()``.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import OperationalError, connection

from django_ding import limits, services
from django_ding.backends.test import provider
from django_ding.exceptions import DingStorageError
from django_ding.models import Authentication, CheckRecord
from django_ding.reasons import Reason
from tests.services.backend import VALID_CODE
from tests.services.conftest import SignalLog, age

pytestmark = pytest.mark.django_db(transaction=True)

WRONG = "000000"


class Faults:
    """Counts the statements run; raises at statement ``at`` (1-based), or
    at every statement from ``from_`` on."""

    def __init__(self, at: int | None = None, from_: int | None = None) -> None:
        self.at, self.from_, self.count = at, from_, 0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        if self.count == self.at or (self.from_ is not None and self.count >= self.from_):
            raise OperationalError("injected fault")
        return execute(sql, params, many, context)


@pytest.fixture(autouse=True)
def _quiet_limits(settings: Any, flavour: str) -> None:
    """Many sends to one number; the simulated provider counts wrong codes."""
    settings.DING = {
        **settings.DING,
        "SEND_COOLDOWN": 0,
        "SEND_LIMIT_PER_PHONE": None,
        "SEND_LIMIT_PER_IP": None,
        "MAX_FAILED_CHECKS_PER_PHONE": None,
        "TIMEOUT": (0.2, 0.2),
    }


def statements(code: str, phone: str) -> int:
    authentication = services.send_code(phone)
    faults = Faults()
    with connection.execute_wrapper(faults):
        services.check_code(authentication, code)
    return faults.count


def run_with_fault(code: str, phone: str, faults: Faults) -> Authentication:
    authentication = services.send_code(phone)
    try:
        with connection.execute_wrapper(faults):
            services.check_code(authentication, code)
    except DingStorageError:
        pass
    return authentication


def provider_wrong_codes(authentication: Authentication) -> int:
    """Wrong codes the simulated provider counted for this authentication."""
    verification = provider.verifications[authentication.provider_id or ""]
    return sum(1 for _, valid in verification.checks if not valid)


def test_a_clean_check_runs_statements() -> None:
    assert statements(VALID_CODE, "+33612345600") > 5
    assert statements(WRONG, "+33612345601") > 5


def test_a_fault_at_each_statement_of_a_right_check(sent_signals: SignalLog) -> None:
    total = statements(VALID_CODE, "+33612340000")
    assert len(sent_signals.of("phone_verified")) == 1
    for index in range(1, total + 1):
        phone = f"+3361234{index:04d}"
        authentication = run_with_fault(VALID_CODE, phone, Faults(at=index))
        before = len(sent_signals.of("phone_verified"))

        again = services.check_code(authentication, VALID_CODE)

        authentication.refresh_from_db()
        assert authentication.status == Authentication.Status.VERIFIED, index
        assert again.verified or again.reason == Reason.ALREADY_VERIFIED, index
        assert authentication.checks_in_progress == 0, index
        assert authentication.failed_checks == 0, index
        # Verified once: by the faulty check, or by the one typed again.
        announced = len(sent_signals.of("phone_verified")) - before
        assert announced == (1 if again.verified else 0), index
        assert not CheckRecord.objects.filter(authentication=authentication, in_doubt=True).exists()


def test_a_fault_at_each_statement_of_a_wrong_check() -> None:
    total = statements(WRONG, "+33612350000")
    for index in range(1, total + 1):
        phone = f"+3361235{index:04d}"
        authentication = run_with_fault(WRONG, phone, Faults(at=index))

        assert services.check_code(authentication, VALID_CODE).verified, index

        authentication.refresh_from_db()
        assert authentication.checks_in_progress == 0, index
        wrong = provider_wrong_codes(authentication)
        assert authentication.failed_checks == wrong, index
        counted = CheckRecord.objects.filter(authentication=authentication, counts_as_failure=True)
        assert counted.count() == wrong, index


@pytest.mark.parametrize("code", [VALID_CODE, WRONG])
def test_a_database_that_keeps_failing_after_the_answer(code: str) -> None:
    total = statements(code, "+33612360000")
    # Let everything up to the provider call through, then fail every write.
    for start in range(1, total + 1):
        authentication = services.send_code(f"+3361236{start:04d}")
        calls_before = provider.count("check")
        faults = Faults(from_=start)
        with pytest.raises(DingStorageError), connection.execute_wrapper(faults):
            services.check_code(authentication, code)
        if provider.count("check") > calls_before:
            break
    else:  # pragma: no cover
        pytest.fail("no index fails after the provider call")
    authentication.refresh_from_db()
    # The check is in flight: its attempt is held, nothing is lost yet.
    assert authentication.checks_in_progress == 1
    assert authentication.status == Authentication.Status.PENDING

    # Typed again at once, the check in flight may still be answered: it
    # is not settled and the row is not closed.
    early = services.check_code(authentication, VALID_CODE)
    authentication.refresh_from_db()
    assert authentication.status in (Authentication.CHECKABLE | {Authentication.Status.VERIFIED})

    # Once it is older than any provider call, the next check settles it.
    age(CheckRecord, limits.stale_sending_age().total_seconds() + 1, authentication=authentication)
    late = services.check_code(authentication, VALID_CODE)

    authentication.refresh_from_db()
    assert early.verified or late.verified or late.reason == Reason.ALREADY_VERIFIED
    assert authentication.status == Authentication.Status.VERIFIED
    assert authentication.checks_in_progress == 0
    wrong = provider_wrong_codes(authentication)
    assert authentication.failed_checks == wrong == (1 if code == WRONG else 0)
    assert (
        CheckRecord.objects.filter(authentication=authentication, counts_as_failure=True).count()
        == wrong
    )
    assert not CheckRecord.objects.filter(
        authentication=authentication, provider_called=True, reason="", verified=False
    ).exists()


def test_a_fault_before_the_provider_call_reserves_nothing() -> None:
    authentication = services.send_code("+33612370000")
    with pytest.raises(DingStorageError), connection.execute_wrapper(Faults(from_=1)):
        services.check_code(authentication, VALID_CODE)
    authentication.refresh_from_db()
    assert (authentication.checks_in_progress, authentication.failed_checks) == (0, 0)
    assert provider.count("check") == 0
    assert not CheckRecord.objects.exists()
