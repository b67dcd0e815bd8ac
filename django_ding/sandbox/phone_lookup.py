"""Lookup answers derived from the ``phonenumbers`` library's metadata.

The sandbox knows no live network data: the country and line type come from
the numbering plan, the carrier from the range's original operator where the
library knows it (porting is invisible), and ``mcc``, ``mnc``,
``number_ported`` and ``temporary_phone_number`` are left out. With ``cnam``
the caller name is the fictional ``"SANDBOX CALLER"``.
"""

from __future__ import annotations

from typing import Any

import phonenumbers
from phonenumbers import PhoneNumberType, carrier

from django_ding.backends.enums import LineType

__all__ = ["CALLER_NAME", "LINE_TYPES", "describe"]

#: ``caller_name`` when CNAM is asked for.
CALLER_NAME = "SANDBOX CALLER"

#: ``phonenumbers`` number types -> the spec's ``line_type``. The library
#: cannot tell a fixed line from a mobile in some plans (North America):
#: those are reported as ``Mobile``, the likelier case for a number someone
#: types to receive an SMS.
LINE_TYPES: dict[int, LineType] = {
    PhoneNumberType.FIXED_LINE: LineType.FIXED_LINE,
    PhoneNumberType.MOBILE: LineType.MOBILE,
    PhoneNumberType.FIXED_LINE_OR_MOBILE: LineType.MOBILE,
    PhoneNumberType.TOLL_FREE: LineType.TOLL_FREE,
    PhoneNumberType.PREMIUM_RATE: LineType.PREMIUM_RATE,
    PhoneNumberType.SHARED_COST: LineType.SHARED_COST,
    PhoneNumberType.VOIP: LineType.VOIP,
    PhoneNumberType.PERSONAL_NUMBER: LineType.OTHER,
    PhoneNumberType.PAGER: LineType.PAGER,
    PhoneNumberType.UAN: LineType.UNIVERSAL_ACCESS,
    PhoneNumberType.VOICEMAIL: LineType.VOICE_MAIL,
    PhoneNumberType.UNKNOWN: LineType.UNKNOWN,
}


def describe(phone_number: str, *, cnam: bool) -> dict[str, Any]:
    """The ``LookupResponse`` wire dict for a valid E.164 ``phone_number``."""
    parsed = phonenumbers.parse(phone_number, None)
    out: dict[str, Any] = {"phone_number": phone_number}
    if cnam:
        out["caller_name"] = CALLER_NAME
    operator = carrier.name_for_number(parsed, "en")
    if operator:
        out["carrier"] = operator
    region = phonenumbers.region_code_for_number(parsed)
    if region and region.isalpha():  # "001" is the non-geographic region
        out["country_code"] = region
    out["line_type"] = LINE_TYPES.get(phonenumbers.number_type(parsed), LineType.UNKNOWN).value
    return out
