"""The authentication and feedback lists: masked numbers, filters, date
hierarchy, and a query count that does not grow with the rows."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from django_ding.models import Authentication, Feedback
from django_ding.privacy import mask_phone
from tests.admin.backend import make_authentication, phone
from tests.admin.conftest import html

pytestmark = pytest.mark.django_db

URL = reverse("admin:django_ding_authentication_changelist")
FEEDBACK_URL = reverse("admin:django_ding_feedback_changelist")


def listed(page: str, rows: list[Authentication]) -> set[int]:
    """Primary keys of ``rows`` that have a checkbox in the changelist."""
    return {row.pk for row in rows if f'name="_selected_action" value="{row.pk}"' in page}


def test_lists_masked_numbers_never_full_ones(admin_client: Client) -> None:
    user = User.objects.create_user("alice")
    rows = [
        make_authentication(phone_number=phone(n), user=user if n % 2 else None)
        for n in range(12345670, 12345675)
    ]
    rows[0].status = Authentication.Status.VERIFIED
    rows[0].verified_at = timezone.now()
    rows[0].save()
    page = html(admin_client.get(URL))
    assert listed(page, rows) == {row.pk for row in rows}
    for row in rows:
        full = str(row.phone_number)
        assert full not in page
        assert full[1:] not in page  # not even without the "+"
        assert mask_phone(full) in page
    assert "alice" in page
    assert "Verified" in page
    assert "Code sent" in page


def test_filters_by_status(admin_client: Client) -> None:
    verified = make_authentication(status=Authentication.Status.VERIFIED)
    failed = make_authentication(status=Authentication.Status.FAILED)
    page = html(admin_client.get(URL, {"status__exact": "verified"}))
    assert listed(page, [verified, failed]) == {verified.pk}
    assert "?status__exact=locked" in page  # every status is offered


def test_filters_by_created_date(admin_client: Client) -> None:
    old = make_authentication(created_at=timezone.now() - dt.timedelta(days=40))
    today = make_authentication()
    midnight = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
    since = str(midnight - dt.timedelta(days=7))  # as the filter's own link has it
    page = html(admin_client.get(URL, {"created_at__gte": since}))
    assert listed(page, [old, today]) == {today.pk}
    assert "Past 7 days" in html(admin_client.get(URL))


def test_no_date_hierarchy_no_distinct_over_the_table(admin_client: Client) -> None:
    """Date navigation is the creation-date filter: no SELECT DISTINCT of the
    dates of every row on each page."""
    make_authentication(created_at=dt.datetime(2023, 5, 4, 12, tzinfo=dt.UTC))
    for url in (URL, FEEDBACK_URL):
        with CaptureQueriesContext(connection) as queries:
            page = html(admin_client.get(url))
        assert "created_at__year=" not in page
        assert not [q for q in queries if "DISTINCT" in q["sql"].upper()]
        assert "Past 7 days" in page


def _populate(count: int) -> None:
    users = User.objects.bulk_create(User(username=f"user{n}") for n in range(count))
    Authentication.objects.bulk_create(
        Authentication(
            phone_number=phone(20_000_000 + n),
            provider_id=str(uuid.uuid4()),
            user=users[n],
            status=Authentication.Status.VERIFIED,
            verified_at=timezone.now(),
        )
        for n in range(count)
    )
    Feedback.objects.bulk_create(
        Feedback(phone_number=phone(20_000_000 + n), status="onboarded", user=users[n])
        for n in range(count)
    )


@pytest.mark.parametrize("url", [URL, FEEDBACK_URL])
def test_query_count_does_not_grow_with_rows(admin_client: Client, url: str) -> None:
    admin_client.get(url)  # warm up the session, content types, etc.
    counts = []
    for size in (10, 200):
        Authentication.objects.all().delete()
        Feedback.objects.all().delete()
        User.objects.exclude(username="admin").delete()
        _populate(size)
        with CaptureQueriesContext(connection) as queries:
            response = admin_client.get(url)
        assert response.status_code == 200
        shown = html(response).count("/change/")
        assert shown >= min(size, 100)  # a full page (100 rows) at 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_changelist_skips_the_full_count(admin_client: Client) -> None:
    make_authentication(status=Authentication.Status.VERIFIED)
    with CaptureQueriesContext(connection) as queries:
        admin_client.get(URL, {"status__exact": "verified"})
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1  # the filtered count only, never the whole table's


def test_feedback_list_masks_and_filters(admin_client: Client) -> None:
    sent = Feedback.objects.create(
        phone_number=phone(30_000_001), status="onboarded", delivery="sent"
    )
    failed = Feedback.objects.create(
        phone_number=phone(30_000_002), status="not_onboarded", delivery="failed"
    )
    page = html(admin_client.get(FEEDBACK_URL))
    for row in (sent, failed):
        assert str(row.phone_number) not in page
        assert mask_phone(row.phone_number) in page
    link = "/admin/django_ding/feedback/%d/change/"
    page = html(admin_client.get(FEEDBACK_URL, {"delivery__exact": "failed"}))
    assert link % failed.pk in page
    assert link % sent.pk not in page
    page = html(admin_client.get(FEEDBACK_URL, {"status__exact": "onboarded"}))
    assert link % sent.pk in page
    assert link % failed.pk not in page
