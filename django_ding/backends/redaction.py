"""Keeping phone numbers, codes and API keys out of logs and messages.

:class:`PhoneNumberLogFilter` masks numbers in urllib3's request lines (a
lookup's URL holds the number); :func:`scrub` replaces known secrets in a
text before it goes into an exception message.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from typing import Final
from urllib.parse import quote

from django_ding.backends.arguments import E164
from django_ding.privacy import mask_phone

__all__ = ["PhoneNumberLogFilter", "install_urllib3_log_filter", "scrub"]

# A "+" (plain or URL-encoded) and a run of digits: what a phone number looks
# like inside a logged URL. Generous on purpose: masking too much is harmless.
_PHONE_IN_TEXT = re.compile(r"(?:\+|%2[Bb])([0-9]{4,})")
# Where urllib3 logs request URLs (at DEBUG, and on retries).
_URLLIB3_LOGGERS: Final = ("urllib3.connectionpool", "urllib3.util.retry")
_filter_lock = threading.Lock()


class PhoneNumberLogFilter(logging.Filter):
    """Masks E.164 numbers (``+33...`` or ``%2B33...``) in a record's message.

    urllib3 logs each request line at DEBUG, and a lookup's URL holds the
    number (``/lookup/%2B336...``). The record is rewritten, never dropped.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken record is the logging module's to report
            return True
        masked = _PHONE_IN_TEXT.sub(lambda m: mask_phone("+" + m.group(1)), message)
        if masked != message:
            record.msg = masked
            record.args = None
        return True


def install_urllib3_log_filter() -> None:
    """Add :class:`PhoneNumberLogFilter` to urllib3's URL-logging loggers, once."""
    with _filter_lock:
        for name in _URLLIB3_LOGGERS:
            target = logging.getLogger(name)
            if not any(isinstance(f, PhoneNumberLogFilter) for f in target.filters):
                target.addFilter(PhoneNumberLogFilter())


def scrub(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret (and its URL-encoded form) replaced: a phone
    number by its masked form, anything else by ``***``."""
    for secret in secrets:
        if not secret:
            continue
        replacement = mask_phone(secret) if E164.fullmatch(secret) else "***"
        for form in {secret, quote(secret, safe="")}:
            text = text.replace(form, replacement)
    return text
