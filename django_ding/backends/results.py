"""Typed, immutable results of the six Ding v1 operations.

Attribute names are the response fields of the OpenAPI spec, so what you read
in Ding's documentation is what you type. Each class converts from the wire
(``from_wire``, used by the HTTP client) and back (``to_wire``, used by the
sandbox's HTTP face), so both sides share one definition of the format.

Enum-valued attributes hold the enum member when the value is known and the
plain string otherwise; both compare equal to the wire string.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from typing import Any, ClassVar, Self

from django_ding.backends.enums import (
    AttemptStatus,
    AuthenticationStatus,
    BalanceUpdateType,
    Capability,
    CheckStatus,
    DeliveryStatus,
    DeviceType,
    EventType,
    LineType,
    RetryStatus,
    parse_enum,
)
from django_ding.backends.outcomes import (
    CODE_SENT_OUTCOMES,
    CheckOutcome,
    RetryOutcome,
    SendOutcome,
    StatusOutcome,
    TimelineEvent,
)
from django_ding.backends.wire import WireResult, format_wire_datetime, parse_wire_datetime

__all__ = [
    "SIGNAL_FIELDS",
    "AttemptEvent",
    "AuthenticationEvent",
    "AuthenticationSignals",
    "AuthenticationStatusResponse",
    "BalanceUpdateEvent",
    "CheckEvent",
    "CreateAuthenticationResponse",
    "CreateCheckResponse",
    "DeliveryStatusEvent",
    "FeedbackResponse",
    "LookupResponse",
    "RetryAuthenticationResponse",
    "WireResult",
    "format_wire_datetime",
    "parse_wire_datetime",
]

# Kept for imports that predate the generic base.
_Wire = WireResult

# The provider-neutral outcome of each v1 status (django_ding.backends.outcomes).
_CREATE_OUTCOMES: Mapping[str | None, SendOutcome] = {
    AuthenticationStatus.PENDING: SendOutcome.SENT,
    AuthenticationStatus.RATE_LIMITED: SendOutcome.BLOCKED,
    AuthenticationStatus.SPAM_DETECTED: SendOutcome.BLOCKED,
}
_RETRY_OUTCOMES: Mapping[str | None, RetryOutcome] = {
    RetryStatus.APPROVED: RetryOutcome.RESENT,
    RetryStatus.DENIED: RetryOutcome.DENIED,
    RetryStatus.NO_ATTEMPT: RetryOutcome.NO_ATTEMPT,
    RetryStatus.RATE_LIMITED: RetryOutcome.RATE_LIMITED,
    RetryStatus.EXPIRED_AUTH: RetryOutcome.EXPIRED,
    RetryStatus.ALREADY_VALIDATED: RetryOutcome.ALREADY_VALIDATED,
}
_CHECK_OUTCOMES: Mapping[str | None, CheckOutcome] = {
    CheckStatus.VALID: CheckOutcome.VALID,
    CheckStatus.INVALID: CheckOutcome.INVALID,
    CheckStatus.EXPIRED_AUTH: CheckOutcome.EXPIRED,
    CheckStatus.RATE_LIMITED: CheckOutcome.RATE_LIMITED,
    CheckStatus.ALREADY_VALIDATED: CheckOutcome.ALREADY_VALIDATED,
    CheckStatus.WITHOUT_ATTEMPT: CheckOutcome.WITHOUT_ATTEMPT,
}


@dataclasses.dataclass(frozen=True, slots=True)
class CreateAuthenticationResponse(WireResult):
    """Result of ``create_authentication``."""

    authentication_uuid: str
    status: AuthenticationStatus | str | None = None
    created_at: dt.datetime | None = None
    expires_at: dt.datetime | None = None

    # -- The neutral view (django_ding.backends.outcomes.SendResult) --

    @property
    def provider_id(self) -> str | None:
        return self.authentication_uuid or None

    @property
    def outcome(self) -> SendOutcome:
        return _CREATE_OUTCOMES.get(self.status, SendOutcome.UNKNOWN)

    @property
    def code_sent(self) -> bool:
        return self.outcome in CODE_SENT_OUTCOMES

    @property
    def refusal_reason(self) -> str | None:
        """The status, when it is a refusal (``rate_limited``, ``spam_detected``...)."""
        if self.status is None or self.status == AuthenticationStatus.PENDING:
            return None
        return str(self.status)


@dataclasses.dataclass(frozen=True, slots=True)
class CreateCheckResponse(WireResult):
    """Result of ``check``. ``status == CheckStatus.VALID`` means verified."""

    authentication_uuid: str | None = None
    status: CheckStatus | str | None = None

    @property
    def is_valid(self) -> bool:
        return self.status == CheckStatus.VALID

    # -- The neutral view (django_ding.backends.outcomes.CheckResult) --

    @property
    def provider_id(self) -> str | None:
        return self.authentication_uuid

    @property
    def outcome(self) -> CheckOutcome:
        return _CHECK_OUTCOMES.get(self.status, CheckOutcome.UNKNOWN)


@dataclasses.dataclass(frozen=True, slots=True)
class RetryAuthenticationResponse(WireResult):
    """Result of ``retry``."""

    authentication_uuid: str | None = None
    status: RetryStatus | str | None = None
    created_at: dt.datetime | None = None
    next_retry_at: dt.datetime | None = None
    remaining_retry: int | None = None

    # -- The neutral view (django_ding.backends.outcomes.RetryResult) --

    @property
    def provider_id(self) -> str | None:
        return self.authentication_uuid

    @property
    def retry_outcome(self) -> RetryOutcome:
        return _RETRY_OUTCOMES.get(self.status, RetryOutcome.UNKNOWN)

    @property
    def outcome(self) -> SendOutcome:
        """``resent`` when approved; every refusal is ``blocked``."""
        retry = self.retry_outcome
        if retry is RetryOutcome.RESENT:
            return SendOutcome.RESENT
        return SendOutcome.UNKNOWN if retry is RetryOutcome.UNKNOWN else SendOutcome.BLOCKED

    @property
    def code_sent(self) -> bool:
        return self.outcome in CODE_SENT_OUTCOMES

    @property
    def refusal_reason(self) -> str | None:
        """The status, when it is a refusal (``denied``, ``rate_limited``...)."""
        if self.status is None or self.status == RetryStatus.APPROVED:
            return None
        return str(self.status)

    @property
    def expires_at(self) -> dt.datetime | None:
        """v1 retries do not move the expiry: always ``None``."""
        return None


@dataclasses.dataclass(frozen=True, slots=True)
class FeedbackResponse(WireResult):
    """Result of ``feedback``."""

    uuid: str | None = None

    # -- The neutral view (shared with Prelude's WatchFeedbackResponse) --

    @property
    def provider_id(self) -> str | None:
        return self.uuid

    @property
    def sent(self) -> bool:
        """v1 always sends the feedback."""
        return True


@dataclasses.dataclass(frozen=True, slots=True)
class AuthenticationSignals(WireResult):
    """``AuthenticationStatusResponse.signals``: what was known of the device."""

    ip: str | None = None
    device_id: str | None = None
    device_type: DeviceType | str | None = None
    app_version: str | None = None
    app_realm: str | None = None
    os_version: str | None = None
    device_model: str | None = None
    is_returning_user: bool | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class AuthenticationEvent(WireResult):
    """An event of a type this client does not know; ``raw`` keeps it all."""

    type: EventType | str | None = None
    created_at: dt.datetime | None = None
    raw: Mapping[str, Any] = dataclasses.field(
        default_factory=dict, repr=False, compare=False, metadata={"wire": False}
    )

    event_type: ClassVar[EventType | None] = None

    def to_wire(self) -> dict[str, Any]:
        out = super(AuthenticationEvent, self).to_wire()
        return {**self.raw, **out} if type(self) is AuthenticationEvent else out

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Self:
        """Build the typed event matching ``data["type"]`` (on this base
        class), or the class's own fields (on a subclass)."""
        if cls is not AuthenticationEvent:
            return super(AuthenticationEvent, cls).from_wire(data)
        kind = parse_enum(EventType, data.get("type"))
        for subclass in (AttemptEvent, CheckEvent, DeliveryStatusEvent, BalanceUpdateEvent):
            if kind == subclass.event_type:
                return subclass.from_wire(data)  # type: ignore[return-value]
        return cls(type=kind, created_at=parse_wire_datetime(data.get("created_at")), raw=data)


