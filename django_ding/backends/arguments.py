"""Argument checks shared by the backends, run before any provider call.

:class:`~django_ding.backends.ding.DingBackend`,
:class:`~django_ding.backends.prelude.PreludeBackend` and
:class:`~django_ding.sandbox.backend.SandboxBackend` use them, so a bad
argument fails the same way whichever backend is configured. Messages never
echo the value: it may be a real phone number or a code.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import uuid
from collections.abc import Mapping
from typing import Any, Final
from urllib.parse import urlsplit

from django_ding.backends.enums import REQUEST_DEVICE_TYPES, FeedbackStatus

__all__ = [
    "E164",
    "cnam_argument",
    "code_argument",
    "create_fields_argument",
    "feedback_status_argument",
    "phone_argument",
    "uuid_argument",
    "verification_id_argument",
]

logger = logging.getLogger("django_ding.backends")

#: E.164: a "+", a non-zero digit, at most 15 digits in all.
E164: Final = re.compile(r"\+[1-9][0-9]{1,14}")
# A BCP-47 language tag, loosely: "fr", "en-US", "zh-Hant-TW".
_BCP47 = re.compile(r"[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Longest string accepted for a free-text create field or a code.
_MAX_FIELD_LENGTH = 1024
_MAX_CODE_LENGTH = 64
_OPAQUE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def phone_argument(value: object) -> str:
    """An E.164 phone number, from a string or a ``PhoneNumber``."""
    if type(value) is not str:
        as_e164 = getattr(value, "as_e164", None)
        if isinstance(as_e164, str):
            value = as_e164
    if not isinstance(value, str):
        raise TypeError("phone_number must be a string in E.164 form, such as '+33612345678'.")
    if not value:
        raise ValueError("phone_number is empty.")
    if not E164.fullmatch(value):
        # The value itself is not echoed: it may be a real number.
        raise ValueError(
            "phone_number must be in E.164 form: '+', the country code and the number, "
            "digits only, at most 15 digits (such as '+33612345678')."
        )
    return value


def uuid_argument(value: object, name: str) -> str:
    """The canonical form of a UUID given as a string or ``uuid.UUID``."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a UUID string.")
    if not value or len(value) > 64:
        raise ValueError(f"{name} must be a UUID.")
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise ValueError(f"{name} must be a UUID.") from None


def code_argument(value: object) -> str:
    """The code the user typed. Never echoed in a message."""
    if not isinstance(value, str):
        raise TypeError("check_code must be a string.")
    if not value:
        raise ValueError("check_code is empty.")
    if len(value) > _MAX_CODE_LENGTH or _CONTROL.search(value):
        raise ValueError(
            f"check_code must be at most {_MAX_CODE_LENGTH} characters, without control characters."
        )
    return value


def feedback_status_argument(value: object) -> str:
    """The wire value of a feedback status (``"onboarded"`` or a ``FeedbackStatus``)."""
    if not isinstance(value, str):
        raise TypeError("feedback status must be a string such as 'onboarded'.")
    try:
        return FeedbackStatus(value).value
    except ValueError:
        allowed = ", ".join(repr(s.value) for s in FeedbackStatus)
        raise ValueError(f"feedback status must be one of {allowed}.") from None


def cnam_argument(value: object) -> bool:
    """The ``cnam`` flag of a lookup: a real ``bool``, nothing truthy."""
    if not isinstance(value, bool):
        raise TypeError("cnam must be True or False.")
    return value


def verification_id_argument(value: object, name: str) -> str:
    """A Prelude verification id (``vrf_...``): an opaque token of at most 64
    letters, digits, ``_`` or ``-`` (not a UUID). A UUID object is accepted
    as its string."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string.")
    if not _OPAQUE_ID.fullmatch(value):
        raise ValueError(
            f"{name} must be a verification id such as 'vrf_01jc0t6fwwfgfsq1md24mhyztj'."
        )
    return value


def create_fields_argument(
    fields: Mapping[str, Any],
    *,
    ipv6: bool = False,
    device_types: frozenset[str] = REQUEST_DEVICE_TYPES,
) -> dict[str, Any]:
    """The optional create fields as sent on the wire (``None`` and "" dropped).

    ``device_type`` comes back upper-case. Ding v1 takes an IPv4 ``ip`` only
    (an IPv6 one is dropped); pass ``ipv6=True`` for a provider that takes
    both, and ``device_types`` for one that knows more platforms.
    """
    out: dict[str, Any] = {}
    for name, value in fields.items():
        if value is None or value == "":
            continue
        if name == "is_returning_user":
            if not isinstance(value, bool):
                raise TypeError("is_returning_user must be True or False.")
            out[name] = value
        elif name == "device_type":
            if not isinstance(value, str) or value.upper() not in device_types:
                allowed = ", ".join(sorted(device_types))
                raise ValueError(f"device_type must be one of {allowed}.")
            out[name] = value.upper()
        elif name == "ip":
            ip = _ip(value) if ipv6 else _ipv4(value)
            if ip is not None:
                out[name] = ip
        elif name == "callback_url":
            parts = urlsplit(_text(name, value))
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ValueError("callback_url must be an absolute http(s) URL.")
            out[name] = value
        elif name == "locale":
            if not _BCP47.fullmatch(_text(name, value)):
                raise ValueError("locale must be a BCP-47 language tag, such as 'en-US'.")
            out[name] = value
        else:
            out[name] = _text(name, value)
    return out


def _text(name: str, value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string.")
    if len(value) > _MAX_FIELD_LENGTH:
        raise ValueError(f"{name} must be at most {_MAX_FIELD_LENGTH} characters.")
    return value


def _ip(value: object) -> str:
    """An IPv4 or IPv6 address, in canonical form."""
    if not isinstance(value, str):
        raise TypeError("ip must be a string.")
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        raise ValueError("ip must be an IP address.") from None


def _ipv4(value: object) -> str | None:
    """The IPv4 address to send, ``None`` for an IPv6 one (the v1 API
    documents the ``ip`` signal as IPv4 only)."""
    if not isinstance(value, str):
        raise TypeError("ip must be a string.")
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        raise ValueError("ip must be an IP address.") from None
    if isinstance(address, ipaddress.IPv6Address):
        mapped = address.ipv4_mapped
        if mapped is None:
            logger.debug("Ding create_authentication: IPv6 client address not sent (v1: IPv4).")
            return None
        return str(mapped)
    return str(address)
