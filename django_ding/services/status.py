"""Reading an authentication back from the provider: :func:`refresh_status`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from django_ding.backends import get_backend
from django_ding.backends.enums import AttemptStatus, CheckStatus, EventType
from django_ding.backends.results import (
    AttemptEvent,
    AuthenticationEvent,
    AuthenticationStatusResponse,
    BalanceUpdateEvent,
    CheckEvent,
    DeliveryStatusEvent,
    format_wire_datetime,
)
from django_ding.models import Authentication, StatusEvent
from django_ding.services.records import (
    change_status,
    error_code_for,
    logger,
    reload,
    sanitize,
    state_refusal,
)

__all__ = ["refresh_status"]


def _details(event: AuthenticationEvent) -> dict[str, Any]:
    """The non-secret fields of an event: never a code or a message body, and
    nothing of an event type this client does not know."""
    if isinstance(event, AttemptEvent):
        details: dict[str, Any] = {
            "capability": event.capability,
            "attempt_number": event.attempt_number,
            "sender_id": event.sender_id,
        }
    elif isinstance(event, DeliveryStatusEvent):
        details = {
            "attempt_number": event.attempt_number,
            "originated_at": (
                format_wire_datetime(event.originated_at) if event.originated_at else None
            ),
        }
    elif isinstance(event, BalanceUpdateEvent):
        details = {"balance_update_type": event.balance_update_type, "amount": event.amount}
    else:  # CheckEvent (the code stays out) and unknown types
        details = {}
    return {
        key: (sanitize(value, 100) if isinstance(value, str) else value)
        for key, value in details.items()
        if value is not None
    }


def _kind(event: AuthenticationEvent) -> str | None:
    kind = event.type or event.event_type
    return str(kind) if kind else None


def _event_row(authentication: Authentication, event: AuthenticationEvent) -> StatusEvent:
    if isinstance(event, AttemptEvent | CheckEvent):
        provider_id = event.id
    elif isinstance(event, DeliveryStatusEvent):
        provider_id = event.attempt_id
    else:
        provider_id = None
    return StatusEvent(
        authentication=authentication,
        type=sanitize(_kind(event), 32) or "unknown",
        status=sanitize(getattr(event, "status", None), 32),
        occurred_at=event.created_at,
        provider_id=sanitize(provider_id, 100),
        details=_details(event),
    )


def _store_events(authentication: Authentication, response: AuthenticationStatusResponse) -> int:
    """Record the events not recorded yet; returns how many were added."""
    known = set(
        StatusEvent.objects.filter(authentication=authentication).values_list(
            "type", "status", "provider_id", "occurred_at"
        )
    )
    rows = []
    for event in response.events:
        row = _event_row(authentication, event)
        key = (row.type, row.status, row.provider_id, row.occurred_at)
        if key not in known:
            known.add(key)
            rows.append(row)
    StatusEvent.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def _terminal_status(response: AuthenticationStatusResponse) -> str | None:
    """A status the provider's events force on a pending row. Never
    ``verified``: only a ``valid`` answer to :func:`check_code` verifies."""
    for event in response.events:
        status = getattr(event, "status", None)
        kind = _kind(event)
        if kind == EventType.CHECK and status == CheckStatus.EXPIRED_AUTH:
            return Authentication.Status.EXPIRED
        if kind == EventType.ATTEMPT and status == AttemptStatus.EXPIRED:
            return Authentication.Status.EXPIRED
        if kind == EventType.CHECK and status == CheckStatus.RATE_LIMITED:
            return Authentication.Status.LOCKED
    return None


def refresh_status(authentication: Authentication) -> Authentication:
    """Read ``authentication`` back from the provider, record its new events
    as :class:`StatusEvent` rows and update its status (expired, locked).

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
        response = get_backend().get_authentication_status(authentication.provider_id)
    except Exception as err:
        logger.warning(
            "django-ding: status of authentication %s could not be read: %s",
            authentication.pk,
            error_code_for(err),
        )
        raise
    with transaction.atomic():
        # Serialise refreshes of one row, so events are not recorded twice.
        Authentication.objects.select_for_update().filter(pk=authentication.pk).first()
        added = _store_events(authentication, response)
        _fill_blanks(authentication, response, now)
        new = _terminal_status(response)
        if new is not None:
            change_status(authentication, Authentication.Status.PENDING, new, now=now)
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


def _fill_blanks(
    authentication: Authentication, response: AuthenticationStatusResponse, now: dt.datetime
) -> None:
    updates: dict[str, Any] = {}
    if not authentication.correlation_id and response.correlation_id:
        updates["correlation_id"] = response.correlation_id[:200]
    if not authentication.template_id and response.template_id:
        updates["template_id"] = response.template_id[:200]
    if updates:
        Authentication.objects.filter(pk=authentication.pk).update(updated_at=now, **updates)
