"""Magic phone numbers: each makes the sandbox take one failure path.

All are valid E.164 numbers in the North American range reserved for
fiction (555-0100 to 555-0199); the other numbers of that range behave
normally. ``docs/sandbox.md`` has the same table.

======================  ====================================================
number                  what the sandbox does
======================  ====================================================
``+12025550191``        400 ``invalid_phone_number`` (create, feedback, lookup)
``+12025550192``        400 ``blocked_number`` (create)
``+12025550193``        400 ``unsupported_region`` (create)
``+12025550194``        create answers status ``rate_limited``; nothing sent
``+12025550195``        create answers status ``spam_detected``; nothing sent
``+12025550196``        provider outage: HTTP 500 ``internal_server_error``
                        (create, feedback, lookup)
``+12025550197``        slow: answers after ``DING["SANDBOX_SLOW_SECONDS"]``
                        (create, feedback, lookup)
``+12025550198``        create is ``pending`` but the message never arrives
======================  ====================================================
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

__all__ = [
    "BLOCKED_NUMBER",
    "INVALID_PHONE_NUMBER",
    "MAGIC_NUMBERS",
    "NEVER_DELIVERED",
    "OUTAGE",
    "RATE_LIMITED",
    "SLOW",
    "SPAM_DETECTED",
    "UNSUPPORTED_REGION",
    "Magic",
    "magic_for",
]


class Magic(StrEnum):
    """The failure paths the sandbox can take."""

    INVALID_PHONE_NUMBER = "invalid_phone_number"
    BLOCKED_NUMBER = "blocked_number"
    UNSUPPORTED_REGION = "unsupported_region"
    RATE_LIMITED = "rate_limited"
    SPAM_DETECTED = "spam_detected"
    OUTAGE = "outage"
    SLOW = "slow"
    NEVER_DELIVERED = "never_delivered"


INVALID_PHONE_NUMBER: Final = "+12025550191"
BLOCKED_NUMBER: Final = "+12025550192"
UNSUPPORTED_REGION: Final = "+12025550193"
RATE_LIMITED: Final = "+12025550194"
SPAM_DETECTED: Final = "+12025550195"
OUTAGE: Final = "+12025550196"
SLOW: Final = "+12025550197"
NEVER_DELIVERED: Final = "+12025550198"

#: Every magic number and its behaviour.
MAGIC_NUMBERS: Final[dict[str, Magic]] = {
    INVALID_PHONE_NUMBER: Magic.INVALID_PHONE_NUMBER,
    BLOCKED_NUMBER: Magic.BLOCKED_NUMBER,
    UNSUPPORTED_REGION: Magic.UNSUPPORTED_REGION,
    RATE_LIMITED: Magic.RATE_LIMITED,
    SPAM_DETECTED: Magic.SPAM_DETECTED,
    OUTAGE: Magic.OUTAGE,
    SLOW: Magic.SLOW,
    NEVER_DELIVERED: Magic.NEVER_DELIVERED,
}


def magic_for(phone_number: object) -> Magic | None:
    """The behaviour of ``phone_number`` (E.164), or ``None`` for a normal one."""
    if not isinstance(phone_number, str):
        return None
    return MAGIC_NUMBERS.get(phone_number)
