"""Helpers of the v2 tests: the sandbox's v2 face on a live server."""

from __future__ import annotations

from typing import Any

from tests.sandbox.conftest import API_KEY, PHONE

__all__ = ["API_KEY", "PHONE", "target", "v2_root"]


def v2_root(live_server: Any) -> str:
    """The official SDK's ``base_url`` (it adds ``/v2/...`` itself)."""
    return f"{live_server.url}/ding-sandbox"


def target(phone: str = PHONE) -> dict[str, str]:
    return {"type": "phone_number", "value": phone}
