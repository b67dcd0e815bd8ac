"""Shared fixtures. Feature-specific fixtures live beside their tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip ``postgres`` tests on other databases, unless PostgreSQL is
    required (``DING_REQUIRE_POSTGRES=1``, set by ``make test``), where a
    missing server is a failure rather than a skip."""
    if connection.vendor == "postgresql":
        return
    if os.environ.get("DING_REQUIRE_POSTGRES") == "1":
        raise pytest.UsageError("DING_REQUIRE_POSTGRES=1 but the test database is not PostgreSQL")
    skip = pytest.mark.skip(
        reason="needs PostgreSQL: run through `python -m tests.postgres_cluster`"
    )
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session", autouse=True)
def _end_stray_postgres_sessions(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """Before the test database is dropped, end the sessions that threads of
    the suite (live servers, concurrency tests, a sandbox request still
    sleeping after its client timed out) may have left open: PostgreSQL
    refuses ``DROP DATABASE`` while anyone is connected."""
    yield
    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
