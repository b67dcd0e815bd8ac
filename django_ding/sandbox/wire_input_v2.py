"""Validation of what a client sends to the sandbox's Prelude v2 face.

Every function raises :class:`~django_ding.sandbox.errors.SandboxProviderError`
with a v2 body ``{code, message, param}`` and never echoes a full phone
number. A create body is read into the create fields of the engine, under the
Ding v1 names (the inverse of :mod:`django_ding.backends.prelude_fields`), so
both faces store, render and report them alike.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from typing import Any, Final

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from django_ding.backends.prelude_enums import (
    Channel,
    DeliveryMethod,
    DevicePlatform,
    FeedbackType,
    PreferredChannel,
)
from django_ding.privacy import mask_phone
from django_ding.sandbox.errors import SandboxProviderError, v2_error
from django_ding.sandbox.magic import Magic, magic_for
from django_ding.sandbox.wire_input import require_phone_number

__all__ = ["OUTAGE_MESSAGE", "clean_check", "clean_create", "clean_feedbacks", "target_phone"]

OUTAGE_MESSAGE: Final = "The sandbox simulates a provider outage for this number."
_INVALID = "invalid_request"
_LOCALE = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*")
_MAX_TEXT = 255
_MAX_SENDER_ID = 15
_MAX_CORRELATION_ID = 64
_MAX_FEEDBACKS = 100
_TOP_LEVEL: Final = frozenset({"target", "dispatch_id", "metadata", "signals", "options"})
# v2 signal -> the engine's field name.
_SIGNALS: Final = {
    "ip": "ip",
    "device_id": "device_id",
    "device_platform": "device_type",
    "device_model": "device_model",
    "os_version": "os_version",
    "app_version": "app_version",
    "user_agent": "user_agent",
    "ja4_fingerprint": "ja4_fingerprint",
    "is_trusted_user": "is_trusted_user",
    "existing_user": "is_returning_user",
}
_BOOLEAN_SIGNALS: Final = frozenset({"is_trusted_user", "existing_user"})
_TEXT_OPTIONS: Final = frozenset({"template_id", "sender_id", "locale", "callback_url"})
_CHOICE_OPTIONS: Final[dict[str, frozenset[str]]] = {
    "method": frozenset(DeliveryMethod),
    "preferred_channel": frozenset(PreferredChannel),
}
_OTHER_OPTIONS: Final = frozenset(
    {"variables", "code_size", "custom_code", "channels", "app_realm", "force_challenge"}
    | {"max_auto_fallbacks"}
)


def target_phone(value: object, param: str = "target") -> str:
    """The E.164 number of a ``{type: "phone_number", value}`` target; the
    magic invalid number is a 400 and the outage number a 500."""
    target = _object(value, param, required=True)
    kind = target.get("type")
    if kind == "email_address":
        raise v2_error(
            "email_verification_not_allowed",
            "Email verification is not enabled on the sandbox.",
            param=f"{param}.type",
        )
    if kind != "phone_number":
        raise v2_error(_INVALID, "type must be phone_number.", param=f"{param}.type")
    try:
        phone = require_phone_number(target.get("value"))
    except SandboxProviderError as err:
        raise v2_error(
            "invalid_phone_number" if err.body["code"] == "invalid_phone_number" else _INVALID,
            str(err.body["message"]),
            param=f"{param}.value",
        ) from None
    magic = magic_for(phone)
    if magic is Magic.INVALID_PHONE_NUMBER:
        raise v2_error(
            "invalid_phone_number",
            f"{mask_phone(phone)} is not a valid phone number",
            param=f"{param}.value",
        )
    if magic is Magic.OUTAGE:
        raise v2_error("internal", OUTAGE_MESSAGE, status_code=500)
    return phone


def clean_create(body: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """``POST /v2/verification``: the phone number and the create fields."""
    unknown = sorted(set(body) - _TOP_LEVEL)
    if unknown:
        raise v2_error(_INVALID, "Unknown field(s): " + ", ".join(unknown)[:200], param=unknown[0])
    phone = target_phone(body.get("target"))
    fields: dict[str, Any] = {}
    if body.get("dispatch_id") is not None:
        _text(body["dispatch_id"], "dispatch_id")
    metadata = _object(body.get("metadata"), "metadata")
    if metadata.get("correlation_id") is not None:
        fields["correlation_id"] = _text(
            metadata["correlation_id"], "metadata.correlation_id", _MAX_CORRELATION_ID
        )
    fields.update(_signals(_object(body.get("signals"), "signals")))
    fields.update(_options(_object(body.get("options"), "options")))
    return phone, fields


def clean_check(body: Mapping[str, Any]) -> tuple[str, str]:
    """``POST /v2/verification/check``: the phone number and the code."""
    unknown = sorted(set(body) - {"target", "code", "psd2"})
    if unknown:
        raise v2_error(_INVALID, "Unknown field(s): " + ", ".join(unknown)[:200], param=unknown[0])
    phone = target_phone(body.get("target"))
    code = body.get("code")
    if not isinstance(code, str) or not code:
        raise v2_error(_INVALID, "code must be a non-empty string.", param="code")
    return phone, code


def clean_feedbacks(body: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``POST /v2/watch/feedback``: ``(phone number, type)`` of each item."""
    items = body.get("feedbacks")
    if not isinstance(items, list) or not 1 <= len(items) <= _MAX_FEEDBACKS:
        raise v2_error(
            _INVALID, f"feedbacks must be a list of 1 to {_MAX_FEEDBACKS} items.", param="feedbacks"
        )
    out = []
    for index, item in enumerate(items):
        name = f"feedbacks[{index}]"
        feedback = _object(item, name, required=True)
        phone = target_phone(feedback.get("target"), f"{name}.target")
        kind = feedback.get("type")
        if not isinstance(kind, str) or kind not in set(FeedbackType):
            allowed = ", ".join(sorted(FeedbackType))
            raise v2_error(_INVALID, f"type must be one of {allowed}.", param=f"{name}.type")
        _object(feedback.get("metadata"), f"{name}.metadata")
        out.append((phone, kind))
    return out


