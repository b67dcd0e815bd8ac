"""Masking of personal data for logs, admin lists and messages.

django-ding never logs a full phone number, a code or an API key. Use
:func:`mask_phone` wherever a number is shown to someone who does not need
all of it.
"""

from __future__ import annotations

import phonenumbers

__all__ = ["mask_phone"]

_KEEP_LAST = 2


def mask_phone(value: object) -> str:
    """Return ``value`` with all but its country code and last two digits
    hidden: ``"+33612345678"`` -> ``"+33*******78"``.

    Accepts a string or a ``PhoneNumber``; anything unreadable is masked
    entirely, never echoed back.
    """
    if value is None:
        return ""
    text = str(value).strip()
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) <= _KEEP_LAST + 2:
        return "*" * max(len(digits), 4)
    country = ""
    try:
        parsed = phonenumbers.parse(text if text.startswith("+") else "+" + digits, None)
        country = str(parsed.country_code or "")
    except phonenumbers.NumberParseException:
        country = ""
    if not digits.startswith(country):
        country = ""
    hidden = len(digits) - len(country) - _KEEP_LAST
    if hidden < _KEEP_LAST:
        # Too short to show the country code too without revealing it all.
        country, hidden = "", len(digits) - _KEEP_LAST
    prefix = "+" + country if country else ""
    return f"{prefix}{'*' * hidden}{digits[-_KEEP_LAST:]}"
