"""Database faults in send_code and retry, statement by statement.

``connection.execute_wrapper`` raises an ``OperationalError`` at statement
``i`` of the flow, for every ``i`` of a clean run (counted first), with the
Ding v1 and the Prelude v2 test backends. One failing statement: the flow
either completes (the answer is recorded, the row reaches its true state) or
ends clean with ``DingStorageError`` before the provider was called (nothing
recorded); never a raw ``DatabaseError``, never two provider calls, signals
only for what was committed. A database that keeps failing from statement
``i`` on: ``DingStorageError`` (or the provider's own error), and the
recovery (``fail_stale_sends`` once the row is stale) leaves no row in
``sending`` and no resend in flight, without calling the provider again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import OperationalError, connection

from django_ding import limits, services
from django_ding.exceptions import DingConnectionError, DingStorageError, DingTimeoutError
from django_ding.models import Authentication, LimitLock, RetryRecord
from django_ding.reasons import Reason
from django_ding.services.records import INTERRUPTED
from tests.services.backend import Script
from tests.services.conftest import PHONE, SignalLog, age

pytestmark = pytest.mark.django_db(transaction=True)


class Faults:
    """An ``execute_wrapper`` that fails statement ``at`` (and every later one
    when ``lasting``); ``at=None`` only counts."""

    def __init__(self, at: int | None = None, *, lasting: bool = False) -> None:
        self.at = at
        self.lasting = lasting
        self.statements: list[str] = []
        self.injected = 0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        index = len(self.statements)
        self.statements.append(sql)
        if self.at is not None and (index == self.at or (self.lasting and index > self.at)):
            self.injected += 1
            raise OperationalError(f"injected fault at statement {index}")
        return execute(sql, params, many, context)


@contextmanager
def faults(at: int | None = None, *, lasting: bool = False) -> Iterator[Faults]:
    wrapper = Faults(at, lasting=lasting)
    with connection.execute_wrapper(wrapper):
        yield wrapper


def fresh(script: Script, sent_signals: SignalLog) -> None:
    """Forget the previous index's rows, provider state and signals."""
    RetryRecord.objects.all().delete()
    Authentication.objects.all().delete()
    LimitLock.objects.all().delete()
    script.reset()
    sent_signals.sent.clear()


def recover() -> None:
    """What finishes a half-done flow: the stale rows' clean-up, once stale."""
    seconds = limits.stale_sending_age().total_seconds() + 1
    age(Authentication, seconds)
    age(RetryRecord, seconds)
    services.fail_stale_sends()


def statements_of(flow: Callable[[], object]) -> int:
    with faults() as counted:
        flow()
    assert counted.statements, "the flow ran no statement"
    return len(counted.statements)


def no_row_left_half_done() -> None:
    assert not Authentication.objects.filter(status=Authentication.Status.SENDING).exists()
    assert not RetryRecord.objects.filter(
        provider_called=True, provider_status="", reason=""
    ).exists()


# -- send_code ---------------------------------------------------------------------


def test_one_failing_statement_in_send_code(
    flavour: str, script: Script, sent_signals: SignalLog
) -> None:
    total = statements_of(lambda: services.send_code(PHONE))
    outcomes = set()
    for index in range(total):
        fresh(script, sent_signals)
        with faults(index) as injected:
            try:
                services.send_code(PHONE)
            except DingStorageError:
                outcome = "storage error"
            else:
                outcome = "sent"
        assert injected.injected == 1, index
        outcomes.add(outcome)
        creates = script.count("create_authentication")
        if outcome == "sent":
            authentication = Authentication.objects.get()
            assert authentication.status == Authentication.Status.PENDING, index
            assert authentication.provider_id, index
            assert creates == 1, index
            assert sent_signals.names().count("code_sent") == 1, index
        else:
            # Before the provider call: rolled back, nothing sent, nothing to finish.
            assert creates == 0, index
            assert not Authentication.objects.exists(), index
            assert sent_signals.names() == [], index
        recover()
        no_row_left_half_done()
        assert script.count("create_authentication") == creates, "recovery never sends again"
        # The number is usable again (the cooldown aside).
        age(Authentication, 31)
        services.send_code(PHONE)
    assert outcomes == {"sent", "storage error"}


def test_a_database_failing_for_good_in_send_code(
    flavour: str, script: Script, sent_signals: SignalLog
) -> None:
    total = statements_of(lambda: services.send_code(PHONE))
    after_the_call = 0
    for index in range(total):
        fresh(script, sent_signals)
        with faults(index, lasting=True), pytest.raises(DingStorageError):
            services.send_code(PHONE)
        creates = script.count("create_authentication")
        assert creates <= 1, index
        assert "code_sent" not in sent_signals.names(), index
        if creates:
            # The provider sent the code; its answer could not be written.
            after_the_call += 1
            assert Authentication.objects.get().status == Authentication.Status.SENDING
        else:
            assert not Authentication.objects.exists(), index
        recover()
        no_row_left_half_done()
        if creates:
            left = Authentication.objects.get()
            assert (left.status, left.error_code) == (Authentication.Status.FAILED, INTERRUPTED)
            assert left.counts_as_send is True  # a message went out
        assert script.count("create_authentication") == creates, "recovery never sends again"
    assert after_the_call > 0


