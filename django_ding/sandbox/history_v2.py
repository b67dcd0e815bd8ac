"""The v2 history of a sandbox verification
(``GET /v2/verification/phone/history[/{id}]``).

Codes never leave the sandbox this way: an attempt's ``content`` has its code
replaced by asterisks, and a check event says only whether it was valid.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Final

from django_ding.backends.enums import CheckStatus
from django_ding.backends.prelude_enums import (
    AttemptDeliveryStatus,
    AttemptResult,
    AttemptTrigger,
    BlockReason,
    Channel,
    CheckStatusDetail,
    HistoryStatus,
    LifecycleEventType,
    RiskFactor,
)
from django_ding.backends.results import format_wire_datetime
from django_ding.sandbox import ids
from django_ding.sandbox.models import SandboxAuthentication
from django_ding.sandbox.provider import refusal

__all__ = ["history_item", "history_status", "history_wire"]

_BLOCKED_STATUSES: Final[Mapping[str, HistoryStatus]] = {
    BlockReason.IN_BLOCK_LIST: HistoryStatus.IN_BLOCKLIST,
    BlockReason.SUSPICIOUS: HistoryStatus.SUSPECTED_FRAUD,
    BlockReason.REPEATED_ATTEMPTS: HistoryStatus.RATE_LIMITED,
}
_BLOCK_FACTORS: Final[Mapping[str, RiskFactor]] = {
    BlockReason.IN_BLOCK_LIST: RiskFactor.CUSTOM_POLICY,
    BlockReason.SUSPICIOUS: RiskFactor.FRAUD_DATABASE,
    BlockReason.REPEATED_ATTEMPTS: RiskFactor.REPEATED_ATTEMPTS,
}
_CHECK_DETAILS: Final[Mapping[str, CheckStatusDetail]] = {
    CheckStatus.EXPIRED_AUTH: CheckStatusDetail.EXPIRED_AUTH,
    CheckStatus.RATE_LIMITED: CheckStatusDetail.RATE_LIMITED,
}
# Checks the v2 face answered expired_or_not_found for because the window had
# closed (a right code was already accepted) or never opened: Prelude finds no
# open verification for them, so they are not in its timeline (and must not
# read as wrong codes: ``is_valid`` false without a ``status_detail``).
_OUTSIDE_THE_WINDOW: Final = frozenset({CheckStatus.ALREADY_VALIDATED, CheckStatus.WITHOUT_ATTEMPT})
# History keys of the create fields the engine stores under v1 names.
_TOP_FIELDS: Final = {
    "correlation_id": "correlation_id",
    "template_id": "template_id",
    "ip": "ip_address",
    "device_model": "device_model",
    "app_version": "app_version",
}
_SIGNAL_FIELDS: Final = ("is_trusted_user", "device_id", "os_version", "user_agent")


def history_status(auth: SandboxAuthentication, now: dt.datetime) -> HistoryStatus:
    """Where ``auth`` stands, in the history's terms."""
    if auth.status == SandboxAuthentication.Status.BLOCKED:
        return _BLOCKED_STATUSES.get(auth.block_reason, HistoryStatus.SUSPECTED_FRAUD)
    if auth.validated_at is not None:
        return HistoryStatus.CONVERTED
    if refusal(auth, now) is not None:
        return HistoryStatus.NOT_CONVERTED
    delivered = any(attempt.delivered for attempt in auth.attempts.all())
    return HistoryStatus.PENDING_CHECK if delivered else HistoryStatus.SENT


def history_item(auth: SandboxAuthentication, now: dt.datetime) -> dict[str, Any]:
    """One entry of the history list."""
    attempts = list(auth.attempts.all())
    out: dict[str, Any] = {
        "id": auth.verification_id,
        "phone_number": auth.phone_number,
        "status": history_status(auth, now).value,
        "created_at": format_wire_datetime(auth.created_at),
        "delivered": any(attempt.delivered for attempt in attempts),
        "channels": [{"channel": Channel.SMS.value, "converted": auth.validated_at is not None}]
        if attempts
        else [],
        "attempts": len(attempts),
    }
    if auth.validated_at is not None:
        out["converted_at"] = format_wire_datetime(auth.validated_at)
    platform = auth.fields.get("device_type")
    if isinstance(platform, str):
        out["device_platform"] = platform.lower()
    return out


def history_wire(auth: SandboxAuthentication, now: dt.datetime) -> dict[str, Any]:
    """One verification with its timeline."""
    fields = auth.fields
    out: dict[str, Any] = {
        "id": auth.verification_id,
        "phone_number": auth.phone_number,
        "status": history_status(auth, now).value,
        "created_at": format_wire_datetime(auth.created_at),
        "expires_at": format_wire_datetime(auth.expires_at),
    }
    out.update({wire: fields[name] for name, wire in _TOP_FIELDS.items() if name in fields})
    if isinstance(fields.get("device_type"), str):
        out["device_platform"] = fields["device_type"].lower()
    if auth.block_reason:
        out["block_reasons"] = [_BLOCK_FACTORS.get(auth.block_reason, RiskFactor.CUSTOM_POLICY)]
    signals = {name: fields[name] for name in _SIGNAL_FIELDS if name in fields}
    if signals:
        out["signals"] = signals
    out["lifecycle"] = {"events": _events(auth, now), "undeliverable_route_count": 0}
    return out


def _events(auth: SandboxAuthentication, now: dt.datetime) -> list[dict[str, Any]]:
    closed = refusal(auth, now) is not None
    timeline: list[tuple[dt.datetime, int, dict[str, Any]]] = [
        (
            auth.created_at,
            0,
            {
                "type": LifecycleEventType.CREATE.value,
                "create": {"created_at": format_wire_datetime(auth.created_at)},
            },
        )
    ]
    for attempt in auth.attempts.all():
        if attempt.delivered:
            delivery = AttemptDeliveryStatus.DELIVERED
        else:
            delivery = (
                AttemptDeliveryStatus.UNDELIVERABLE if closed else AttemptDeliveryStatus.IN_TRANSIT
            )
        event = {
            "id": ids.attempt_id(attempt.attempt_id),
            "created_at": format_wire_datetime(attempt.created_at),
            "channel": Channel.SMS.value,
            "status": AttemptResult.SUCCEEDED.value,
            "trigger": (
                AttemptTrigger.INITIAL if attempt.attempt_number == 1 else AttemptTrigger.USER_RETRY
            ).value,
            "delivery_status": delivery.value,
            "content": attempt.masked_content,
        }
        timeline.append(
            (attempt.created_at, 1, {"type": LifecycleEventType.ATTEMPT.value, "attempt": event})
        )
    for record in auth.checks.all():
        if record.status in _OUTSIDE_THE_WINDOW:
            continue
        check: dict[str, Any] = {
            "created_at": format_wire_datetime(record.created_at),
            "is_valid": record.status == CheckStatus.VALID,
        }
        detail = _CHECK_DETAILS.get(record.status)
        if detail is not None:
            check["status_detail"] = detail.value
        timeline.append(
            (record.created_at, 2, {"type": LifecycleEventType.CHECK.value, "check": check})
        )
    return [event for _, _, event in sorted(timeline, key=lambda item: (item[0], item[1]))]