# -- helpers ------------------------------------------------------------------


def _object(value: object, param: str, *, required: bool = False) -> dict[str, Any]:
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise v2_error(_INVALID, f"{param} must be an object.", param=param)
    return value


def _text(value: object, param: str, limit: int = _MAX_TEXT) -> str:
    if not isinstance(value, str) or not value or len(value) > limit:
        raise v2_error(
            _INVALID, f"{param} must be a string of 1 to {limit} characters.", param=param
        )
    return value


def _signals(signals: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(signals) - set(_SIGNALS))
    if unknown:
        raise v2_error(_INVALID, "Unknown signal(s): " + ", ".join(unknown)[:200], param="signals")
    out: dict[str, Any] = {}
    for name, value in signals.items():
        if value is None:
            continue
        param = f"signals.{name}"
        if name in _BOOLEAN_SIGNALS:
            if not isinstance(value, bool):
                raise v2_error(_INVALID, f"{param} must be a boolean.", param=param)
            out[_SIGNALS[name]] = value
        elif name == "ip":
            try:
                ipaddress.ip_address(value if isinstance(value, str) else "")
            except ValueError:
                raise v2_error(_INVALID, f"{param} must be an IP address.", param=param) from None
            out["ip"] = value
        elif name == "device_platform":
            if not isinstance(value, str) or value not in set(DevicePlatform):
                allowed = ", ".join(sorted(DevicePlatform))
                raise v2_error(_INVALID, f"{param} must be one of {allowed}.", param=param)
            out["device_type"] = value.upper()
        else:
            out[_SIGNALS[name]] = _text(value, param)
    return out