@pytest.mark.parametrize(
    "error",
    [
        DingConnectionError("refused", request_sent=False),
        DingTimeoutError("slow", request_sent=True),
    ],
    ids=["not-reached", "may-have-reached"],
)
def test_a_failed_send_whose_failure_cannot_be_recorded(
    flavour: str, script: Script, sent_signals: SignalLog, error: Exception
) -> None:
    """The provider's error is raised (the user hears what happened); the row
    stays ``sending`` until the clean-up fails it as interrupted."""
    with faults() as counted:

        def fail_after_the_call(**kwargs: Any) -> Any:
            counted.at = len(counted.statements)  # every statement from here on
            counted.lasting = True
            raise error

        script.queue("create_authentication", fail_after_the_call)
        with pytest.raises(type(error)):
            services.send_code(PHONE)
    assert counted.injected > 0
    assert Authentication.objects.get().status == Authentication.Status.SENDING
    recover()
    no_row_left_half_done()
    assert Authentication.objects.get().error_code == INTERRUPTED
    assert script.count("create_authentication") == 1


def test_a_failed_send_survives_one_failing_statement(
    flavour: str, script: Script, sent_signals: SignalLog
) -> None:
    error = DingConnectionError("refused", request_sent=False)
    with faults() as counted:

        def fail_next_statement(**kwargs: Any) -> Any:
            counted.at = len(counted.statements)
            raise error

        script.queue("create_authentication", fail_next_statement)
        with pytest.raises(DingConnectionError):
            services.send_code(PHONE)
    assert counted.injected == 1
    failed = Authentication.objects.get()
    assert (failed.status, failed.error_code, failed.counts_as_send) == (
        Authentication.Status.FAILED,
        "connection_error",
        False,
    )
    assert sent_signals.names() == ["status_changed"]  # once: the rolled-back try sent none


# -- retry -------------------------------------------------------------------------


def _sent(script: Script, sent_signals: SignalLog) -> Authentication:
    fresh(script, sent_signals)
    authentication = services.send_code(PHONE)
    age(Authentication, 31)  # past the send cooldown
    sent_signals.sent.clear()
    return authentication


def test_one_failing_statement_in_retry(
    flavour: str, script: Script, sent_signals: SignalLog
) -> None:
    authentication = _sent(script, sent_signals)
    total = statements_of(lambda: services.retry(authentication))
    outcomes = set()
    for index in range(total):
        authentication = _sent(script, sent_signals)
        with faults(index) as injected:
            try:
                services.retry(authentication)
            except DingStorageError:
                outcome = "storage error"
            else:
                outcome = "resent"
        assert injected.injected == 1, index
        outcomes.add(outcome)
        retries = script.count("retry")
        if outcome == "resent":
            record = RetryRecord.objects.get()
            assert (record.provider_called, record.reason) == (True, ""), index
            assert record.provider_status, index
            assert retries == 1, index
            assert sent_signals.names().count("retry_requested") == 1, index
        else:
            assert retries == 0, index
            assert not RetryRecord.objects.exists(), index
            assert sent_signals.names() == [], index
        authentication.refresh_from_db()
        assert authentication.status in Authentication.CHECKABLE, index
        recover()
        no_row_left_half_done()
        assert script.count("retry") == retries, "recovery never sends again"
    assert outcomes == {"resent", "storage error"}


def test_a_database_failing_for_good_in_retry(
    flavour: str, script: Script, sent_signals: SignalLog
) -> None:
    authentication = _sent(script, sent_signals)
    total = statements_of(lambda: services.retry(authentication))
    after_the_call = 0
    for index in range(total):
        authentication = _sent(script, sent_signals)
        with faults(index, lasting=True), pytest.raises(DingStorageError):
            services.retry(authentication)
        retries = script.count("retry")
        assert retries <= 1, index
        assert "retry_requested" not in sent_signals.names(), index
        if retries:
            after_the_call += 1
        else:
            assert not RetryRecord.objects.exists(), index
        recover()
        no_row_left_half_done()
        if retries:
            record = RetryRecord.objects.get()
            assert (record.reason, record.error_code) == (Reason.PROVIDER_ERROR, INTERRUPTED)
            assert record.counts_as_send is True
        authentication.refresh_from_db()
        assert authentication.status in Authentication.CHECKABLE, index
        assert script.count("retry") == retries, "recovery never sends again"
    assert after_the_call > 0


def test_a_failed_retry_survives_one_failing_statement(
    flavour: str, script: Script, sent_signals: SignalLog
) -> None:
    authentication = _sent(script, sent_signals)
    with faults() as counted:

        def fail_next_statement(**kwargs: Any) -> Any:
            counted.at = len(counted.statements)
            raise DingConnectionError("refused", request_sent=False)

        script.queue("retry", fail_next_statement)
        with pytest.raises(DingConnectionError):
            services.retry(authentication)
    assert counted.injected == 1
    record = RetryRecord.objects.get()
    assert (record.reason, record.error_code, record.counts_as_send) == (
        Reason.PROVIDER_ERROR,
        "connection_error",
        False,
    )
