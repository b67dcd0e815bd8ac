"""``0002_authentication_uuid_to_provider_id``: the UUID column becomes a
string column, forward and back, without losing a row or an id.

Runs on SQLite in the default suite and on PostgreSQL through
``python -m tests.postgres_cluster``: SQLite stores a ``UUIDField`` as 32 hex
digits, PostgreSQL as a native ``uuid``; both must end up with the canonical
dashed form in ``provider_id``, and with ids that a UUID lookup finds after a
rollback.
"""

from __future__ import annotations

import datetime as dt
import importlib
import uuid
from typing import Any

import pytest
from django.apps.registry import Apps
from django.db import connection
from django.db.migrations.exceptions import IrreversibleError

from tests.migrations.helpers import (
    APP,
    INITIAL,
    PROVIDER_ID,
    applied,
    column_values,
    columns,
    is_unique,
    migrate,
    rows,
)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("migrations_restored"),
]

MIGRATION = importlib.import_module(f"{APP}.migrations.{PROVIDER_ID[1]}")
V2_ID = "vrf_01jc0t6fwwfgfsq1md24mhyztj"
T0 = dt.datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=dt.UTC)
RECORDS = ("CheckRecord", "RetryRecord", "StatusEvent")


def fill_history(apps: Apps) -> list[uuid.UUID | None]:
    """Rows in the 0001 schema: authentications in several states (one that
    never got an id) with a user, checks, retries and provider events.
    Returns their ``authentication_uuid`` values, oldest first."""
    user = apps.get_model("auth", "User").objects.create(username="alice")
    authentication = apps.get_model(APP, "Authentication").objects
    ids: list[uuid.UUID | None] = [uuid.uuid4() for _ in range(4)]
    ids.insert(2, None)
    made = []
    for n, (auth_uuid, status) in enumerate(
        zip(ids, ["verified", "pending", "failed", "expired", "locked"], strict=True)
    ):
        made.append(
            authentication.create(
                authentication_uuid=auth_uuid,
                phone_number=f"+3361234567{n}",
                user=user if n % 2 == 0 else None,
                status=status,
                backend="django_ding.backends.ding.DingBackend",
                created_at=T0 + dt.timedelta(minutes=n),
                expires_at=T0 + dt.timedelta(minutes=n + 10),
                verified_at=T0 + dt.timedelta(minutes=1) if status == "verified" else None,
                failed_checks=n,
                remaining_retry=3 - n if n < 3 else None,
                error_code="interrupted" if auth_uuid is None else "",
                correlation_id=f"signup-{n}",
                locale="fr-FR",
                ip="203.0.113.7" if n else "2001:db8::1",
                signals={"device_type": "IOS", "app_version": f"1.{n}"},
            )
        )
    verified, pending, unsent, expired, locked = made
    checks = apps.get_model(APP, "CheckRecord").objects
    checks.create(authentication=verified, reason="invalid_code", provider_called=True)
    checks.create(authentication=verified, verified=True, provider_status="valid")
    checks.create(authentication=unsent, reason="not_sent")
    checks.create(authentication=locked, reason="locked", counts_as_failure=True)
    retries = apps.get_model(APP, "RetryRecord").objects
    retries.create(authentication=pending, provider_status="approved", remaining_retry=2)
    retries.create(authentication=pending, reason="retry_not_yet", next_retry_at=T0)
    events = apps.get_model(APP, "StatusEvent").objects
    events.create(authentication=expired, type="attempt", status="delivered", occurred_at=T0)
    events.create(authentication=expired, type="check", status="invalid", provider_id="chk_1")
    return ids


def everything(apps: Apps, *, drop: str) -> dict[str, list[dict[str, Any]]]:
    tables = {name: rows(apps, name) for name in RECORDS}
    tables["Authentication"] = rows(apps, "Authentication", drop=[drop])
    tables["User"] = list(apps.get_model("auth", "User").objects.order_by("pk").values())
    return tables


