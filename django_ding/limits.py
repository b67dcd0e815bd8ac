"""Database-backed limits: every count is a query on the history tables.

Nothing is kept in a cache or in process memory, so the limits hold across
processes and servers. Each limit is checked inside a transaction that first
takes the :class:`~django_ding.models.LimitLock` rows of the keys it reads
(:func:`lock`): two requests for the same phone number are serialised, so they
cannot both pass a limit before either is recorded. On PostgreSQL the lock is
a row lock held until the end of the transaction; on SQLite the upsert takes
the database write lock, which serialises writers anyway.

Defaults and the reasons behind them are in ``docs/limits.md``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.crypto import salted_hmac

from django_ding import conf
from django_ding.models import Authentication, CheckRecord, LimitLock, RetryRecord
from django_ding.networks import client_network
from django_ding.reasons import Reason

__all__ = [
    "GLOBAL_KEY",
    "Refusal",
    "attempts_left",
    "authentication_ttl",
    "check_lock_keys",
    "client_failure_refusal",
    "ip_key",
    "lock",
    "max_check_attempts",
    "phone_failure_refusal",
    "phone_key",
    "retry_refusal",
    "seconds_until",
    "send_lock_keys",
    "send_refusal",
    "stale_sending_age",
]

#: Lock key of the site-wide hourly send cap.
GLOBAL_KEY = "send:global"

#: Extra seconds added to the longest provider call before a row still in
#: ``sending`` is considered interrupted.
STALE_MARGIN = 60.0


@dataclasses.dataclass(frozen=True, slots=True)
class Refusal:
    """Why a limit refuses an action, and the whole seconds until it would not
    (``None`` when waiting does not help)."""

    reason: Reason
    retry_after: int | None = None


# -- Settings ----------------------------------------------------------------
# Every value comes from its reader in django_ding.conf, which raises a
# DingConfigurationError naming the setting (and the system checks report it).


def _positive_int(name: str, *, allow_none: bool = False) -> int | None:
    """The whole-number setting ``name``, read by its reader (``None``: off)."""
    value: int | None = conf.READERS[name]()
    return value


def _window(name: str) -> tuple[int, int] | None:
    """A ``(count, seconds)`` setting; ``None`` disables the limit."""
    value: tuple[int, int] | None = conf.READERS[name]()
    return value


def _cooldown() -> int | None:
    """``SEND_COOLDOWN`` in seconds; ``None`` (or 0): no cooldown."""
    return conf.send_cooldown()


def max_check_attempts() -> int:
    """Wrong codes allowed per authentication (``MAX_CHECK_ATTEMPTS``)."""
    return conf.max_check_attempts()


def authentication_ttl() -> dt.timedelta:
    """Local lifetime of an authentication whose provider gave no expiry."""
    return dt.timedelta(seconds=conf.authentication_ttl())


def stale_sending_age() -> dt.timedelta:
    """How old a row still in ``sending`` must be to be treated as failed.

    The longest a provider call can take: (connect + read timeout) for every
    try the client makes, plus the waits between tries, plus a margin. A
    wrong ``TIMEOUT`` or retry setting raises (its reader names it): no
    guessed fallback.
    """
    connect, read = conf.timeout()
    retries = conf.max_retries()
    backoff = conf.retry_backoff()
    retry_after_max = conf.retry_after_max()
    waits = sum(max(backoff * 2**attempt, retry_after_max) for attempt in range(retries))
    seconds = (connect + read) * (retries + 1) + waits + STALE_MARGIN
    return dt.timedelta(seconds=seconds)


# -- Locks -------------------------------------------------------------------


#: Key salt of the lock-key HMAC (keyed by ``SECRET_KEY``).
_KEY_SALT = "django_ding.limits"


def _digest(kind: str, value: str) -> str:
    """``kind:`` and an HMAC-SHA256 of the value keyed by ``SECRET_KEY``.

    A plain hash of a phone number can be reversed by trying every number;
    without the secret key this one cannot. 70 characters, within
    ``LimitLock.key``'s 80. Changing ``SECRET_KEY`` only changes which lock
    rows are used (they hold nothing else)."""
    mac = salted_hmac(_KEY_SALT, f"{kind}:{value}", algorithm="sha256")
    return f"{kind}:{mac.hexdigest()}"


def phone_key(phone_number: str) -> str:
    """Lock key of a phone number (a keyed hash: the number itself is not stored)."""
    return _digest("phone", phone_number)


def ip_key(ip: str) -> str:
    """Lock key of a client address: a keyed hash of the network it is counted
    by (:func:`~django_ding.networks.client_network`), so every address of one
    IPv6 /64 takes the same lock."""
    return _digest("ip", client_network(ip))


def lock(*keys: str) -> None:
    """Take the lock rows of ``keys`` until the current transaction ends.

    Must be called inside ``transaction.atomic()``. Keys are taken in sorted
    order, so two transactions taking overlapping sets cannot deadlock.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("django_ding.limits.lock() must be called inside transaction.atomic()")
    now = timezone.now()
    for key in sorted(set(keys)):
        # An upsert: inserts the row, or updates it, which takes its row lock
        # (PostgreSQL) or the write lock (SQLite) until the transaction ends.
        LimitLock.objects.bulk_create(
            [LimitLock(key=key, locked_at=now)],
            update_conflicts=True,
            unique_fields=["key"],
            update_fields=["locked_at"],
        )


