"""Run django-ding's migrations back and forth inside a test.

``migrate(targets)`` applies or unapplies migrations up to ``targets`` (as
``manage.py migrate app name`` does) and returns the historical apps at that
point, whose models match the schema the database then has. Use it in
``transaction=True`` tests only: schema changes on SQLite cannot run inside the
transaction that ordinary tests are wrapped in.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps.registry import Apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder

APP = "django_ding"
INITIAL = (APP, "0001_initial_history")
PROVIDER_ID = (APP, "0002_authentication_uuid_to_provider_id")


def migrate(*targets: tuple[str, str]) -> Apps:
    executor = MigrationExecutor(connection)
    executor.migrate(list(targets))
    return executor.loader.project_state(list(targets)).apps


def applied() -> set[tuple[str, str]]:
    return set(MigrationRecorder(connection).applied_migrations())


def rows(apps: Apps, model: str, *, drop: Sequence[str] = ()) -> list[dict[str, Any]]:
    """Every row of ``model``, oldest first, as dicts (without the ``drop`` columns)."""
    values = apps.get_model(APP, model).objects.order_by("pk").values()
    return [{k: v for k, v in row.items() if k not in drop} for row in values]


def column_values(column: str) -> dict[int, Any]:
    """``column`` of ``django_ding_authentication`` as the database returns it,
    without the model field's conversion."""
    table = connection.ops.quote_name("django_ding_authentication")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, {connection.ops.quote_name(column)} FROM {table} ORDER BY id")  # noqa: S608
        return dict(cursor.fetchall())


def columns() -> set[str]:
    with connection.cursor() as cursor:
        description = connection.introspection.get_table_description(
            cursor, "django_ding_authentication"
        )
    return {column.name for column in description}


def is_unique(column: str) -> bool:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "django_ding_authentication")
    return any(c["unique"] and c["columns"] == [column] for c in constraints.values())
