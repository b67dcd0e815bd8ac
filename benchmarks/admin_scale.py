"""Does the authentication admin cost the same at a million rows as at 100?

Starts a throwaway PostgreSQL cluster (``tests/postgres_cluster.py``),
migrates it, fills the history with 100 authentications in SQL
(``generate_series``) and times the admin pages through Django's test client
(middleware, templates and all, as a logged-in superuser): the changelist's
first page, its last page, a status-filtered page, a phone number search, a
provider id search and a detail page. Then it grows the table to ROWS
authentications in the same cluster and times the same pages again.

    python benchmarks/admin_scale.py [--rows ROWS] [--repeats REPEATS]

Prints, per page, the median in milliseconds at 100 rows and at ROWS rows,
their ratio, and the query counts; the target is every page <= 300 ms and
<= 3x its 100-row time, with the same query count. It is a measurement, not a
test: it never fails.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.postgres_cluster import postgres_cluster  # noqa: E402

BASELINE_ROWS = 100
TARGET_MS = 300.0
TARGET_RATIO = 3.0
#: Authentications created_at spacing, so that a million rows span a year.
SPACING_SECONDS = 30

INSERT = """
INSERT INTO django_ding_authentication (
    provider_id, phone_number, status, backend, created_at, updated_at,
    failed_checks, checks_in_progress, error_code, refusal_reason,
    correlation_id, template_id, locale, signals, client_network, counts_as_send
)
SELECT
    md5(n::text)::uuid::text,
    '+336' || lpad((10000000 + n)::text, 8, '0'),
    (ARRAY['pending', 'verified', 'verified', 'expired', 'failed'])[1 + n %% 5],
    'django_ding.backends.ding.DingBackend',
    now() - n * %(spacing)s * interval '1 second',
    now(),
    0, 0, '', '', '', '', '', '{}'::jsonb, '', true
