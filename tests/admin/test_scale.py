"""The admin at scale: query counts that do not grow with the rows, bounded
counts and pages (:mod:`django_ding.admin_paginator`), on SQLite and on
PostgreSQL (``python -m tests.postgres_cluster ... pytest tests/admin``)."""

from __future__ import annotations

import math
import re
import uuid
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from django_ding.admin_paginator import BoundedPaginator, estimated_count
from django_ding.models import Authentication, CheckRecord, RetryRecord, StatusEvent
from tests.admin.backend import phone
from tests.admin.conftest import html

pytestmark = pytest.mark.django_db

URL = reverse("admin:django_ding_authentication_changelist")
PER_PAGE = 100


def _populate(count: int) -> list[Authentication]:
    User.objects.exclude(username="admin").delete()
    Authentication.objects.all().delete()
    users = User.objects.bulk_create(User(username=f"user{n}") for n in range(count))
    statuses = [Authentication.Status.VERIFIED, Authentication.Status.FAILED]
    return Authentication.objects.bulk_create(
        Authentication(
            phone_number=phone(40_000_000 + n),
            provider_id=str(uuid.uuid4()),
            user=users[n],
            status=statuses[n % 2],
            verified_at=timezone.now(),
        )
        for n in range(count)
    )


def _pages(rows: list[Authentication]) -> dict[str, dict[str, Any]]:
    last = max(1, math.ceil(len(rows) / PER_PAGE))
    return {
        "first": {},
        "last": {"p": str(last)},
        "filtered": {"status__exact": "verified"},
        "phone search": {"q": str(rows[-1].phone_number)},
        "provider id search": {"q": rows[-1].provider_id},
    }


def _count_queries(client: Client, url: str, params: dict[str, Any]) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200, (url, params, response.status_code)
    return len(queries)


def test_changelist_query_counts_do_not_grow(admin_client: Client) -> None:
    admin_client.get(URL)  # warm up the session, content types, etc.
    counts: dict[str, list[int]] = {}
    for size in (10, 200):
        rows = _populate(size)
        for name, params in _pages(rows).items():
            counts.setdefault(name, []).append(_count_queries(admin_client, URL, params))
    for name, (small, large) in counts.items():
        assert small == large, (name, small, large)


def test_search_finds_the_row(admin_client: Client) -> None:
    rows = _populate(30)
    target = rows[7]
    for term in (str(target.phone_number), target.provider_id):
        page = html(admin_client.get(URL, {"q": term}))
        assert f'name="_selected_action" value="{target.pk}"' in page
        assert page.count('name="_selected_action"') == 1


def test_detail_query_count_does_not_grow(admin_client: Client) -> None:
    counts = []
    for records in (2, 2, 40):  # the first visit warms caches (content types...)
        auth = _populate(records)[0]
        for n in range(records):
            CheckRecord.objects.create(authentication=auth, reason="invalid_code")
            RetryRecord.objects.create(authentication=auth, provider_status="approved")
            StatusEvent.objects.create(authentication=auth, type="attempt", provider_id=f"a{n}")
        url = reverse("admin:django_ding_authentication_change", args=[auth.pk])
        counts.append(_count_queries(admin_client, url, {}))
    assert counts[1] == counts[2], counts


def test_pages_stop_at_the_row_limit(admin_client: Client, monkeypatch: Any) -> None:
    """The deepest page is the row limit's, not the table's: its OFFSET is
    bounded whatever the table holds. The count shown is still the total."""
    monkeypatch.setattr(BoundedPaginator, "row_limit", 150)
    rows = _populate(250)
    page = html(admin_client.get(URL))
    shown_count = int(re.search(r"(\d+) authentications", page).group(1))  # type: ignore[union-attr]
    if connection.vendor == "postgresql":
        assert shown_count > 150  # the planner's estimate above the limit
    else:
        assert shown_count == 250  # exact elsewhere
    assert "?p=2" in page
    assert "?p=3" not in page
    with CaptureQueriesContext(connection) as queries:
        deepest = admin_client.get(URL, {"p": "2"})
    assert deepest.status_code == 200
    offsets = [q["sql"] for q in queries if "OFFSET" in q["sql"].upper()]
    assert offsets
    assert all("OFFSET 100" in sql for sql in offsets), offsets
    newest = sorted(rows, key=lambda row: (row.created_at, row.pk))[-150:]
    shown = {row.pk for row in newest if f'value="{row.pk}"' in html(deepest)}
    assert len(shown) == 50
    # Beyond the limit: Django's "invalid page" redirect, not a deep OFFSET.
    assert admin_client.get(URL, {"p": "3"}).status_code == 302


def test_count_is_exact_under_the_limit_and_bounded_above(monkeypatch: Any) -> None:
    monkeypatch.setattr(BoundedPaginator, "row_limit", 30)
    _populate(50)
    queryset = Authentication.objects.all()
    paginator = BoundedPaginator(queryset, 10)
    assert paginator.count == 30  # pages reach the first 30 rows only
    assert paginator.num_pages == 3
    if connection.vendor == "postgresql":
        assert paginator.total > 30  # the planner's estimate
        assert estimated_count(queryset) is not None
    else:
        assert paginator.total == 50  # exact elsewhere
        assert estimated_count(queryset) is None
    small = BoundedPaginator(queryset.filter(status="verified"), 10)
    assert small.total == small.count == 25


def test_detail_shows_a_bounded_number_of_records(admin_client: Client, monkeypatch: Any) -> None:
    """A verification with many records still gives a page of a bounded
    size: each inline and the timeline show the first RECORD_LIMIT."""
    monkeypatch.setattr("django_ding.admin.RECORD_LIMIT", 5)
    auth = _populate(1)[0]
    for n in range(12):
        RetryRecord.objects.create(
            authentication=auth, provider_status="approved", provider_id=f"resend-{n:02d}"
        )
    url = reverse("admin:django_ding_authentication_change", args=[auth.pk])
    page = html(admin_client.get(url))
    shown = re.findall(r"resend-\d\d", page)
    assert sorted(set(shown)) == [f"resend-{n:02d}" for n in range(5)]
    assert page.count("<td>Resend</td>") == 5  # the timeline's rows
