"""Fixtures of the command tests."""

from __future__ import annotations

from tests.admin.backend import scripted_backend  # noqa: F401  (fixture)
