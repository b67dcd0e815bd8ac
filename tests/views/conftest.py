"""Fixtures of the view tests: a scripted backend and browser-like clients."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from tests.views.backend import GOOD_CODE, ScriptedBackend

BACKEND = "tests.views.backend.ScriptedBackend"
PHONE = "+33612345678"
OTHER_PHONE = "+33698765432"


def ding_settings(**extra: Any) -> dict[str, Any]:
    """A DING setting for the scripted backend, with generous limits."""
    return {
        "BACKEND": BACKEND,
        "API_KEY": "test-api-key-not-real",
        "CUSTOMER_UUID": "c9f826e0-deca-41ec-871f-ecd6e8efeb46",
        "SEND_ONBOARDED_FEEDBACK": False,
        "SUCCESS_URL": "/done/",
        **extra,
    }


@pytest.fixture(autouse=True)
def ding_backend(settings: Any, db: None) -> Iterator[type[ScriptedBackend]]:
    settings.DING = ding_settings()
    ScriptedBackend.reset()
    yield ScriptedBackend
    ScriptedBackend.reset()


def start(client: Client, phone: str = PHONE, **query: str) -> Any:
    """POST the phone form; return the response (a redirect to check on success)."""
    url = "/verify/"
    if query:
        from urllib.parse import urlencode

        url += "?" + urlencode(query)
    return client.post(url, {"phone_number": phone})


def verify(client: Client, code: str = GOOD_CODE, **data: str) -> Any:
    return client.post("/verify/check/", {"code": code, **data})
