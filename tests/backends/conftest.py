"""Fixtures for the HTTP client tests: a backend built explicitly (never from
the test settings, whose BACKEND is the sandbox) and an HTTP mock."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import responses

from django_ding.backends.ding import DingBackend
from tests.backends.payloads import API_KEY, BASE_URL, CUSTOMER_UUID


def make_backend(**overrides: Any) -> DingBackend:
    """A DingBackend with test credentials whose sleeps are recorded, not slept."""
    options: dict[str, Any] = {
        "api_key": API_KEY,
        "customer_uuid": CUSTOMER_UUID,
        "base_url": BASE_URL,
        "timeout": (1.5, 4.0),
        "max_retries": 2,
        "retry_backoff": 0.5,
        "retry_after_max": 10.0,
    }
    options.update(overrides)
    backend = DingBackend(**options)
    backend.sleeps = []  # type: ignore[attr-defined]
    backend.sleep = backend.sleeps.append  # type: ignore[attr-defined,method-assign]
    return backend


@pytest.fixture
def backend() -> Iterator[DingBackend]:
    instance = make_backend()
    yield instance
    instance.close()


@pytest.fixture
def mocked() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock
