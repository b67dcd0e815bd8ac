"""Checking codes: :func:`check_code` and its :class:`CheckResult`.

An attempt is reserved before the provider is called: inside a transaction
holding the phone number's limit lock, a conditional UPDATE increments
``checks_in_progress`` only while ``failed_checks + checks_in_progress`` is
below ``MAX_CHECK_ATTEMPTS``, and an in-flight :class:`CheckRecord` (which
counts toward the per-phone limit) is written. However many checks run in
parallel, no more than the limit reach the provider. The answer then moves
the reservation to ``failed_checks`` (wrong code), releases it (right code,
provider error that certainly did not reach the provider) and, for a right
code, verifies the row with a conditional UPDATE so that only one check can
verify it.

A check whose answer was lost keeps its reservation, *in doubt*, and is
settled from the provider's status before the next check is sent
(:mod:`django_ding.services.settling`). A malformed code is refused without
a provider call and uses no attempt.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import time
from typing import TYPE_CHECKING, Any

from django.db import DatabaseError, transaction
from django.db.models import F, Q, Value
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from django_ding import limits, signals
from django_ding.backends import get_backend
from django_ding.backends.operations import CheckRequest
from django_ding.backends.outcomes import CheckOutcome, StatusResult
from django_ding.conf import timeout as timeout_setting
from django_ding.exceptions import DingAPIError, DingInvalidResponseError, DingStorageError
from django_ding.models import Authentication, CheckRecord
from django_ding.networks import client_network
from django_ding.reasons import Reason
from django_ding.request_info import client_ip
from django_ding.services import settling
from django_ding.services.records import (
    change_status,
    emit,
    error_code_for,
    logger,
    may_have_reached_provider,
    persist,
    reload,
    sanitize,
    sent_id,
    state_refusal,
)

if TYPE_CHECKING:
    from django.http import HttpRequest

__all__ = ["CODE_PATTERN", "CheckResult", "check_code", "clean_code"]

#: What a code must look like once whitespace is removed: 4 to 10 ASCII digits.
CODE_PATTERN = re.compile(r"[0-9]{4,10}")
# Longest input looked at, so a hostile megabyte is not scanned.
_MAX_CODE_INPUT = 64


@dataclasses.dataclass(frozen=True)
class CheckResult:
    """The outcome of :func:`check_code`. ``bool(result)`` is ``result.verified``."""

    verified: bool
    #: Why it did not verify (``None`` when verified).
    reason: Reason | None
    #: Seconds until checking makes sense again, when waiting helps.
    retry_after: int | None
    #: Wrong codes still allowed for this authentication.
    attempts_left: int | None
    authentication: Authentication

    def __bool__(self) -> bool:
        return self.verified


@sensitive_variables("code", "compact")
def clean_code(code: str) -> str | None:
    """Return ``code`` without whitespace if it looks like a code, else ``None``."""
    if not isinstance(code, str):
        raise TypeError(f"code must be a string, not {type(code).__name__}.")
    if len(code) > _MAX_CODE_INPUT:
        return None
    compact = "".join(code.split())
    return compact if CODE_PATTERN.fullmatch(compact) else None


def _record(
    authentication: Authentication,
    *,
    now: dt.datetime,
    ip: str | None,
    reason: Reason | str = "",
    verified: bool = False,
    provider_called: bool = False,
    counts_as_failure: bool = False,
) -> CheckRecord:
    return CheckRecord.objects.create(
        authentication=authentication,
        created_at=now,
        ip=ip,
        client_network=client_network(ip),
        reason=reason,
        verified=verified,
        provider_called=provider_called,
        counts_as_failure=counts_as_failure,
    )


def _result(
    authentication: Authentication,
    reason: Reason | None,
    *,
    retry_after: int | None = None,
    request: HttpRequest | None = None,
) -> CheckResult:
    persist(authentication.refresh_from_db, what="the outcome of a check")
    if authentication.status in Authentication.CHECKABLE:
        left: int | None = limits.attempts_left(authentication)
    elif authentication.status == Authentication.Status.LOCKED:
        left = 0
    else:
        left = None
    result = CheckResult(
        verified=reason is None,
        reason=reason,
        retry_after=retry_after,
        attempts_left=left,
        authentication=authentication,
    )
    logger.info(
        "django-ding: check of authentication %s (%s): %s",
        authentication.pk,
        authentication.masked_phone_number,
        "verified" if reason is None else reason,
    )
    emit(
        signals.code_checked,
        sender=Authentication,
        authentication=authentication,
        result=result,
        request=request,
    )
    return result


def _lock_if_exhausted(authentication: Authentication, now: dt.datetime) -> None:
    change_status(
        authentication,
        Authentication.CHECKABLE,
        Authentication.Status.LOCKED,
        now=now,
        where=_exhausted(),
    )


def _exhausted() -> Q:
    return Q(failed_checks__gte=limits.max_check_attempts())


#: ``_reserve`` settled a doubtful check as the right code: verified.
_VERIFIED_BY_SETTLING = object()


@dataclasses.dataclass(frozen=True)
class _StatusRead:
    """The provider's status read before the lock, to settle doubtful checks:
    ``status`` is ``None`` when the read failed."""

    started_at: dt.datetime
    status: StatusResult | None


@sensitive_variables("code")
def _reserve(
    authentication: Authentication,
    code: str | None,
    now: dt.datetime,
    ip: str | None,
    status_read: _StatusRead | None,
) -> Any:
    """Inside the phone (and client) lock: settle the checks in doubt,
    refuse, or reserve an attempt. Returns a ``Refusal``,
    ``_VERIFIED_BY_SETTLING``, or the in-flight ``CheckRecord`` when the
    provider is to be called."""
    if code is not None:
        settled = _settle_doubts(authentication, now, ip, status_read)
        if settled is not None:
            return settled
    refusal = state_refusal(authentication, now)
    if refusal is not None:
        _record(authentication, now=now, ip=ip, reason=refusal.reason)
        return refusal
    phone = authentication.phone_number.as_e164
    limit = limits.max_check_attempts()
    if authentication.failed_checks >= limit:
        _lock_if_exhausted(authentication, now)
        _record(authentication, now=now, ip=ip, reason=Reason.LOCKED)
        return limits.Refusal(Reason.LOCKED)
    refusal = limits.client_failure_refusal(ip, now) or limits.phone_failure_refusal(phone, now)
    if refusal is not None:
        _record(authentication, now=now, ip=ip, reason=refusal.reason)
        return refusal
    if code is None:
        # Malformed: it cannot be a guess at the real code, so it uses no
        # attempt and counts toward no limit (counting it would only let
        # anyone lock a number without guessing).
        _record(authentication, now=now, ip=ip, reason=Reason.INVALID_CODE)
        return limits.Refusal(Reason.INVALID_CODE)
    reserved = (
        Authentication.objects.filter(
            pk=authentication.pk,
            status__in=Authentication.CHECKABLE,
            failed_checks__lt=Value(limit) - F("checks_in_progress"),
        ).update(checks_in_progress=F("checks_in_progress") + 1, updated_at=now)
        == 1
    )
    if not reserved:
        # Every attempt left is taken by checks waiting for the provider.
        _record(authentication, now=now, ip=ip, reason=Reason.LOCKED)
        return limits.Refusal(Reason.LOCKED, retry_after=1)
    return _record(authentication, now=now, ip=ip, provider_called=True, counts_as_failure=True)


def _settle_doubts(
    authentication: Authentication,
    now: dt.datetime,
    ip: str | None,
    status_read: _StatusRead | None,
) -> Any:
    """Settle the checks in doubt from the status read before the lock.
    Returns ``None`` when the check may go on, else what to return."""
    doubtful = list(settling.doubtful_checks(authentication, now))
    if not doubtful:
        return None
    if (
        status_read is None
        or status_read.status is None
        or any(record.created_at >= status_read.started_at for record in doubtful)
        or settling.live_checks(authentication, now).exists()
    ):
        # The truth is not known yet (the status could not be read, or a check
        # is still waiting for the provider): no new check is sent.
        if authentication.status not in Authentication.CHECKABLE:
            return None  # refused below for what the row is
        _record(authentication, now=now, ip=ip, reason=Reason.PROVIDER_ERROR)
        retry_after = None if status_read is not None and status_read.status is None else 1
        return limits.Refusal(Reason.PROVIDER_ERROR, retry_after=retry_after)
    if settling.settle(authentication, doubtful, status_read.status, now):
        return _VERIFIED_BY_SETTLING
    return None


def _read_status_if_in_doubt(authentication: Authentication) -> _StatusRead | None:
    """Read the provider's status (outside any transaction) when a check of
    ``authentication`` is in doubt."""
    started_at = timezone.now()
    if not settling.doubtful_checks(authentication, started_at).exists():
        return None
    try:
        status: StatusResult | None = settling.read_status(authentication)
    except Exception:  # logged by read_status; the check is not sent
        status = None
    return _StatusRead(started_at, status)


def _outcome_unknown(err: BaseException) -> bool:
    """Whether a failed check may have been counted by the provider: it may
    have reached it (``records.may_have_reached_provider``) and the provider
    did not answer it with an error of its own (a 4xx is a refusal: nothing
    was checked)."""
    if isinstance(err, DingAPIError) and not isinstance(err, DingInvalidResponseError):
        return err.status_code >= 500
    return may_have_reached_provider(err)


@sensitive_variables("code", "cleaned")
def check_code(
    authentication: Authentication, code: str, *, request: HttpRequest | None = None
) -> CheckResult:
    """Check the code a user typed for ``authentication``.

    Never raises for a refusal or a provider error: the :class:`CheckResult`
    says why it did not verify. A malformed code (not 4 to 10 digits once
    whitespace is removed) is refused with ``Reason.INVALID_CODE`` without
    asking the provider: it uses no attempt and counts toward no limit.

    A check whose answer is lost (a timeout after the request was sent, a
    5xx, an unreadable answer) returns ``Reason.PROVIDER_ERROR`` and stays
    *in doubt*, holding its attempt; the next check first reads the
    provider's status and settles it (verified, a wrong code, or released;
    ``docs/limits.md``). While that status cannot be read, checks return
    ``Reason.PROVIDER_ERROR`` without asking the provider.

    Raises :class:`~django_ding.exceptions.DingStorageError` when the
    database fails: before the provider call nothing is reserved; after it,
    the check is settled by a later check (or ``refresh_status``). Raises
    ``TypeError`` when ``authentication`` is not an ``Authentication`` or
    ``code`` not a string.
    """
    cleaned = clean_code(code)
    ip = client_ip(request)
    try:
        authentication = reload(authentication)
        status_read = None if cleaned is None else _read_status_if_in_doubt(authentication)
        with transaction.atomic():
            limits.lock(*limits.check_lock_keys(authentication.phone_number.as_e164, ip))
            authentication.refresh_from_db()
            now = timezone.now()
            outcome = _reserve(authentication, cleaned, now, ip, status_read)
            if outcome is _VERIFIED_BY_SETTLING:
                settling.announce_verified(authentication, request)
    except DatabaseError as err:
        logger.error(
            "django-ding: check of authentication %s not started: database error (%s)",
            authentication.pk,
            type(err).__name__,
        )
        raise DingStorageError("The check could not be recorded.") from err
    if outcome is _VERIFIED_BY_SETTLING:
        return _result(authentication, None, request=request)
    if isinstance(outcome, limits.Refusal):
        return _result(
            authentication, outcome.reason, retry_after=outcome.retry_after, request=request
        )
    assert cleaned is not None
    record: CheckRecord = outcome
    try:
        backend = get_backend()
        check_request = CheckRequest.build(
            type(backend),
            sent_id(authentication),
            cleaned,
            phone_number=authentication.phone_number.as_e164,
        )
    except Exception as err:
        return _failed(authentication, record, err, in_doubt=False, request=request)
    try:
        response = backend.send(check_request)
    except Exception as err:
        return _failed(authentication, record, err, in_doubt=_outcome_unknown(err), request=request)
    return _finish(authentication, record, response, request)


def _failed(
    authentication: Authentication,
    record: CheckRecord,
    err: BaseException,
    *,
    in_doubt: bool,
    request: HttpRequest | None,
) -> CheckResult:
    """Record a check the provider did not answer: in doubt (it keeps its
    reservation until settled), or released (it certainly did not count)."""
    code_name = error_code_for(err)
    logger.warning(
        "django-ding: check of authentication %s failed: %s%s",
        authentication.pk,
        code_name,
        " (outcome in doubt)" if in_doubt else "",
    )

    def write() -> None:
        with transaction.atomic():
            if not in_doubt:
                _release(authentication)
            CheckRecord.objects.filter(pk=record.pk).update(
                reason=Reason.PROVIDER_ERROR,
                error_code=code_name,
                counts_as_failure=in_doubt,
                in_doubt=in_doubt,
            )

    persist(write, what="a failed check")
    return _result(authentication, Reason.PROVIDER_ERROR, request=request)


def _release(authentication: Authentication) -> None:
    """Give back a reserved attempt that did not turn out wrong."""
    Authentication.objects.filter(pk=authentication.pk, checks_in_progress__gt=0).update(
        checks_in_progress=F("checks_in_progress") - 1
    )


#: ``error_code`` of a check the provider answered with a status we do not know.
UNKNOWN_STATUS = "unknown_status"

#: What a check outcome that is neither right nor wrong does: the reason
#: returned, and the status a checkable row moves to (``None``: it stays).
_NEITHER: dict[CheckOutcome, tuple[Reason, str | None]] = {
    CheckOutcome.EXPIRED: (Reason.EXPIRED, Authentication.Status.EXPIRED),
    CheckOutcome.RATE_LIMITED: (Reason.LOCKED, Authentication.Status.LOCKED),
    # Never a success: only a "valid" answer to our own check verifies.
    CheckOutcome.ALREADY_VALIDATED: (Reason.PROVIDER_REFUSED, Authentication.Status.FAILED),
    CheckOutcome.WITHOUT_ATTEMPT: (Reason.NOT_SENT, None),
    # A PSD2 code checked without (or with other) transaction details: the
    # site's mistake, not the user's; the attempt does not count.
    CheckOutcome.TRANSACTION_ERROR: (Reason.PROVIDER_ERROR, None),
}


#: Answers a right code given by a parallel check also causes: v1 says
#: already_validated, v2 expired_or_not_found (its window closed).
_CLOSED_BY_A_RIGHT_CODE = frozenset({CheckOutcome.EXPIRED, CheckOutcome.ALREADY_VALIDATED})
VERIFIED = Authentication.Status.VERIFIED
# How often a check waits for the answers of parallel checks of its row.
_SETTLE_POLL = 0.05


def _settled(authentication: Authentication) -> str:
    """Wait until no other check of ``authentication`` waits for the provider
    (at most one provider call's connect and read timeouts), then return its
    status. Without parallel checks this returns at once."""
    authentication.refresh_from_db()
    if authentication.checks_in_progress == 0:
        return authentication.status
    connect, read = timeout_setting()
    deadline = time.monotonic() + connect + read
    while authentication.checks_in_progress > 0 and time.monotonic() < deadline:
        time.sleep(_SETTLE_POLL)
        authentication.refresh_from_db()
    return authentication.status


def _finish(
    authentication: Authentication,
    record: CheckRecord,
    response: Any,
    request: HttpRequest | None,
) -> CheckResult:
    """Record the provider's answer, read through the neutral protocol
    (``response.outcome``: :class:`CheckOutcome`) whatever the provider.

    The writes go through ``records.persist`` (tried again on a database
    error); if they keep failing, ``DingStorageError`` is raised and the check
    stays in flight, holding its attempt, until a later check settles it."""
    now = timezone.now()
    # The provider's own word, kept in the history (never decided on).
    provider_status = sanitize(getattr(response, "status", None), 32)
    outcome = response.outcome
    records = CheckRecord.objects.filter(pk=record.pk)
    if outcome is CheckOutcome.VALID:

        def write_valid() -> Reason | None:
            with transaction.atomic():
                _release(authentication)
                verified = settling.verify(authentication, now)
                # Not verified here: another check verified it first (or it
                # expired meanwhile).
                lost = None if verified else _lost_race_reason(authentication)
                records.update(
                    provider_status=provider_status,
                    counts_as_failure=False,
                    verified=verified,
                    reason=lost or "",
                )
                if lost is None:
                    settling.announce_verified(authentication, request)
            return lost

        lost = persist(write_valid, what="a right code")
        return _result(authentication, lost, request=request)
    if outcome is CheckOutcome.INVALID:

        def write_invalid() -> None:
            with transaction.atomic():
                Authentication.objects.filter(
                    pk=authentication.pk, checks_in_progress__gt=0
                ).update(
                    checks_in_progress=F("checks_in_progress") - 1,
                    failed_checks=F("failed_checks") + 1,
                    updated_at=now,
                )
                records.update(provider_status=provider_status, reason=Reason.INVALID_CODE)
                _lock_if_exhausted(authentication, now)

        persist(write_invalid, what="a wrong code")
        return _result(authentication, Reason.INVALID_CODE, request=request)

    if outcome not in _NEITHER:
        # An answer that says neither right nor wrong in words we know (a new
        # or missing status): the provider may have validated the code. Held
        # in doubt like a lost answer, and settled from its status before the
        # next check, never taken as a success.
        def write_unknown() -> None:
            with transaction.atomic():
                records.update(
                    provider_status=provider_status,
                    reason=Reason.PROVIDER_ERROR,
                    error_code=UNKNOWN_STATUS,
                    counts_as_failure=True,
                    in_doubt=True,
                )

        persist(write_unknown, what="a check answer")
        logger.warning(
            "django-ding: check of authentication %s: unknown provider status %s (outcome in "
            "doubt)",
            authentication.pk,
            provider_status or "none",
        )
        return _result(authentication, Reason.PROVIDER_ERROR, request=request)

    # Neither right nor wrong: the attempt does not count. Settled first (a
    # provider error until decided below), so that waiting for parallel
    # checks does not wait for this one.
    def write_neither() -> None:
        with transaction.atomic():
            _release(authentication)
            records.update(
                provider_status=provider_status,
                reason=Reason.PROVIDER_ERROR,
                counts_as_failure=False,
            )

    persist(write_neither, what="a check answer")
    reason, new = _NEITHER.get(outcome, (Reason.PROVIDER_ERROR, None))
    if outcome in _CLOSED_BY_A_RIGHT_CODE:
        settled = persist(lambda: _settled(authentication), what="a check answer")
        if settled == VERIFIED:
            # A parallel check of the same code verified it (a double submit):
            # the provider's window was closed by that right code.
            reason, new = Reason.ALREADY_VERIFIED, None
        elif settling.unsettled_checks(authentication).exists():
            # An earlier check of this row never came back (its answer or its
            # record was lost): it may be the right code that closed the
            # window. Keep the row checkable; that check is settled from the
            # provider's status once its call is certainly over.
            reason, new = Reason.PROVIDER_ERROR, None

    def write_reason() -> None:
        with transaction.atomic():
            if new is not None:
                error: dict[str, Any] = {}
                if new == Authentication.Status.FAILED:
                    error["error_code"] = str(outcome)
                change_status(authentication, Authentication.CHECKABLE, new, now=now, **error)
            records.update(reason=reason)

    # Unknown, missing or new statuses: a provider error, never a success.
    persist(write_reason, what="a check answer")
    return _result(authentication, reason, request=request)


def _lost_race_reason(authentication: Authentication) -> Reason:
    status = authentication.status
    if status == Authentication.Status.VERIFIED:
        return Reason.ALREADY_VERIFIED
    if status == Authentication.Status.EXPIRED:
        return Reason.EXPIRED
    if status == Authentication.Status.LOCKED:
        return Reason.LOCKED
    return Reason.NOT_SENT