@dataclasses.dataclass(frozen=True, slots=True)
class AttemptEvent(AuthenticationEvent):
    """A message was sent. ``content`` holds the code, so it is kept out of
    ``repr`` (and must never be stored or logged)."""

    id: str | None = None
    content: str | None = dataclasses.field(default=None, repr=False)
    sender_id: str | None = None
    capability: Capability | str | None = None
    attempt_number: int | None = None
    status: AttemptStatus | str | None = None

    event_type: ClassVar[EventType | None] = EventType.ATTEMPT


@dataclasses.dataclass(frozen=True, slots=True)
class CheckEvent(AuthenticationEvent):
    """A code was checked. ``code`` is kept out of ``repr``."""

    id: str | None = None
    code: str | None = dataclasses.field(default=None, repr=False)
    status: CheckStatus | str | None = None

    event_type: ClassVar[EventType | None] = EventType.CHECK


@dataclasses.dataclass(frozen=True, slots=True)
class DeliveryStatusEvent(AuthenticationEvent):
    """The carrier reported on a message."""

    status: DeliveryStatus | str | None = None
    attempt_id: str | None = None
    attempt_number: int | None = None
    originated_at: dt.datetime | None = None

    event_type: ClassVar[EventType | None] = EventType.DELIVERY_STATUS


