"""Lenient reading of phone numbers typed into search boxes and query strings."""

from __future__ import annotations

import phonenumbers

from django_ding.conf import default_region

__all__ = ["possible_e164"]


def possible_e164(text: str) -> str | None:
    """Return ``text`` as an E.164 number when it could be one, else ``None``.

    Numbers without a ``+country`` prefix are read in ``DING["DEFAULT_REGION"]``:
    ``"+33 6 12 34 56 78"``, ``"0033612345678"`` and, with region ``"FR"``,
    ``"06 12 34 56 78"`` all give ``"+33612345678"``. "Possible" rather than
    "valid" on purpose: a search must still find a number whose range the
    phonenumbers metadata does not know yet.
    """
    try:
        parsed = phonenumbers.parse(text, default_region())
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
