"""``ding_cleanup`` and ``purge_history``: old history deleted in batches, in
bounded memory; dry runs delete nothing; bad arguments delete nothing."""

from __future__ import annotations

import datetime as dt
import re
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from django_ding.exceptions import DingConfigurationError
from django_ding.models import Authentication, CheckRecord, Feedback, RetryRecord, StatusEvent
from django_ding.services.retention import MAX_BATCH_SIZE, minimum_retention, purge_history
from tests.admin.backend import make_authentication, phone

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def ago(days: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


def old_history(count: int, *, days: float = 40) -> list[Authentication]:
    rows = []
    for _ in range(count):
        auth = make_authentication(created_at=ago(days))
        CheckRecord.objects.create(authentication=auth, created_at=ago(days))
        RetryRecord.objects.create(authentication=auth, created_at=ago(days))
        StatusEvent.objects.create(authentication=auth, type="attempt", provider_id="a")
        rows.append(auth)
    return rows


def cleanup(*args: str) -> str:
    out = StringIO()
    call_command("ding_cleanup", *args, stdout=out)
    return out.getvalue()


def test_deletes_old_history_with_its_records_and_keeps_the_rest() -> None:
    old = old_history(3)
    recent = make_authentication(created_at=ago(2))
    CheckRecord.objects.create(authentication=recent)
    Feedback.objects.create(phone_number=phone(), status="onboarded", created_at=ago(40))
    kept_feedback = Feedback.objects.create(phone_number=phone(), status="onboarded")

    output = cleanup("--older-than", "30")

    assert list(Authentication.objects.all()) == [recent]
    assert not CheckRecord.objects.filter(authentication_id__in=[a.pk for a in old]).exists()
    assert RetryRecord.objects.count() == StatusEvent.objects.count() == 0
    assert CheckRecord.objects.count() == 1
    assert list(Feedback.objects.all()) == [kept_feedback]
    assert "Deleted 4 rows older than 30 days" in output
    assert "django_ding.Authentication: 3" in output
    assert "django_ding.Feedback: 1" in output


def test_dry_run_deletes_nothing() -> None:
    old_history(4)
    with CaptureQueriesContext(connection) as queries:
        output = cleanup("--older-than", "30", "--dry-run")
    assert Authentication.objects.count() == 4
    assert CheckRecord.objects.count() == 4
    assert "Would delete 4 rows" in output
    assert not any(q["sql"].upper().startswith("DELETE") for q in queries)


def test_deletes_in_batches_of_the_given_size() -> None:
    old_history(7)
    with CaptureQueriesContext(connection) as queries:
        output = cleanup("--older-than", "30", "--batch-size", "3", "--verbosity", "2")
    assert Authentication.objects.count() == 0
    deletes = [
        q["sql"] for q in queries if q["sql"].startswith('DELETE FROM "django_ding_authentication"')
    ]
    assert len(deletes) == 3  # 3 + 3 + 1
    assert output.count("deleted 3 django_ding.Authentication rows") == 2
    assert output.count("deleted 1 django_ding.Authentication rows") == 1


def test_memory_stays_bounded_by_the_batch_size() -> None:
    """Every read of the authentication table is a LIMIT slice of ids or a
    lookup of at most one batch of ids: nothing loads the whole table."""
    old_history(7)
    with CaptureQueriesContext(connection) as queries:
        cleanup("--older-than", "30", "--batch-size", "3")
    selects = [
        q["sql"]
        for q in queries
        if q["sql"].startswith("SELECT") and 'FROM "django_ding_authentication"' in q["sql"]
    ]
    assert selects
    for sql in selects:
        if " LIMIT " in sql:
            assert re.search(r" LIMIT 3( FOR UPDATE)?$", sql.rstrip()), sql
            assert re.match(r'SELECT "django_ding_authentication"\."id"( AS "pk")? FROM', sql), sql
        else:
            in_list = re.search(r" IN \(([^)]*)\)", sql)
            assert in_list, sql
            assert in_list.group(1).count(",") < 3, sql


def test_purge_never_iterates_a_whole_queryset(monkeypatch: pytest.MonkeyPatch) -> None:
    old_history(5)
    seen: list[int] = []
    from django.db.models.query import QuerySet

    original = QuerySet._fetch_all

    def spy(self: Any) -> None:
        original(self)
        if self.model is Authentication:
            seen.append(len(self._result_cache or []))

    monkeypatch.setattr(QuerySet, "_fetch_all", spy)
    assert purge_history(older_than=30 * DAY, batch_size=2) == 5
    assert seen
    assert max(seen) <= 2


def test_rows_created_during_the_run_are_not_touched() -> None:
    old_history(2)
    calls: list[tuple[str, int]] = []

    def on_batch(label: str, count: int) -> None:
        calls.append((label, count))
        make_authentication()  # a new verification arrives meanwhile

    assert purge_history(older_than=30 * DAY, batch_size=1, on_batch=on_batch) == 2
    assert Authentication.objects.count() == 2
    assert calls == [("django_ding.Authentication", 1), ("django_ding.Authentication", 1)]


def test_nothing_to_delete() -> None:
    make_authentication()
    assert "Deleted 0 rows older than 1 days (nothing)" in cleanup("--older-than", "1")
    assert Authentication.objects.count() == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--older-than", "0"], "--older-than must be a whole number of days >= 1"),
        (["--older-than", "-5"], "--older-than must be a whole number of days >= 1"),
        (["--older-than", "abc"], "invalid int value"),
        (["--older-than", "1.5"], "invalid int value"),
        (["--older-than", "9999999999"], "too large"),
        (["--older-than", "999999"], "before year 1"),
        (["--older-than", "30", "--batch-size", "0"], "--batch-size must be between 1 and"),
        (["--older-than", "30", "--batch-size", str(MAX_BATCH_SIZE + 1)], "--batch-size"),
        ([], "--older-than"),
    ],
)
def test_bad_arguments_are_refused_and_delete_nothing(args: list[str], message: str) -> None:
    old_history(1, days=400)
    with pytest.raises(CommandError, match=re.escape(message)):
        cleanup(*args)
    assert Authentication.objects.count() == 1


