"""The verification views never run inside ATOMIC_REQUESTS' transaction."""

from __future__ import annotations

import pytest
from django.db import DEFAULT_DB_ALIAS
from django.urls import resolve, reverse


@pytest.mark.parametrize("name", ["ding:send", "ding:check", "ding:retry"])
def test_views_opt_out_of_atomic_requests(name: str) -> None:
    view = resolve(reverse(name)).func
    assert DEFAULT_DB_ALIAS in getattr(view, "_non_atomic_requests", set())