# -- Counting ----------------------------------------------------------------


def seconds_until(when: dt.datetime, now: dt.datetime) -> int:
    """Whole seconds from ``now`` until ``when``, at least 1."""
    return max(1, math.ceil((when - now).total_seconds()))


def _send_times(
    now: dt.datetime, seconds: int, *, auths: Q, retries: Q | None
) -> QuerySet[Any, Any]:
    """``created_at`` of the sends (new authentications, and retries that went
    to the provider) matching the filters in the last ``seconds``.

    A send or a retry that certainly never reached the provider (connection
    refused, open circuit breaker, HTTP 429: ``counts_as_send`` is ``False``)
    sent no message and is not counted."""
    since = now - dt.timedelta(seconds=seconds)
    created = Authentication.objects.filter(
        auths, counts_as_send=True, created_at__gte=since
    ).values_list("created_at", flat=True)
    if retries is None:
        return created.order_by()
    resent = RetryRecord.objects.filter(
        retries, provider_called=True, counts_as_send=True, created_at__gte=since
    ).values_list("created_at", flat=True)
    return created.order_by().union(resent.order_by(), all=True)


def _nth_latest(times: QuerySet[Any, Any], n: int) -> dt.datetime | None:
    found = list(times.order_by("-created_at")[n - 1 : n])
    return found[0] if found else None


def _window_refusal(
    now: dt.datetime,
    window: tuple[int, int] | None,
    reason: Reason,
    *,
    auths: Q,
    retries: Q | None,
) -> Refusal | None:
    """Refuse when the sends matching the filters reach ``count`` in the last
    ``seconds`` of ``window`` (``None``: no limit)."""
    if window is None:
        return None
    count, seconds = window
    times = _send_times(now, seconds, auths=auths, retries=retries)
    if times.count() < count:
        return None
    # Allowed again once the count-th most recent send leaves the window.
    oldest = _nth_latest(times, count)
    retry_after = seconds_until(oldest + dt.timedelta(seconds=seconds), now) if oldest else 1
    return Refusal(reason, retry_after)


def send_refusal(
    phone_number: str,
    *,
    ip: str | None,
    now: dt.datetime,
    cooldown_reason: Reason = Reason.COOLDOWN,
    count_ip: bool = True,
) -> Refusal | None:
    """The first send limit that refuses a send to ``phone_number``, if any.

    Checked in this order: a number locked by wrong codes (no SMS is sent to
    a number whose checks would all be refused), cooldown, per phone, per
    client address, global. Sends are new authentications (whatever became of
    them: an attempt may have reached the provider) plus retries that went to
    the provider, except those that certainly never reached it
    (``counts_as_send`` is ``False``).
    """
    locked = phone_failure_refusal(phone_number, now)
    if locked is not None:
        return locked
    by_phone = Q(phone_number=phone_number)
    retries_by_phone = Q(authentication__phone_number=phone_number)
    cooldown = _cooldown()
    if cooldown:
        latest = _nth_latest(
            _send_times(now, cooldown, auths=by_phone, retries=retries_by_phone), 1
        )
        if latest is not None:
            return Refusal(
                cooldown_reason, seconds_until(latest + dt.timedelta(seconds=cooldown), now)
            )
    refusal = _window_refusal(
        now,
        _window("SEND_LIMIT_PER_PHONE"),
        Reason.PHONE_RATE_LIMITED,
        auths=by_phone,
        retries=retries_by_phone,
    )
    if refusal is None and ip and count_ip:
        refusal = _window_refusal(
            now,
            _window("SEND_LIMIT_PER_IP"),
            Reason.IP_RATE_LIMITED,
            auths=Q(client_network=client_network(ip)),
            retries=None,
        )
    if refusal is None:
        cap = _positive_int("SEND_LIMIT_GLOBAL_PER_HOUR", allow_none=True)
        refusal = _window_refusal(
            now,
            None if cap is None else (cap, 3600),
            Reason.GLOBAL_RATE_LIMITED,
            auths=Q(),
            retries=Q(),
        )
    return refusal


