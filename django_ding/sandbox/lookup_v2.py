"""The v2 lookup answer (``GET /v2/lookup/{phone_number}``), from the same
numbering-plan data as the v1 one (:mod:`django_ding.sandbox.phone_lookup`)."""

from __future__ import annotations

import re
from typing import Any

from django_ding.backends.prelude_enums import LookupLineType
from django_ding.sandbox.phone_lookup import describe

__all__ = ["lookup_wire"]

_WORD = re.compile(r"(?<=[a-z])(?=[A-Z])")
# v1 line types whose snake_case is not the v2 name.
_RENAMED = {"internet_service_provider": LookupLineType.ISP, "pay_phone": LookupLineType.PAYPHONE}


def lookup_wire(phone_number: str, *, cnam: bool) -> dict[str, Any]:
    """The v2 ``LookupResponse`` of a valid E.164 ``phone_number``."""
    v1 = describe(phone_number, cnam=cnam)
    out: dict[str, Any] = {"phone_number": phone_number}
    if "country_code" in v1:
        out["country_code"] = v1["country_code"]
    out["line_type"] = _line_type(str(v1.get("line_type", ""))).value
    out["flags"] = []
    if "carrier" in v1:
        out["network_info"] = {"carrier_name": v1["carrier"]}
        out["original_network_info"] = {"carrier_name": v1["carrier"]}
    if cnam:
        out["caller_name"] = v1.get("caller_name")
    return out


def _line_type(v1: str) -> LookupLineType:
    name = _WORD.sub("_", v1).lower()
    if name in _RENAMED:
        return _RENAMED[name]
    try:
        return LookupLineType(name)
    except ValueError:
        return LookupLineType.UNKNOWN
