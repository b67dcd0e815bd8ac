"""Template context of the example site: where the sandbox inbox is.

While the sandbox provider is the configured backend, every page links to its
inbox, so a visitor can read the "SMS" without a phone. With real Ding
credentials (``DING_API_KEY`` and ``DING_CUSTOMER_UUID`` in the environment)
the link disappears.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from django_ding.backends import load_backend_class
from django_ding.exceptions import DingConfigurationError

SANDBOX_INBOX_URL_NAME = "ding_sandbox:inbox"


def sandbox_is_active() -> bool:
    """Whether ``DING["BACKEND"]`` is one of the sandbox's backends (Ding v1
    or Prelude v2 semantics): those that need the sandbox app."""
    try:
        return getattr(load_backend_class(), "required_app", None) == "django_ding.sandbox"
    except DingConfigurationError:
        return False


def sandbox_inbox_url() -> str | None:
    """The inbox page's URL when the sandbox is active and mounted, else ``None``."""
    if not sandbox_is_active():
        return None
    try:
        return reverse(SANDBOX_INBOX_URL_NAME)
    except NoReverseMatch:
        return None


def sandbox(request: HttpRequest) -> dict[str, Any]:
    """Add ``sandbox_inbox_url`` (``None`` unless the sandbox is active)."""
    return {"sandbox_inbox_url": sandbox_inbox_url()}
