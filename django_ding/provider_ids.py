"""The provider's id of an authentication, in one place.

Ding v1 names an authentication with a UUID, Prelude v2 with an opaque string
(``vrf_01jc0t6fwwfgfsq1md24mhyztj``). ``Authentication.provider_id`` holds
either: a UUID in its canonical form (lower case, with dashes, as
``str(uuid.UUID(x))`` writes it), anything else exactly as the provider sent it.
"""

from __future__ import annotations

import re
import uuid

__all__ = ["MAX_LENGTH", "as_uuid", "canonical", "from_query"]

#: Longest id stored (``Authentication.provider_id.max_length``).
MAX_LENGTH = 64

# Visible ASCII, no spaces: what an id may contain.
_OPAQUE = re.compile(rf"[\x21-\x7e]{{1,{MAX_LENGTH}}}")
# An id a person may type in a search box: a prefix, an underscore, the rest
# (``vrf_01jc0t6fwwfgfsq1md24mhyztj``). Words and numbers are not ids.
_PREFIXED = re.compile(r"[A-Za-z]+_[0-9A-Za-z_-]+")


def canonical(value: object) -> str:
    """The id to store for ``value``, a provider's answer.

    A UUID (a ``uuid.UUID``, or a string in any spelling ``uuid.UUID``
    reads) becomes its canonical form; any other string of 1 to
    :data:`MAX_LENGTH` visible ASCII characters is kept as it is. Raises
    ``ValueError`` for anything else (empty, too long, spaces, control or
    non-ASCII characters, not a string).
    """
    if isinstance(value, uuid.UUID):
        return str(value)
    if not isinstance(value, str) or not _OPAQUE.fullmatch(value):
        raise ValueError("A provider id is 1 to 64 visible ASCII characters without spaces.")
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return value


def from_query(term: str) -> str | None:
    """The id a person typed (admin search, ``ding_status``), or ``None``.

    A UUID in any spelling (upper case, without dashes, ``urn:uuid:``...) is
    canonicalised; a prefixed id such as ``vrf_...`` is kept as it is
    (ids are case-sensitive). Anything else is not an id.
    """
    term = term.strip()
    if len(term) > 2 * MAX_LENGTH:
        return None
    try:
        return str(uuid.UUID(term))
    except ValueError:
        pass
    return term if len(term) <= MAX_LENGTH and _PREFIXED.fullmatch(term) else None


def as_uuid(provider_id: str | None) -> uuid.UUID | None:
    """``provider_id`` as a ``uuid.UUID`` when it is a Ding v1 id, else ``None``."""
    if not provider_id:
        return None
    try:
        return uuid.UUID(provider_id)
    except ValueError:
        return None
