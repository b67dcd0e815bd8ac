"""What the provider may learn from the HTTP request: client IP and language.

The IP is sent to Ding as the ``ip`` signal and counted by the per-IP send
limit, so it must not be spoofable: it comes from ``REMOTE_ADDR`` unless
``DING["TRUSTED_PROXY_COUNT"]`` says how many reverse proxies in front of
Django append to ``DING["TRUSTED_PROXY_HEADER"]`` (``X-Forwarded-For``). Only
the address the nearest trusted proxy saw is used; anything further left in the
header is written by the client and ignored.
"""

from __future__ import annotations

import ipaddress

from django.http import HttpRequest
from django.utils import translation

from django_ding.conf import trusted_proxy_count, trusted_proxy_header

__all__ = ["client_ip", "request_locale"]


def _valid_ip(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest | None) -> str | None:
    """Return the client's IP address, or ``None`` when it cannot be trusted."""
    if request is None:
        return None
    remote = _valid_ip(request.META.get("REMOTE_ADDR"))
    proxies = trusted_proxy_count()
    if proxies <= 0:
        return remote
    header = str(request.META.get(trusted_proxy_header(), ""))
    hops = [part.strip() for part in header.split(",") if part.strip()]
    if len(hops) < proxies:
        # Fewer hops than proxies: the request did not come through them all.
        return remote
    return _valid_ip(hops[-proxies])


def request_locale(request: HttpRequest | None = None) -> str | None:
    """Return the active language as a BCP-47 tag (``"fr"``, ``"pt-BR"``)."""
    language = getattr(request, "LANGUAGE_CODE", None) or translation.get_language()
    if not language:
        return None
    return translation.to_locale(language).replace("_", "-")
