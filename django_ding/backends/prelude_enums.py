"""Enumerations of the Prelude Verify v2 wire (see ``docs/backends.md``).

As in :mod:`django_ding.backends.enums`, every enum is a ``StrEnum`` and is
open: the results keep a value this version does not know as the plain
string (:func:`~django_ding.backends.enums.parse_enum`), never mapped to a
success.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "AttemptDeliveryStatus",
    "AttemptResult",
    "AttemptTrigger",
    "BlockReason",
    "Channel",
    "CheckStatusDetail",
    "DeliveryMethod",
    "DevicePlatform",
    "FeedbackType",
    "HistoryStatus",
    "LifecycleEventType",
    "LookupFlag",
    "LookupLineType",
    "PreferredChannel",
    "RiskFactor",
    "VerificationCheckStatus",
    "VerificationMethod",
    "VerificationStatus",
]


class VerificationStatus(StrEnum):
    """``status`` of ``POST /v2/verification``."""

    SUCCESS = "success"
    RETRY = "retry"
    CHALLENGED = "challenged"
    BLOCKED = "blocked"
    SHADOW_BLOCKED = "shadow_blocked"


class BlockReason(StrEnum):
    """``reason`` of a ``blocked`` (or ``shadow_blocked``) create."""

    EXPIRED_SIGNATURE = "expired_signature"
    IN_BLOCK_LIST = "in_block_list"
    INVALID_PHONE_LINE = "invalid_phone_line"
    INVALID_PHONE_NUMBER = "invalid_phone_number"
    INVALID_SIGNATURE = "invalid_signature"
    REPEATED_ATTEMPTS = "repeated_attempts"
    SUSPICIOUS = "suspicious"


class RiskFactor(StrEnum):
    """``risk_factors`` of a create, ``block_reasons`` of a history entry."""

    AUTOMATION_SIGNATURE = "automation_signature"
    CARRIER_NOT_PERMITTED = "carrier_not_permitted"
    CLIENT_FINGERPRINT_MISMATCH = "client_fingerprint_mismatch"
    CUSTOM_POLICY = "custom_policy"
    DEVICE_EMULATOR = "device_emulator"
    DEVICE_NOT_PERMITTED = "device_not_permitted"
    DEVICE_REUSE = "device_reuse"
    EXPIRED_SIGNALS = "expired_signals"
    FRAUD_DATABASE = "fraud_database"
    INVALID_SIGNATURE = "invalid_signature"
    IP_CONCENTRATION = "ip_concentration"
    IP_REPUTATION = "ip_reputation"
    LOCATION_MISMATCH = "location_mismatch"
    MISSING_SIGNALS = "missing_signals"
    NUMBER_RANGE_ABUSE = "number_range_abuse"
    POOR_CONVERSION_HISTORY = "poor_conversion_history"
    PROXY_NETWORK = "proxy_network"
    REPEATED_ATTEMPTS = "repeated_attempts"
    TEMPORARY_PHONE_NUMBER = "temporary_phone_number"


class VerificationMethod(StrEnum):
    """``method`` of a create response."""

    EMAIL = "email"
    MESSAGE = "message"
    SILENT = "silent"
    VOICE = "voice"


class DeliveryMethod(StrEnum):
    """``options.method`` of a create request (the ``method`` create field)."""

    AUTO = "auto"
    VOICE = "voice"
    MESSAGE = "message"


class Channel(StrEnum):
    """A delivery channel (``channels`` of a create response, attempts)."""

    RCS = "rcs"
    SILENT = "silent"
    SMS = "sms"
    TELEGRAM = "telegram"
    VIBER = "viber"
    VOICE = "voice"
    WHATSAPP = "whatsapp"
    ZALO = "zalo"


class PreferredChannel(StrEnum):
    """``options.preferred_channel`` of a create request."""

    SMS = "sms"
    RCS = "rcs"
    WHATSAPP = "whatsapp"
    VIBER = "viber"
    ZALO = "zalo"
    TELEGRAM = "telegram"


class DevicePlatform(StrEnum):
    """``signals.device_platform`` (v1 ``device_type``, lower-case)."""

    ANDROID = "android"
    IOS = "ios"
    IPADOS = "ipados"
    TVOS = "tvos"
    WEB = "web"


class VerificationCheckStatus(StrEnum):
    """``status`` of ``POST /v2/verification/check``."""

    SUCCESS = "success"
    FAILURE = "failure"
    EXPIRED_OR_NOT_FOUND = "expired_or_not_found"
    TRANSACTION_MISSING = "transaction_missing"
    TRANSACTION_MISMATCH = "transaction_mismatch"


class HistoryStatus(StrEnum):
    """``status`` of a verification in the history."""

    SENT = "sent"
    PENDING_CHECK = "pending_check"
    CONVERTED = "converted"
    NOT_CONVERTED = "not_converted"
    CHALLENGED = "challenged"
    SUSPECTED_FRAUD = "suspected_fraud"
    IN_BLOCKLIST = "in_blocklist"
    INVALID_LINE = "invalid_line"
    INVALID_NUMBER = "invalid_number"
    RATE_LIMITED = "rate_limited"
    EXPIRED_SIGNALS = "expired_signals"
    SHADOWED = "shadowed"


class LifecycleEventType(StrEnum):
    """``type`` of a history lifecycle event."""

    CREATE = "create"
    ATTEMPT = "attempt"
    CHECK = "check"
    SIGNALS = "signals"


class AttemptResult(StrEnum):
    """``status`` of a lifecycle attempt."""

    SUCCEEDED = "succeeded"
    FAILED = "failed"


class AttemptTrigger(StrEnum):
    """``trigger`` of a lifecycle attempt."""

    INITIAL = "initial"
    AUTO_RETRY = "auto_retry"
    USER_RETRY = "user_retry"


class AttemptDeliveryStatus(StrEnum):
    """``delivery_status`` of a lifecycle attempt."""

    UNKNOWN = "unknown"
    IN_TRANSIT = "in_transit"
    DELIVERED = "delivered"
    UNDELIVERABLE = "undeliverable"
    READ = "read"


class CheckStatusDetail(StrEnum):
    """``status_detail`` of a lifecycle check."""

    EXPIRED_ATTEMPT = "expired_attempt"
    EXPIRED_AUTH = "expired_auth"
    RATE_LIMITED = "rate_limited"
    TRANSACTION_MISSING = "transaction_missing"
    TRANSACTION_MISMATCH = "transaction_mismatch"


class LookupLineType(StrEnum):
    """``line_type`` of ``GET /v2/lookup/{phone_number}`` (snake_case, unlike v1)."""

    CALLING_CARDS = "calling_cards"
    FIXED_LINE = "fixed_line"
    ISP = "isp"
    LOCAL_RATE = "local_rate"
    MOBILE = "mobile"
    OTHER = "other"
    PAGER = "pager"
    PAYPHONE = "payphone"
    PREMIUM_RATE = "premium_rate"
    SATELLITE = "satellite"
    SERVICE = "service"
    SHARED_COST = "shared_cost"
    SHORT_CODES_COMMERCIAL = "short_codes_commercial"
    TOLL_FREE = "toll_free"
    UNIVERSAL_ACCESS = "universal_access"
    UNKNOWN = "unknown"
    VPN = "vpn"
    VOICE_MAIL = "voice_mail"
    VOIP = "voip"


class LookupFlag(StrEnum):
    """An item of a lookup's ``flags``."""

    PORTED = "ported"
    TEMPORARY = "temporary"


class FeedbackType(StrEnum):
    """``type`` of a Watch feedback."""

    STARTED = "verification.started"
    COMPLETED = "verification.completed"
