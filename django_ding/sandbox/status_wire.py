"""The ``AuthenticationStatusResponse`` of a sandbox authentication.

Codes never leave the sandbox this way: an attempt's ``content`` has its code
replaced by asterisks, and a check's ``code`` is always ``"******"`` (what
was typed is not kept).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django_ding.backends.enums import AttemptStatus, Capability, DeliveryStatus, EventType
from django_ding.backends.results import SIGNAL_FIELDS, format_wire_datetime
from django_ding.sandbox.models import SandboxAuthentication

__all__ = ["MASKED_CODE", "status_wire"]

#: What a check event shows instead of the code.
MASKED_CODE = "******"


def status_wire(auth: SandboxAuthentication, now: dt.datetime) -> dict[str, Any]:
    """The wire body for ``auth`` as seen at ``now``."""
    fields = auth.fields
    out: dict[str, Any] = {"uuid": str(auth.uuid), "phone_number": auth.phone_number}
    for name in ("template_id", "correlation_id"):
        if name in fields:
            out[name] = fields[name]
    out["created_at"] = format_wire_datetime(auth.created_at)
    signals = {name: fields[name] for name in SIGNAL_FIELDS if name in fields}
    if signals:
        out["signals"] = signals
    out["events"] = [event for _, event in sorted(_events(auth, now), key=lambda pair: pair[0])]
    return out


def _events(
    auth: SandboxAuthentication, now: dt.datetime
) -> list[tuple[dt.datetime, dict[str, Any]]]:
    expired = now >= auth.expires_at
    sender_id = auth.fields.get("sender_id")
    events: list[tuple[dt.datetime, dict[str, Any]]] = []
    for attempt in auth.attempts.all():
        when = format_wire_datetime(attempt.created_at)
        if attempt.delivered:
            status = AttemptStatus.DELIVERED
        else:
            status = AttemptStatus.EXPIRED if expired else AttemptStatus.PENDING
        event: dict[str, Any] = {
            "type": EventType.ATTEMPT.value,
            "created_at": when,
            "id": str(attempt.attempt_id),
            "content": attempt.masked_content,
        }
        if sender_id:
            event["sender_id"] = sender_id
        event.update(
            capability=Capability.TEXT.value,
            attempt_number=attempt.attempt_number,
            status=status.value,
        )
        events.append((attempt.created_at, event))
        delivery_statuses = [DeliveryStatus.SUBMITTED]
        if attempt.delivered:
            delivery_statuses.append(DeliveryStatus.DELIVERED)
        for delivery_status in delivery_statuses:
            delivery = {
                "type": EventType.DELIVERY_STATUS.value,
                "created_at": when,
                "status": delivery_status.value,
                "attempt_id": str(attempt.attempt_id),
                "attempt_number": attempt.attempt_number,
                "originated_at": when,
            }
            events.append((attempt.created_at, delivery))
    for record in auth.checks.all():
        check = {
            "type": EventType.CHECK.value,
            "created_at": format_wire_datetime(record.created_at),
            "id": str(record.check_id),
            "code": MASKED_CODE,
            "status": record.status,
        }
        events.append((record.created_at, check))
    return events
