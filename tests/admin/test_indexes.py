"""On PostgreSQL, each list query the admin runs can be served by an index,
in the list's order (no sort of the matching rows): the plans are read with
sequential scans and sorts priced out, as they are at millions of rows."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from django_ding.models import Authentication, Feedback
from tests.admin.backend import phone

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL plans"),
    # Issue #13, open: on 50 rows the planner's choice depends on the
    # statistics the rest of the run left behind, so these plans are not
    # stable in the full suite yet (they pass alone). Run them with
    # DING_PLAN_TESTS=1 until they are made deterministic.
    pytest.mark.skipif(
        __import__("os").environ.get("DING_PLAN_TESTS") != "1",
        reason="plan tests unstable in the full suite (issue #13)",
    ),
]

URL = reverse("admin:django_ding_authentication_changelist")
FEEDBACK_URL = reverse("admin:django_ding_feedback_changelist")


def _page_query(client: Client, url: str, params: dict[str, str], table: str) -> str:
    """The SQL of the query that reads the page's rows."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params).status_code == 200
    reads = [
        q["sql"]
        for q in queries
        if q["sql"].startswith("SELECT")
        and f'FROM "{table}"' in q["sql"]
        and "ORDER BY" in q["sql"]
        and "COUNT(" not in q["sql"].upper()
    ]
    assert len(reads) == 1, reads
    return str(reads[0])


def _nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [plan, *(node for child in plan.get("Plans", []) for node in _nodes(child))]


def _plan(sql: str, *, sort: bool = False) -> list[dict[str, Any]]:
    """The plan's nodes. Sequential scans (and sorts, unless ``sort``) are
    priced out, as at millions of rows: a plan without a sort exists only if
    an index reads the rows in the list's order."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"SET LOCAL enable_sort = {'on' if sort else 'off'}")
        cursor.execute(f"SET LOCAL enable_incremental_sort = {'on' if sort else 'off'}")
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return _nodes(plan[0]["Plan"])


def _indexes(nodes: list[dict[str, Any]]) -> set[str]:
    return {node["Index Name"] for node in nodes if "Index Name" in node}


def _sorts(nodes: list[dict[str, Any]]) -> list[str]:
    return [node["Node Type"] for node in nodes if "Sort" in node["Node Type"]]


@pytest.fixture
def rows() -> Authentication:
    Authentication.objects.bulk_create(
        Authentication(
            phone_number=phone(50_000_000 + n),
            provider_id=str(uuid.uuid4()),
            status="verified" if n % 2 else "failed",
        )
        for n in range(50)
    )
    Feedback.objects.bulk_create(
        Feedback(phone_number=phone(50_000_000 + n), status="onboarded", delivery="sent")
        for n in range(50)
    )
    return Authentication.objects.order_by("pk")[25]


@pytest.mark.parametrize(
    ("params", "index"),
    [
        ({}, ("ding_auth_created_id", "django_ding_authentication_created_at_")),
        ({"status__exact": "verified"}, ("ding_auth_status_created",)),
    ],
)
def test_list_pages_read_an_index_in_order(
    admin_client: Client, rows: Authentication, params: dict[str, str], index: tuple[str, ...]
) -> None:
    # Unfiltered, the planner may take the composite (created_at, id) index
    # or the single-column created_at one: either reads in order, no sort.
    nodes = _plan(_page_query(admin_client, URL, params, "django_ding_authentication"))
    assert any(name.startswith(index) for name in _indexes(nodes)), _indexes(nodes)
    assert not _sorts(nodes)


@pytest.mark.parametrize(
    ("params", "index"),
    [
        ({}, ("ding_feedback_created_id", "django_ding_feedback_created_at_")),
        ({"status__exact": "onboarded"}, ("ding_feedback_status_created",)),
        ({"delivery__exact": "sent"}, ("ding_feedback_delivery_created",)),
    ],
)
def test_feedback_pages_read_an_index_in_order(
    admin_client: Client, rows: Authentication, params: dict[str, str], index: tuple[str, ...]
) -> None:
    nodes = _plan(_page_query(admin_client, FEEDBACK_URL, params, "django_ding_feedback"))
    assert any(name.startswith(index) for name in _indexes(nodes)), _indexes(nodes)
    assert not _sorts(nodes)


def test_searches_read_an_index(admin_client: Client, rows: Authentication) -> None:
    for term in (str(rows.phone_number), str(rows.provider_id)):
        sql = _page_query(admin_client, URL, {"q": term}, "django_ding_authentication")
        indexes = _indexes(_plan(sql, sort=True))  # sorting one row is free
        assert indexes, sql
        assert all(name != "ding_auth_created_id" for name in indexes), (term, indexes)
