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
from enum import StrEnum
from typing import Any, ClassVar, Self, TypeVar

from django.utils.dateparse import parse_datetime

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
    "parse_wire_datetime",
]

T = TypeVar("T")
E = TypeVar("E", bound=StrEnum)


def parse_wire_datetime(value: object) -> dt.datetime | None:
    """Parse an RFC 3339 timestamp (``Z`` or offset, any fraction length).

    The result is always in UTC. Returns ``None`` for a missing or unreadable
    value, or one that has no UTC equivalent (``9999-12-31T23:59-05:00``),
    rather than failing: a timestamp we cannot read is not worth losing the
    whole response over.
    """
    if not isinstance(value, str):
        return None
    try:
        parsed = parse_datetime(value)
    except (ValueError, OverflowError):
        return None
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=dt.UTC)
    try:
        return parsed.astimezone(dt.UTC)
    except OverflowError:
        return None


def format_wire_datetime(value: dt.datetime) -> str:
    """Format an aware datetime the way Ding does (UTC, ``Z`` suffix)."""
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _typed(value: object, kind: type[T]) -> T | None:
    if isinstance(value, bool) and kind is not bool:
        return None
    return value if isinstance(value, kind) else None


def _str(data: Mapping[str, Any], key: str) -> str | None:
    return _typed(data.get(key), str)


def _int(data: Mapping[str, Any], key: str) -> int | None:
    return _typed(data.get(key), int)


def _bool(data: Mapping[str, Any], key: str) -> bool | None:
    return _typed(data.get(key), bool)


def _number(data: Mapping[str, Any], key: str) -> float | None:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return float(value)
    except OverflowError:  # an integer too large for a float
        return None


def _when(data: Mapping[str, Any], key: str) -> dt.datetime | None:
    return parse_wire_datetime(data.get(key))


def _enum(data: Mapping[str, Any], key: str, enum: type[E]) -> E | str | None:
    return parse_enum(enum, data.get(key))


class _Wire:
    """``to_wire`` for every result: drop ``None``, format datetimes, recurse."""

    def to_wire(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for field in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, field.name)
            if value is None:
                continue
            out[field.name] = _to_wire_value(value)
        return out


def _to_wire_value(value: Any) -> Any:
    if isinstance(value, _Wire):
        return value.to_wire()
    if isinstance(value, dt.datetime):
        return format_wire_datetime(value)
    if isinstance(value, tuple):
        return [_to_wire_value(item) for item in value]
    if isinstance(value, StrEnum):
        return value.value
    return value


@dataclasses.dataclass(frozen=True, slots=True)
class CreateAuthenticationResponse(_Wire):
    """Result of ``create_authentication``."""

    authentication_uuid: str
    status: AuthenticationStatus | str | None = None
    created_at: dt.datetime | None = None
    expires_at: dt.datetime | None = None

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Self:
        return cls(
            authentication_uuid=_str(data, "authentication_uuid") or "",
            status=_enum(data, "status", AuthenticationStatus),
            created_at=_when(data, "created_at"),
            expires_at=_when(data, "expires_at"),
        )


@dataclasses.dataclass(frozen=True, slots=True)
class CreateCheckResponse(_Wire):
    """Result of ``check``. ``status == CheckStatus.VALID`` means verified."""

    authentication_uuid: str | None = None
    status: CheckStatus | str | None = None

    @property
    def is_valid(self) -> bool:
        return self.status == CheckStatus.VALID

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Self:
        return cls(
            authentication_uuid=_str(data, "authentication_uuid"),
            status=_enum(data, "status", CheckStatus),
        )


@dataclasses.dataclass(frozen=True, slots=True)
class RetryAuthenticationResponse(_Wire):
    """Result of ``retry``."""

    authentication_uuid: str | None = None
    status: RetryStatus | str | None = None
    created_at: dt.datetime | None = None
    next_retry_at: dt.datetime | None = None
    remaining_retry: int | None = None

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Self:
        return cls(
            authentication_uuid=_str(data, "authentication_uuid"),
            status=_enum(data, "status", RetryStatus),
            created_at=_when(data, "created_at"),
            next_retry_at=_when(data, "next_retry_at"),
            remaining_retry=_int(data, "remaining_retry"),
        )


@dataclasses.dataclass(frozen=True, slots=True)
class FeedbackResponse(_Wire):
    """Result of ``feedback``."""

    uuid: str | None = None

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Self:
        return cls(uuid=_str(data, "uuid"))


@dataclasses.dataclass(frozen=True, slots=True)
class AuthenticationSignals(_Wire):
    """``AuthenticationStatusResponse.signals``: what was known of the device."""

    ip: str | None = None
    device_id: str | None = None
    device_type: DeviceType | str | None = None
    app_version: str | None = None
    app_realm: str | None = None
    os_version: str | None = None
    device_model: str | None = None
    is_returning_user: bool | None = None

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Self:
        return cls(
            ip=_str(data, "ip"),
            device_id=_str(data, "device_id"),
            device_type=_enum(data, "device_type", DeviceType),
            app_version=_str(data, "app_version"),
            app_realm=_str(data, "app_realm"),
            os_version=_str(data, "os_version"),
            device_model=_str(data, "device_model"),
            is_returning_user=_bool(data, "is_returning_user"),
        )


