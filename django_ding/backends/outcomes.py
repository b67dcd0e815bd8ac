"""The provider-neutral view of send, retry and check results.

Ding v1 and Prelude v2 name their statuses differently (``pending`` vs
``success``, ``expired_auth`` vs ``expired_or_not_found``...). Every create,
retry and check result of both providers also exposes the small protocol
below, so the service layer never branches on the provider:

* create and retry results (:class:`SendResult`): ``provider_id``,
  ``outcome`` (:class:`SendOutcome`), ``code_sent``, ``refusal_reason``,
  ``expires_at``;
* retry results add (:class:`RetryResult`) ``retry_outcome``
  (:class:`RetryOutcome`), ``remaining_retry`` and ``next_retry_at``;
* check results (:class:`CheckResult`): ``provider_id``, ``outcome``
  (:class:`CheckOutcome`), ``is_valid``;
* status results (:class:`StatusResult`): ``timeline`` (:class:`TimelineEvent`
  rows, never a code), ``closed_as`` (:class:`StatusOutcome`),
  ``check_outcomes`` (the :class:`CheckOutcome` of every check the provider
  recorded, oldest first), ``validated`` (a right code was accepted),
  ``correlation_id``, ``template_id``.

An unknown provider status maps to ``UNKNOWN``, never to a success.
``docs/backends.md`` has the full mapping tables.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from enum import StrEnum
from typing import Any, Protocol

__all__ = [
    "CODE_SENT_OUTCOMES",
    "CheckOutcome",
    "CheckResult",
    "RetryOutcome",
    "RetryResult",
    "SendOutcome",
    "SendResult",
    "StatusOutcome",
    "StatusResult",
    "TimelineEvent",
]


class SendOutcome(StrEnum):
    """What a create (or a retry) did."""

    #: A new verification was opened and a code sent (v1 ``pending``, v2 ``success``).
    SENT = "sent"
    #: A new attempt in the verification already open for this number (v1
    #: retry ``approved``, v2 ``retry``): same ``provider_id``, a code sent.
    RESENT = "resent"
    #: Open, but delivery restricted to non-SMS, non-voice channels (v2 ``challenged``).
    CHALLENGED = "challenged"
    #: A block rule matched but was not enforced: a code was sent (v2 ``shadow_blocked``).
    SHADOW_BLOCKED = "shadow_blocked"
    #: Refused, nothing sent (v1 ``rate_limited``/``spam_detected`` and every
    #: refused retry; v2 ``blocked``). ``refusal_reason`` says why.
    BLOCKED = "blocked"
    #: A status this version does not know (or none): treat as not sent.
    UNKNOWN = "unknown"


#: The outcomes after which a code is on its way to the user.
CODE_SENT_OUTCOMES = frozenset(
    {SendOutcome.SENT, SendOutcome.RESENT, SendOutcome.CHALLENGED, SendOutcome.SHADOW_BLOCKED}
)


class RetryOutcome(StrEnum):
    """The detail of a retry, covering both providers' statuses."""

    #: Sent again in the same verification (v1 ``approved``, v2 ``retry``).
    RESENT = "resent"
    #: The provider's window had ended: a new verification with a new
    #: ``provider_id`` was opened and a code sent (v2 ``success``).
    RESTARTED = "restarted"
    CHALLENGED = "challenged"  # v2
    SHADOW_BLOCKED = "shadow_blocked"  # v2
    #: Refused by anti-fraud or a rule (v2 ``blocked``; ``refusal_reason``).
    BLOCKED = "blocked"
    DENIED = "denied"  # v1
    NO_ATTEMPT = "no_attempt"  # v1
    RATE_LIMITED = "rate_limited"  # v1
    #: The authentication expired (v1 ``expired_auth``).
    EXPIRED = "expired"
    ALREADY_VALIDATED = "already_validated"  # v1
    UNKNOWN = "unknown"


class CheckOutcome(StrEnum):
    """What checking a code found."""

    VALID = "valid"  # v1 valid, v2 success
    INVALID = "invalid"  # v1 invalid, v2 failure
    #: Nothing open to check (v1 ``expired_auth``, v2 ``expired_or_not_found``,
    #: which also covers v2's "closed after too many attempts").
    EXPIRED = "expired"
    RATE_LIMITED = "rate_limited"  # v1
    ALREADY_VALIDATED = "already_validated"  # v1
    WITHOUT_ATTEMPT = "without_attempt"  # v1
    #: A PSD2 code checked without, or with other, transaction details (v2
    #: ``transaction_missing`` / ``transaction_mismatch``).
    TRANSACTION_ERROR = "transaction_error"
    UNKNOWN = "unknown"


class SendResult(Protocol):
    """What every create and retry result offers the service layer."""

    @property
    def provider_id(self) -> str | None: ...
    @property
    def outcome(self) -> SendOutcome: ...
    @property
    def code_sent(self) -> bool: ...
    @property
    def refusal_reason(self) -> str | None: ...
    @property
    def expires_at(self) -> dt.datetime | None: ...


class RetryResult(SendResult, Protocol):
    """What every retry result offers besides :class:`SendResult`."""

    @property
    def retry_outcome(self) -> RetryOutcome: ...
    @property
    def remaining_retry(self) -> int | None: ...
    @property
    def next_retry_at(self) -> dt.datetime | None: ...


class CheckResult(Protocol):
    """What every check result offers the service layer."""

    @property
    def provider_id(self) -> str | None: ...
    @property
    def outcome(self) -> CheckOutcome: ...
    @property
    def is_valid(self) -> bool: ...


class StatusOutcome(StrEnum):
    """What a status read says has become of a verification, when it forces
    a local status. Never "verified": only a valid answer to a check
    verifies."""

    #: Over without a right code (v1 ``expired_auth`` check or ``expired``
    #: attempt; v2 ``not_converted``, or a check ``expired_auth``/``expired_attempt``).
    EXPIRED = "expired"
    #: Closed after too many checks (v1 and v2 ``rate_limited`` check).
    LOCKED = "locked"


@dataclasses.dataclass(frozen=True, slots=True)
class TimelineEvent:
    """One step of a verification as the provider reports it, safe to store:
    never a code, a message body or anything the user typed."""

    #: ``attempt``, ``check``, ``delivery_status``, ``create``, ``status``...
    kind: str
    status: str = ""
    occurred_at: dt.datetime | None = None
    #: The provider's attempt or check id, when it has one.
    provider_id: str | None = None
    #: Non-secret fields (channel, attempt number...).
    details: Mapping[str, Any] = dataclasses.field(default_factory=dict)


class StatusResult(Protocol):
    """What every status result offers the service layer."""

    @property
    def timeline(self) -> tuple[TimelineEvent, ...]: ...
    @property
    def closed_as(self) -> StatusOutcome | None: ...
    @property
    def check_outcomes(self) -> tuple[CheckOutcome, ...]:
        """What each check the provider recorded found, oldest first
        (``INVALID``: a wrong code it counted)."""
        ...

    @property
    def validated(self) -> bool:
        """Whether the provider accepted a right code for this verification
        (read by the service layer only to settle a check whose answer was
        lost)."""
        ...

    @property
    def correlation_id(self) -> str | None: ...
    @property
    def template_id(self) -> str | None: ...
