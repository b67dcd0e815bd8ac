"""When a provider call may be repeated, and how long to wait first.

The facts the transport (:mod:`django_ding.backends.http`) decides retries
on: whether an endpoint is idempotent, whether a failed request certainly
never left this machine, and what a ``Retry-After`` (or Prelude's
``retry-after-ms``) header asks for. The table of what is retried is in
``docs/backends.md``.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import math
import time
from typing import NamedTuple

import requests
import urllib3.exceptions

__all__ = [
    "Endpoint",
    "failed_before_sending",
    "parse_retry_after",
    "retry_after",
    "root_reason",
]


class Endpoint(NamedTuple):
    """The wire method and path (relative to ``BASE_URL``) of one operation.

    ``path`` may hold ``{name}`` placeholders filled with URL-encoded values.
    """

    method: str
    path: str

    @property
    def idempotent(self) -> bool:
        """Whether repeating the call cannot have a second effect (GET)."""
        return self.method == "GET"


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header value.

    Accepts delay-seconds (``"120"``) or an HTTP-date; a date in the past is
    ``0``. Returns ``None`` when the header is missing or unreadable, and
    ``math.inf`` for an absurdly large value (so any cap refuses it).
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        if when.tzinfo is None:  # "-0000" means UTC with no stated zone
            when = when.replace(tzinfo=dt.UTC)
        seconds = when.timestamp() - (time.time() if now is None else now)
    if math.isnan(seconds):
        return None
    return max(0.0, seconds)


def retry_after(response: requests.Response) -> float | None:
    """The wait a 429/5xx asks for: ``retry-after-ms`` (Prelude) or ``Retry-After``."""
    millis = parse_retry_after(response.headers.get("retry-after-ms"))
    if millis is not None:
        return millis / 1000
    return parse_retry_after(response.headers.get("Retry-After"))


def root_reason(err: requests.RequestException) -> BaseException | None:
    """The urllib3 exception behind a requests one (inside ``MaxRetryError``)."""
    reason = err.args[0] if err.args else None
    if isinstance(reason, urllib3.exceptions.MaxRetryError):
        reason = reason.reason
    return reason if isinstance(reason, BaseException) else None


def failed_before_sending(err: requests.RequestException, reason: BaseException | None) -> bool:
    """True only when the request certainly never left this machine.

    A connect timeout, a refused connection and a DNS failure
    (``NameResolutionError`` is a ``NewConnectionError``) happen before a
    byte is sent. Anything else (read timeout, connection reset, TLS or
    protocol error) may have happened after the provider got the request.
    """
    if isinstance(err, requests.exceptions.ConnectTimeout):
        return True
    return isinstance(
        reason, urllib3.exceptions.NewConnectionError | urllib3.exceptions.ConnectTimeoutError
    )
