"""Every provider fault, through the real views, on both wires.

Each fault of :class:`~tests.reliability.fake_provider.Fault` (plus a refused
connection) on each step (send, check with the right code, check with a wrong
code, resend) against Ding v1 and Prelude v2, over real loopback HTTP to the
stateful fake provider. Each case asserts the HTTP status (never a 500), the
message the user reads (from :mod:`django_ding.user_messages`), the rows, and
the number of provider POSTs. It proves the promise of issue #12:

* a send that certainly never reached the provider (refused, 429) leaves a
  ``failed`` row that does not count as a send: resubmitting sends at once,
  and a 429's ``Retry-After`` is the wait shown;
* a send that may have reached it keeps counting (the cooldown applies);
* a check whose answer was lost after the provider processed it is recorded
  ``in_doubt``, and retyping the same right code verifies; wrong codes are
  counted exactly as the provider counted them;
* a deeply nested 5xx body is "could not send right now", never a 500.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils.translation import gettext

from django_ding.models import Authentication, CheckRecord, RetryRecord
from django_ding.user_messages import (
    CANNOT_SEND,
    CANNOT_SEND_NOW,
    CHECK_UNAVAILABLE,
    SERVICE_UNAVAILABLE,
    format_wait,
)
from tests.reliability.conftest import http_settings
from tests.reliability.fake_provider import RETRY_AFTER, FakeProvider, Fault, closed_port_url
from tests.reliability.flows import (
    CHECK_URL,
    PHONE,
    alerts,
    check,
    redirected_to,
    retry,
    says,
    send,
    text,
)

REFUSED = "refused"  # not a scripted fault: BASE_URL points at a closed port
FAULTS: list[Any] = [*Fault, REFUSED]
#: Faults whose request certainly never reached the provider.
NEVER_REACHED = {REFUSED, Fault.RATE_LIMITED}
#: Faults that lose or garble the answer of a request the provider processed.
ANSWER_LOST = {
    Fault.READ_TIMEOUT,
    Fault.DROPPED,
    Fault.MALFORMED,
    Fault.OVERSIZED,
    Fault.WRONG_TYPES,
    Fault.UNKNOWN_ENUM,
}
SEND_FAILS = set(FAULTS) - {Fault.SLOW, Fault.UNKNOWN_ENUM}


def ids(fault: Any) -> str:
    return fault.value if isinstance(fault, Fault) else str(fault)


def endpoints(wire: str) -> dict[str, str]:
    if wire == "v1":
        return {
            "send": "POST /authentication",
            "check": "POST /check",
            "retry": "POST /retry",
            "status": "GET /authentication",
        }
    return {
        "send": "POST /verification",
        "check": "POST /verification/check",
        "retry": "POST /verification",
        "status": "GET /verification/phone/history",
    }


def inject(
    settings: Any, fake: FakeProvider, wire: str, key: str, fault: Any, **extra: Any
) -> None:
    """Make the next request of ``key`` fail with ``fault``."""
    if fault == REFUSED:
        settings.DING = {**http_settings(fake, wire, **extra), "BASE_URL": closed_port_url(wire)}
    else:
        settings.DING = http_settings(fake, wire, **extra)
        fake.script(key, fault)


def heal(settings: Any, fake: FakeProvider, wire: str, **extra: Any) -> None:
    settings.DING = http_settings(fake, wire, **extra)


def assert_not_500(response: Any) -> None:
    assert response.status_code < 500, text(response)[:2000]


# -- Send ------------------------------------------------------------------------


@pytest.mark.parametrize("fault", FAULTS, ids=ids)
def test_send_fault(settings: Any, fake: FakeProvider, wire: str, fault: Any) -> None:
    client = Client()
    key = endpoints(wire)["send"]
    inject(settings, fake, wire, key, fault)
    response = send(client)
    assert_not_500(response)
    row = Authentication.objects.get()
    assert row.status != Authentication.Status.SENDING
    assert row.status != Authentication.Status.VERIFIED
    posts = 0 if fault == REFUSED else 1  # a POST is never repeated automatically
    assert fake.count(key) == posts

    if fault is Fault.SLOW:
        assert redirected_to(response) == CHECK_URL
        assert row.status == Authentication.Status.PENDING
        assert check(client, fake.last_code(PHONE))["Location"] == "/done/"
        return
    if fault is Fault.UNKNOWN_ENUM:
        # An unknown send status is never a success nor a 500; the SMS may be out.
        assert row.counts_as_send is True
        return

    assert response.status_code == 200
    assert row.status == Authentication.Status.FAILED
    if fault is Fault.RATE_LIMITED:
        assert says(response, format_wait(RETRY_AFTER)), alerts(response)
    else:
        assert says(response, SERVICE_UNAVAILABLE)

    heal(settings, fake, wire)
    again = send(client)
    assert_not_500(again)
    if fault in NEVER_REACHED:
        # Nothing was sent: no cooldown, no use of the per-phone window.
        assert row.__class__.objects.get(pk=row.pk).counts_as_send is False
        assert redirected_to(again) == CHECK_URL
        assert fake.count(key) == posts + 1
        assert check(client, fake.last_code(PHONE))["Location"] == "/done/"
    else:
        # It may have been sent: the cooldown applies, no second SMS.
        assert Authentication.objects.get(pk=row.pk).counts_as_send is True
        assert again.status_code == 200
        assert says(again, CANNOT_SEND_NOW)
        assert fake.count(key) == posts


@pytest.mark.parametrize("fault", [Fault.DEEPLY_NESTED], ids=ids)
def test_nested_5xx_on_send_is_service_unavailable(
    settings: Any, fake: FakeProvider, wire: str, fault: Fault
) -> None:
    fake.script(endpoints(wire)["send"], fault)
    response = send(Client())
    assert response.status_code == 200
    assert says(response, SERVICE_UNAVAILABLE)
    assert Authentication.objects.get().status == Authentication.Status.FAILED


# -- Check -----------------------------------------------------------------------


def sent(client: Client) -> Authentication:
    response = send(client)
    assert response.status_code == 302, alerts(response)
    return Authentication.objects.get()


@pytest.mark.parametrize("fault", FAULTS, ids=ids)
def test_check_right_code_fault(settings: Any, fake: FakeProvider, wire: str, fault: Any) -> None:
    client = Client()
    row = sent(client)
    code = fake.last_code(PHONE)
    key = endpoints(wire)["check"]
    inject(settings, fake, wire, key, fault)
    first = check(client, code)
    assert_not_500(first)
    if fault is Fault.SLOW:
        assert redirected_to(first) == "/done/"
        return
    assert first.status_code == 200
    assert not (first.status_code == 302 and first.get("Location") == "/done/")
    if fault is Fault.RATE_LIMITED:
        assert says(first, CHECK_UNAVAILABLE) or says(first, format_wait(RETRY_AFTER))
    elif fault is not Fault.UNKNOWN_ENUM:
        assert says(first, CHECK_UNAVAILABLE), alerts(first)
    if fault in ANSWER_LOST - {Fault.UNKNOWN_ENUM}:
        assert CheckRecord.objects.get(authentication=row).in_doubt is True

    heal(settings, fake, wire)
    second = check(client, code)  # the same right code, typed again
    assert redirected_to(second) == "/done/", alerts(second)
    row.refresh_from_db()
    assert row.status == Authentication.Status.VERIFIED
    assert row.failed_checks == 0
    assert row.checks_in_progress == 0
    provider_checks = fake.count(key)
    if fault in ANSWER_LOST:
        # The provider validated it the first time: the app learns it from the
        # status, and never needs more than one more check.
        assert fake.count(endpoints(wire)["status"]) >= 1
        assert provider_checks <= 2
    elif fault == REFUSED:
        assert provider_checks == 1
    else:
        assert provider_checks == 2


@pytest.mark.parametrize("fault", FAULTS, ids=ids)
def test_check_wrong_code_fault(settings: Any, fake: FakeProvider, wire: str, fault: Any) -> None:
    client = Client()
    row = sent(client)
    key = endpoints(wire)["check"]
    inject(settings, fake, wire, key, fault)
    first = check(client, fake.wrong_code(PHONE))
    assert_not_500(first)
    assert first.status_code == 200
    if fault in ANSWER_LOST - {Fault.UNKNOWN_ENUM} or fault in {
        REFUSED,
        Fault.SERVER_ERROR,
        Fault.DEEPLY_NESTED,
    }:
        assert says(first, CHECK_UNAVAILABLE), alerts(first)

    heal(settings, fake, wire)
    second = check(client, fake.last_code(PHONE))
    assert redirected_to(second) == "/done/", alerts(second)
    row.refresh_from_db()
    assert row.status == Authentication.Status.VERIFIED
    assert row.checks_in_progress == 0
    # Exact counting: the wrong codes the app counts are those the provider counted.
    assert row.failed_checks == fake.auth_for(PHONE).wrong


def test_in_doubt_wrong_code_still_leaves_the_right_number_of_attempts(
    settings: Any, fake: FakeProvider, wire: str
) -> None:
    client = Client()
    row = sent(client)
    key = endpoints(wire)["check"]
    fake.script(key, Fault.READ_TIMEOUT)
    assert says(check(client, fake.wrong_code(PHONE)), CHECK_UNAVAILABLE)
    wrong = check(client, fake.wrong_code(PHONE))
    assert wrong.status_code == 200
    row.refresh_from_db()
    assert row.failed_checks == fake.auth_for(PHONE).wrong == 2
    assert row.checks_in_progress == 0


# -- Retry -----------------------------------------------------------------------


@pytest.mark.parametrize("fault", FAULTS, ids=ids)
def test_retry_fault(settings: Any, fake: FakeProvider, wire: str, fault: Any) -> None:
    settings.DING = http_settings(fake, wire, SEND_COOLDOWN=0)
    client = Client()
    row = sent(client)
    code = fake.last_code(PHONE)
    key = endpoints(wire)["retry"]
    before = fake.count(key)
    inject(settings, fake, wire, key, fault, SEND_COOLDOWN=0)
    response = retry(client)
    assert_not_500(response)
    assert redirected_to(response) == CHECK_URL
    page = client.get(CHECK_URL)
    assert page.status_code == 200
    posts = 0 if fault == REFUSED else 1
    assert fake.count(key) - before == posts
    if fault is Fault.SLOW:
        assert says(page, gettext("A new code is on its way."))
    elif fault is Fault.RATE_LIMITED:
        assert says(page, format_wait(RETRY_AFTER)), alerts(page)
    elif fault in {Fault.UNKNOWN_ENUM, Fault.WRONG_TYPES}:
        # An answer nobody can read is never "sent" nor a 500.
        assert says(page, SERVICE_UNAVAILABLE) or says(page, CANNOT_SEND), alerts(page)
    else:
        assert says(page, SERVICE_UNAVAILABLE), alerts(page)
    if fault is not Fault.SLOW:
        record = RetryRecord.objects.get(authentication=row)
        assert record.counts_as_send is (fault not in NEVER_REACHED)

    heal(settings, fake, wire, SEND_COOLDOWN=0)
    # The code the user already has still verifies (the fake resends the same one).
    done = check(client, code)
    assert redirected_to(done) == "/done/", alerts(done)
    row.refresh_from_db()
    assert row.status == Authentication.Status.VERIFIED
