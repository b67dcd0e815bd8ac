"""Shared fixtures. Feature-specific fixtures live beside their tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

PACKAGE = Path(__file__).resolve().parent.parent / "django_ding"


def pytest_configure(config: pytest.Config) -> None:
    """Compile the translation catalogues when a ``.po`` is newer than its
    ``.mo`` (or the ``.mo`` is missing): the French-page tests would fail
    without saying why. Without gettext's ``msgfmt`` the run stops with the
    fix."""
    stale = [
        po
        for po in PACKAGE.glob("locale/*/LC_MESSAGES/*.po")
        if not po.with_suffix(".mo").exists()
        or po.with_suffix(".mo").stat().st_mtime < po.stat().st_mtime
    ]
    if not stale:
        return
    if shutil.which("msgfmt") is None:
        raise pytest.UsageError(
            "The translation catalogues are not compiled ("
            + ", ".join(str(po.relative_to(PACKAGE)) for po in stale)
            + ") and gettext's msgfmt is missing: run `make messages` (it installs gettext)."
        )
    subprocess.run(
        [sys.executable, "-m", "django", "compilemessages", "--ignore=.venv"],
        cwd=PACKAGE,
        check=True,
        capture_output=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": ""},
    )


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
