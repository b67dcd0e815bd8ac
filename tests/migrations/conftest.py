"""Fixtures for the migration tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


@pytest.fixture
def migrations_restored(transactional_db: None) -> Iterator[None]:
    """Leave the database fully migrated, whatever the test did (before the
    test database is flushed)."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
