"""When the sandbox's pages and wire API answer at all."""

from __future__ import annotations

from django.conf import settings

from django_ding.exceptions import DingConfigurationError

__all__ = ["sandbox_enabled"]


def sandbox_enabled() -> bool:
    """``True`` when DEBUG is on or the configured backend is the sandbox.

    Otherwise the inbox and the wire API answer 404, so a production site
    that happens to mount the URLs exposes nothing.
    """
    if settings.DEBUG:
        return True
    from django_ding.backends import load_backend_class
    from django_ding.backends.sandbox import SandboxBackend

    try:
        backend_class = load_backend_class()
    except DingConfigurationError:
        return False
    return issubclass(backend_class, SandboxBackend)
