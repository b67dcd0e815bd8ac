"""Typed, immutable results of the Prelude Verify v2 operations.

Attribute names are the v2 response fields (``id``, ``status``, ``reason``,
``risk_factors``...), parsed generically from their type hints
(:class:`~django_ding.backends.wire.WireResult`). The create, retry and check
results also offer the provider-neutral view of
:mod:`django_ding.backends.outcomes` (``provider_id``, ``outcome``...), the
same as the Ding v1 results.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping

from django_ding.backends.outcomes import (
    CODE_SENT_OUTCOMES,
    CheckOutcome,
    RetryOutcome,
    SendOutcome,
    StatusOutcome,
    TimelineEvent,
)
from django_ding.backends.prelude_enums import (
    AttemptDeliveryStatus,
    AttemptResult,
    AttemptTrigger,
    BlockReason,
    Channel,
    CheckStatusDetail,
    DevicePlatform,
    HistoryStatus,
    LifecycleEventType,
    LookupFlag,
    LookupLineType,
    RiskFactor,
    VerificationCheckStatus,
    VerificationMethod,
    VerificationStatus,
)
from django_ding.backends.wire import WireResult

__all__ = [
    "Carrier",
    "LifecycleAttempt",
    "LifecycleCheck",
    "LifecycleCreate",
    "LifecycleDeliveryEvent",
    "LifecycleEvent",
    "LifecycleSignals",
    "Money",
    "NetworkInfo",
    "PhoneLookupResponse",
    "SilentVerification",
    "VerificationCheckResponse",
    "VerificationHistoryResponse",
    "VerificationLifecycle",
    "VerificationMetadata",
    "VerificationResponse",
    "VerificationRetryResponse",
    "VerificationSignals",
    "WatchFeedbackResponse",
]

_SEND_OUTCOMES: Mapping[str | None, SendOutcome] = {
    VerificationStatus.SUCCESS: SendOutcome.SENT,
    VerificationStatus.RETRY: SendOutcome.RESENT,
    VerificationStatus.CHALLENGED: SendOutcome.CHALLENGED,
    VerificationStatus.SHADOW_BLOCKED: SendOutcome.SHADOW_BLOCKED,
    VerificationStatus.BLOCKED: SendOutcome.BLOCKED,
}
_RETRY_OUTCOMES: Mapping[str | None, RetryOutcome] = {
    VerificationStatus.SUCCESS: RetryOutcome.RESTARTED,
    VerificationStatus.RETRY: RetryOutcome.RESENT,
    VerificationStatus.CHALLENGED: RetryOutcome.CHALLENGED,
    VerificationStatus.SHADOW_BLOCKED: RetryOutcome.SHADOW_BLOCKED,
    VerificationStatus.BLOCKED: RetryOutcome.BLOCKED,
}
_CHECK_OUTCOMES: Mapping[str | None, CheckOutcome] = {
    VerificationCheckStatus.SUCCESS: CheckOutcome.VALID,
    VerificationCheckStatus.FAILURE: CheckOutcome.INVALID,
    VerificationCheckStatus.EXPIRED_OR_NOT_FOUND: CheckOutcome.EXPIRED,
    VerificationCheckStatus.TRANSACTION_MISSING: CheckOutcome.TRANSACTION_ERROR,
    VerificationCheckStatus.TRANSACTION_MISMATCH: CheckOutcome.TRANSACTION_ERROR,
}


@dataclasses.dataclass(frozen=True, slots=True)
class VerificationMetadata(WireResult):
    """``metadata``: what was sent, echoed back."""

    correlation_id: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class SilentVerification(WireResult):
    """``silent``: where the device must go for a silent verification."""

    request_url: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class VerificationResponse(WireResult):
    """Result of ``create_authentication`` (``POST /v2/verification``)."""

    id: str
    status: VerificationStatus | str | None = None
    method: VerificationMethod | str | None = None
    channels: tuple[Channel | str, ...] = ()
    reason: BlockReason | str | None = None
    risk_factors: tuple[RiskFactor | str, ...] = ()
    silent: SilentVerification | None = None
    metadata: VerificationMetadata | None = None
    request_id: str | None = None

    # -- The neutral view (django_ding.backends.outcomes.SendResult) --

    @property
    def provider_id(self) -> str | None:
        return self.id or None

    @property
    def outcome(self) -> SendOutcome:
        return _SEND_OUTCOMES.get(self.status, SendOutcome.UNKNOWN)

    @property
    def code_sent(self) -> bool:
        return self.outcome in CODE_SENT_OUTCOMES

    @property
    def refusal_reason(self) -> str | None:
        """``reason`` (set with ``blocked`` and ``shadow_blocked``)."""
        return None if self.reason is None else str(self.reason)

    @property
    def expires_at(self) -> dt.datetime | None:
        """v2 creates give no expiry: always ``None``."""
        return None


@dataclasses.dataclass(frozen=True, slots=True)
class VerificationRetryResponse(VerificationResponse):
    """Result of ``retry``: a second ``POST /v2/verification`` for the same
    number. ``status`` is ``retry`` inside the window (same ``id``), or
    ``success`` with a **new** ``id`` once the window had ended."""

    @property
    def retry_outcome(self) -> RetryOutcome:
        return _RETRY_OUTCOMES.get(self.status, RetryOutcome.UNKNOWN)

    @property
    def remaining_retry(self) -> int | None:
        """v2 has no retry counter: always ``None``."""
        return None

    @property
    def next_retry_at(self) -> dt.datetime | None:
        """v2 does not pace resends: always ``None`` (pacing is local)."""
        return None


@dataclasses.dataclass(frozen=True, slots=True)
class VerificationCheckResponse(WireResult):
    """Result of ``check`` (``POST /v2/verification/check``)."""

    status: VerificationCheckStatus | str | None = None
    id: str | None = None
    metadata: VerificationMetadata | None = None
    request_id: str | None = None

    @property
    def is_valid(self) -> bool:
        return self.status == VerificationCheckStatus.SUCCESS

    # -- The neutral view (django_ding.backends.outcomes.CheckResult) --

    @property
    def provider_id(self) -> str | None:
        return self.id

    @property
    def outcome(self) -> CheckOutcome:
        return _CHECK_OUTCOMES.get(self.status, CheckOutcome.UNKNOWN)


@dataclasses.dataclass(frozen=True, slots=True)
class WatchFeedbackResponse(WireResult):
    """Result of ``feedback`` (``POST /v2/watch/feedback``).

    ``sent`` is ``False`` (and nothing else is set) for ``not_onboarded``,
    which has no v2 counterpart: nothing was sent to Prelude.
    """

    status: str | None = None
    request_id: str | None = None
    sent: bool = dataclasses.field(default=True, metadata={"wire": False})

    @property
    def provider_id(self) -> str | None:
        """v2 feedback has no id of its own: the ``request_id``."""
        return self.request_id


@dataclasses.dataclass(frozen=True, slots=True)
class NetworkInfo(WireResult):
    """``network_info`` / ``original_network_info`` of a lookup."""

    carrier_name: str | None = None
    mcc: str | None = None
    mnc: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class PhoneLookupResponse(WireResult):
    """Result of ``lookup`` (``GET /v2/lookup/{phone_number}``)."""

    phone_number: str | None = None
    country_code: str | None = None
    line_type: LookupLineType | str | None = None
    flags: tuple[LookupFlag | str, ...] = ()
    network_info: NetworkInfo | None = None
    original_network_info: NetworkInfo | None = None
    caller_name: str | None = None


# -- History: GET /v2/verification/phone/history/{id} ------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class Money(WireResult):
    amount: str | None = None
    currency: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Carrier(WireResult):
    mccmnc: str | None = None
    name: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class VerificationSignals(WireResult):
    """``signals`` of a history entry (the device as it was declared)."""

    is_trusted_user: bool | None = None
    device_id: str | None = None
    os_version: str | None = None
    user_agent: str | None = None
    ja4_fingerprint: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class LifecycleCreate(WireResult):
    created_at: dt.datetime | None = None
    cost: Money | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class LifecycleDeliveryEvent(WireResult):
    received_at: dt.datetime | None = None
    status: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class LifecycleAttempt(WireResult):
    """A message sent. ``content`` may hold the code (masked while the window
    is open): kept out of ``repr``, never to be stored or logged."""

    id: str | None = None
    created_at: dt.datetime | None = None
    channel: Channel | str | None = None
    preferred_channel: Channel | str | None = None
    status: AttemptResult | str | None = None
    trigger: AttemptTrigger | str | None = None
    delivery_status: AttemptDeliveryStatus | str | None = None
    delivery_events: tuple[LifecycleDeliveryEvent, ...] = ()
    content: str | None = dataclasses.field(default=None, repr=False)
    carrier: Carrier | None = None
    cost: Money | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class LifecycleCheck(WireResult):
    """A code checked. ``value`` is the code typed: kept out of ``repr``."""

    created_at: dt.datetime | None = None
    is_valid: bool | None = None
    channel: Channel | str | None = None
    status_detail: CheckStatusDetail | str | None = None
    value: str | None = dataclasses.field(default=None, repr=False)


@dataclasses.dataclass(frozen=True, slots=True)
class LifecycleSignals(WireResult):
    received_at: dt.datetime | None = None
    expired_at: dt.datetime | None = None
    status: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class LifecycleEvent(WireResult):
    """One step of the timeline; the object named by ``type`` is set."""

    type: LifecycleEventType | str | None = None
    create: LifecycleCreate | None = None
    attempt: LifecycleAttempt | None = None
    check: LifecycleCheck | None = None
    signals: LifecycleSignals | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class VerificationLifecycle(WireResult):
    events: tuple[LifecycleEvent, ...] = ()
    total_cost: Money | None = None
    undeliverable_route_count: int | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class VerificationHistoryResponse(WireResult):
    """Result of ``get_authentication_status``: one verification with its
    timeline (``lifecycle.events``)."""

    id: str | None = None
    phone_number: str | None = None
    status: HistoryStatus | str | None = None
    created_at: dt.datetime | None = None
    expires_at: dt.datetime | None = None
    correlation_id: str | None = None
    template_id: str | None = None
    carrier: Carrier | None = None
    ip_address: str | None = None
    ip_address_region: str | None = None
    device_platform: DevicePlatform | str | None = None
    device_model: str | None = None
    app_version: str | None = None
    block_reasons: tuple[RiskFactor | str, ...] = ()
    signals: VerificationSignals | None = None
    lifecycle: VerificationLifecycle | None = None

    @property
    def events(self) -> tuple[LifecycleEvent, ...]:
        """``lifecycle.events`` (``()`` without a lifecycle)."""
        return self.lifecycle.events if self.lifecycle is not None else ()

    # -- The neutral view (django_ding.backends.outcomes.StatusResult) --

    @property
    def timeline(self) -> tuple[TimelineEvent, ...]:
        """``lifecycle.events`` without attempt ``content`` or check ``value``,
        then the verification's own ``status`` (``converted``...) as a
        ``status`` event."""
        events = [_timeline_event(event) for event in self.events]
        if self.status:
            events.append(TimelineEvent(kind="status", status=str(self.status)))
        return tuple(events)

    @property
    def closed_as(self) -> StatusOutcome | None:
        if self.status == HistoryStatus.NOT_CONVERTED:
            return StatusOutcome.EXPIRED
        for event in self.events:
            detail = event.check.status_detail if event.check is not None else None
            if detail in (CheckStatusDetail.EXPIRED_AUTH, CheckStatusDetail.EXPIRED_ATTEMPT):
                return StatusOutcome.EXPIRED
            if detail == CheckStatusDetail.RATE_LIMITED:
                return StatusOutcome.LOCKED
        return None

    @property
    def check_outcomes(self) -> tuple[CheckOutcome, ...]:
        """Every lifecycle ``check``, as a :class:`CheckOutcome`: ``is_valid``
        true is ``VALID``; a ``status_detail`` says why a check was refused
        (not a wrong code); ``is_valid`` false without one is ``INVALID``."""
        checks = [event.check for event in self.events if event.check is not None]
        return tuple(_lifecycle_check_outcome(check) for check in checks)

    @property
    def validated(self) -> bool:
        """``status`` ``converted``, or a lifecycle check with ``is_valid`` true."""
        return self.status == HistoryStatus.CONVERTED or CheckOutcome.VALID in self.check_outcomes


_DETAIL_OUTCOMES: Mapping[str | None, CheckOutcome] = {
    CheckStatusDetail.EXPIRED_ATTEMPT: CheckOutcome.EXPIRED,
    CheckStatusDetail.EXPIRED_AUTH: CheckOutcome.EXPIRED,
    CheckStatusDetail.RATE_LIMITED: CheckOutcome.RATE_LIMITED,
    CheckStatusDetail.TRANSACTION_MISSING: CheckOutcome.TRANSACTION_ERROR,
    CheckStatusDetail.TRANSACTION_MISMATCH: CheckOutcome.TRANSACTION_ERROR,
}


def _lifecycle_check_outcome(check: LifecycleCheck) -> CheckOutcome:
    if check.is_valid is True:
        return CheckOutcome.VALID
    if check.status_detail is not None:
        return _DETAIL_OUTCOMES.get(check.status_detail, CheckOutcome.UNKNOWN)
    return CheckOutcome.INVALID if check.is_valid is False else CheckOutcome.UNKNOWN


def _timeline_event(event: LifecycleEvent) -> TimelineEvent:
    """The storable view of one lifecycle event (never a code)."""
    kind = str(event.type) if event.type else "unknown"
    if event.attempt is not None:
        attempt = event.attempt
        return TimelineEvent(
            kind=kind,
            status=str(attempt.status or ""),
            occurred_at=attempt.created_at,
            provider_id=attempt.id,
            details=_present(
                channel=attempt.channel,
                trigger=attempt.trigger,
                delivery_status=attempt.delivery_status,
            ),
        )
    if event.check is not None:
        check = event.check
        valid = "" if check.is_valid is None else ("valid" if check.is_valid else "invalid")
        return TimelineEvent(
            kind=kind,
            status=str(check.status_detail or valid),
            occurred_at=check.created_at,
            details=_present(channel=check.channel),
        )
    if event.signals is not None:
        return TimelineEvent(
            kind=kind, status=str(event.signals.status or ""), occurred_at=event.signals.received_at
        )
    created = event.create.created_at if event.create is not None else None
    return TimelineEvent(kind=kind, occurred_at=created)


def _present(**values: object) -> dict[str, str]:
    return {key: str(value) for key, value in values.items() if value is not None}