@dataclasses.dataclass(frozen=True, slots=True)
class BalanceUpdateEvent(AuthenticationEvent):
    """The account balance changed."""

    balance_update_type: BalanceUpdateType | str | None = None
    amount: float | None = None

    event_type: ClassVar[EventType | None] = EventType.BALANCE_UPDATE


#: The device signals of an authentication (``AuthenticationSignals`` fields),
#: which are also optional fields of ``create_authentication``.
SIGNAL_FIELDS: tuple[str, ...] = tuple(
    field.name for field in dataclasses.fields(AuthenticationSignals)
)


@dataclasses.dataclass(frozen=True, slots=True)
class AuthenticationStatusResponse(WireResult):
    """Result of ``get_authentication_status``."""

    uuid: str | None = None
    phone_number: str | None = None
    template_id: str | None = None
    correlation_id: str | None = None
    created_at: dt.datetime | None = None
    signals: AuthenticationSignals | None = None
    events: tuple[AuthenticationEvent, ...] = ()

    # -- The neutral view (django_ding.backends.outcomes.StatusResult) --

    @property
    def timeline(self) -> tuple[TimelineEvent, ...]:
        """``events`` without their codes or message bodies."""
        return tuple(_timeline_event(event) for event in self.events)

    @property
    def closed_as(self) -> StatusOutcome | None:
        for event in self.events:
            status = getattr(event, "status", None)
            if isinstance(event, CheckEvent) and status == CheckStatus.EXPIRED_AUTH:
                return StatusOutcome.EXPIRED
            if isinstance(event, AttemptEvent) and status == AttemptStatus.EXPIRED:
                return StatusOutcome.EXPIRED
            if isinstance(event, CheckEvent) and status == CheckStatus.RATE_LIMITED:
                return StatusOutcome.LOCKED
        return None

    @property
    def check_outcomes(self) -> tuple[CheckOutcome, ...]:
        """The ``status`` of every ``check`` event, as a :class:`CheckOutcome`."""
        return tuple(
            _CHECK_OUTCOMES.get(event.status, CheckOutcome.UNKNOWN)
            for event in self.events
            if isinstance(event, CheckEvent)
        )

    @property
    def validated(self) -> bool:
        """A ``check`` event with status ``valid``."""
        return CheckOutcome.VALID in self.check_outcomes


def _timeline_event(event: AuthenticationEvent) -> TimelineEvent:
    """The storable view of one v1 event: never a code or a message body, and
    nothing of an event type this client does not know."""
    details: dict[str, Any]
    provider_id: str | None = None
    if isinstance(event, AttemptEvent):
        provider_id = event.id
        details = {
            "capability": event.capability,
            "attempt_number": event.attempt_number,
            "sender_id": event.sender_id,
        }
    elif isinstance(event, DeliveryStatusEvent):
        provider_id = event.attempt_id
        details = {
            "attempt_number": event.attempt_number,
            "originated_at": (
                format_wire_datetime(event.originated_at) if event.originated_at else None
            ),
        }
    elif isinstance(event, BalanceUpdateEvent):
        details = {"balance_update_type": event.balance_update_type, "amount": event.amount}
    else:  # CheckEvent (the code stays out) and unknown types
        provider_id = event.id if isinstance(event, CheckEvent) else None
        details = {}
    kind = event.type or event.event_type
    status = getattr(event, "status", None)
    return TimelineEvent(
        kind=str(kind) if kind else "unknown",
        status=str(status) if status else "",
        occurred_at=event.created_at,
        provider_id=provider_id,
        details={key: value for key, value in details.items() if value is not None},
    )


@dataclasses.dataclass(frozen=True, slots=True)
class LookupResponse(WireResult):
    """Result of ``lookup``."""

    phone_number: str | None = None
    mcc: str | None = None
    mnc: str | None = None
    caller_name: str | None = None
    carrier: str | None = None
    country_code: str | None = None
    number_ported: bool | None = None
    temporary_phone_number: bool | None = None
    line_type: LineType | str | None = None