def test_forward_then_backward_keeps_every_row_and_id(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(MIGRATION, "BATCH_SIZE", 2)  # several batches and a remainder
    old = migrate(INITIAL)
    ids = fill_history(old)
    before = everything(old, drop="authentication_uuid")
    if connection.vendor == "sqlite":  # why a raw SQL copy would not do
        assert column_values("authentication_uuid")[1] == ids[0].hex  # type: ignore[union-attr]

    new = migrate(PROVIDER_ID)

    assert "authentication_uuid" not in columns()
    assert is_unique("provider_id")
    canonical = [str(value) if value else None for value in ids]
    assert list(column_values("provider_id").values()) == canonical  # on disk, dashed
    assert [row["provider_id"] for row in rows(new, "Authentication")] == canonical
    assert everything(new, drop="provider_id") == before  # updated_at included
    by_id = new.get_model(APP, "Authentication").objects
    assert by_id.get(provider_id=canonical[1]).status == "pending"
    assert by_id.get(provider_id=canonical[0]).checks.count() == 2

    back = migrate(INITIAL)

    assert "provider_id" not in columns()
    assert is_unique("authentication_uuid")
    assert [row["authentication_uuid"] for row in rows(back, "Authentication")] == ids
    assert everything(back, drop="authentication_uuid") == before
    by_uuid = back.get_model(APP, "Authentication").objects
    for value in filter(None, ids):  # stored as Django expects: UUID lookups find them
        assert by_uuid.get(authentication_uuid=value).phone_number is not None
        assert by_uuid.filter(authentication_uuid=str(value).upper()).exists()

    again = migrate(PROVIDER_ID)
    assert [row["provider_id"] for row in rows(again, "Authentication")] == canonical


def test_an_empty_history_migrates_both_ways() -> None:
    migrate(INITIAL)
    assert "authentication_uuid" in columns()
    assert rows(migrate(PROVIDER_ID), "Authentication") == []
    assert "provider_id" in columns()
    assert rows(migrate(INITIAL), "Authentication") == []


def fill_mixed_history(apps: Apps) -> list[str | None]:
    """Rows in the 0002 schema: Ding v1 ids, one Prelude v2 id, one without."""
    authentication = apps.get_model(APP, "Authentication").objects
    provider_ids = [str(uuid.uuid4()), V2_ID, None, str(uuid.uuid4())]
    for n, provider_id in enumerate(provider_ids):
        auth = authentication.create(
            provider_id=provider_id, phone_number=f"+3361234560{n}", created_at=T0
        )
        apps.get_model(APP, "CheckRecord").objects.create(authentication=auth, reason="expired")
    return provider_ids


def test_rollback_with_a_v2_id_is_refused_before_any_change() -> None:
    current = migrate(PROVIDER_ID)
    fill_mixed_history(current)
    before = everything(current, drop="")

    with pytest.raises(IrreversibleError) as info:
        migrate(INITIAL)

    message = str(info.value)
    assert "1 authentication(s) hold a provider id that is not a UUID" in message
    assert "Nothing was changed" in message
    assert ".update(provider_id=None)" in message
    assert PROVIDER_ID in applied()
    assert "provider_id" in columns()
    assert "authentication_uuid" not in columns()
    assert everything(current, drop="") == before


def test_rollback_after_clearing_v2_ids_as_the_error_says() -> None:
    current = migrate(PROVIDER_ID)
    provider_ids = fill_mixed_history(current)
    current.get_model(APP, "Authentication").objects.filter(provider_id__startswith="vrf_").update(
        provider_id=None
    )

    back = migrate(INITIAL)

    expected = [uuid.UUID(value) if value and value != V2_ID else None for value in provider_ids]
    assert [row["authentication_uuid"] for row in rows(back, "Authentication")] == expected
    assert len(rows(back, "CheckRecord")) == len(provider_ids)
