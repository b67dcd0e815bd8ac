"""Prelude-style ids: a prefix and 26 characters of lower-case Crockford
base32, ULID-like (48 bits of milliseconds, 80 random bits), e.g.
``vrf_01jc0t6fwwfgfsq1md24mhyztj``."""

from __future__ import annotations

import re
import secrets
import time
import uuid

__all__ = ["VERIFICATION_ID", "attempt_id", "new_id", "new_verification_id"]

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
_LENGTH = 26

#: What a verification id looks like.
VERIFICATION_ID = re.compile(r"vrf_[0-9a-hjkmnp-tv-z]{26}")


def _encode(value: int) -> str:
    chars = []
    for _ in range(_LENGTH):
        chars.append(_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def new_id(prefix: str) -> str:
    """A fresh ``<prefix>_<26 chars>`` id, sortable by creation time."""
    millis = time.time_ns() // 1_000_000
    return f"{prefix}_{_encode((millis << 80) | secrets.randbits(80))}"


def new_verification_id() -> str:
    return new_id("vrf")


def attempt_id(value: uuid.UUID) -> str:
    """The stable ``att_`` id of an attempt whose row id is ``value``."""
    return f"att_{_encode(value.int)}"
