"""What differs between the Ding v1 and Prelude v2 test backends: wire
statuses, ids and the real result classes each provider returns.

An outcome of :mod:`django_ding.backends.outcomes` is turned into the wire
status that means it (``SendOutcome.BLOCKED`` → v1 ``spam_detected``, v2
``blocked``), and the result is built with the provider's own class, so the
status → outcome mapping under test is the real one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from django.utils import timezone

from django_ding.backends import prelude_results as v2
from django_ding.backends import results as v1
from django_ding.backends.base import BaseBackend
from django_ding.backends.enums import AttemptStatus, DeliveryStatus, EventType, LineType
from django_ding.backends.outcomes import CheckOutcome, RetryOutcome, SendOutcome
from django_ding.backends.prelude import PreludeBackend
from django_ding.backends.test_provider import Scripted, Verification, provider

__all__ = ["DING", "PRELUDE", "Flavour"]

_CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"
# A SendOutcome scripted for a retry means the RetryOutcome of the same name.
_RETRY_ALIASES: dict[Any, RetryOutcome] = {
    outcome: RetryOutcome(outcome.value)
    for outcome in SendOutcome
    if outcome.value in {member.value for member in RetryOutcome}
}


def _uuid_id() -> str:
    return str(uuid.uuid4())


def _vrf_id() -> str:
    n = uuid.uuid4().int
    return "vrf_" + "".join(_CROCKFORD[(n >> (5 * i)) & 31] for i in range(26))


@dataclasses.dataclass(frozen=True)
class Flavour:
    name: str
    #: Whether sends and checks are keyed by phone number, in windows (v2).
    windows: bool
    #: The create/retry status that opens a new verification.
    new_window_status: str
    new_id: Callable[[], str]
    create_fields: frozenset[str]
    validate_field_values: Callable[[Mapping[str, Any]], None]
    send_statuses: Mapping[Any, str]
    retry_statuses: Mapping[Any, str]
    check_statuses: Mapping[Any, str]
    #: The reason of a scripted ``BLOCKED`` without one.
    default_block_reason: str

    def send_status(self, answer: Scripted, *, retry: bool) -> str:
        outcome = answer.outcome
        if not isinstance(outcome, SendOutcome | RetryOutcome):
            return str(outcome)  # a wire status, as is
        table = self.retry_statuses if retry else self.send_statuses
        if isinstance(outcome, SendOutcome) and retry:
            outcome = _RETRY_ALIASES.get(outcome, outcome)
        if outcome not in table:
            raise ValueError(f"{self.name} has no {'retry' if retry else 'create'} {outcome!r}.")
        if outcome in (SendOutcome.BLOCKED, RetryOutcome.BLOCKED) and not self.windows:
            return (
                answer.reason
                if answer.reason in ("rate_limited", "spam_detected")
                else table[outcome]
            )
        return table[outcome]

    def check_status(self, answer: Scripted) -> str:
        outcome = answer.outcome
        if not isinstance(outcome, CheckOutcome):
            return str(outcome)
        if outcome not in self.check_statuses:
            raise ValueError(f"{self.name} has no check {outcome!r}.")
        return self.check_statuses[outcome]

    def send_result(
        self,
        provider_id: str,
        status: str,
        verification: Verification | None,
        *,
        retry: bool,
        reason: str | None = None,
    ) -> Any:
        now = timezone.now()
        if not self.windows:
            if not retry:
                expires = verification.expires_at if verification else None
                return v1.CreateAuthenticationResponse(provider_id, status, now, expires)
            resends = (
                sum(1 for _, op in verification.attempts if op == "retry") if verification else 0
            )
            return v1.RetryAuthenticationResponse(
                provider_id,
                status,
                created_at=now,
                next_retry_at=now + dt.timedelta(seconds=provider.retry_wait),
                remaining_retry=max(0, provider.max_retries - resends),
            )
        kind = v2.VerificationRetryResponse if retry else v2.VerificationResponse
        refused = status in ("blocked", "shadow_blocked")
        return kind(
            id=provider_id,
            status=status,
            method="message",
            channels=("sms",),
            reason=(reason or self.default_block_reason) if refused else None,
            request_id=f"req_{uuid.uuid4().hex[:12]}",
        )

    def check_result(self, provider_id: str, status: str) -> Any:
        if self.windows:
            return v2.VerificationCheckResponse(status=status, id=provider_id)
        return v1.CreateCheckResponse(authentication_uuid=provider_id, status=status)

    def feedback_result(self, onboarded: bool) -> Any:
        if not self.windows:
            return v1.FeedbackResponse(uuid=_uuid_id())
        if not onboarded:
            return v2.WatchFeedbackResponse(sent=False)
        return v2.WatchFeedbackResponse(status="success", request_id=f"req_{uuid.uuid4().hex[:12]}")

    def status_result(self, provider_id: str, verification: Verification | None) -> Any:
        if self.windows:
            return _v2_history(provider_id, verification)
        return _v1_status(provider_id, verification)

    def lookup_result(self, phone: str, cnam: bool) -> Any:
        name = "TEST USER" if cnam else None
        if self.windows:
            network = v2.NetworkInfo(carrier_name="Test", mcc="208", mnc="01")
            return v2.PhoneLookupResponse(
                phone_number=phone, line_type="mobile", network_info=network, caller_name=name
            )
        return v1.LookupResponse(
            phone_number=phone, carrier="Test", line_type=LineType.MOBILE, caller_name=name
        )


def _v1_status(
    provider_id: str, verification: Verification | None
) -> v1.AuthenticationStatusResponse:
    if verification is None:
        return v1.AuthenticationStatusResponse(uuid=provider_id)
    events: list[v1.AuthenticationEvent] = []
    for n, (when, _) in enumerate(verification.attempts, start=1):
        code = verification.codes[n - 1]
        events.append(
            v1.AttemptEvent(
                type=EventType.ATTEMPT,
                created_at=when,
                id=f"attempt-{n}",
                content=f"Your code is {code}",  # as Ding sends it: never to be stored
                capability="text",
                attempt_number=n,
                status=AttemptStatus.DELIVERED,
            )
        )
        events.append(
            v1.DeliveryStatusEvent(
                type=EventType.DELIVERY_STATUS,
                created_at=when,
                status=DeliveryStatus.DELIVERED,
                attempt_id=f"attempt-{n}",
                attempt_number=n,
            )
        )
    for n, (when, valid) in enumerate(verification.checks, start=1):
        events.append(
            v1.CheckEvent(
                type=EventType.CHECK,
                created_at=when,
                id=f"check-{n}",
                status="valid" if valid else "invalid",
            )
        )
    if verification.state == "closed" or verification.expires_at <= timezone.now():
        events.append(
            v1.AttemptEvent(
                type=EventType.ATTEMPT,
                created_at=verification.expires_at,
                status=AttemptStatus.EXPIRED,
            )
        )
    return v1.AuthenticationStatusResponse(
        uuid=provider_id,
        phone_number=verification.phone_number,
        created_at=verification.created_at,
        events=tuple(events),
    )


def _v2_history(
    provider_id: str, verification: Verification | None
) -> v2.VerificationHistoryResponse:
    if verification is None:
        return v2.VerificationHistoryResponse(id=provider_id)
    events = [
        v2.LifecycleEvent(
            type="create", create=v2.LifecycleCreate(created_at=verification.created_at)
        )
    ]
    for n, (when, operation) in enumerate(verification.attempts, start=1):
        attempt = v2.LifecycleAttempt(
            id=f"att_{provider_id[4:]}{n}",
            created_at=when,
            channel="sms",
            status="succeeded",
            trigger="initial" if operation == "create_authentication" else "user_retry",
            delivery_status="delivered",
            content="Your code is ******",  # masked while the window is open
        )
        events.append(v2.LifecycleEvent(type="attempt", attempt=attempt))
    for when, valid in verification.checks:
        events.append(
            v2.LifecycleEvent(
                type="check", check=v2.LifecycleCheck(created_at=when, is_valid=valid)
            )
        )
    if verification.state == "converted":
        status = "converted"
    elif verification.is_open(timezone.now()):
        status = "sent"
    else:
        status = "not_converted"
    return v2.VerificationHistoryResponse(
        id=provider_id,
        phone_number=verification.phone_number,
        status=status,
        created_at=verification.created_at,
        expires_at=verification.expires_at,
        lifecycle=v2.VerificationLifecycle(events=tuple(events)),
    )


DING = Flavour(
    name="Ding v1",
    windows=False,
    new_window_status="pending",
    new_id=_uuid_id,
    create_fields=BaseBackend.create_fields,
    validate_field_values=BaseBackend.validate_field_values,
    send_statuses={
        SendOutcome.SENT: "pending",
        SendOutcome.BLOCKED: "spam_detected",
        SendOutcome.UNKNOWN: "unknown",
    },
    retry_statuses={
        RetryOutcome.RESENT: "approved",
        RetryOutcome.DENIED: "denied",
        RetryOutcome.NO_ATTEMPT: "no_attempt",
        RetryOutcome.RATE_LIMITED: "rate_limited",
        RetryOutcome.EXPIRED: "expired_auth",
        RetryOutcome.ALREADY_VALIDATED: "already_validated",
        RetryOutcome.BLOCKED: "denied",
        RetryOutcome.UNKNOWN: "unknown",
    },
    check_statuses={
        CheckOutcome.VALID: "valid",
        CheckOutcome.INVALID: "invalid",
        CheckOutcome.EXPIRED: "expired_auth",
        CheckOutcome.RATE_LIMITED: "rate_limited",
        CheckOutcome.ALREADY_VALIDATED: "already_validated",
        CheckOutcome.WITHOUT_ATTEMPT: "without_attempt",
        CheckOutcome.UNKNOWN: "unknown",
    },
    default_block_reason="spam_detected",
)

PRELUDE = Flavour(
    name="Prelude v2",
    windows=True,
    new_window_status="success",
    new_id=_vrf_id,
    create_fields=PreludeBackend.create_fields,
    validate_field_values=PreludeBackend.validate_field_values,
    send_statuses={
        SendOutcome.SENT: "success",
        SendOutcome.RESENT: "retry",
        SendOutcome.CHALLENGED: "challenged",
        SendOutcome.SHADOW_BLOCKED: "shadow_blocked",
        SendOutcome.BLOCKED: "blocked",
        SendOutcome.UNKNOWN: "unknown",
    },
    retry_statuses={
        RetryOutcome.RESENT: "retry",
        RetryOutcome.RESTARTED: "success",
        RetryOutcome.CHALLENGED: "challenged",
        RetryOutcome.SHADOW_BLOCKED: "shadow_blocked",
        RetryOutcome.BLOCKED: "blocked",
        RetryOutcome.UNKNOWN: "unknown",
    },
    check_statuses={
        CheckOutcome.VALID: "success",
        CheckOutcome.INVALID: "failure",
        CheckOutcome.EXPIRED: "expired_or_not_found",
        CheckOutcome.TRANSACTION_ERROR: "transaction_mismatch",
        CheckOutcome.UNKNOWN: "unknown",
    },
    default_block_reason="suspicious",
)