def test_refuses_to_cut_into_the_limit_windows(settings: Any) -> None:
    """Deleting history younger than a limit window would reset that limit."""
    settings.DING = {**settings.DING, "PHONE_FAILURE_WINDOW": 7 * 24 * 3600}
    assert minimum_retention() == dt.timedelta(days=7)
    old_history(1, days=3)
    with pytest.raises(CommandError, match="at least 7 days"):
        cleanup("--older-than", "2")
    assert Authentication.objects.count() == 1
    assert "Deleted 0 rows" in cleanup("--older-than", "7")
    assert Authentication.objects.count() == 1


def test_minimum_retention_reads_every_window(settings: Any) -> None:
    settings.DING = {
        **settings.DING,
        "PHONE_FAILURE_WINDOW": 60,
        "CLIENT_FAILURE_WINDOW": 120,
        "SEND_LIMIT_PER_PHONE": (5, 600),
        "SEND_LIMIT_PER_IP": [20, 2 * 24 * 3600],
        "SEND_COOLDOWN": 30,
        "AUTHENTICATION_TTL": 600,
    }
    assert minimum_retention() == dt.timedelta(days=2)
    settings.DING = {**settings.DING, "SEND_LIMIT_PER_IP": None, "PHONE_FAILURE_WINDOW": None}
    assert minimum_retention() == dt.timedelta(hours=1)
    # A wrong window is not read as 0 (which could let a purge weaken a limit): it raises.
    settings.DING = {**settings.DING, "SEND_LIMIT_PER_IP": "nonsense"}
    with pytest.raises(DingConfigurationError, match=r"settings\.DING\['SEND_LIMIT_PER_IP'\]"):
        minimum_retention()
    settings.DING = {**settings.DING, "SEND_LIMIT_PER_IP": None}
    settings.DING = {**settings.DING, "CLIENT_FAILURE_WINDOW": 3 * 24 * 3600}
    assert minimum_retention() == dt.timedelta(days=3)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"older_than": 30}, TypeError),
        ({"older_than": "30 days"}, TypeError),
        ({"older_than": 30 * DAY, "batch_size": True}, TypeError),
        ({"older_than": 30 * DAY, "batch_size": 2.0}, TypeError),
        ({"older_than": 30 * DAY, "batch_size": 0}, ValueError),
        ({"older_than": 30 * DAY, "batch_size": -1}, ValueError),
        ({"older_than": -30 * DAY}, ValueError),
        ({"older_than": dt.timedelta(0)}, ValueError),
        ({"older_than": dt.timedelta(minutes=5)}, ValueError),
        ({"older_than": dt.timedelta.max}, ValueError),
    ],
)
def test_purge_history_validates_its_arguments(kwargs: dict[str, Any], error: type) -> None:
    old_history(1, days=400)
    with pytest.raises(error):
        purge_history(**kwargs)
    assert Authentication.objects.count() == 1


def test_purge_history_dry_run_counts() -> None:
    old_history(3)
    Feedback.objects.create(phone_number=phone(), status="onboarded", created_at=ago(40))
    assert purge_history(older_than=30 * DAY, dry_run=True) == 4
    assert Authentication.objects.count() == 3
    assert Feedback.objects.count() == 1
    assert purge_history(older_than=30 * DAY) == 4
    assert purge_history(older_than=30 * DAY) == 0


def test_purge_history_drops_stale_limit_locks_but_not_on_dry_run() -> None:
    from django_ding.models import LimitLock

    LimitLock.objects.create(key="old", locked_at=ago(40))
    LimitLock.objects.create(key="fresh")
    purge_history(older_than=30 * DAY, dry_run=True)
    assert LimitLock.objects.count() == 2
    purge_history(older_than=30 * DAY)
    assert list(LimitLock.objects.values_list("key", flat=True)) == ["fresh"]
