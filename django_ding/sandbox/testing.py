"""Helpers for your own test suite: read the codes the sandbox "sent".

With ``DING["BACKEND"] = "django_ding.sandbox.backend.SandboxBackend"`` or
``"django_ding.sandbox.backend.PreludeSandboxBackend"`` (or ``DingBackend`` /
``PreludeBackend`` pointed at the sandbox's HTTP faces on a live server)::

    from django_ding.sandbox.testing import clear_outbox, last_code, outbox

    def test_signup(client):
        client.post("/verify/", {"phone_number": "+33612345678"})  # ding:send
        code = last_code("+33612345678")
        client.post("/verify/check/", {"code": code})

The pytest fixture ``ding_outbox`` lives in
:mod:`django_ding.sandbox.pytest_plugin`. See ``docs/testing.md``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import phonenumbers

from django_ding.privacy import mask_phone
from django_ding.sandbox import outbox as _outbox
from django_ding.sandbox.models import SandboxMessage

__all__ = ["NoSandboxMessage", "OutboxMessage", "clear_outbox", "last_code", "outbox"]


class NoSandboxMessage(LookupError):
    """No sandbox message was sent to the number asked for."""


@dataclasses.dataclass(frozen=True, slots=True)
class OutboxMessage:
    """A message of the sandbox outbox."""

    phone_number: str
    text: str
    code: str
    authentication_uuid: str
    attempt_number: int
    sender_id: str
    created_at: dt.datetime
    #: The v2 ``vrf_`` id for a message of the v2 face (else ``""``).
    verification_id: str = ""

    @classmethod
    def from_model(cls, message: SandboxMessage) -> OutboxMessage:
        return cls(
            phone_number=message.phone_number,
            text=message.text,
            code=message.code,
            authentication_uuid=str(message.authentication_uuid),
            attempt_number=message.attempt_number,
            sender_id=message.sender_id,
            created_at=message.created_at,
            verification_id=message.verification_id,
        )


def outbox(phone_number: object = None) -> list[OutboxMessage]:
    """The messages in the outbox, oldest first (like ``mail.outbox``),
    optionally only those to ``phone_number`` (a string or a ``PhoneNumber``)."""
    number = None if phone_number is None else normalize_phone_number(phone_number)
    return [OutboxMessage.from_model(m) for m in reversed(_outbox.messages(number))]


def last_code(phone_number: object) -> str:
    """The code of the newest message to ``phone_number``.

    Raises :class:`NoSandboxMessage` when none was sent to it.
    """
    number = normalize_phone_number(phone_number)
    messages = _outbox.messages(number, limit=1)
    if not messages:
        total = len(_outbox.messages())
        raise NoSandboxMessage(
            f"No sandbox message was sent to {mask_phone(number)} "
            f"({total} message(s) in the outbox to other numbers). Is "
            "DING['BACKEND'] the sandbox, and did the send succeed?"
        )
    return messages[0].code


def clear_outbox() -> int:
    """Empty the outbox; return how many messages were dropped."""
    return _outbox.clear()


def normalize_phone_number(value: object) -> str:
    """``value`` (a string in E.164, or a ``PhoneNumber``) in E.164."""
    if isinstance(value, phonenumbers.PhoneNumber):
        return phonenumbers.format_number(value, phonenumbers.PhoneNumberFormat.E164)
    if not isinstance(value, str) or not value.strip():
        raise TypeError(f"Expected a phone number in E.164 format, not {type(value).__name__}.")
    text = value.strip()
    try:
        parsed = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException as err:
        raise ValueError(
            f"{mask_phone(text)} is not a phone number in E.164 format (+33612345678)."
        ) from err
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