def _options(options: Mapping[str, Any]) -> dict[str, Any]:
    known = _TEXT_OPTIONS | set(_CHOICE_OPTIONS) | _OTHER_OPTIONS
    unknown = sorted(set(options) - known)
    if unknown:
        raise v2_error(_INVALID, "Unknown option(s): " + ", ".join(unknown)[:200], param="options")
    cleaned = {name: value for name, value in options.items() if value is not None}
    out: dict[str, Any] = {}
    for name in _TEXT_OPTIONS & set(cleaned):
        out[name] = _text(cleaned[name], f"options.{name}")
    if "locale" in out and not _LOCALE.fullmatch(out["locale"]):
        raise v2_error("invalid_locale", "locale must be a BCP-47 tag.", param="options.locale")
    if "sender_id" in out and len(out["sender_id"]) > _MAX_SENDER_ID:
        raise v2_error(
            "invalid_sender_id",
            f"sender_id must be at most {_MAX_SENDER_ID} characters.",
            param="options.sender_id",
        )
    if "callback_url" in out:
        try:
            URLValidator(schemes=["http", "https"])(out["callback_url"])
        except ValidationError:
            raise v2_error(
                "invalid_callback_url",
                "callback_url must be an http(s) URL.",
                param="options.callback_url",
            ) from None
    for name, choices in _CHOICE_OPTIONS.items():
        if name in cleaned:
            if not isinstance(cleaned[name], str) or cleaned[name] not in choices:
                allowed = ", ".join(sorted(choices))
                raise v2_error(
                    _INVALID, f"{name} must be one of {allowed}.", param=f"options.{name}"
                )
            out[name] = cleaned[name]
    _check_other_options(cleaned)
    realm = cleaned.get("app_realm")
    if realm is not None and _app_realm(realm):
        out["app_realm"] = _app_realm(realm)  # the Android hash ends the SMS
    return out


def _check_other_options(options: Mapping[str, Any]) -> None:
    size = options.get("code_size")
    if size is not None and (
        isinstance(size, bool) or not isinstance(size, int) or not 4 <= size <= 8
    ):
        raise v2_error("invalid_code_size", "code_size must be 4 to 8.", param="options.code_size")
    if "custom_code" in options:
        raise v2_error(
            "custom_code_not_allowed",
            "custom_code is not enabled on the sandbox.",
            param="options.custom_code",
        )
    channels = options.get("channels")
    if channels is not None:
        if "preferred_channel" in options:
            raise v2_error(
                _INVALID, "Send preferred_channel or channels, not both.", param="options.channels"
            )
        if not isinstance(channels, list) or not all(
            isinstance(c, str) and c in set(Channel) for c in channels
        ):
            raise v2_error(
                _INVALID, "channels must be a list of channels.", param="options.channels"
            )
    variables = options.get("variables")
    if variables is not None and not (
        isinstance(variables, dict) and all(isinstance(v, str) for v in variables.values())
    ):
        raise v2_error(
            _INVALID, "variables must map strings to strings.", param="options.variables"
        )
    for name in ("force_challenge",):
        if name in options and not isinstance(options[name], bool):
            raise v2_error(_INVALID, f"{name} must be a boolean.", param=f"options.{name}")
    fallbacks = options.get("max_auto_fallbacks")
    if fallbacks is not None and (isinstance(fallbacks, bool) or not isinstance(fallbacks, int)):
        raise v2_error(
            _INVALID, "max_auto_fallbacks must be an integer.", param="options.max_auto_fallbacks"
        )


def _app_realm(value: object) -> str:
    realm = _object(value, "options.app_realm", required=True)
    platform, text = realm.get("platform"), realm.get("value")
    if platform not in ("android", "web") or not isinstance(text, str) or not text:
        raise v2_error(
            "invalid_app_realm",
            "app_realm must be {platform: android | web, value}.",
            param="options.app_realm",
        )
    if platform == "android" and not re.fullmatch(r"[A-Za-z0-9+/]{11}", text):
        raise v2_error(
            "invalid_app_realm_value",
            "An Android app_realm is the 11-character SMS Retriever hash.",
            param="options.app_realm.value",
        )
    return text if platform == "android" else ""
