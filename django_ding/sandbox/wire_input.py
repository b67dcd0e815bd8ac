"""Validation of what a client sends to the sandbox, as the real API does.

Every function raises :class:`~django_ding.sandbox.errors.SandboxProviderError`
with Ding's error code for the mistake, and never echoes a full phone number.
"""

from __future__ import annotations

import ipaddress
import re
import uuid
from collections.abc import Mapping
from typing import Any

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from django_ding.backends.base import CREATE_AUTHENTICATION_FIELDS
from django_ding.backends.enums import REQUEST_DEVICE_TYPES, DeviceType, ErrorCode
from django_ding.privacy import mask_phone
from django_ding.sandbox.errors import SandboxProviderError, api_error

__all__ = ["clean_create_fields", "invalid_phone_number", "require_phone_number", "require_uuid"]

_E164 = re.compile(r"\+[1-9]\d{1,14}")
_LOCALE = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*")
_APP_REALM = re.compile(r"[A-Za-z0-9+/]{11}")
_MAX_TEXT = 255
_MAX_SENDER_ID = 15

# Field -> error code for a value of the wrong type or size.
_TEXT_FIELD_ERRORS: dict[str, ErrorCode] = {
    "device_id": ErrorCode.INVALID_DEVICE_ID,
    "app_version": ErrorCode.INVALID_APP_VERSION,
    "os_version": ErrorCode.INVALID_OS_VERSION,
    "device_model": ErrorCode.INVALID_DEVICE_MODEL,
    "template_id": ErrorCode.INVALID_TEMPLATE_ID,
    "correlation_id": ErrorCode.BAD_REQUEST,
}


def require_uuid(value: object, name: str, code: ErrorCode = ErrorCode.BAD_REQUEST) -> uuid.UUID:
    """``value`` as a UUID, or the error ``code``."""
    if value is None or value == "":
        raise api_error(ErrorCode.BAD_REQUEST, f"{name} is required.")
    if not isinstance(value, str) or len(value) > 64:
        raise api_error(code, f"{name} must be a UUID.")
    try:
        return uuid.UUID(value)
    except ValueError:
        raise api_error(code, f"{name} must be a UUID.") from None


def require_phone_number(value: object) -> str:
    """``value`` if it is a valid E.164 number, else ``invalid_phone_number``."""
    if value is None or value == "":
        raise api_error(ErrorCode.BAD_REQUEST, "phone_number is required.")
    if not isinstance(value, str):
        raise api_error(ErrorCode.BAD_REQUEST, "phone_number must be a string.")
    if not _E164.fullmatch(value):
        raise invalid_phone_number(value)
    try:
        parsed = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        raise invalid_phone_number(value) from None
    if not phonenumbers.is_valid_number(parsed):
        raise invalid_phone_number(value)
    return value


def invalid_phone_number(value: str) -> SandboxProviderError:
    return api_error(
        ErrorCode.INVALID_PHONE_NUMBER, f"{mask_phone(value)} is not a valid phone number"
    )


def clean_create_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The optional fields of a create request, checked; ``None`` means absent."""
    unknown = sorted(set(fields) - CREATE_AUTHENTICATION_FIELDS)
    if unknown:
        raise api_error(ErrorCode.BAD_REQUEST, "Unknown field(s): " + ", ".join(unknown)[:200])
    cleaned = {name: value for name, value in fields.items() if value is not None}
    for name, code in _TEXT_FIELD_ERRORS.items():
        if name in cleaned:
            _text(cleaned[name], name, code)
    if "ip" in cleaned:
        _ipv4(cleaned["ip"])
    device_type = cleaned.get("device_type")
    if "device_type" in cleaned and not (
        isinstance(device_type, str) and device_type in REQUEST_DEVICE_TYPES
    ):
        raise api_error(ErrorCode.BAD_REQUEST, "device_type must be one of ANDROID, IOS, WEB.")
    if "is_returning_user" in cleaned and not isinstance(cleaned["is_returning_user"], bool):
        raise api_error(ErrorCode.BAD_REQUEST, "is_returning_user must be a boolean.")
    if "callback_url" in cleaned:
        _url(cleaned["callback_url"])
    if "locale" in cleaned and not (
        isinstance(cleaned["locale"], str) and _LOCALE.fullmatch(cleaned["locale"])
    ):
        raise api_error(ErrorCode.BAD_REQUEST, "locale must be a BCP-47 tag such as en-US.")
    if "sender_id" in cleaned:
        sender = cleaned["sender_id"]
        if not (isinstance(sender, str) and 0 < len(sender) <= _MAX_SENDER_ID):
            raise api_error(
                ErrorCode.INVALID_SENDER_ID,
                f"sender_id must be a string of 1 to {_MAX_SENDER_ID} characters.",
            )
    if "app_realm" in cleaned:
        _app_realm(cleaned["app_realm"], cleaned.get("device_type"))
    return cleaned


def _text(value: object, name: str, code: ErrorCode) -> None:
    if not isinstance(value, str) or not value or len(value) > _MAX_TEXT:
        raise api_error(code, f"{name} must be a string of 1 to {_MAX_TEXT} characters.")


def _ipv4(value: object) -> None:
    try:
        ipaddress.IPv4Address(value if isinstance(value, str) else "")
    except ValueError:
        raise api_error(ErrorCode.BAD_REQUEST, "ip must be an IPv4 address.") from None


def _url(value: object) -> None:
    if not isinstance(value, str) or len(value) > 2000:
        raise api_error(ErrorCode.BAD_REQUEST, "callback_url must be an http(s) URL.")
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError:
        raise api_error(ErrorCode.BAD_REQUEST, "callback_url must be an http(s) URL.") from None


def _app_realm(value: object, device_type: object) -> None:
    if not isinstance(value, str) or not _APP_REALM.fullmatch(value):
        raise api_error(
            ErrorCode.INVALID_APP_REALM,
            "app_realm must be the 11-character hash of the Android SMS Retriever API.",
        )
    if device_type is None:
        raise api_error(ErrorCode.APP_REALM_REQUIRE_DEVICE_TYPE, "app_realm requires device_type.")
    if device_type != DeviceType.ANDROID:
        raise api_error(
            ErrorCode.UNSUPPORTED_APP_REALM_DEVICE_TYPE,
            "app_realm is only supported with device_type ANDROID.",
        )
