"""The sandbox provider engine: Ding v1's semantics on local state.

Both faces of the sandbox call these functions: the in-process
:class:`~django_ding.sandbox.backend.SandboxBackend` and the HTTP views of
:mod:`django_ding.sandbox.api_views`. Prelude v2's semantics
(:mod:`django_ding.sandbox.provider_v2`) are built on the same state and the
same steps (:func:`send_attempt`, :func:`check_status`, :func:`refusal`).
Each takes the request's values as they came (any type: they are validated
here, as the real API would) and returns the response body as a *wire* dict,
exactly as the spec's response schemas, or raises
:class:`~django_ding.sandbox.errors.SandboxProviderError`.

The slow magic number is the faces' business (:func:`slow_seconds_for`):
a server sleeps, an in-process backend times out.

State changes run in transactions; checks and retries lock their
authentication row (``select_for_update``), so counting is right with any
number of server processes.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping
from typing import Any, Final

from django.db import IntegrityError, transaction
from django.utils import timezone

from django_ding.backends.enums import (
    AuthenticationStatus,
    CheckStatus,
    ErrorCode,
    FeedbackStatus,
    RetryStatus,
)
from django_ding.backends.results import format_wire_datetime
from django_ding.sandbox import codes, outbox
from django_ding.sandbox.errors import SandboxProviderError, api_error
from django_ding.sandbox.magic import Magic, magic_for
from django_ding.sandbox.models import (
    SandboxAttempt,
    SandboxAuthentication,
    SandboxCheck,
    SandboxFeedback,
)
from django_ding.sandbox.options import slow_seconds
from django_ding.sandbox.phone_lookup import describe
from django_ding.sandbox.status_wire import status_wire
from django_ding.sandbox.wire_input import (
    clean_create_fields,
    invalid_phone_number,
    require_phone_number,
    require_uuid,
)

__all__ = [
    "AUTHENTICATION_LIFETIME",
    "MAX_RETRIES",
    "MAX_WRONG_CODES",
    "RETRY_DELAY",
    "SANDBOX_CUSTOMER_UUID",
    "SandboxProviderError",
    "authentication_status",
    "check",
    "check_status",
    "create_authentication",
    "ding_phone",
    "feedback",
    "lookup",
    "record_check",
    "refusal",
    "retry",
    "send_attempt",
    "slow_seconds_for",
]

#: How long an authentication can be checked or retried.
AUTHENTICATION_LIFETIME: Final = dt.timedelta(minutes=10)
#: Wrong codes after which checks answer ``rate_limited``.
MAX_WRONG_CODES: Final = 5
#: Retries allowed per authentication.
MAX_RETRIES: Final = 3
#: Wait between two sends of one authentication.
RETRY_DELAY: Final = dt.timedelta(seconds=30)
#: The customer UUID of an in-process backend configured without one.
SANDBOX_CUSTOMER_UUID: Final = "00000000-0000-4000-8000-000000000000"

# The body of the simulated outage (HTTP 500).
_OUTAGE_MESSAGE = "The sandbox simulates a provider outage for this number."


def slow_seconds_for(phone_number: object) -> float | None:
    """Seconds the answer about ``phone_number`` is delayed, or ``None``."""
    return slow_seconds() if magic_for(phone_number) is Magic.SLOW else None


def create_authentication(
    *, customer_uuid: object, phone_number: object, fields: Mapping[str, Any]
) -> dict[str, Any]:
    """``POST /authentication``."""
    customer = require_uuid(customer_uuid, "customer_uuid")
    phone = ding_phone(phone_number)
    magic = magic_for(phone)
    if magic is Magic.BLOCKED_NUMBER:
        raise api_error(ErrorCode.BLOCKED_NUMBER, "This phone number is blocked.")
    if magic is Magic.UNSUPPORTED_REGION:
        raise api_error(
            ErrorCode.UNSUPPORTED_REGION, "The region of this phone number is not supported."
        )
    cleaned = clean_create_fields(fields)
    now = timezone.now()
    status = SandboxAuthentication.Status.PENDING
    if magic is Magic.RATE_LIMITED:
        status = SandboxAuthentication.Status.RATE_LIMITED
    elif magic is Magic.SPAM_DETECTED:
        status = SandboxAuthentication.Status.SPAM_DETECTED
    with transaction.atomic():
        auth = SandboxAuthentication.objects.create(
            customer_uuid=customer,
            phone_number=phone,
            status=status,
            created_at=now,
            expires_at=now + AUTHENTICATION_LIFETIME,
            remaining_retry=MAX_RETRIES,
            next_retry_at=now + RETRY_DELAY,
            delivers=magic is not Magic.NEVER_DELIVERED,
            fields=cleaned,
        )
        if status == SandboxAuthentication.Status.PENDING:
            send_attempt(auth, 1, now)
    return {
        "authentication_uuid": str(auth.uuid),
        "status": AuthenticationStatus(status).value,
        "created_at": format_wire_datetime(now),
        "expires_at": format_wire_datetime(auth.expires_at),
    }


def check(
    *, customer_uuid: object, authentication_uuid: object, check_code: object
) -> dict[str, Any]:
    """``POST /check``."""
    customer = require_uuid(customer_uuid, "customer_uuid")
    auth_id = require_uuid(authentication_uuid, "authentication_uuid", ErrorCode.INVALID_AUTH_UUID)
    if check_code is None or check_code == "":
        raise api_error(ErrorCode.BAD_REQUEST, "check_code is required.")
    if not isinstance(check_code, str):
        raise api_error(ErrorCode.BAD_REQUEST, "check_code must be a string.")
    now = timezone.now()
    with transaction.atomic():
        auth = _locked(customer, auth_id)
        status = record_check(auth, check_code, now)
    return {"authentication_uuid": str(auth.uuid), "status": status.value}


def record_check(auth: SandboxAuthentication, typed: str, now: dt.datetime) -> CheckStatus:
    """Check ``typed`` against the locked row ``auth`` and record the check
    (a right code validates it, a wrong one counts); both faces use it."""
    status = check_status(auth, typed, now)
    if status == CheckStatus.VALID:
        auth.validated_at = now
        auth.save(update_fields=["validated_at"])
    elif status == CheckStatus.INVALID:
        auth.failed_checks += 1
        auth.save(update_fields=["failed_checks"])
    SandboxCheck.objects.create(authentication=auth, created_at=now, status=status.value)
    return status


def check_status(auth: SandboxAuthentication, typed: str, now: dt.datetime) -> CheckStatus:
    """What checking ``typed`` against ``auth`` at ``now`` finds (v1 terms;
    the v2 face maps them)."""
    refused = refusal(auth, now)
    if refused is not None:
        return {
            RetryStatus.ALREADY_VALIDATED: CheckStatus.ALREADY_VALIDATED,
            RetryStatus.RATE_LIMITED: CheckStatus.RATE_LIMITED,
            RetryStatus.NO_ATTEMPT: CheckStatus.WITHOUT_ATTEMPT,
            RetryStatus.EXPIRED_AUTH: CheckStatus.EXPIRED_AUTH,
        }[refused]
    attempts = list(auth.attempts.all())
    if not attempts:
        return CheckStatus.WITHOUT_ATTEMPT
    # Every code sent for this authentication is accepted (a late first SMS too).
    if any(codes.code_matches(a.code_salt, a.code_hash, typed) for a in attempts):
        return CheckStatus.VALID
    return CheckStatus.INVALID


def retry(*, customer_uuid: object, authentication_uuid: object) -> dict[str, Any]:
    """``POST /retry``: a new delivery, at most :data:`MAX_RETRIES` times,
    :data:`RETRY_DELAY` apart."""
    customer = require_uuid(customer_uuid, "customer_uuid")
    auth_id = require_uuid(authentication_uuid, "authentication_uuid", ErrorCode.INVALID_AUTH_UUID)
    now = timezone.now()
    with transaction.atomic():
        auth = _locked(customer, auth_id)
        status = refusal(auth, now)
        if status is None and auth.remaining_retry == 0:
            status = RetryStatus.RATE_LIMITED
        if status is None and auth.next_retry_at is not None and now < auth.next_retry_at:
            status = RetryStatus.DENIED
        if status is None:
            status = RetryStatus.APPROVED
            auth.remaining_retry -= 1
            auth.next_retry_at = now + RETRY_DELAY
            auth.save(update_fields=["remaining_retry", "next_retry_at"])
            send_attempt(auth, auth.attempts.count() + 1, now)
    out: dict[str, Any] = {
        "authentication_uuid": str(auth.uuid),
        "status": status.value,
        "created_at": format_wire_datetime(now),
        "remaining_retry": auth.remaining_retry,
    }
    retry_possible = status in (RetryStatus.APPROVED, RetryStatus.DENIED)
    if retry_possible and auth.remaining_retry > 0 and auth.next_retry_at is not None:
        out["next_retry_at"] = format_wire_datetime(auth.next_retry_at)
    return out


def refusal(auth: SandboxAuthentication, now: dt.datetime) -> RetryStatus | None:
    """Why nothing more can happen to ``auth`` (as a retry status), if so."""
    if auth.validated_at is not None:
        return RetryStatus.ALREADY_VALIDATED
    if auth.status == SandboxAuthentication.Status.RATE_LIMITED:
        return RetryStatus.RATE_LIMITED
    if auth.status in (
        SandboxAuthentication.Status.SPAM_DETECTED,
        SandboxAuthentication.Status.BLOCKED,
    ):
        return RetryStatus.NO_ATTEMPT
    if now >= auth.expires_at:
        return RetryStatus.EXPIRED_AUTH
    if auth.failed_checks >= MAX_WRONG_CODES:
        return RetryStatus.RATE_LIMITED
    return None


def feedback(*, customer_uuid: object, phone_number: object, status: object) -> dict[str, Any]:
    """``POST /authentication/feedback``: each status once per phone number."""
    customer = require_uuid(customer_uuid, "customer_uuid")
    phone = ding_phone(phone_number)
    if not isinstance(status, str) or status not in set(FeedbackStatus):
        raise api_error(
            ErrorCode.INVALID_FEEDBACK_STATUS, "status must be onboarded or not_onboarded."
        )
    if not SandboxAuthentication.objects.filter(
        customer_uuid=customer, phone_number=phone
    ).exists():
        raise api_error(
            ErrorCode.NO_ASSOCIATED_AUTH_FOUND, "No authentication was made for this number."
        )
    try:
        with transaction.atomic():
            record = SandboxFeedback.objects.create(
                customer_uuid=customer, phone_number=phone, status=status
            )
    except IntegrityError:
        raise api_error(
            ErrorCode.DUPLICATED_FEEDBACK_STATUS,
            f"The feedback {status} was already sent for this number.",
        ) from None
    return {"uuid": str(record.uuid)}


def authentication_status(*, auth_uuid: object) -> dict[str, Any]:
    """``GET /authentication/{auth_uuid}``: codes are masked in the events."""
    auth_id = require_uuid(auth_uuid, "auth_uuid", ErrorCode.INVALID_AUTH_UUID)
    auth = _find(SandboxAuthentication.objects.filter(uuid=auth_id))
    return status_wire(auth, timezone.now())


def lookup(
    *, customer_uuid: object, phone_number: object, types: Iterable[object]
) -> dict[str, Any]:
    """``GET /lookup/{phone_number}`` (``types`` may hold ``"cnam"``)."""
    require_uuid(customer_uuid, "customer-uuid")
    wanted = list(types)
    if any(kind != "cnam" for kind in wanted):
        raise api_error(ErrorCode.BAD_REQUEST, "type accepts only cnam.")
    phone = ding_phone(phone_number)
    return describe(phone, cnam="cnam" in wanted)


# -- helpers ------------------------------------------------------------------


def ding_phone(value: object) -> str:
    """A valid E.164 number, with the magic invalid and outage numbers."""
    phone = require_phone_number(value)
    magic = magic_for(phone)
    if magic is Magic.INVALID_PHONE_NUMBER:
        raise invalid_phone_number(phone)
    if magic is Magic.OUTAGE:
        raise api_error(ErrorCode.INTERNAL_SERVER_ERROR, _OUTAGE_MESSAGE, status_code=500)
    return phone


def _locked(customer: uuid.UUID, auth_id: uuid.UUID) -> SandboxAuthentication:
    queryset = SandboxAuthentication.objects.select_for_update().filter(
        uuid=auth_id, customer_uuid=customer
    )
    return _find(queryset)


def _find(queryset: Any) -> SandboxAuthentication:
    auth: SandboxAuthentication | None = queryset.first()
    if auth is None:
        raise api_error(ErrorCode.INVALID_AUTH_UUID, "No authentication has this UUID.")
    return auth


def send_attempt(auth: SandboxAuthentication, attempt_number: int, now: dt.datetime) -> None:
    """Record attempt ``attempt_number`` with a fresh code, and deliver it
    unless the number never receives anything."""
    code = codes.new_code()
    salt = codes.new_salt()
    text = codes.render_text(
        code, locale=auth.fields.get("locale"), app_realm=auth.fields.get("app_realm")
    )
    SandboxAttempt.objects.create(
        authentication=auth,
        attempt_number=attempt_number,
        created_at=now,
        code_salt=salt,
        code_hash=codes.hash_code(salt, code),
        masked_content=text.masked[:500],
        delivered=auth.delivers,
    )
    if auth.delivers:
        outbox.deliver(
            phone_number=auth.phone_number,
            authentication_uuid=auth.uuid,
            verification_id=auth.verification_id or "",
            attempt_number=attempt_number,
            text=text,
            sender_id=str(auth.fields.get("sender_id", "")),
        )
