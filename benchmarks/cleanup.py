"""How much does ``ding_cleanup`` cost against a plain SQL ``DELETE``?

Starts a throwaway PostgreSQL cluster (``tests/postgres_cluster.py``: initdb in
a temporary folder, a free loopback port, removed afterwards), migrates it and
generates in SQL ``ROWS`` old authentications (100 days old), each with a
check, a resend and a provider event, every tenth merged into the one before,
plus a tenth as many recent ones (kept; some merged into old ones, which must
be unlinked) and a tenth as many old feedback rows. Then, in the same run, on
the same freshly generated and analysed data each time:

- the reference: a plain SQL ``DELETE`` of the same rows (records, merged
  links, authentications, feedback) in one transaction;
- ``purge_history`` (what ``ding_cleanup --older-than 30`` runs), in batches;
- with ``--collector``: the previous implementation, Django's ``delete()``
  per batch of ids (about 65x the reference at 500,000 rows).

Each run must leave the same rows. Prints the seconds, the ratio of each to
the reference, the peak memory of the process (``ru_maxrss``) and how much it
grew during each run.

    python benchmarks/cleanup.py [--rows N] [--batch-size B] [--collector]

A measurement, not a test: it never fails on a slow figure (it fails when
the runs do not leave the same rows).
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import django  # noqa: E402
from django.conf import settings  # noqa: E402

from tests.postgres_cluster import postgres_cluster  # noqa: E402

#: Today's ``ding_cleanup`` took 65x the plain DELETE; the goal is 3x faster.
TODAY_RATIO = 65.0
TARGET = TODAY_RATIO / 3
OLDER_THAN = dt.timedelta(days=30)
#: The previous implementation's default batch size.
PREVIOUS_BATCH_SIZE = 500


AUTH = "django_ding_authentication"
CHILDREN = ("django_ding_checkrecord", "django_ding_retryrecord", "django_ding_statusevent")

GENERATE = [
    f"TRUNCATE {AUTH}, {', '.join(CHILDREN)}, django_ding_feedback RESTART IDENTITY",
    # Old rows first (ids 1..N, 100 days ago, one second apart), then recent ones.
    f"""INSERT INTO {AUTH} (provider_id, phone_number, status, backend, created_at, updated_at,
        failed_checks, checks_in_progress, error_code, refusal_reason, correlation_id,
        template_id, locale, signals, client_network, counts_as_send, ip)
    SELECT 'bench-' || g, '+336' || lpad(g::text, 8, '0'), 'verified', 'bench',
        now() - interval '100 days' + g * interval '1 second',
        now() - interval '100 days' + g * interval '1 second',
        0, 0, '', '', '', '', 'fr', '{{}}', '192.0.2.1', true, '192.0.2.1'
    FROM generate_series(1, %(old)s) g""",
    f"""INSERT INTO {AUTH} (provider_id, phone_number, status, backend, created_at, updated_at,
        failed_checks, checks_in_progress, error_code, refusal_reason, correlation_id,
        template_id, locale, signals, client_network, counts_as_send)
    SELECT 'bench-new-' || g, '+337' || lpad(g::text, 8, '0'), 'pending', 'bench',
        now() - g * interval '1 second', now() - g * interval '1 second',
        0, 0, '', '', '', '', '', '{{}}', '', true
    FROM generate_series(1, %(recent)s) g""",
    f"UPDATE {AUTH} SET merged_into_id = id - 1 WHERE id <= %(old)s AND id %% 10 = 0",
    f"UPDATE {AUTH} SET merged_into_id = id - %(old)s WHERE id > %(old)s AND id %% 10 = 5",
    f"""INSERT INTO django_ding_checkrecord (authentication_id, created_at, verified, reason,
        provider_status, error_code, provider_called, counts_as_failure, client_network,
        in_doubt)
    SELECT id, created_at, true, '', 'valid', '', true, false, '', false FROM {AUTH}""",
    f"""INSERT INTO django_ding_retryrecord (authentication_id, created_at, provider_status,
        reason, provider_id, error_code, provider_called, counts_as_send)
    SELECT id, created_at, 'approved', '', provider_id, '', true, true FROM {AUTH}""",
    f"""INSERT INTO django_ding_statusevent (authentication_id, type, status, occurred_at,
        provider_id, details, recorded_at)
    SELECT id, 'attempt', 'delivered', created_at, 'att-' || id, '{{}}', created_at
    FROM {AUTH}""",
    """INSERT INTO django_ding_feedback (phone_number, status, delivery, feedback_uuid,
        error_code, created_at)
    SELECT '+338' || lpad(g::text, 8, '0'), 'onboarded', 'sent', '', '',
        now() - interval '100 days'
    FROM generate_series(1, %(feedback)s) g""",
]

#: The reference: the same rows deleted by hand, one transaction.
PLAIN_DELETE = [
    *(
        f"DELETE FROM {child} WHERE authentication_id IN "
        f"(SELECT id FROM {AUTH} WHERE created_at < %(cutoff)s)"
        for child in CHILDREN
    ),
    f"UPDATE {AUTH} SET merged_into_id = NULL WHERE merged_into_id IN "
    f"(SELECT id FROM {AUTH} WHERE created_at < %(cutoff)s)",
    f"DELETE FROM {AUTH} WHERE created_at < %(cutoff)s",
    "DELETE FROM django_ding_feedback WHERE created_at < %(cutoff)s",
]


def configure(url: str) -> None:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    settings.configure(
        DEBUG=False,
        USE_TZ=True,
        SECRET_KEY="benchmark-not-secret",
        DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
        INSTALLED_APPS=[
            "django.contrib.contenttypes",
            "django.contrib.auth",
            "phonenumber_field",
            "django_ding",
        ],
        DATABASES={
            "default": {
                "ENGINE": "django.db.backends.postgresql",
                "NAME": "postgres",
                "USER": parts.username or "postgres",
                "HOST": parts.hostname or "127.0.0.1",
                "PORT": str(parts.port or 5432),
            }
        },
        DING={"API_KEY": "bench-api-key-not-real"},
    )
    django.setup()


def execute(statements: list[str], params: dict[str, Any]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql, params)


def generate(rows: int) -> None:
    from django.db import connection, transaction

    with transaction.atomic():
        execute(GENERATE, {"old": rows, "recent": rows // 10, "feedback": rows // 10})
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def state() -> tuple[int, ...]:
    """Row counts of every table and of the links left, to compare the runs."""
    from django.db import connection

    with connection.cursor() as cursor:
        counts = []
        for table in (AUTH, *CHILDREN, "django_ding_feedback"):
            cursor.execute(f"SELECT count(*) FROM {table}")
            counts.append(cursor.fetchone()[0])
        cursor.execute(f"SELECT count(*) FROM {AUTH} WHERE merged_into_id IS NOT NULL")
        counts.append(cursor.fetchone()[0])
    return tuple(counts)


def peak_mb() -> float:
    # ru_maxrss is in kilobytes on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def plain_delete() -> None:
    from django.db import transaction
    from django.utils import timezone

    with transaction.atomic():
        execute(PLAIN_DELETE, {"cutoff": timezone.now() - OLDER_THAN})


def collector_delete(batch_size: int) -> None:
    """The previous ``purge_history``: a LIMIT slice of ids, then Django's
    ``delete()`` of them (which loads the rows and cascades model by model)."""
    from django.utils import timezone

    from django_ding.models import Authentication, Feedback

    cutoff = timezone.now() - OLDER_THAN
    for model in (Authentication, Feedback):
        old = model._default_manager.filter(created_at__lt=cutoff).order_by("pk")
        last_pk = None
        while True:
            page = old if last_pk is None else old.filter(pk__gt=last_pk)
            ids = list(page.values_list("pk", flat=True)[:batch_size])
            if not ids:
                break
            last_pk = ids[-1]
            model._default_manager.filter(pk__in=ids).delete()


def timed(rows: int, run: Callable[[], object]) -> tuple[float, float, tuple[int, ...]]:
    generate(rows)
    before = peak_mb()
    started = time.perf_counter()
    run()
    seconds = time.perf_counter() - started
    return seconds, peak_mb() - before, state()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=500_000, help="old authentications")
    parser.add_argument(
        "--batch-size", type=int, help="purge_history batch size (default: its own)"
    )
    parser.add_argument(
        "--collector", action="store_true", help="also time the previous implementation"
    )
    args = parser.parse_args(argv[1:])
    if args.rows < 10:
        parser.error("--rows must be at least 10")

    with postgres_cluster() as url:
        configure(url)
        from django.core.management import call_command

        from django_ding.services.retention import DEFAULT_BATCH_SIZE, purge_history

        call_command("migrate", verbosity=0)
        batch_size = args.batch_size or DEFAULT_BATCH_SIZE
        baseline_mb = peak_mb()

        print(f"rows: {args.rows} old authentications (+1 check, 1 resend, 1 event each), ")
        print(f"      {args.rows // 10} recent ones kept, {args.rows // 10} old feedback rows")
        plain_s, plain_mb, plain_state = timed(args.rows, plain_delete)
        print(f"plain SQL DELETE (one transaction):     {plain_s:8.2f} s")
        purge_s, purge_mb, purge_state = timed(
            args.rows,
            lambda: purge_history(older_than=OLDER_THAN, batch_size=batch_size),
        )
        print(f"purge_history (batch size {batch_size:>5}):      {purge_s:8.2f} s")
        if purge_state != plain_state:
            print(f"MISMATCH: purge_history left {purge_state}, the plain DELETE {plain_state}")
            return 1
        collector_s = None
        if args.collector:
            collector_s, collector_mb, collector_state = timed(
                args.rows, lambda: collector_delete(PREVIOUS_BATCH_SIZE)
            )
            print(f"previous implementation (batches of 500): {collector_s:8.2f} s")
            if collector_state != plain_state:
                print(f"MISMATCH: the collector left {collector_state}, SQL {plain_state}")
                return 1
        ratio = purge_s / plain_s
        print(f"peak memory: {peak_mb():.0f} MB (after setup {baseline_mb:.0f} MB); grew by")
        print(
            f"  {plain_mb:.1f} MB during the plain DELETE, {purge_mb:.1f} MB during purge_history"
        )
        if collector_s is not None:
            print(f"  {collector_mb:.1f} MB during the previous implementation")
            print(f"ratio (previous implementation / plain DELETE): {collector_s / plain_s:.1f}")
            print(f"speed-up over the previous implementation: {collector_s / purge_s:.1f}x")
        print(f"ratio (purge_history / plain DELETE): {ratio:.2f}")
        print(
            f"target: ratio <= {TARGET:.1f} (3x faster than today's {TODAY_RATIO:.0f}x) "
            f"{'PASS' if ratio <= TARGET else 'ABOVE'}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