def send_lock_keys(phone_number: str, ip: str | None) -> list[str]:
    """The lock keys a send (or a retry, without ``ip``) must hold."""
    keys = [phone_key(phone_number)]
    if ip and conf.send_limit_per_ip() is not None:
        keys.append(ip_key(ip))
    if conf.send_limit_global_per_hour() is not None:
        keys.append(GLOBAL_KEY)
    return keys


def retry_refusal(authentication: Authentication, now: dt.datetime) -> Refusal | None:
    """What the provider told us about retries (``remaining_retry``,
    ``next_retry_at``), then the local send limits of the phone number."""
    if authentication.remaining_retry is not None and authentication.remaining_retry <= 0:
        return Refusal(Reason.NO_RETRIES_LEFT)
    if authentication.next_retry_at is not None and authentication.next_retry_at > now:
        return Refusal(Reason.RETRY_NOT_YET, seconds_until(authentication.next_retry_at, now))
    return send_refusal(
        authentication.phone_number.as_e164,
        ip=None,
        now=now,
        cooldown_reason=Reason.RETRY_NOT_YET,
        count_ip=False,
    )


def _failure_refusal(
    failures: Q, now: dt.datetime, limit_name: str, window_name: str, reason: Reason
) -> Refusal | None:
    """Refuse when the wrong codes matching ``failures`` reach the limit of
    ``limit_name`` in the last ``window_name`` seconds (either ``None``: off)."""
    limit = _positive_int(limit_name, allow_none=True)
    window = _positive_int(window_name, allow_none=True)
    if limit is None or window is None:
        return None
    times = CheckRecord.objects.filter(
        failures,
        counts_as_failure=True,
        created_at__gte=now - dt.timedelta(seconds=window),
    ).values_list("created_at", flat=True)
    if times.count() < limit:
        return None
    oldest = _nth_latest(times, limit)
    retry_after = seconds_until(oldest + dt.timedelta(seconds=window), now) if oldest else 1
    return Refusal(reason, retry_after)


def phone_failure_refusal(phone_number: str, now: dt.datetime) -> Refusal | None:
    """Refuse checks (and sends) for a phone number with too many wrong codes
    lately, across all its authentications (``MAX_FAILED_CHECKS_PER_PHONE``
    per ``PHONE_FAILURE_WINDOW`` seconds). A resend never resets this count."""
    return _failure_refusal(
        Q(authentication__phone_number=phone_number),
        now,
        "MAX_FAILED_CHECKS_PER_PHONE",
        "PHONE_FAILURE_WINDOW",
        Reason.PHONE_LOCKED,
    )


def client_failure_refusal(ip: str | None, now: dt.datetime) -> Refusal | None:
    """Refuse checks from a client address with too many wrong codes lately,
    whatever the numbers (``MAX_FAILED_CHECKS_PER_CLIENT`` per
    ``CLIENT_FAILURE_WINDOW`` seconds). An IPv6 client is counted by its
    network (:func:`~django_ding.networks.client_network`). ``None`` (no
    trusted address): no limit."""
    if not ip:
        return None
    return _failure_refusal(
        Q(client_network=client_network(ip)),
        now,
        "MAX_FAILED_CHECKS_PER_CLIENT",
        "CLIENT_FAILURE_WINDOW",
        Reason.CLIENT_LOCKED,
    )


def check_lock_keys(phone_number: str, ip: str | None) -> list[str]:
    """The lock keys a check must hold: its number's, and its client's when
    the per-client limit applies."""
    keys = [phone_key(phone_number)]
    if ip and conf.max_failed_checks_per_client() is not None:
        keys.append(ip_key(ip))
    return keys


def attempts_left(authentication: Authentication) -> int:
    """Wrong codes this authentication still allows (checks in progress count)."""
    used = authentication.failed_checks + authentication.checks_in_progress
    return max(0, max_check_attempts() - used)
