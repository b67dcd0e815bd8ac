"""A database fault at every statement of every flow, through the views.

For send, check (right code and wrong code) and resend, on both providers'
semantics (the in-memory test backends, for speed), a clean run first counts
the statements the step runs on django_ding's tables; then, for each index,
the step runs again from scratch with that one statement failing
(``OperationalError``, :mod:`tests.reliability.db_faults`), followed by what
the user does next (the next request for it, or typing the same code again).

For every index the flow either completes or ends clean:

* no 500 (the views turn ``DingStorageError`` into a message);
* no row left in ``sending`` after the next request (or, once past
  ``limits.stale_sending_age()``, after ``services.fail_stale_sends()``);
* no ``checks_in_progress`` left above 0;
* no lost verification: a code the provider sent can still be entered, and a
  code the provider accepted verifies when typed again;
* no double SMS and no second check: the provider POST counts are those of a
  clean run;
* wrong codes counted as the provider counted them.

And with a database that stays down from a statement on, the services raise
``DingStorageError`` once the provider was called, never a raw ``DatabaseError``.

Runs with real transactions (``transaction=True``) as in production, where
the views are not atomic; on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import DatabaseError
from django.test import Client
from django.utils import timezone

from django_ding import limits, services
from django_ding.backends.test import provider
from django_ding.exceptions import DingStorageError
from django_ding.models import Authentication, CheckRecord, LimitLock, RetryRecord
from tests.reliability.db_faults import counting, failing_at
from tests.reliability.flows import (
    CHECK_URL,
    PHONE,
    check,
    redirected_to,
    retry,
    send,
    settings_for,
)

pytestmark = pytest.mark.django_db(transaction=True)

MATCH = "django_ding_"
WRONG = "000000"
#: Report at most this many failing statement indices per flow.
MAX_FAILING_INDICES = 4


@pytest.fixture(params=["ding", "prelude"])
def flavour(request: Any, settings: Any) -> str:
    settings.DING = settings_for(request.param)
    return str(request.param)


def clean_slate() -> None:
    for model in (CheckRecord, RetryRecord, Authentication, LimitLock, Session):
        model.objects.all().delete()
    cache.clear()
    provider.reset()


def settle() -> None:
    """Let time pass past the stale age (of sends and of checks still waiting
    for their answer), then run the periodic cleanup."""
    old = timezone.now() - limits.stale_sending_age() - dt.timedelta(seconds=1)
    Authentication.objects.filter(status=Authentication.Status.SENDING).update(created_at=old)
    CheckRecord.objects.filter(provider_called=True, reason="", verified=False).update(
        created_at=old
    )
    services.fail_stale_sends()


def state_problems() -> list[str]:
    problems = []
    stuck = Authentication.objects.filter(status=Authentication.Status.SENDING).count()
    if stuck:
        problems.append(f"{stuck} row(s) left in sending")
    reserved = Authentication.objects.filter(checks_in_progress__gt=0).count()
    if reserved:
        problems.append(f"{reserved} row(s) with a check attempt still reserved")
    return problems


def not_500(response: Any, what: str) -> list[str]:
    return [f"{what} answered {response.status_code}"] if response.status_code >= 500 else []


def sent_client() -> tuple[Client, str]:
    client = Client(raise_request_exception=False)
    response = send(client)
    assert redirected_to(response) == CHECK_URL
    return client, provider.last_code(PHONE)


# -- The flows: (setup, faulted step, recovery) --------------------------------------


def flow_send(index: int | None) -> list[str]:
    client = Client(raise_request_exception=False)
    with failing_at(index, MATCH) if index is not None else counting(MATCH):
        first = send(client)
    problems = not_500(first, "send")
    sent = provider.count("create_authentication")
    if sent > 1:
        problems.append(f"{sent} SMS for one send")
    # The next request for it: the check page, or the form sent again (back button).
    page = client.get(CHECK_URL)
    problems += not_500(page, "check page")
    if page.status_code != 200:
        again = send(client)
        problems += not_500(again, "send again")
        if redirected_to(again) != CHECK_URL:
            problems.append("sending again did not lead to the check page")
    if provider.count("create_authentication") != 1:
        problems.append(f"{provider.count('create_authentication')} SMS in all (one expected)")
    done = check(client, provider.last_code(PHONE))
    if redirected_to(done) != "/done/":
        problems.append("the code that was sent could not be entered")
    settle()
    return problems + state_problems()


def _flow_check(index: int | None, right: bool) -> list[str]:
    client, code = sent_client()
    typed = code if right else WRONG
    with failing_at(index, MATCH) if index is not None else counting(MATCH):
        first = check(client, typed)
    problems = not_500(first, "check")
    if redirected_to(first) != "/done/":
        again = check(client, code)  # the user types the right code (again)
        problems += not_500(again, "check again")
        if redirected_to(again) != "/done/":
            problems.append("the right code did not verify on the next try")
    checks = provider.count("check")
    expected = 1 if right else 2
    if checks > expected:
        problems.append(f"{checks} provider checks where {expected} suffice")
    row = Authentication.objects.get()
    wrong_seen = sum(1 for call in provider.calls_to("check") if call["check_code"] != code)
    if row.failed_checks != wrong_seen:
        problems.append(f"failed_checks={row.failed_checks}, provider counted {wrong_seen}")
    if row.status != Authentication.Status.VERIFIED:
        problems.append(f"status {row.status}, not verified")
    settle()
    return problems + state_problems()


def flow_check_right(index: int | None) -> list[str]:
    return _flow_check(index, right=True)


def flow_check_wrong(index: int | None) -> list[str]:
    return _flow_check(index, right=False)


def flow_retry(index: int | None) -> list[str]:
    client, _code = sent_client()
    with failing_at(index, MATCH) if index is not None else counting(MATCH):
        first = retry(client)
    problems = not_500(first, "retry")
    page = client.get(CHECK_URL)
    problems += not_500(page, "check page")
    resends = provider.count("retry")
    if resends > 1:
        problems.append(f"{resends} resends for one click")
    done = check(client, provider.last_code(PHONE))
    if redirected_to(done) != "/done/":
        problems.append("the code could not be entered after the resend")
    if provider.count("retry") != resends or provider.count("create_authentication") != 1:
        problems.append("the recovery sent another SMS")
    settle()
    return problems + state_problems()


FLOWS = {
    "send": flow_send,
    "check_right": flow_check_right,
    "check_wrong": flow_check_wrong,
    "retry": flow_retry,
}


def statements_of(flow: str) -> int:
    """How many statements on django_ding's tables the faulted step runs, clean."""
    clean_slate()
    if flow == "send":
        with counting(MATCH) as statements:
            send(Client(raise_request_exception=False))
        return len(statements)
    client, code = sent_client()
    with counting(MATCH) as statements:
        if flow == "retry":
            retry(client)
        else:
            check(client, code if flow == "check_right" else WRONG)
    return len(statements)


