"""Fixtures of the fault suite: the fake provider (one per session, reset per
test) and the ``wire`` fixture that configures the real HTTP backend of each
provider (Ding v1, Prelude v2) against it, with short timeouts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.reliability.fake_provider import (
    API_KEY,
    CUSTOMER_UUID,
    READ_TIMEOUT,
    FakeProvider,
    serve,
)

BACKENDS = {
    "v1": "django_ding.backends.ding.DingBackend",
    "v2": "django_ding.backends.prelude.PreludeBackend",
}


@pytest.fixture(scope="session")
def _fake_server() -> Iterator[FakeProvider]:
    yield from serve()


@pytest.fixture
def fake(_fake_server: FakeProvider) -> Iterator[FakeProvider]:
    _fake_server.reset()
    yield _fake_server
    _fake_server.reset()


def http_settings(fake: FakeProvider, wire: str, **extra: Any) -> dict[str, Any]:
    """A DING setting for the real backend of ``wire`` pointed at ``fake``."""
    return {
        "BACKEND": BACKENDS[wire],
        "API_KEY": API_KEY,
        "CUSTOMER_UUID": CUSTOMER_UUID,
        "BASE_URL": fake.base_url(wire),
        "TIMEOUT": (READ_TIMEOUT, READ_TIMEOUT),
        "MAX_RETRIES": 1,
        "RETRY_BACKOFF": 0.01,
        "RETRY_AFTER_MAX": 0.05,
        "SEND_ONBOARDED_FEEDBACK": False,
        "SUCCESS_URL": "/done/",
        **extra,
    }


@pytest.fixture(params=["v1", "v2"])
def wire(request: Any, settings: Any, fake: FakeProvider, db: None) -> str:
    """Run the test against Ding v1 and Prelude v2 over the fake provider."""
    settings.DING = http_settings(fake, request.param)
    return str(request.param)