@dataclasses.dataclass(frozen=True, slots=True)
class AuthenticationEvent(_Wire):
    """An event of a type this client does not know; ``raw`` keeps it all."""

    type: EventType | str | None = None
    created_at: dt.datetime | None = None
    raw: Mapping[str, Any] = dataclasses.field(default_factory=dict, repr=False, compare=False)

    event_type: ClassVar[EventType | None] = None

    def to_wire(self) -> dict[str, Any]:
        out = super(AuthenticationEvent, self).to_wire()
        raw = out.pop("raw", {})
        return {**raw, **out} if type(self) is AuthenticationEvent else out

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> AuthenticationEvent:
        """Build the typed event matching ``data["type"]``."""
        kind = parse_enum(EventType, data.get("type"))
        for subclass in (AttemptEvent, CheckEvent, DeliveryStatusEvent, BalanceUpdateEvent):
            if kind == subclass.event_type:
                return subclass._parse(data)
        return AuthenticationEvent(type=kind, created_at=_when(data, "created_at"), raw=data)

    @classmethod
    def _parse(cls, data: Mapping[str, Any]) -> AuthenticationEvent:  # pragma: no cover
        raise NotImplementedError


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

    @classmethod
    def _parse(cls, data: Mapping[str, Any]) -> AuthenticationEvent:
        return cls(
            type=EventType.ATTEMPT,
            created_at=_when(data, "created_at"),
            id=_str(data, "id"),
            content=_str(data, "content"),
            sender_id=_str(data, "sender_id"),
            capability=_enum(data, "capability", Capability),
            attempt_number=_int(data, "attempt_number"),
            status=_enum(data, "status", AttemptStatus),
        )


@dataclasses.dataclass(frozen=True, slots=True)
class CheckEvent(AuthenticationEvent):
    """A code was checked. ``code`` is kept out of ``repr``."""

    id: str | None = None
    code: str | None = dataclasses.field(default=None, repr=False)
    status: CheckStatus | str | None = None

    event_type: ClassVar[EventType | None] = EventType.CHECK

    @classmethod
    def _parse(cls, data: Mapping[str, Any]) -> AuthenticationEvent:
        return cls(
            type=EventType.CHECK,
            created_at=_when(data, "created_at"),
            id=_str(data, "id"),
            code=_str(data, "code"),
            status=_enum(data, "status", CheckStatus),
        )


@dataclasses.dataclass(frozen=True, slots=True)
class DeliveryStatusEvent(AuthenticationEvent):
    """The carrier reported on a message."""

    status: DeliveryStatus | str | None = None
    attempt_id: str | None = None
    attempt_number: int | None = None
    originated_at: dt.datetime | None = None

    event_type: ClassVar[EventType | None] = EventType.DELIVERY_STATUS

    @classmethod
    def _parse(cls, data: Mapping[str, Any]) -> AuthenticationEvent:
        return cls(
            type=EventType.DELIVERY_STATUS,
            created_at=_when(data, "created_at"),
            status=_enum(data, "status", DeliveryStatus),
            attempt_id=_str(data, "attempt_id"),
            attempt_number=_int(data, "attempt_number"),
            originated_at=_when(data, "originated_at"),
        )


@dataclasses.dataclass(frozen=True, slots=True)
class BalanceUpdateEvent(AuthenticationEvent):
    """The account balance changed."""

    balance_update_type: BalanceUpdateType | str | None = None
    amount: float | None = None

    event_type: ClassVar[EventType | None] = EventType.BALANCE_UPDATE

    @classmethod
    def _parse(cls, data: Mapping[str, Any]) -> AuthenticationEvent:
        return cls(
            type=EventType.BALANCE_UPDATE,
            created_at=_when(data, "created_at"),
            balance_update_type=_enum(data, "balance_update_type", BalanceUpdateType),
            amount=_number(data, "amount"),
        )


#: The device signals of an authentication (``AuthenticationSignals`` fields),
#: which are also optional fields of ``create_authentication``.
SIGNAL_FIELDS: tuple[str, ...] = tuple(
    field.name for field in dataclasses.fields(AuthenticationSignals)
)


@dataclasses.dataclass(frozen=True, slots=True)
class AuthenticationStatusResponse(_Wire):
    """Result of ``get_authentication_status``."""

    uuid: str | None = None
    phone_number: str | None = None
    template_id: str | None = None
    correlation_id: str | None = None
    created_at: dt.datetime | None = None
    signals: AuthenticationSignals | None = None
    events: tuple[AuthenticationEvent, ...] = ()

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Self:
        raw_signals = data.get("signals")
        raw_events = data.get("events")
        return cls(
            uuid=_str(data, "uuid"),
            phone_number=_str(data, "phone_number"),
            template_id=_str(data, "template_id"),
            correlation_id=_str(data, "correlation_id"),
            created_at=_when(data, "created_at"),
            signals=(
                AuthenticationSignals.from_wire(raw_signals)
                if isinstance(raw_signals, Mapping)
                else None
            ),
            events=tuple(
                AuthenticationEvent.from_wire(item)
                for item in (raw_events if isinstance(raw_events, list) else [])
                if isinstance(item, Mapping)
            ),
        )


@dataclasses.dataclass(frozen=True, slots=True)
class LookupResponse(_Wire):
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

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Self:
        return cls(
            phone_number=_str(data, "phone_number"),
            mcc=_str(data, "mcc"),
            mnc=_str(data, "mnc"),
            caller_name=_str(data, "caller_name"),
            carrier=_str(data, "carrier"),
            country_code=_str(data, "country_code"),
            number_ported=_bool(data, "number_ported"),
            temporary_phone_number=_bool(data, "temporary_phone_number"),
            line_type=_enum(data, "line_type", LineType),
        )
