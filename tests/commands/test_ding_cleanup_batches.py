"""``purge_history`` deletes by primary-key range with set statements: the
same rows go as with Django's ``delete()`` (records, ``SET_NULL`` links,
signals), a constant handful of statements per batch, no row ever loaded,
each batch one short transaction with its ids locked."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, models, transaction
from django.db.models.signals import post_delete
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from django_ding.models import (
    Authentication,
    CheckRecord,
    Feedback,
    LimitLock,
    RetryRecord,
    StatusEvent,
)
from django_ding.services.retention import purge_history
from tests.admin.backend import make_authentication, phone

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)
TABLES = (Authentication, CheckRecord, RetryRecord, StatusEvent, Feedback, LimitLock)
DING_TABLE = re.compile(r'"django_ding_\w+"')


def ago(days: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


def with_records(auth: Authentication, *, checks: int = 1, retries: int = 1) -> Authentication:
    for n in range(checks):
        CheckRecord.objects.create(authentication=auth, created_at=auth.created_at, verified=n == 0)
    for _ in range(retries):
        RetryRecord.objects.create(authentication=auth, created_at=auth.created_at)
    StatusEvent.objects.create(authentication=auth, type="attempt", provider_id=str(auth.pk))
    return auth


def mixed_history() -> None:
    """Old and recent rows of every status, sends merged across the cut-off
    and across batches, users, feedback, stale and fresh limit locks."""
    user = get_user_model().objects.create(username="jane")
    statuses = list(Authentication.Status)
    old = []
    for n in range(9):
        auth = make_authentication(
            created_at=ago(40 + n), status=statuses[n % len(statuses)], user=user if n % 2 else None
        )
        old.append(with_records(auth, checks=n % 3, retries=(n + 1) % 2))
    recent = [
        with_records(make_authentication(created_at=ago(2), status=status))
        for status in (Authentication.Status.PENDING, Authentication.Status.VERIFIED)
    ]
    # A recent send merged into an old one: kept, its link set to NULL.
    recent[0].merged_into = old[3]
    recent[0].save()
    # Old sends merged into other old ones, in the same batch and across batches.
    Authentication.objects.filter(pk=old[1].pk).update(merged_into=old[0])
    Authentication.objects.filter(pk=old[8].pk).update(merged_into=old[2])
    # An old send merged into a recent one: deleted, the recent one kept.
    Authentication.objects.filter(pk=old[5].pk).update(merged_into=recent[1])
    # An old row younger by id than a recent one (created_at out of id order).
    with_records(make_authentication(created_at=ago(50)))
    Feedback.objects.create(phone_number=phone(), status="onboarded", created_at=ago(40))
    Feedback.objects.create(phone_number=phone(), status="onboarded", user=user)
    LimitLock.objects.create(key="old", locked_at=ago(40))
    LimitLock.objects.create(key="fresh")


def snapshot() -> dict[str, list[dict[str, Any]]]:
    return {m._meta.label: list(m.objects.order_by("pk").values()) for m in TABLES}


def django_delete_result() -> dict[str, list[dict[str, Any]]]:
    """What Django's own ``delete()`` of the same rows leaves (rolled back)."""
    cutoff = timezone.now() - 30 * DAY
    with transaction.atomic():
        Authentication.objects.filter(created_at__lt=cutoff).delete()
        Feedback.objects.filter(created_at__lt=cutoff).delete()
        LimitLock.objects.filter(locked_at__lt=cutoff).delete()
        result = snapshot()
        transaction.set_rollback(True)
    return result


def ding_queries(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries if DING_TABLE.search(q["sql"])]


@pytest.mark.parametrize("batch_size", [1, 2, 4, 500])
def test_leaves_what_djangos_delete_leaves_on_a_mixed_history(batch_size: int) -> None:
    mixed_history()
    expected = django_delete_result()
    assert len(expected["django_ding.Authentication"]) == 2  # the oracle did delete

    assert purge_history(older_than=30 * DAY, batch_size=batch_size) == 10 + 1

    assert snapshot() == expected
    kept = Authentication.objects.get(merged_into__isnull=True, status="pending")
    assert kept.merged_into_id is None


