"""Fixtures of the view tests: the in-memory test backend and browser-like clients."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from tests.views.backend import BACKENDS, GOOD_CODE, TestProvider, provider

BACKEND = BACKENDS["ding"]
# The backend ding_settings() names: Ding v1 unless the ``flavour`` fixture
# switched it for the current test.
_current = {"backend": BACKEND}
PHONE = "+33612345678"
OTHER_PHONE = "+33698765432"


def ding_settings(**extra: Any) -> dict[str, Any]:
    """A DING setting for the test backend, with generous limits."""
    return {
        "BACKEND": _current["backend"],
        "API_KEY": "test-api-key-not-real",
        "CUSTOMER_UUID": "c9f826e0-deca-41ec-871f-ecd6e8efeb46",
        "SEND_ONBOARDED_FEEDBACK": False,
        "SUCCESS_URL": "/done/",
        **extra,
    }


@pytest.fixture(autouse=True)
def ding_backend(settings: Any, db: None) -> Iterator[TestProvider]:
    settings.DING = ding_settings()
    provider.reset()
    yield provider
    provider.reset()


@pytest.fixture(params=["ding", "prelude"])
def flavour(request: Any, settings: Any, ding_backend: TestProvider) -> Iterator[str]:
    """Run the test against Ding v1 and against Prelude v2 semantics."""
    _current["backend"] = BACKENDS[request.param]
    settings.DING = ding_settings()
    yield request.param
    _current["backend"] = BACKEND


def start(client: Client, phone: str = PHONE, **query: str) -> Any:
    """POST the phone form; return the response (a redirect to check on success)."""
    url = "/verify/"
    if query:
        from urllib.parse import urlencode

        url += "?" + urlencode(query)
    return client.post(url, {"phone_number": phone})


def verify(client: Client, code: str = GOOD_CODE, **data: str) -> Any:
    return client.post("/verify/check/", {"code": code, **data})
