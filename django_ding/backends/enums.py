"""Enumerations of the Ding v1 wire format.

Every enum is a :class:`~enum.StrEnum`, so a member compares equal to its wire
string (``CheckStatus.VALID == "valid"``). Providers add values over time:
:func:`parse_enum` turns a value we do not know into the plain string instead
of failing, so a new status never crashes a running site.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

E = TypeVar("E", bound=StrEnum)


def parse_enum(enum: type[E], value: object) -> E | str | None:
    """Return the member of ``enum`` for ``value``, the string itself when
    unknown, or ``None`` when ``value`` is missing or not a string."""
    if not isinstance(value, str):
        return None
    try:
        return enum(value)
    except ValueError:
        return value


class AuthenticationStatus(StrEnum):
    """``CreateAuthenticationResponse.status``."""

    PENDING = "pending"
    RATE_LIMITED = "rate_limited"
    SPAM_DETECTED = "spam_detected"


class CheckStatus(StrEnum):
    """``CheckStatus``: the result of checking a code."""

    UNKNOWN = "unknown"
    VALID = "valid"
    INVALID = "invalid"
    WITHOUT_ATTEMPT = "without_attempt"
    RATE_LIMITED = "rate_limited"
    ALREADY_VALIDATED = "already_validated"
    EXPIRED_AUTH = "expired_auth"


class RetryStatus(StrEnum):
    """``RetryAuthenticationResponse.status``."""

    APPROVED = "approved"
    DENIED = "denied"
    NO_ATTEMPT = "no_attempt"
    RATE_LIMITED = "rate_limited"
    EXPIRED_AUTH = "expired_auth"
    ALREADY_VALIDATED = "already_validated"


class FeedbackStatus(StrEnum):
    """``FeedbackRequest.status``."""

    ONBOARDED = "onboarded"
    NOT_ONBOARDED = "not_onboarded"


class DeviceType(StrEnum):
    """Device types (``CreateAuthenticationRequest.device_type`` accepts
    ``IOS``, ``ANDROID`` and ``WEB``; status signals may report more)."""

    ANDROID = "ANDROID"
    IOS = "IOS"
    IPADOS = "IPADOS"
    TVOS = "TVOS"
    WEB = "WEB"


#: The device types a create request may send.
REQUEST_DEVICE_TYPES = frozenset({DeviceType.IOS, DeviceType.ANDROID, DeviceType.WEB})


class EventType(StrEnum):
    """``AuthenticationStatusEventResponse.type``."""

    ATTEMPT = "attempt"
    CHECK = "check"
    DELIVERY_STATUS = "delivery_status"
    BALANCE_UPDATE = "balance_update"


class Capability(StrEnum):
    """The channel of an attempt."""

    RCS = "rcs"
    TEXT = "text"
    WHATSAPP = "whatsapp"
    VIBER = "viber"
    ZALO = "zalo"
    TELEGRAM = "telegram"


class AttemptStatus(StrEnum):
    """The status of an attempt event."""

    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"
    RATE_LIMITED = "rate_limited"
    EXPIRED = "expired"


class DeliveryStatus(StrEnum):
    """The status of a delivery_status event."""

    UNKNOWN = "unknown"
    SUBMITTED = "submitted"
    IN_TRANSIT = "in_transit"
    DELIVERED = "delivered"
    UNDELIVERABLE = "undeliverable"


class BalanceUpdateType(StrEnum):
    """``balance_update_type`` of a balance_update event."""

    UNKNOWN = "unknown"
    AUTHENTICATION = "authentication"
    ATTEMPT = "attempt"
    ATTEMPT_PENDING = "attempt_pending"
    ATTEMPT_SUCCESS = "attempt_success"
    AUTHENTICATION_PENDING = "authentication_pending"
    AUTHENTICATION_SUCCESS = "authentication_success"


class LineType(StrEnum):
    """``LookupResponse.line_type``."""

    CALLING_CARDS = "CallingCards"
    FIXED_LINE = "FixedLine"
    INTERNET_SERVICE_PROVIDER = "InternetServiceProvider"
    LOCAL_RATE = "LocalRate"
    MOBILE = "Mobile"
    OTHER = "Other"
    PAGER = "Pager"
    PAY_PHONE = "PayPhone"
    PREMIUM_RATE = "PremiumRate"
    SATELLITE = "Satellite"
    SERVICE = "Service"
    SHARED_COST = "SharedCost"
    SHORT_CODES_COMMERCIAL = "ShortCodesCommercial"
    TOLL_FREE = "TollFree"
    UNIVERSAL_ACCESS = "UniversalAccess"
    UNKNOWN = "Unknown"
    VPN = "VPN"
    VOICE_MAIL = "VoiceMail"
    VOIP = "Voip"


class ErrorCode(StrEnum):
    """``ErrorResponse.code``: machine-readable provider error codes."""

    ACCOUNT_INVALID = "account_invalid"
    APP_REALM_REQUIRE_DEVICE_TYPE = "app_realm_require_device_type"
    BAD_REQUEST = "bad_request"
    BLOCKED_NUMBER = "blocked_number"
    DUPLICATED_FEEDBACK_STATUS = "duplicated_feedback_status"
    INTERNAL_SERVER_ERROR = "internal_server_error"
    INVALID_APP_REALM = "invalid_app_realm"
    INVALID_APP_VERSION = "invalid_app_version"
    INVALID_AUTH_UUID = "invalid_auth_uuid"
    INVALID_DEVICE_ID = "invalid_device_id"
    INVALID_DEVICE_MODEL = "invalid_device_model"
    INVALID_FEEDBACK_STATUS = "invalid_feedback_status"
    INVALID_LINE = "invalid_line"
    INVALID_OS_VERSION = "invalid_os_version"
    INVALID_PHONE_NUMBER = "invalid_phone_number"
    INVALID_SENDER_ID = "invalid_sender_id"
    INVALID_TEMPLATE_ID = "invalid_template_id"
    NEGATIVE_BALANCE = "negative_balance"
    NO_ASSOCIATED_AUTH_FOUND = "no_associated_auth_found"
    SUSPENDED_ACCOUNT = "suspended_account"
    UNAUTHORIZED_SENDER_ID = "unauthorized_sender_id"
    UNSUPPORTED_APP_REALM_DEVICE_TYPE = "unsupported_app_realm_device_type"
    UNSUPPORTED_REGION = "unsupported_region"