def test_a_send_merged_into_a_deleted_one_is_unlinked_not_refused() -> None:
    target = with_records(make_authentication(created_at=ago(40)))
    merged = make_authentication(created_at=ago(1), merged_into=target)
    assert purge_history(older_than=30 * DAY) == 1
    merged.refresh_from_db()
    assert merged.merged_into_id is None
    assert not Authentication.objects.filter(pk=target.pk).exists()


def history(rows: int, *, records: int) -> None:
    for _ in range(rows):
        with_records(make_authentication(created_at=ago(40)), checks=records, retries=records)


@pytest.mark.parametrize(("rows", "records"), [(8, 1), (8, 5), (16, 1)])
def test_statements_are_a_constant_handful_per_batch(rows: int, records: int) -> None:
    """Per batch on the django_ding tables: one SELECT of the ids, one DELETE
    per record table, one UPDATE for the merged sends, one DELETE of the
    batch; however many records each row has. Django's collector adds a
    SELECT of the whole rows."""
    history(rows, records=records)
    with CaptureQueriesContext(connection) as queries:
        purge_history(older_than=30 * DAY, batch_size=4)
    batches = rows // 4
    statements = ding_queries(queries)
    kinds = [sql.split(" ", 1)[0] for sql in statements]
    # + the empty SELECT ending the walk, the feedback's empty SELECT, the lock cleanup.
    assert kinds.count("SELECT") == batches + 2
    assert kinds.count("UPDATE") == batches
    assert kinds.count("DELETE") == 4 * batches + 1
    assert len(statements) == 6 * batches + 3
    assert CheckRecord.objects.count() == RetryRecord.objects.count() == 0


def test_no_row_is_ever_loaded() -> None:
    """The only reads of the history tables fetch primary keys; the records
    and the batch go by set statements keyed on the id range."""
    history(6, records=2)
    with CaptureQueriesContext(connection) as queries:
        purge_history(older_than=30 * DAY, batch_size=4)
    for sql in ding_queries(queries):
        if sql.startswith("SELECT"):
            columns = sql.split(" FROM ", 1)[0]
            assert re.fullmatch(r'SELECT "django_ding_\w+"\."id"( AS "pk")?', columns), sql
        else:
            assert re.match(r"(DELETE FROM|UPDATE) ", sql), sql
            assert " IN (" not in sql or "IN (SELECT" in sql, sql  # no list of ids


def test_each_batch_is_one_transaction_with_its_ids_locked() -> None:
    history(5, records=1)
    with CaptureQueriesContext(connection) as queries:
        purge_history(older_than=30 * DAY, batch_size=2)
    sqls = [q["sql"] for q in queries]
    # Each batch opens and closes its own transaction (a savepoint in this test's).
    batch_starts = [i for i, sql in enumerate(sqls) if sql.startswith("SAVEPOINT")]
    assert len(batch_starts) >= 3
    id_selects = [sql for sql in sqls if sql.startswith('SELECT "django_ding_authentication"."id"')]
    if connection.features.has_select_for_update:
        assert all(sql.rstrip().endswith("FOR UPDATE") for sql in id_selects), id_selects
    for start in batch_starts:
        assert sqls[start + 1].startswith("SELECT"), sqls[start : start + 3]


@pytest.fixture
def delete_receiver() -> Iterator[list[int]]:
    seen: list[int] = []

    def receiver(sender: type[models.Model], instance: Authentication, **kwargs: Any) -> None:
        seen.append(instance.pk)

    post_delete.connect(receiver, sender=Authentication, weak=False)
    try:
        yield seen
    finally:
        post_delete.disconnect(receiver, sender=Authentication)


def test_a_projects_delete_receivers_still_run(delete_receiver: list[int]) -> None:
    """With a delete signal receiver on the model, each batch goes through
    Django's collector, which sends the signals."""
    old = [with_records(make_authentication(created_at=ago(40))) for _ in range(3)]
    recent = make_authentication(created_at=ago(40) + 39 * DAY, merged_into=old[0])
    assert purge_history(older_than=30 * DAY, batch_size=2) == 3
    assert sorted(delete_receiver) == sorted(a.pk for a in old)
    recent.refresh_from_db()
    assert recent.merged_into_id is None
    assert CheckRecord.objects.count() == 0
