"""What check_code shows and holds while other checks are in flight: the
attempts left count the checks waiting for the provider, and a check runs
its reservation under the phone number's lock (on every database)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from django_ding import limits, services
from django_ding.backends.outcomes import CheckOutcome
from django_ding.exceptions import DingTimeoutError
from django_ding.models import Authentication, CheckRecord, LimitLock
from django_ding.reasons import Reason
from tests.services.backend import VALID_CODE, Script
from tests.services.conftest import PHONE

pytestmark = pytest.mark.django_db(transaction=True)

WRONG = "000000"


def test_attempts_left_counts_the_checks_in_flight(script: Script) -> None:
    authentication = services.send_code(PHONE)
    seen: list[Any] = []

    def while_the_first_waits(**call: Any) -> CheckOutcome:
        # A second tab checks a wrong code while the first check is at the provider.
        seen.append(services.check_code(authentication, WRONG))
        return CheckOutcome.INVALID

    script.queue("check", while_the_first_waits)
    first = services.check_code(authentication, WRONG)

    (second,) = seen
    assert second.reason == Reason.INVALID_CODE
    # 5 allowed, 1 wrong, 1 still waiting for the provider.
    assert second.attempts_left == 3
    assert first.attempts_left == 3
    assert (first.authentication.failed_checks, first.authentication.checks_in_progress) == (2, 0)


def test_a_check_in_doubt_shows_its_attempt_as_used(script: Script) -> None:
    authentication = services.send_code(PHONE)
    Authentication.objects.filter(pk=authentication.pk).update(failed_checks=2)
    script.queue("check", DingTimeoutError("read timed out", request_sent=True))
    result = services.check_code(authentication, WRONG)
    assert result.reason == Reason.PROVIDER_ERROR
    assert result.attempts_left == 2
    assert limits.attempts_left(result.authentication) == 2


class Statements:
    """Every statement run, with whether a transaction was open."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, tuple[Any, ...], bool]] = []

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.seen.append((sql, tuple(params or ()), connection.in_atomic_block))
        return execute(sql, params, many, context)


def test_the_reservation_is_made_under_the_phone_lock(script: Script) -> None:
    """Runs on SQLite too: the phone number's LimitLock row is upserted in the
    transaction that then reserves the attempt (removing the lock fails it)."""
    authentication = services.send_code(PHONE)
    log = Statements()
    with connection.execute_wrapper(log):
        assert services.check_code(authentication, VALID_CODE).verified

    lock_table = LimitLock._meta.db_table
    auth_table = Authentication._meta.db_table
    key = limits.phone_key(PHONE)
    locks = [
        index
        for index, (sql, params, _) in enumerate(log.seen)
        if lock_table in sql and sql.lstrip().upper().startswith("INSERT") and key in params
    ]
    reserves = [
        index
        for index, (sql, _, _) in enumerate(log.seen)
        if sql.lstrip().upper().startswith("UPDATE")
        and auth_table in sql
        and '"checks_in_progress" = ("' in sql
        and "+" in sql.split("WHERE")[0]
    ]
    assert locks, "the check never took its phone number's lock"
    assert reserves, "no reservation found"
    lock, reserve = locks[0], reserves[0]
    assert lock < reserve
    # One transaction from the lock to the reservation.
    assert all(in_atomic for _, _, in_atomic in log.seen[lock : reserve + 1])
    record = CheckRecord.objects.get()
    assert record.verified