FROM generate_series(%(start)s, %(stop)s) AS n
"""


class Router:
    """Sends every query to :attr:`alias`: the same admin, the same process,
    against the small or the large database in turn."""

    alias = "default"

    def db_for_read(self, model: Any, **hints: Any) -> str:
        return self.alias

    def db_for_write(self, model: Any, **hints: Any) -> str:
        return self.alias

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return True


ROUTER = Router()


def fill(start: int, stop: int) -> None:
    """Authentications ``start``..``stop`` (their numbers, ids and ages
    follow ``n``), then ANALYZE, as autovacuum would after a bulk load."""
    from django.db import connections

    with connections[ROUTER.alias].cursor() as cursor:
        cursor.execute(INSERT, {"start": start, "stop": stop, "spacing": SPACING_SECONDS})
        cursor.execute("ANALYZE django_ding_authentication")


def add_records(auth_pk: int) -> None:
    """A detail page worth reading: two checks, a resend, a provider event."""
    from django_ding.models import CheckRecord, RetryRecord, StatusEvent

    CheckRecord.objects.create(authentication_id=auth_pk, reason="invalid_code")
    CheckRecord.objects.create(authentication_id=auth_pk, verified=True)
    RetryRecord.objects.create(authentication_id=auth_pk, provider_status="approved")
    StatusEvent.objects.create(authentication_id=auth_pk, type="attempt", status="pending")


def pages(target_n: int) -> dict[str, tuple[str, dict[str, str]]]:
    """The pages timed, for the authentication number ``target_n`` (an old
    row, deep in the table)."""
    from django.urls import reverse

    from django_ding.models import Authentication

    target = Authentication.objects.get(provider_id=_provider_id(target_n))
    changelist = reverse("admin:django_ding_authentication_changelist")
    return {
        "first page": (changelist, {}),
        # The last page the list links to (Django's paginator and ours alike).
        "last page": (changelist, {"p": str(_last_page())}),
        "status filter": (changelist, {"status__exact": "verified"}),
        "phone search": (changelist, {"q": str(target.phone_number)}),
        "provider id search": (changelist, {"q": str(target.provider_id)}),
        "detail page": (
            reverse("admin:django_ding_authentication_change", args=[target.pk]),
            {},
        ),
    }


def _provider_id(n: int) -> str:
    from django.db import connections

    with connections[ROUTER.alias].cursor() as cursor:
        cursor.execute("SELECT md5(%s::text)::uuid::text", [n])
        return str(cursor.fetchone()[0])


def _pk(n: int) -> int:
    from django_ding.models import Authentication

    return int(Authentication.objects.get(provider_id=_provider_id(n)).pk)


def _last_page() -> int:
    from django.contrib import admin

    from django_ding.models import Authentication

    model_admin = admin.site._registry[Authentication]
    rows = model_admin.get_queryset(None)
    return int(model_admin.get_paginator(None, rows, model_admin.list_per_page).num_pages)


class Side:
    """One database, its logged-in client and its pages."""

    def __init__(self, alias: str, rows: int) -> None:
        from django.contrib.auth.models import User
        from django.core.management import call_command
        from django.test import Client

        self.alias, self.rows = alias, rows
        ROUTER.alias = alias
        call_command("migrate", database=alias, verbosity=0)
        self.client = Client()
        self.client.force_login(User.objects.create_superuser("bench", password="not-used"))
        started = time.perf_counter()
        fill(1, rows)
        self.load_s = time.perf_counter() - started
        target = rows // 2
        add_records(_pk(target))
        self.pages = pages(target)
        self.times: dict[str, list[float]] = {name: [] for name in self.pages}
        self.queries: dict[str, int] = {}
        for name in self.pages:  # warm up, and count the queries of one
            self.queries[name] = self.get(name, count=True)

    def get(self, name: str, count: bool = False) -> int:
        from django.db import connections
        from django.test.utils import CaptureQueriesContext

        ROUTER.alias = self.alias
        url, params = self.pages[name]
        if count:
            with CaptureQueriesContext(connections[self.alias]) as queries:
                response = self.client.get(url, params)
            assert response.status_code == 200, (url, params, response.status_code)
            return len(queries)
        started = time.perf_counter()
        self.client.get(url, params)
        self.times[name].append((time.perf_counter() - started) * 1000)
        return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(argv[1:])
    if args.rows <= BASELINE_ROWS or args.repeats < 1:
        parser.error(f"--rows must be above {BASELINE_ROWS}, --repeats at least 1")

    with postgres_cluster() as url:
        base = url.rsplit("/", 1)[0]
        import psycopg

        with psycopg.connect(base + "/postgres", autocommit=True) as admin_connection:
            admin_connection.execute("CREATE DATABASE small")
            admin_connection.execute("CREATE DATABASE large")
        os.environ["DING_TEST_DATABASE_URL"] = base + "/large"
        from django.conf import settings

        from tests import settings as test_settings

        values = {name: getattr(test_settings, name) for name in dir(test_settings)}
        values = {name: value for name, value in values.items() if name.isupper()}
        database = values["DATABASES"]["default"]
        values["DATABASES"] = {
            "default": {**database, "NAME": "small"},
            "large": {**database, "NAME": "large"},
        }
        settings.configure(**values, DATABASE_ROUTERS=[ROUTER])
        import django

        django.setup()
        small = Side("default", BASELINE_ROWS)
        large = Side("large", args.rows)
        # Interleaved, the order flipping every round: drift in the machine's
        # load hits both sides alike.
        for round_number in range(args.repeats):
            for name in small.pages:
                sides = (small, large) if round_number % 2 else (large, small)
                for side in sides:
                    side.get(name)

    print(f"admin pages, PostgreSQL, {BASELINE_ROWS} rows vs {args.rows} rows")
    print(f"(median of {args.repeats}, interleaved; loaded in {large.load_s:.1f} s)")
    header = (
        f"{'page':<20}{f'{BASELINE_ROWS} rows ms':>14}{f'{args.rows} rows ms':>18}"
        f"{'ratio':>8}{'queries':>10}"
    )
    print(header)
    for name in small.pages:
        small_ms = statistics.median(small.times[name])
        large_ms = statistics.median(large.times[name])
        queries = f"{small.queries[name]}/{large.queries[name]}"
        ratio = large_ms / small_ms
        print(f"{name:<20}{small_ms:>14.1f}{large_ms:>18.1f}{ratio:>8.2f}{queries:>10}")
    print(
        f"target: every page <= {TARGET_MS:.0f} ms and ratio <= {TARGET_RATIO:.0f}, "
        "same query count"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
