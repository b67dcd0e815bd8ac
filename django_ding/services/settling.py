"""Checks whose answer was lost, settled from the provider's status.

A check whose request may have reached the provider but whose answer never
arrived (a read timeout, a dropped connection, a 5xx, an unreadable answer)
is *in doubt*: its :class:`CheckRecord` has ``in_doubt=True`` and it keeps its
reservation (``checks_in_progress``, ``counts_as_failure``), since it may have
been a wrong code the provider counted. A check still in flight longer than
any provider call can take (``limits.stale_sending_age()``: the process died,
or the database failed when its answer was written) is treated the same way.

Before the next check of that authentication is sent (and on every
:func:`~django_ding.services.refresh_status`), the provider's status is read
(a GET, retried safely) and each doubtful check settled exactly once:

* the provider accepted a right code (``StatusResult.validated``): the latest
  doubtful check was it; the row is verified (conditional UPDATE,
  ``phone_verified`` once);
* the provider counted more wrong codes than this app recorded: that many
  doubtful checks become wrong codes (``failed_checks``, and they keep
  counting toward the per-phone and per-client limits);
* the others never reached it: their reservation is released and they stop
  counting.

Only checks whose call is over are settled: while another check of the row
waits for the provider, its answer may be in the status without being
recorded yet, so settling waits (the new check is not sent).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Greatest

from django_ding import limits, signals
from django_ding.backends import get_backend
from django_ding.backends.operations import StatusRequest
from django_ding.backends.outcomes import CheckOutcome, StatusResult
from django_ding.models import Authentication, CheckRecord
from django_ding.reasons import Reason
from django_ding.services.records import change_status, emit, error_code_for, logger, sent_id

if TYPE_CHECKING:
    from django.http import HttpRequest

__all__ = [
    "announce_verified",
    "doubtful_checks",
    "live_checks",
    "read_status",
    "settle",
    "unsettled_checks",
]


def verify(authentication: Authentication, now: dt.datetime) -> bool:
    """Move a checkable ``authentication`` to ``verified`` with a conditional
    UPDATE: of parallel checks (or settlements) only one verifies it. Returns
    whether this call did."""
    return change_status(
        authentication,
        Authentication.CHECKABLE,
        Authentication.Status.VERIFIED,
        now=now,
        verified_at=now,
    )


def unsettled_checks(authentication: Authentication) -> QuerySet[CheckRecord]:
    """Checks of ``authentication`` sent to the provider whose outcome is not
    recorded: in flight (no reason yet) or in doubt. Each holds one unit of
    ``checks_in_progress``."""
    return CheckRecord.objects.filter(
        authentication=authentication, provider_called=True, verified=False
    ).filter(Q(in_doubt=True) | Q(reason=""))


def _stale(now: dt.datetime) -> Q:
    return Q(reason="", in_doubt=False, created_at__lt=now - limits.stale_sending_age())


def doubtful_checks(authentication: Authentication, now: dt.datetime) -> QuerySet[CheckRecord]:
    """The unsettled checks whose call is over: in doubt, or in flight for
    longer than any provider call takes. Oldest first."""
    return (
        unsettled_checks(authentication)
        .filter(Q(in_doubt=True) | _stale(now))
        .order_by("created_at", "id")
    )


def live_checks(authentication: Authentication, now: dt.datetime) -> QuerySet[CheckRecord]:
    """Checks of ``authentication`` waiting for the provider right now."""
    return unsettled_checks(authentication).filter(in_doubt=False).exclude(_stale(now))


def read_status(authentication: Authentication) -> StatusResult:
    """The provider's status of ``authentication`` (outside any transaction).
    Raises what the backend raises; logs one line."""
    try:
        backend = get_backend()
        response: StatusResult = backend.send(
            StatusRequest.build(type(backend), sent_id(authentication))
        )
    except Exception as err:
        logger.warning(
            "django-ding: status of authentication %s could not be read to settle its checks: %s",
            authentication.pk,
            error_code_for(err),
        )
        raise
    return response


def settle(
    authentication: Authentication,
    doubtful: Sequence[CheckRecord],
    status: StatusResult,
    now: dt.datetime,
) -> bool:
    """Settle ``doubtful`` (from :func:`doubtful_checks`, oldest first) from
    ``status``, inside the caller's transaction that holds the phone lock.
    Returns whether this call verified the row; the caller then announces it
    (:func:`announce_verified`)."""
    if not doubtful:
        return False
    doubtful = sorted(doubtful, key=lambda record: (record.created_at, record.pk))
    recorded_wrong = CheckRecord.objects.filter(
        authentication=authentication, provider_called=True, reason=Reason.INVALID_CODE
    ).count()
    provider_wrong = sum(1 for outcome in status.check_outcomes if outcome is CheckOutcome.INVALID)
    # The right code the provider accepted is one of the doubtful checks
    # (the latest: checks after it find the verification closed), unless a
    # check answered as right is already recorded.
    accounted = CheckRecord.objects.filter(authentication=authentication, verified=True).exists()
    right = doubtful[-1] if status.validated and not accounted else None
    others = doubtful[:-1] if right is not None else doubtful
    wrong_count = max(0, min(len(others), provider_wrong - recorded_wrong))
    wrong, released = others[:wrong_count], others[wrong_count:]
    Authentication.objects.filter(pk=authentication.pk).update(
        checks_in_progress=Greatest(F("checks_in_progress") - Value(len(doubtful)), Value(0)),
        failed_checks=F("failed_checks") + Value(len(wrong)),
        updated_at=now,
    )
    if wrong:
        CheckRecord.objects.filter(pk__in=[record.pk for record in wrong]).update(
            in_doubt=False, reason=Reason.INVALID_CODE, counts_as_failure=True
        )
    if released:
        CheckRecord.objects.filter(pk__in=[record.pk for record in released]).update(
            in_doubt=False, reason=Reason.PROVIDER_ERROR, counts_as_failure=False
        )
    verified = False
    if right is not None:
        verified = verify(authentication, now)
        CheckRecord.objects.filter(pk=right.pk).update(
            in_doubt=False,
            verified=verified,
            reason="" if verified else Reason.PROVIDER_ERROR,
            counts_as_failure=False,
        )
    authentication.refresh_from_db()
    if not verified and authentication.failed_checks >= limits.max_check_attempts():
        change_status(
            authentication,
            Authentication.CHECKABLE,
            Authentication.Status.LOCKED,
            now=now,
            where=Q(failed_checks__gte=limits.max_check_attempts()),
        )
    logger.info(
        "django-ding: settled %d check(s) of authentication %s in doubt: %s right, "
        "%d wrong, %d never reached the provider",
        len(doubtful),
        authentication.pk,
        "1" if right is not None else "0",
        len(wrong),
        len(released),
    )
    return verified


def announce_verified(authentication: Authentication, request: HttpRequest | None) -> None:
    """Send ``phone_verified`` (on commit) for a row this process verified."""
    emit(
        signals.phone_verified,
        sender=Authentication,
        authentication=authentication,
        phone_number=authentication.phone_number,
        user=authentication.user,
        request=request,
    )
