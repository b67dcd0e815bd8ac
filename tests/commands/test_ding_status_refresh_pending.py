"""``ding_status --refresh-pending``: the recovery path for cron.

It fails the sends and resends left half-done (the process died during the
provider call, or the database refused to record the answer) once they are
older than any provider call can take, without calling the provider again,
then refreshes every authentication still waiting for its code.
"""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from django_ding import limits
from django_ding.exceptions import DingTimeoutError
from django_ding.models import Authentication, RetryRecord
from django_ding.reasons import Reason
from django_ding.services.records import INTERRUPTED
from tests.admin.backend import make_authentication, phone, provider

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("scripted_backend")]


def refresh_pending() -> str:
    out = StringIO()
    call_command("ding_status", "--refresh-pending", stdout=out, stderr=StringIO())
    return out.getvalue()


def stale() -> dt.datetime:
    return timezone.now() - limits.stale_sending_age() - dt.timedelta(seconds=1)


def test_finishes_half_done_sends_and_resends_without_calling_the_provider() -> None:
    stuck = make_authentication(
        phone_number=phone(1), provider_id=None, status=Authentication.Status.SENDING
    )
    Authentication.objects.filter(pk=stuck.pk).update(created_at=stale())
    young = make_authentication(
        phone_number=phone(2), provider_id=None, status=Authentication.Status.SENDING
    )
    resent = make_authentication(phone_number=phone(3), status=Authentication.Status.VERIFIED)
    in_flight = RetryRecord.objects.create(
        authentication=resent, provider_called=True, created_at=stale()
    )
    answered = RetryRecord.objects.create(
        authentication=resent, provider_called=True, provider_status="approved", created_at=stale()
    )

    output = refresh_pending()

    assert "Failed 2 interrupted send(s) or resend(s)" in output
    stuck.refresh_from_db()
    assert (stuck.status, stuck.error_code) == (Authentication.Status.FAILED, INTERRUPTED)
    young.refresh_from_db()
    assert young.status == Authentication.Status.SENDING  # its call may still be running
    in_flight.refresh_from_db()
    assert (in_flight.reason, in_flight.error_code) == (Reason.PROVIDER_ERROR, INTERRUPTED)
    answered.refresh_from_db()
    assert (answered.reason, answered.error_code) == ("", "")
    assert provider.calls == []  # no second message, and nothing pending to refresh


def test_refreshes_every_pending_authentication() -> None:
    pending = make_authentication(phone_number=phone(1))
    challenged = make_authentication(phone_number=phone(2), status=Authentication.Status.CHALLENGED)
    make_authentication(phone_number=phone(3), status=Authentication.Status.VERIFIED)
    make_authentication(phone_number=phone(4), expires_at=timezone.now() - dt.timedelta(seconds=1))

    output = refresh_pending()

    assert "refreshed 2 of 2 pending authentication(s)" in output
    assert provider.calls_to("get_authentication_status") == [
        {"auth_uuid": pending.provider_id},
        {"auth_uuid": challenged.provider_id},
    ]
    assert phone(1) not in output


def test_a_provider_failure_is_reported_after_the_others_are_refreshed() -> None:
    first = make_authentication(phone_number=phone(1))
    second = make_authentication(phone_number=phone(2))
    provider.always(
        "get_authentication_status",
        {first.provider_id: DingTimeoutError("slow", request_sent=True)},
    )
    err = StringIO()
    with pytest.raises(CommandError, match=r"1 authentication\(s\) could not be refreshed"):
        call_command("ding_status", "--refresh-pending", stdout=StringIO(), stderr=err)
    assert provider.count("get_authentication_status") == 2
    assert f"{first.provider_id}: The provider could not be reached" in err.getvalue()
    assert second.provider_id not in err.getvalue()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "Give an authentication's id, or --refresh-pending"),
        (("--refresh-pending", "vrf_01jc0t6fwwfgfsq1md24mhyztj"), "takes no id"),
        (("--refresh-pending", "--no-refresh"), "takes no id and no --no-refresh"),
    ],
)
def test_wrong_combinations(args: tuple[str, ...], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("ding_status", *args, stdout=StringIO())
    assert provider.calls == []
