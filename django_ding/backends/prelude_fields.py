"""The ``create_authentication`` fields of Prelude v2 and their wire form.

:class:`~django_ding.backends.prelude.PreludeBackend` accepts the Ding v1
field names (so the service layer passes the same keywords to either
backend) and maps them as the migration table of the v2 reference says,
plus three v2-only fields (``user_agent``, ``method``, ``preferred_channel``):

=====================  ======================================================
field                  v2 wire
=====================  ======================================================
``ip``                 ``signals.ip`` (IPv4 **or IPv6**)
``device_id``          ``signals.device_id``
``app_version``        ``signals.app_version``
``os_version``         ``signals.os_version``
``device_model``       ``signals.device_model``
``user_agent``         ``signals.user_agent``
``device_type``        ``signals.device_platform``, lower-case
``is_returning_user``  ``signals.existing_user``
``app_realm``          ``options.app_realm = {platform: "android", value}``
``callback_url``       ``options.callback_url``
``template_id``        ``options.template_id``
``sender_id``          ``options.sender_id``
``locale``             ``options.locale``
``method``             ``options.method`` (``auto``, ``voice``, ``message``)
``preferred_channel``  ``options.preferred_channel``
``correlation_id``     ``metadata.correlation_id`` (at most 64 characters)
=====================  ======================================================
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from django_ding.backends.arguments import create_fields_argument
from django_ding.backends.base import CREATE_AUTHENTICATION_FIELDS
from django_ding.backends.prelude_enums import DeliveryMethod, DevicePlatform, PreferredChannel

__all__ = [
    "PRELUDE_CREATE_FIELDS",
    "prelude_body",
    "prelude_clean_fields",
    "prelude_create_body",
    "target",
]

#: The fields ``PreludeBackend.create_authentication`` accepts.
PRELUDE_CREATE_FIELDS: Final = CREATE_AUTHENTICATION_FIELDS | {
    "user_agent",
    "method",
    "preferred_channel",
}

_SIGNALS: Final = {
    "ip": "ip",
    "device_id": "device_id",
    "app_version": "app_version",
    "os_version": "os_version",
    "device_model": "device_model",
    "user_agent": "user_agent",
    "device_type": "device_platform",
    "is_returning_user": "existing_user",
}
_OPTIONS: Final = ("callback_url", "template_id", "sender_id", "locale", "method")
_CHOICES: Final[dict[str, frozenset[str]]] = {
    "method": frozenset(DeliveryMethod),
    "preferred_channel": frozenset(PreferredChannel),
}
_PLATFORMS: Final = frozenset(p.value.upper() for p in DevicePlatform)
_MAX_CORRELATION_ID = 64


def target(phone: str) -> dict[str, str]:
    """The v2 ``target`` of a phone number (already checked E.164)."""
    return {"type": "phone_number", "value": phone}


def prelude_create_body(phone: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    """The ``POST /v2/verification`` body. ``fields`` must already have passed
    ``PreludeBackend.validate_fields``; each value is checked here, once."""
    return prelude_body(phone, prelude_clean_fields(fields))


def prelude_clean_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The create ``fields`` checked and cleaned (``None`` and "" dropped,
    canonical ip, upper-case ``device_type``), still by their names.
    ``fields`` must already have passed ``PreludeBackend.validate_fields``."""
    choices = {name: fields[name] for name in _CHOICES if name in fields}
    common = create_fields_argument(
        {name: value for name, value in fields.items() if name not in _CHOICES},
        ipv6=True,
        device_types=_PLATFORMS,
    )
    for name, value in choices.items():
        if value is None or value == "":
            continue
        if not isinstance(value, str) or value not in _CHOICES[name]:
            allowed = ", ".join(sorted(_CHOICES[name]))
            raise ValueError(f"{name} must be one of {allowed}.")
        common[name] = value
    correlation_id = common.get("correlation_id")
    if correlation_id is not None and len(correlation_id) > _MAX_CORRELATION_ID:
        raise ValueError(f"correlation_id must be at most {_MAX_CORRELATION_ID} characters.")
    return common


def prelude_body(phone: str, common: Mapping[str, Any]) -> dict[str, Any]:
    """The ``POST /v2/verification`` body of ``phone`` (E.164) and fields
    cleaned by :func:`prelude_clean_fields`: a mapping, nothing is checked."""
    correlation_id = common.get("correlation_id")
    signals: dict[str, Any] = {}
    options: dict[str, Any] = {}
    for name, value in common.items():
        if name in _SIGNALS:
            signals[_SIGNALS[name]] = value.lower() if name == "device_type" else value
        elif name in _OPTIONS or name == "preferred_channel":
            options[name] = value
        elif name == "app_realm":
            options["app_realm"] = {"platform": "android", "value": value}
    body: dict[str, Any] = {"target": target(phone)}
    if correlation_id is not None:
        body["metadata"] = {"correlation_id": correlation_id}
    if signals:
        body["signals"] = signals
    if options:
        body["options"] = options
    return body
