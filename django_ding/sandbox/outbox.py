"""The sandbox outbox: where the simulated SMS land.

Each delivery is logged to the console by the ``django_ding.sandbox`` logger
at INFO level, *with its code*: the console is the developer's phone. This is
the one place django-ding prints a code on purpose, and only the sandbox does
it. The phone number is masked.
"""

from __future__ import annotations

import logging
import uuid

from django.db import transaction

from django_ding.privacy import mask_phone
from django_ding.sandbox.codes import SandboxText
from django_ding.sandbox.models import SandboxMessage
from django_ding.sandbox.options import outbox_size

__all__ = ["clear", "deliver", "messages"]

logger = logging.getLogger("django_ding.sandbox")


def deliver(
    *,
    phone_number: str,
    authentication_uuid: uuid.UUID,
    attempt_number: int,
    verification_id: str = "",
    text: SandboxText,
    sender_id: str = "",
) -> SandboxMessage:
    """Put a message in the outbox, drop the oldest beyond the cap, log it."""
    size = outbox_size()
    with transaction.atomic():
        message = SandboxMessage.objects.create(
            phone_number=phone_number,
            text=text.text,
            code_start=text.code_start,
            code_length=text.code_length,
            authentication_uuid=authentication_uuid,
            verification_id=verification_id,
            attempt_number=attempt_number,
            sender_id=sender_id,
        )
        boundary = list(
            SandboxMessage.objects.order_by("-id").values_list("id", flat=True)[size : size + 1]
        )
        if boundary:
            SandboxMessage.objects.filter(id__lte=boundary[0]).delete()
    logger.info(
        "Sandbox SMS to %s, code %s: %s",
        mask_phone(phone_number),
        text.text[text.code_start : text.code_start + text.code_length],
        text.text,
    )
    return message


def messages(phone_number: str | None = None, *, limit: int | None = None) -> list[SandboxMessage]:
    """The messages in the outbox, newest first, optionally to one number."""
    queryset = SandboxMessage.objects.order_by("-created_at", "-id")
    if phone_number is not None:
        queryset = queryset.filter(phone_number=phone_number)
    if limit is not None:
        queryset = queryset[: max(limit, 0)]
    return list(queryset)


def clear() -> int:
    """Empty the outbox; return how many messages were dropped."""
    deleted, _ = SandboxMessage.objects.all().delete()
    return deleted
