"""When, and to whom, the sandbox answers.

The sandbox shows every code it "sends", so it must never serve a live site by
accident:

* with ``DEBUG`` on (development), it answers everyone;
* with ``DEBUG`` off it answers only when ``DING["SANDBOX_ALLOW_WITHOUT_DEBUG"]``
  is ``True`` (an explicit opt-in for staging and load tests), and then its
  inbox answers only active staff users and its wire API only the configured
  ``DING["API_KEY"]``;
* otherwise the inbox and the wire API answer 404 and the sandbox backend
  refuses to run (system check ``django_ding.E015``).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from django_ding.conf import api_key
from django_ding.exceptions import DingConfigurationError
from django_ding.sandbox.options import allowed_without_debug

__all__ = [
    "allowed_without_debug",
    "inbox_allowed",
    "require_sandbox_enabled",
    "sandbox_enabled",
    "wire_api_key",
]


def sandbox_enabled() -> bool:
    """``True`` when DEBUG is on, or when the site opted in with
    ``DING["SANDBOX_ALLOW_WITHOUT_DEBUG"] = True``."""
    if settings.DEBUG:
        return True
    try:
        return allowed_without_debug()
    except DingConfigurationError:
        return False  # fail closed; the system checks report the setting


def require_sandbox_enabled() -> None:
    """Raise :class:`DingConfigurationError` unless :func:`sandbox_enabled`."""
    if not sandbox_enabled():
        raise DingConfigurationError(
            "The sandbox backend does not run with DEBUG off: it sends no SMS and shows "
            "every code on its inbox page. Configure a real backend, or set "
            "DING['SANDBOX_ALLOW_WITHOUT_DEBUG'] = True for a staging site."
        )


def inbox_allowed(request: HttpRequest) -> bool:
    """Whether ``request`` may read the inbox: anyone with DEBUG on, active
    staff users only with DEBUG off (and the opt-in)."""
    if not sandbox_enabled():
        return False
    if settings.DEBUG:
        return True
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_active and user.is_staff)


def wire_api_key() -> str | None:
    """The key the wire API requires: ``DING["API_KEY"]`` when set. ``None``
    means any non-empty key is accepted, which only happens with DEBUG on;
    with DEBUG off and no key configured, nothing is accepted (``""``)."""
    expected = api_key()
    if expected:
        return str(expected)
    return None if settings.DEBUG else ""
