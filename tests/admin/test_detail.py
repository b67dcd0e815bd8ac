"""The detail page: read-only inlines of checks, resends and provider events,
and a combined timeline, oldest first."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from django_ding.models import Authentication, CheckRecord, RetryRecord, StatusEvent
from django_ding.reasons import Reason
from tests.admin.backend import make_authentication
from tests.admin.conftest import html

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2024, 3, 1, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def history() -> Authentication:
    auth = make_authentication(
        created_at=T0,
        status=Authentication.Status.VERIFIED,
        verified_at=T0 + dt.timedelta(minutes=4),
    )
    # Created out of order on purpose: the page sorts by time.
    CheckRecord.objects.create(
        authentication=auth, created_at=T0 + dt.timedelta(minutes=4), verified=True
    )
    CheckRecord.objects.create(
        authentication=auth,
        created_at=T0 + dt.timedelta(minutes=1),
        reason=Reason.INVALID_CODE,
        provider_status="invalid",
    )
    RetryRecord.objects.create(
        authentication=auth,
        created_at=T0 + dt.timedelta(minutes=2),
        provider_status="approved",
        remaining_retry=2,
    )
    StatusEvent.objects.create(
        authentication=auth,
        type="delivery_status",
        status="delivered",
        occurred_at=T0 + dt.timedelta(minutes=3),
        provider_id="attempt-2",
    )
    StatusEvent.objects.create(
        authentication=auth,
        type="attempt",
        status="pending",
        occurred_at=T0 + dt.timedelta(seconds=5),
        provider_id="attempt-1",
    )
    return auth


def detail(client: Client, auth: Authentication) -> str:
    response = client.get(reverse("admin:django_ding_authentication_change", args=[auth.pk]))
    assert response.status_code == 200
    return html(response)


def in_order(page: str, *needles: str) -> bool:
    positions = [page.index(needle) for needle in needles]
    return positions == sorted(positions)


def test_inlines_show_every_record_in_time_order(
    admin_client: Client, history: Authentication
) -> None:
    page = detail(admin_client, history)
    checks = page[page.index('id="checks-group"') : page.index('id="retries-group"')]
    assert in_order(checks, "10:01", 'alt="False"', "10:04", 'alt="True"')
    retries = page[page.index('id="retries-group"') : page.index('id="events-group"')]
    assert "approved" in retries
    events = page[page.index('id="events-group"') :]
    assert in_order(events, "attempt-1", "attempt-2")


def test_inlines_are_read_only(admin_client: Client, history: Authentication) -> None:
    page = detail(admin_client, history)
    assert 'name="checks-TOTAL_FORMS" value="2"' in page  # no blank extra form
    assert 'name="checks-MAX_NUM_FORMS" value="0"' in page
    assert "-DELETE" not in page
    assert 'name="checks-0-reason"' not in page


def test_timeline_merges_everything_oldest_first(
    admin_client: Client, history: Authentication
) -> None:
    page = detail(admin_client, history)
    timeline = page[page.index("<table><tbody>") :]
    timeline = timeline[: timeline.index("</table>")]
    assert in_order(
        timeline,
        "Created",
        "attempt pending",
        "The code is not correct.",
        "Resend",
        "delivery_status delivered",
        "correct code",
        "Verified",
    )


def test_view_only_staff_sees_the_records_too(
    staff_client: Callable[..., Client], history: Authentication
) -> None:
    page = detail(staff_client("view_authentication"), history)
    assert 'id="checks-group"' in page
    assert 'id="events-group"' in page
    assert "attempt-1" in page


@pytest.mark.parametrize(
    "provider_id", ["6f1a8e63-7a4a-4bd5-a8c8-2b7b2f1d2c3e", "vrf_01jc0t6fwwfgfsq1md24mhyztj"]
)
def test_the_provider_id_is_shown(admin_client: Client, provider_id: str) -> None:
    page = detail(admin_client, make_authentication(provider_id=provider_id))
    # Within the provider_id row (the markup between varies across Django versions).
    row = re.search(r'class="form-row field-provider_id">((?:(?!form-row).)*)', page, re.S)
    assert row is not None
    assert "<label>Provider id:</label>" in row[1]
    assert f'<div class="readonly">{provider_id}</div>' in row[1]


def test_an_authentication_without_records(admin_client: Client) -> None:
    auth = make_authentication(provider_id=None, status=Authentication.Status.FAILED)
    page = detail(admin_client, auth)
    assert "Created" in page


def test_unknown_object_redirects_politely(admin_client: Client) -> None:
    response = admin_client.get(reverse("admin:django_ding_authentication_change", args=[999]))
    assert response.status_code == 302


def test_a_blocked_send_shows_the_providers_reason(admin_client: Client) -> None:
    auth = make_authentication(
        status=Authentication.Status.BLOCKED, refusal_reason="repeated_attempts"
    )
    page = html(
        admin_client.get(reverse("admin:django_ding_authentication_change", args=[auth.pk]))
    )
    assert "Blocked by the provider" in page
    assert "repeated_attempts" in page


def test_a_merged_send_links_the_verification_it_was_resent_in(admin_client: Client) -> None:
    holder = make_authentication()
    merged = make_authentication(
        phone_number=holder.phone_number,
        provider_id=None,
        status=Authentication.Status.MERGED,
        merged_into=holder,
    )
    url = reverse("admin:django_ding_authentication_change", args=[merged.pk])
    page = html(admin_client.get(url))
    assert "Resent in an open verification" in page
    assert reverse("admin:django_ding_authentication_change", args=[holder.pk]) in page
    assert f"{holder.masked_phone_number} (Code sent)" in page  # the link's text: masked
