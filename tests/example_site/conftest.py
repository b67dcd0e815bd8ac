"""Fixtures for the example project's tests (server side, no browser)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.conf import settings
from django.test import override_settings

from tests.example_site.site_settings import (
    ACCOUNTS_APP,
    example_site_settings,
    require_accounts_app,
)

if ACCOUNTS_APP not in settings.INSTALLED_APPS:
    # Before the test modules import its models, with a message saying what to do.
    raise pytest.UsageError(
        f"tests/example_site needs {ACCOUNTS_APP!r} in INSTALLED_APPS of tests/settings.py."
    )


@pytest.fixture(autouse=True)
def example_site() -> Iterator[None]:
    """Serve the example project's URLs and templates for each test."""
    require_accounts_app()
    with override_settings(**example_site_settings()):
        yield