@pytest.mark.parametrize("flow", list(FLOWS))
def test_a_fault_at_every_statement_ends_clean(flow: str, flavour: str, settings: Any) -> None:
    if flow == "retry":  # resend at once; the send flow keeps the default cooldown
        settings.DING = settings_for(flavour, SEND_COOLDOWN=0)
    clean_slate()
    assert FLOWS[flow](None) == [], "the clean run itself fails"
    total = statements_of(flow)
    assert total > 3, "the step runs too few statements: is the matcher right?"
    failures: list[str] = []
    failing = 0
    for index in range(total):
        clean_slate()
        try:
            problems = FLOWS[flow](index)
        except Exception as error:  # a 500, re-raised by the test client
            problems = [f"unhandled {type(error).__name__}: {error}"]
        failures += [f"statement {index}: {problem}" for problem in problems]
        if problems:
            failing += 1
        if failing >= MAX_FAILING_INDICES:  # broken code can be slow (stuck reservations)
            failures.append(f"stopped after {failing} failing statements of {total}")
            break
    assert failures == [], "\n".join(failures)


# -- The services under a database that stays down ----------------------------------


def _service_step(flow: str) -> tuple[Callable[[], object], Callable[[], object]]:
    """Set up ``flow``; return its service call (send_code, check_code, retry)
    and the next request for the same authentication (the recovery)."""
    if flow == "send":
        return (lambda: services.send_code(PHONE)), services.fail_stale_sends
    authentication = services.send_code(PHONE)
    code = provider.last_code(PHONE)

    def next_check() -> object:
        return services.check_code(Authentication.objects.get(pk=authentication.pk), code)

    if flow == "retry":
        return (lambda: services.retry(authentication)), next_check
    typed = code if flow == "check_right" else WRONG
    return (lambda: services.check_code(authentication, typed)), next_check


@pytest.mark.parametrize("flow", list(FLOWS))
def test_a_database_that_stays_down_is_a_storage_error(
    flow: str, flavour: str, settings: Any
) -> None:
    """From any statement on, every statement fails: once the provider was
    called, the service raises ``DingStorageError`` (a ``DingError``), never a
    raw ``DatabaseError`` (before it, either is fine: nothing is at stake);
    once the database is back, nothing is left in ``sending`` or reserved."""
    settings.DING = settings_for(flavour, SEND_COOLDOWN=0)
    clean_slate()
    step, _ = _service_step(flow)
    with counting(MATCH) as statements:
        step()
    failures = []
    for index in range(len(statements)):
        clean_slate()
        step, recover = _service_step(flow)
        calls = len(provider.calls)
        try:
            with failing_at(index, MATCH, times=10_000):
                step()
        except DingStorageError:
            pass
        except DatabaseError as error:
            if len(provider.calls) > calls:  # the provider's answer is at stake
                failures.append(
                    f"statement {index}: {type(error).__name__} after the provider call"
                )
        except Exception as error:
            failures.append(f"statement {index}: {type(error).__name__}: {error}")
        # The database is back. A check whose answer could not be written
        # stays reserved until its call is certainly over (the stale age):
        # let that time pass, then the next request for it settles it.
        settle()
        recover()
        failures += [f"statement {index}: {problem}" for problem in state_problems()]
        if len(failures) >= MAX_FAILING_INDICES:
            break
    assert failures == [], "\n".join(failures)
