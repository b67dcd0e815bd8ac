"""What every service shares: the logger, phone number normalisation, status
transitions with their signals, and error codes for the history."""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Any, TypeVar

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.dispatch import Signal
from django.utils import timezone
from phonenumber_field.phonenumber import PhoneNumber

from django_ding import limits, signals
from django_ding.conf import default_region
from django_ding.exceptions import (
    DingAPIError,
    DingCircuitOpenError,
    DingConnectionError,
    DingError,
    DingInvalidResponseError,
    DingStorageError,
    DingTimeoutError,
    DingTransportError,
)
from django_ding.models import Authentication
from django_ding.reasons import Reason

if TYPE_CHECKING:
    from django.http import HttpRequest

__all__ = [
    "INTERRUPTED",
    "STORAGE_TRIES",
    "change_status",
    "emit",
    "error_code_for",
    "fail_if_interrupted",
    "logger",
    "may_have_reached_provider",
    "normalize_phone_number",
    "persist",
    "reload",
    "resolve_user",
    "sanitize",
    "sent_id",
    "state_refusal",
]

#: The services' logger. Messages carry masked phone numbers only, never a
#: code or an API key.
logger = logging.getLogger("django_ding.services")

#: ``error_code`` of a row left in ``sending`` longer than any provider call
#: can take (the process died during the call).
INTERRUPTED = "interrupted"

# The longest input worth parsing as a phone number.
_MAX_PHONE_INPUT = 64


def normalize_phone_number(value: object) -> PhoneNumber:
    """Return ``value`` as a valid ``PhoneNumber`` (E.164), or raise
    ``ValueError``. Numbers without a ``+country`` prefix are read in
    ``DING["DEFAULT_REGION"]`` when it is set."""
    if isinstance(value, PhoneNumber):
        number = value
    elif isinstance(value, str):
        text = value.strip()
        if not text or len(text) > _MAX_PHONE_INPUT:
            raise ValueError("Enter a valid phone number.")
        region = default_region()
        try:
            number = PhoneNumber.from_string(text, region=region)
        except Exception as err:  # NumberParseException and friends
            raise ValueError("Enter a valid phone number.") from err
    else:
        raise ValueError(
            f"A phone number must be a string or a PhoneNumber, not {type(value).__name__}."
        )
    if not number.is_valid():
        raise ValueError("Enter a valid phone number.")
    return number


def e164(value: object) -> str:
    return str(normalize_phone_number(value).as_e164)


_UNSAFE = re.compile(r"[^A-Za-z0-9_.:\-]")


def sanitize(value: object, max_length: int) -> str:
    """A provider-supplied token made safe to store and log (short, plain)."""
    if value is None:
        return ""
    return _UNSAFE.sub("_", str(value))[:max_length]


def error_code_for(err: BaseException) -> str:
    """The ``error_code`` recorded for an exception raised by a backend."""
    if isinstance(err, DingInvalidResponseError):
        return "invalid_response"
    if isinstance(err, DingAPIError):
        return sanitize(err.code, 64) if err.code else f"http_{int(err.status_code)}"
    if isinstance(err, DingTimeoutError):
        return "timeout"
    if isinstance(err, DingConnectionError):
        return "connection_error"
    if isinstance(err, DingCircuitOpenError):
        return "circuit_open"
    if isinstance(err, DingStorageError):
        return "storage_error"
    if isinstance(err, DingTransportError):
        return "transport_error"
    if isinstance(err, DingError):
        return "provider_error"
    return "internal_error"


def may_have_reached_provider(err: BaseException) -> bool:
    """Whether the failed call ``err`` may have made the provider act (send a
    message, count a check).

    ``False`` only when it certainly did not: the request never left
    (connection refused, DNS failure, connect timeout, open circuit breaker:
    ``DingTransportError.request_sent`` is ``False``) or the provider turned
    it away before acting (HTTP 429). A read timeout, a dropped connection, a
    5xx or an unreadable answer may all hide a message that went out.
    """
    if isinstance(err, DingTransportError):
        return err.request_sent
    if isinstance(err, DingAPIError) and not isinstance(err, DingInvalidResponseError):
        return err.status_code != 429
    return True


#: How many times :func:`persist` tries a write before giving up.
STORAGE_TRIES = 3
# Pause between two tries (doubles each time).
_STORAGE_PAUSE = 0.05

_T = TypeVar("_T")


def persist(write: Callable[[], _T], *, what: str) -> _T:
    """Run ``write`` (one unit of work that opens its own
    ``transaction.atomic()``), trying again on a ``DatabaseError``.

    For the writes that record what the provider already did (a code sent, a
    code found right or wrong): losing them would lose a verification, and a
    database hiccup of one statement must not. After :data:`STORAGE_TRIES`
    failures it raises :class:`DingStorageError` from the last one; ``what``
    names the write in the log line (never personal data). Inside a
    caller's broken transaction every try fails at once: the error is raised
    without waiting.
    """
    pause = _STORAGE_PAUSE
    for attempt in range(1, STORAGE_TRIES + 1):
        try:
            return write()
        except DatabaseError as err:
            connection = transaction.get_connection()
            broken = connection.in_atomic_block and connection.needs_rollback
            if attempt == STORAGE_TRIES or broken:
                logger.error(
                    "django-ding: could not record %s (%s, %d tries)",
                    what,
                    type(err).__name__,
                    attempt,
                )
                raise DingStorageError(
                    f"The verification history could not record {what}."
                ) from err
            logger.warning(
                "django-ding: recording %s failed (%s); trying again", what, type(err).__name__
            )
            time.sleep(pause)
            pause *= 2
    raise AssertionError("unreachable")  # pragma: no cover


