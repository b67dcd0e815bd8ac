"""Shared fixtures. Feature-specific fixtures live beside their tests."""

from __future__ import annotations

import os

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
