"""Reading an authentication back from the provider: :func:`refresh_status`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from django_ding import limits
from django_ding.backends import get_backend
from django_ding.backends.operations import StatusRequest
from django_ding.backends.outcomes import StatusOutcome, StatusResult, TimelineEvent
from django_ding.models import Authentication, StatusEvent
from django_ding.services import settling
from django_ding.services.records import (
    change_status,
    error_code_for,
    logger,
    reload,
    sanitize,
    state_refusal,
)

__all__ = ["refresh_status"]

#: The local status a provider's ``closed_as`` forces on a checkable row.
_CLOSED: dict[StatusOutcome, str] = {
    StatusOutcome.EXPIRED: Authentication.Status.EXPIRED,
    StatusOutcome.LOCKED: Authentication.Status.LOCKED,
}


def _event_row(authentication: Authentication, event: TimelineEvent) -> StatusEvent:
    return StatusEvent(
        authentication=authentication,
        type=sanitize(event.kind, 32) or "unknown",
        status=sanitize(event.status, 32),
        occurred_at=event.occurred_at,
        provider_id=sanitize(event.provider_id, 100),
        details={
            key: (sanitize(value, 100) if isinstance(value, str) else value)
            for key, value in event.details.items()
            if value is not None
        },
    )


def _store_events(authentication: Authentication, response: StatusResult) -> int:
    """Record the events not recorded yet; returns how many were added."""
    known = set(
        StatusEvent.objects.filter(authentication=authentication).values_list(
            "type", "status", "provider_id", "occurred_at"
        )
    )
    rows = []
    for event in response.timeline:
        row = _event_row(authentication, event)
        key = (row.type, row.status, row.provider_id, row.occurred_at)
        if key not in known:
            known.add(key)
            rows.append(row)
    StatusEvent.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def refresh_status(authentication: Authentication) -> Authentication:
    """Read ``authentication`` back from the provider, record its new events
    as :class:`StatusEvent` rows and update its status (expired, locked).

    Checks of it whose answer was lost are settled from what the provider
    says (:mod:`django_ding.services.settling`): a right code it accepted
    verifies the row (``phone_verified`` is sent), a wrong one counts, one it
    never saw is released.

    A row that never reached the provider is only checked locally (a row left
    in ``sending`` too long becomes ``failed``). Raises the backend's
    ``DingError`` when the provider fails.
    """
    authentication = reload(authentication)
    now = timezone.now()
    if not authentication.provider_id:
        state_refusal(authentication, now)
        return authentication
    try:
        backend = get_backend()
        response = backend.send(StatusRequest.build(type(backend), authentication.provider_id))
    except Exception as err:
        logger.warning(
            "django-ding: status of authentication %s could not be read: %s",
            authentication.pk,
            error_code_for(err),
        )
        raise
    with transaction.atomic():
        in_doubt = settling.doubtful_checks(authentication, timezone.now()).exists()
        if in_doubt:
            # Settling a check takes the lock the checks of this number take,
            # first (the order check_code takes them in).
            limits.lock(limits.phone_key(authentication.phone_number.as_e164))
        # Serialise refreshes of one row, so events are not recorded twice.
        Authentication.objects.select_for_update().filter(pk=authentication.pk).first()
        added = _store_events(authentication, response)
        _fill_blanks(authentication, response, now)
        if in_doubt:
            _settle_doubts(authentication, response, now)
        closed = response.closed_as
        new = _CLOSED.get(closed) if closed is not None else None
        if new is not None:
            change_status(authentication, Authentication.CHECKABLE, new, now=now)
        else:
            state_refusal(authentication, now)  # local expiry
    logger.info(
        "django-ding: refreshed authentication %s (%s): %s new event(s), status %s",
        authentication.pk,
        authentication.masked_phone_number,
        added,
        authentication.status,
    )
    authentication.refresh_from_db()
    return authentication


def _settle_doubts(authentication: Authentication, response: StatusResult, read_at: Any) -> None:
    """Settle the checks in doubt from ``response`` (read at ``read_at``),
    unless a check is waiting for the provider right now. The caller holds
    the phone number's lock."""
    now = timezone.now()
    doubtful = [
        record
        for record in settling.doubtful_checks(authentication, now)
        if record.created_at < read_at
    ]
    if not doubtful:
        return
    authentication.refresh_from_db()
    if settling.live_checks(authentication, now).exists():
        return
    if settling.settle(authentication, doubtful, response, now):
        settling.announce_verified(authentication, None)


def _fill_blanks(authentication: Authentication, response: StatusResult, now: dt.datetime) -> None:
    updates: dict[str, Any] = {}
    if not authentication.correlation_id and response.correlation_id:
        updates["correlation_id"] = response.correlation_id[:200]
    if not authentication.template_id and response.template_id:
        updates["template_id"] = response.template_id[:200]
    if updates:
        Authentication.objects.filter(pk=authentication.pk).update(updated_at=now, **updates)