def emit(signal: Signal, **kwargs: Any) -> None:
    """Send ``signal`` once the current transaction commits (at once outside
    one); never when it rolls back. A failing receiver is logged and does not
    stop the others."""

    def send() -> None:
        for receiver, response in signal.send_robust(**kwargs):
            if isinstance(response, Exception):
                logger.error(
                    "django-ding: signal receiver %r failed: %s",
                    receiver,
                    type(response).__name__,
                    exc_info=response,
                )

    transaction.on_commit(send)


def change_status(
    authentication: Authentication,
    old: str | Collection[str],
    new: str,
    *,
    now: dt.datetime | None = None,
    where: Q | None = None,
    **fields: Any,
) -> bool:
    """Move ``authentication`` from ``old`` (a status, or several) to ``new``
    with a conditional UPDATE (it only happens if the row is still in ``old``),
    update ``fields`` with it, and send ``status_changed`` on commit. Returns
    whether this call made the change; the instance is refreshed either way.
    ``where`` adds a condition."""
    now = now or timezone.now()
    olds = [old] if isinstance(old, str) else sorted(old)
    if authentication.status in olds:  # the likely one first
        olds.remove(authentication.status)
        olds.insert(0, authentication.status)
    changed_from = None
    for candidate in olds:
        rows = Authentication.objects.filter(pk=authentication.pk, status=candidate)
        if where is not None:
            rows = rows.filter(where)
        if rows.update(status=new, updated_at=now, **fields):
            changed_from = candidate
            break
    authentication.refresh_from_db()
    if changed_from is not None:
        logger.info(
            "django-ding: authentication %s of %s: %s -> %s",
            authentication.pk,
            authentication.masked_phone_number,
            changed_from,
            new,
        )
        emit(
            signals.status_changed,
            sender=Authentication,
            authentication=authentication,
            old_status=changed_from,
            new_status=new,
        )
    return changed_from is not None


def backend_path(backend: object) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"[:200]


def reload(authentication: Authentication) -> Authentication:
    """Refresh the caller's instance from the database (in place)."""
    if not isinstance(authentication, Authentication):
        raise TypeError(f"Expected an Authentication, not {type(authentication).__name__}.")
    if authentication.pk is None:
        raise ValueError("This Authentication was never saved.")
    authentication.refresh_from_db()
    return authentication


def fail_if_interrupted(authentication: Authentication, now: dt.datetime | None = None) -> bool:
    """Mark ``authentication`` ``failed`` (``error_code="interrupted"``) when
    it has been ``sending`` longer than any provider call can take (the
    process died during the call). Returns whether it did."""
    now = now or timezone.now()
    cutoff = now - limits.stale_sending_age()
    if (
        authentication.status != Authentication.Status.SENDING
        or authentication.created_at >= cutoff
    ):
        return False
    return change_status(
        authentication,
        Authentication.Status.SENDING,
        Authentication.Status.FAILED,
        where=Q(created_at__lt=cutoff),
        error_code=INTERRUPTED,
    )


def state_refusal(authentication: Authentication, now: Any) -> limits.Refusal | None:
    """Refusals that depend only on the row's status (shared by checks and
    retries). Moves a pending row past ``expires_at`` to ``expired``."""
    status = authentication.status
    if status == Authentication.Status.VERIFIED:
        return limits.Refusal(Reason.ALREADY_VERIFIED)
    if status == Authentication.Status.LOCKED:
        return limits.Refusal(Reason.LOCKED)
    if status == Authentication.Status.EXPIRED:
        return limits.Refusal(Reason.EXPIRED)
    if status not in Authentication.CHECKABLE or not authentication.provider_id:
        fail_if_interrupted(authentication, now)
        return limits.Refusal(Reason.NOT_SENT)
    if authentication.is_expired(now):
        change_status(
            authentication, Authentication.CHECKABLE, Authentication.Status.EXPIRED, now=now
        )
        return limits.Refusal(Reason.EXPIRED)
    return None


def sent_id(authentication: Authentication) -> str:
    """The provider's id of ``authentication``, for a call about it; raises
    ``ValueError`` when it has none (:func:`state_refusal` refuses those)."""
    if not authentication.provider_id:
        raise ValueError(f"Authentication {authentication.pk} has no provider id yet.")
    return authentication.provider_id


def resolve_user(user: Any, request: HttpRequest | None) -> Any:
    """The user to record (a saved ``AUTH_USER_MODEL`` instance or ``None``):
    ``user``, else the request's authenticated user.
    Anonymous users are ``None``; anything else that is not a saved user of
    ``AUTH_USER_MODEL`` is an error."""
    if user is None and request is not None:
        user = getattr(request, "user", None)
    if user is None or isinstance(user, AnonymousUser):
        return None
    if not isinstance(user, get_user_model()):
        raise TypeError(f"user must be a {get_user_model().__name__}, not {type(user).__name__}.")
    if user.pk is None:
        raise ValueError("user must be saved before a code is sent for it.")
    return user
