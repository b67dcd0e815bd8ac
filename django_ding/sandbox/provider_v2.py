"""The sandbox engine's Prelude Verify v2 semantics, on the same state as v1.

One engine, two faces: a v2 verification is a
:class:`~django_ding.sandbox.models.SandboxAuthentication` with a
``verification_id`` (``vrf_...``); its messages are sent, its codes checked
and its window closed by the steps of :mod:`django_ding.sandbox.provider`
(:func:`~django_ding.sandbox.provider.send_attempt`,
:func:`~django_ding.sandbox.provider.check_status`,
:func:`~django_ding.sandbox.provider.refusal`), so expiry, the wrong-code
limit, the outbox and the inbox are the same for both faces.

The window (``shared/spec/prelude-v2.md`` §5): a create for a target whose
window is open is a ``retry`` (a new message, same id); once the window
ended (right code, too many wrong codes, expired, or
:data:`~django_ding.sandbox.provider.MAX_RETRIES` resends used) the next
create opens a new one (``success``, new id). A check is keyed by the
target: ``success``, ``failure`` or ``expired_or_not_found``.

Each function takes the request body (any JSON value: validated here) and
returns the response body as a wire dict, or raises
:class:`~django_ding.sandbox.errors.SandboxProviderError` with a v2 body.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any, Final

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from django_ding.backends.enums import CheckStatus
from django_ding.backends.prelude_enums import (
    BlockReason,
    Channel,
    VerificationCheckStatus,
    VerificationMethod,
    VerificationStatus,
)
from django_ding.sandbox import ids
from django_ding.sandbox.errors import v2_error
from django_ding.sandbox.history_v2 import history_item, history_wire
from django_ding.sandbox.lookup_v2 import lookup_wire
from django_ding.sandbox.magic import Magic, magic_for
from django_ding.sandbox.models import SandboxAuthentication
from django_ding.sandbox.provider import (
    AUTHENTICATION_LIFETIME,
    MAX_RETRIES,
    SANDBOX_CUSTOMER_UUID,
    record_check,
    refusal,
    send_attempt,
)
from django_ding.sandbox.wire_input_v2 import (
    clean_check,
    clean_create,
    clean_feedbacks,
    target_phone,
)

__all__ = [
    "MAX_HISTORY",
    "check_verification",
    "create_verification",
    "lookup",
    "verification_history",
    "verification_history_list",
    "watch_feedback",
]

#: Most entries a history list answers.
MAX_HISTORY: Final = 100

#: Magic numbers whose create is ``blocked``, with the reason given.
BLOCKED: Final[Mapping[Magic, BlockReason]] = {
    Magic.BLOCKED_NUMBER: BlockReason.IN_BLOCK_LIST,
    Magic.SPAM_DETECTED: BlockReason.SUSPICIOUS,
    Magic.RATE_LIMITED: BlockReason.REPEATED_ATTEMPTS,
}
_CHECK_STATUSES: Final[Mapping[CheckStatus, VerificationCheckStatus]] = {
    CheckStatus.VALID: VerificationCheckStatus.SUCCESS,
    CheckStatus.INVALID: VerificationCheckStatus.FAILURE,
}


def _v2(**lookups: Any) -> QuerySet[SandboxAuthentication]:
    """The v2 verifications matching ``lookups``."""
    return SandboxAuthentication.objects.filter(verification_id__isnull=False, **lookups)


def create_verification(body: Mapping[str, Any]) -> dict[str, Any]:
    """``POST /v2/verification``: open a window, or retry in the open one."""
    phone, fields = clean_create(body)
    magic = magic_for(phone)
    if magic is Magic.UNSUPPORTED_REGION:
        raise v2_error(
            "unsupported_country",
            "The country of this phone number is not supported.",
            param="target.value",
        )
    now = timezone.now()
    reason = BLOCKED.get(magic) if magic is not None else None
    with transaction.atomic():
        auth = None if reason is not None else _open_window(phone, now, lock=True)
        if auth is not None:
            status = VerificationStatus.RETRY
            auth.remaining_retry -= 1
            auth.save(update_fields=["remaining_retry"])
            send_attempt(auth, auth.attempts.count() + 1, now)
        else:
            status = VerificationStatus.SUCCESS if reason is None else VerificationStatus.BLOCKED
            auth = SandboxAuthentication.objects.create(
                verification_id=ids.new_verification_id(),
                customer_uuid=SANDBOX_CUSTOMER_UUID,
                phone_number=phone,
                status=(
                    SandboxAuthentication.Status.PENDING
                    if reason is None
                    else SandboxAuthentication.Status.BLOCKED
                ),
                block_reason=reason.value if reason is not None else "",
                created_at=now,
                expires_at=now + AUTHENTICATION_LIFETIME,
                remaining_retry=MAX_RETRIES,
                delivers=magic is not Magic.NEVER_DELIVERED,
                fields=fields,
            )
            if reason is None:
                send_attempt(auth, 1, now)
    out: dict[str, Any] = {
        "id": auth.verification_id,
        "status": status.value,
        "method": VerificationMethod.MESSAGE.value,
    }
    if reason is None:
        out["channels"] = [Channel.SMS.value]
    else:
        out["reason"] = reason.value
        if reason is BlockReason.REPEATED_ATTEMPTS:
            out["risk_factors"] = [reason.value]
    if "correlation_id" in auth.fields:
        out["metadata"] = {"correlation_id": auth.fields["correlation_id"]}
    out["request_id"] = ids.new_id("req")
    return out


def check_verification(body: Mapping[str, Any]) -> dict[str, Any]:
    """``POST /v2/verification/check``: the code against the target's newest
    verification."""
    phone, code = clean_check(body)
    now = timezone.now()
    with transaction.atomic():
        auth = (
            _v2(phone_number=phone)
            .exclude(status=SandboxAuthentication.Status.BLOCKED)
            .select_for_update()
            .order_by("-created_at", "-id")
            .first()
        )
        if auth is None:
            return _check_answer(VerificationCheckStatus.EXPIRED_OR_NOT_FOUND, None)
        status = record_check(auth, code, now)
    answer = _CHECK_STATUSES.get(status, VerificationCheckStatus.EXPIRED_OR_NOT_FOUND)
    return _check_answer(answer, auth)


def verification_history(verification_id: object) -> dict[str, Any]:
    """``GET /v2/verification/phone/history/{id}``; 404 for an unknown id."""
    auth = None
    if isinstance(verification_id, str) and ids.VERIFICATION_ID.fullmatch(verification_id):
        auth = _v2(verification_id=verification_id).first()
    if auth is None:
        raise v2_error("not_found", "No verification has this id.", status_code=404, param="id")
    return history_wire(auth, timezone.now())


def verification_history_list(*, phone_number: object, limit: object) -> dict[str, Any]:
    """``GET /v2/verification/phone/history``, newest first (no cursor: the
    sandbox answers at most :data:`MAX_HISTORY` entries)."""
    queryset = _v2().order_by("-created_at", "-id")
    if phone_number not in (None, ""):
        text = str(phone_number).strip()
        phone = target_phone(
            {"type": "phone_number", "value": text if text.startswith("+") else f"+{text}"}
        )
        queryset = queryset.filter(phone_number=phone)
    size = MAX_HISTORY
    if limit not in (None, ""):
        try:
            size = int(str(limit))
        except ValueError:
            size = 0
        if not 1 <= size <= MAX_HISTORY:
            raise v2_error("invalid_request", f"limit must be 1 to {MAX_HISTORY}.", param="limit")
    now = timezone.now()
    return {"verifications": [history_item(auth, now) for auth in queryset[:size]]}


def lookup(*, phone_number: object, types: Iterable[object]) -> dict[str, Any]:
    """``GET /v2/lookup/{phone_number}`` (``types`` may hold ``"cnam"``)."""
    wanted = list(types)
    if any(kind != "cnam" for kind in wanted):
        raise v2_error("invalid_request", "type accepts only cnam.", param="type")
    phone = target_phone({"type": "phone_number", "value": phone_number}, "phone_number")
    return lookup_wire(phone, cnam="cnam" in wanted)


def watch_feedback(body: Mapping[str, Any]) -> dict[str, Any]:
    """``POST /v2/watch/feedback``: checked, counted nowhere (no duplicates
    error in v2)."""
    clean_feedbacks(body)
    return {"status": "success", "request_id": ids.new_id("req")}


def _open_window(phone: str, now: dt.datetime, *, lock: bool) -> SandboxAuthentication | None:
    """The target's verification whose window is open, if any."""
    queryset = _v2(phone_number=phone, status=SandboxAuthentication.Status.PENDING).order_by(
        "-created_at", "-id"
    )
    if lock:
        queryset = queryset.select_for_update()
    auth = queryset.first()
    if auth is None or auth.remaining_retry == 0 or refusal(auth, now) is not None:
        return None
    return auth


def _check_answer(
    status: VerificationCheckStatus, auth: SandboxAuthentication | None
) -> dict[str, Any]:
    out: dict[str, Any] = {"status": status.value}
    if auth is not None:
        out["id"] = auth.verification_id
        if "correlation_id" in auth.fields:
            out["metadata"] = {"correlation_id": auth.fields["correlation_id"]}
    out["request_id"] = ids.new_id("req")
    return out
