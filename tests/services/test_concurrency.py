"""Real concurrency on PostgreSQL: threads with their own connections race
on one authentication or one phone number."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from django_ding import services
from django_ding.exceptions import VerificationRefused
from django_ding.models import Authentication, CheckRecord
from django_ding.reasons import Reason
from tests.services.backend import Script
from tests.services.conftest import PHONE, SignalLog

# Every race runs against both providers' semantics (the ``flavour`` fixture).
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("flavour"),
]


def run_parallel(count: int, work: Callable[[], Any]) -> list[Any]:
    """Run ``work`` in ``count`` threads released together; return what each
    returned or raised. Every thread closes its own database connection."""
    barrier = threading.Barrier(count)
    outcomes: list[Any] = [None] * count

    def target(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            outcomes[index] = work()
        except Exception as err:
            outcomes[index] = err
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


def test_runs_on_postgresql() -> None:
    assert connection.vendor == "postgresql"


def test_twenty_parallel_wrong_checks_make_at_most_five_provider_calls(script: Script) -> None:
    authentication = services.send_code(PHONE)
    script.delay = 0.2

    def wrong() -> services.CheckResult:
        return services.check_code(Authentication.objects.get(pk=authentication.pk), "000000")

    results = run_parallel(20, wrong)

    assert all(isinstance(result, services.CheckResult) for result in results), results
    assert script.count("check") == 5
    authentication.refresh_from_db()
    assert authentication.failed_checks == 5
    assert authentication.checks_in_progress == 0
    assert authentication.status == Authentication.Status.LOCKED
    assert sum(result.reason == Reason.INVALID_CODE for result in results) == 5
    assert sum(result.reason == Reason.LOCKED for result in results) == 15
    assert CheckRecord.objects.filter(authentication=authentication).count() == 20
    assert CheckRecord.objects.filter(counts_as_failure=True).count() == 5


def test_two_parallel_right_checks_verify_once(script: Script, sent_signals: SignalLog) -> None:
    authentication = services.send_code(PHONE)
    script.delay = 0.2

    def right() -> services.CheckResult:
        return services.check_code(Authentication.objects.get(pk=authentication.pk), "123456")

    results = run_parallel(2, right)

    assert script.count("check") == 2  # both reached the provider...
    assert sorted(bool(result) for result in results) == [False, True]  # ...one verified
    loser = next(result for result in results if not result)
    assert loser.reason == Reason.ALREADY_VERIFIED
    assert len(sent_signals.of("phone_verified")) == 1
    authentication.refresh_from_db()
    assert authentication.status == Authentication.Status.VERIFIED
    assert authentication.checks_in_progress == 0
    assert authentication.failed_checks == 0
    assert CheckRecord.objects.filter(verified=True).count() == 1


def test_two_parallel_sends_inside_the_cooldown_make_one_provider_call(script: Script) -> None:
    script.delay = 0.2

    outcomes = run_parallel(2, lambda: services.send_code(PHONE))

    assert script.count("create_authentication") == 1
    sent = [outcome for outcome in outcomes if isinstance(outcome, Authentication)]
    refused = [outcome for outcome in outcomes if isinstance(outcome, VerificationRefused)]
    assert len(sent) == 1, outcomes
    assert len(refused) == 1, outcomes
    assert refused[0].reason == Reason.COOLDOWN
    assert refused[0].retry_after is not None
    assert 1 <= refused[0].retry_after <= 30
    assert Authentication.objects.count() == 1


def test_two_parallel_resends_inside_the_cooldown_make_one_provider_call(script: Script) -> None:
    authentication = services.send_code(PHONE)
    Authentication.objects.filter(pk=authentication.pk).update(
        created_at=authentication.created_at - dt.timedelta(minutes=1)
    )
    script.delay = 0.2

    def resend() -> Any:
        return services.retry(Authentication.objects.get(pk=authentication.pk))

    outcomes = run_parallel(2, resend)

    assert script.count("retry") == 1
    refused = [outcome for outcome in outcomes if isinstance(outcome, VerificationRefused)]
    assert len(refused) == 1, outcomes
    assert refused[0].reason == Reason.RETRY_NOT_YET


def test_parallel_wrong_checks_across_authentications_respect_the_phone_limit(
    script: Script, settings: Any, flavour: str
) -> None:
    settings.DING = {
        **settings.DING,
        "SEND_COOLDOWN": 0,
        "SEND_LIMIT_PER_PHONE": None,
        "MAX_FAILED_CHECKS_PER_PHONE": 10,
    }
    authentications = []
    for _ in range(4):
        if authentications and flavour == "prelude":
            # End the provider's window, or this send would be answered inside
            # it (same id: the same local authentication).
            script.close(str(authentications[-1].provider_id))
        authentications.append(services.send_code(PHONE))
    assert len({authentication.pk for authentication in authentications}) == 4
    script.delay = 0.1
    counter = iter(range(100))
    lock = threading.Lock()

    def wrong() -> services.CheckResult:
        with lock:
            index = next(counter) % 4
        return services.check_code(
            Authentication.objects.get(pk=authentications[index].pk), "000000"
        )

    results = run_parallel(16, wrong)

    # 4 authentications x 5 attempts = 20 > 10: the per-phone limit decides.
    assert script.count("check") == 10
    assert sum(result.reason == Reason.INVALID_CODE for result in results) == 10
    assert CheckRecord.objects.filter(counts_as_failure=True).count() == 10


def test_parallel_wrong_checks_from_one_client_respect_the_client_limit(
    script: Script, settings: Any
) -> None:
    """One address guessing on four numbers at once: the per-client count is
    exact (10), however the checks interleave."""
    from django.test import RequestFactory

    settings.DING = {**settings.DING, "SEND_COOLDOWN": 0, "MAX_FAILED_CHECKS_PER_CLIENT": 10}
    phones = [f"+3361234590{n}" for n in range(4)]
    authentications = [services.send_code(phone) for phone in phones]
    script.delay = 0.1
    counter = iter(range(100))
    lock = threading.Lock()

    def wrong() -> services.CheckResult:
        with lock:
            index = next(counter) % 4
        request = RequestFactory().post("/", REMOTE_ADDR="203.0.113.50")
        return services.check_code(
            Authentication.objects.get(pk=authentications[index].pk), "000000", request=request
        )

    results = run_parallel(16, wrong)

    assert script.count("check") == 10
    assert sum(result.reason == Reason.INVALID_CODE for result in results) == 10
    assert CheckRecord.objects.filter(counts_as_failure=True, ip="203.0.113.50").count() == 10
    assert {result.reason for result in results} <= {
        Reason.INVALID_CODE,
        Reason.CLIENT_LOCKED,
        Reason.LOCKED,
    }
