"""A circuit breaker for provider outages: :class:`CircuitBreaker`.

When the provider's host fails ``DING["BREAKER_FAILURES"]`` transport
attempts in a row (connection refused, connect or read timeout, connection
reset: any :class:`~django_ding.exceptions.DingTransportError`), the breaker
*opens*: for ``DING["BREAKER_COOL_OFF"]`` seconds every call raises
:class:`~django_ding.exceptions.DingCircuitOpenError` at once, before a
socket is opened, instead of waiting for its timeout and retries. Then one
call, the *probe*, goes through: its success closes the breaker, its failure
opens it for another cool-off.

The state lives in the Django cache ``DING["BREAKER_CACHE"]``, keyed by the
provider's host, so every process and thread that shares the cache shares the
breaker (Redis, Memcached or the database cache; a ``LocMemCache`` is one
breaker per process, system check ``django_ding.W005``):

* ``...:failures``: the consecutive failed attempts (``cache.incr``);
* ``...:open``: the time (``time.time()``) until which it is open, written with
  ``cache.add`` so one process opens it and logs it;
* ``...:probe``: the probe slot, taken with ``cache.add`` so one caller
  probes; it expires on its own if the prober dies.

Any HTTP answer, a 5xx or a 429 included, counts as a success: the provider
answered, quickly, and the retry policy deals with the status. Only transport
failures hold a worker for a timeout, and only they count.

A failure of the cache itself never fails a call: the breaker then lets every
call through (and logs a WARNING, at most once a minute).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from typing import Any, Final
from urllib.parse import urlsplit

from django.core.cache import caches

from django_ding import signals
from django_ding.conf import breaker_cache, breaker_cool_off, breaker_failures
from django_ding.exceptions import DingCircuitOpenError

__all__ = ["UNGUARDED", "CircuitBreaker", "Ticket", "admit", "breaker_host"]

#: How long the failure counter and the open marker are kept in the cache
#: without a new write (a day): a stale count from last week does not open it.
STATE_TTL: Final = 24 * 3600
# Seconds between two "cache unavailable" warnings of one breaker.
_CACHE_WARNING_EVERY: Final = 60.0
_KEY_PREFIX: Final = "django_ding:circuit:"


def breaker_host(base_url: str) -> str:
    """The part of ``base_url`` a breaker is shared by: ``host[:port]``,
    lower case, without any ``user:password@``."""
    parts = urlsplit(base_url)
    host = (parts.hostname or "").lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    return f"{host}:{port}" if port is not None else host


class Ticket:
    """One attempt let through by :meth:`CircuitBreaker.admit`.

    Report its outcome with :meth:`failed` (a transport failure) or
    :meth:`succeeded` (any HTTP answer).
    """

    __slots__ = ("_breaker", "_dirty", "probe")

    def __init__(self, breaker: CircuitBreaker, *, probe: bool, dirty: bool) -> None:
        self._breaker = breaker
        #: Whether this attempt is the one probe after a cool-off.
        self.probe = probe
        # Failures were counted when it was admitted: a success resets them.
        self._dirty = dirty

    def failed(self) -> bool:
        """The attempt failed in transport: count it (a probe re-opens).

        Returns whether the breaker is open now (then the call must not be
        retried).
        """
        if self.probe:
            return self._breaker._reopen()
        return self._breaker._count_failure()

    def succeeded(self) -> None:
        """The provider answered: reset the count (a probe closes)."""
        if self.probe:
            self._breaker._close()
        elif self._dirty:
            self._breaker._reset_count()


class _Unguarded(Ticket):
    """The ticket of a backend without a breaker: reports go nowhere."""

    __slots__ = ()

    def __init__(self) -> None:
        self.probe = False

    def failed(self) -> bool:
        return False

    def succeeded(self) -> None:
        pass


#: What :func:`admit` gives when there is no breaker.
UNGUARDED: Final[Ticket] = _Unguarded()


class CircuitBreaker:
    """The breaker of one provider host, shared through a Django cache.

    ``failures`` consecutive transport failures open it for ``cool_off``
    seconds; ``probe_window`` is how long the probe slot is held (one
    attempt's connect plus read timeout). ``provider`` and ``sender`` (the
    backend class) appear in the log lines and the signals.
    """

    def __init__(
        self,
        *,
        host: str,
        failures: int,
        cool_off: float,
        probe_window: float,
        cache_alias: str = "default",
        provider: str = "The provider",
        sender: type | None = None,
        logger: logging.Logger | None = None,
    ) -> None:
        self.host = host
        self.failures = failures
        self.cool_off = cool_off
        self.probe_window = probe_window
        self.cache_alias = cache_alias
        self.provider = provider
        self.sender = sender if sender is not None else type(self)
        self.logger = logger or logging.getLogger(__name__)
        key = _KEY_PREFIX + host
        self._failures_key = key + ":failures"
        self._open_key = key + ":open"
        self._probe_key = key + ":probe"
        self._warned_at = -math.inf
        self._warn_lock = threading.Lock()

    @classmethod
    def from_settings(
        cls,
        base_url: str,
        *,
        timeout: tuple[float, float],
        provider: str,
        sender: type,
        logger: logging.Logger,
    ) -> CircuitBreaker | None:
        """The breaker configured by ``DING`` for ``base_url``, or ``None``
        when ``DING["BREAKER_FAILURES"]`` is ``None`` (the default)."""
        failures = breaker_failures()
        if failures is None:
            return None
        return cls(
            host=breaker_host(base_url),
            failures=failures,
            cool_off=breaker_cool_off(),
            probe_window=sum(timeout) + 1.0,
            cache_alias=breaker_cache(),
            provider=provider,
            sender=sender,
            logger=logger,
        )

    def __repr__(self) -> str:
        return (
            f"<CircuitBreaker host={self.host!r} failures={self.failures} "
            f"cool_off={self.cool_off:g}>"
        )

    @property
    def cache(self) -> Any:
        return caches[self.cache_alias]

    # -- The calls' side -------------------------------------------------------------

    def admit(self, *, after: Exception | None = None) -> Ticket:
        """Let one attempt through, or raise :class:`DingCircuitOpenError`.

        Closed: a ticket. Open: the error, with ``retry_after`` the seconds
        until the probe. Cool-off over: the first caller to take the probe
        slot gets a probe ticket, the others the error until the probe ends.

        ``after`` is the failure of the call's previous attempt, for a retry:
        refused, the retry raises that failure instead (it says what really
        happened to the call, and whether it was sent).
        """
        try:
            return self._admit()
        except DingCircuitOpenError:
            if after is None:
                raise
            raise after from after.__cause__

    def _admit(self) -> Ticket:
        now = time.time()
        try:
            state = self.cache.get_many([self._open_key, self._failures_key])
        except Exception as err:
            self._cache_failed(err)
            return Ticket(self, probe=False, dirty=False)
        until = state.get(self._open_key)
        if until is None:
            return Ticket(self, probe=False, dirty=bool(state.get(self._failures_key)))
        if now < until:
            raise self._refusal(until - now, probing=False)
        try:
            taken = self.cache.add(
                self._probe_key, now + self.probe_window, timeout=math.ceil(self.probe_window)
            )
            holder = None if taken else self.cache.get(self._probe_key)
        except Exception as err:
            self._cache_failed(err)
            return Ticket(self, probe=False, dirty=False)
        if taken:
            self.logger.info(
                "%s circuit breaker for host %s: cool-off over, sending one probe request.",
                self.provider,
                self.host,
            )
            return Ticket(self, probe=True, dirty=True)
        wait = (holder - now) if isinstance(holder, int | float) else 1.0
        raise self._refusal(wait, probing=True)

    # -- State, for monitoring and tests ---------------------------------------------

    def is_open(self) -> bool:
        """Whether it is open: opened and not closed since (cooling off,
        waiting for its probe, or probing)."""
        try:
            until = self.cache.get(self._open_key)
        except Exception as err:
            self._cache_failed(err)
            return False
        return until is not None

    def consecutive_failures(self) -> int:
        """The transport failures counted since the last success."""
        try:
            return int(self.cache.get(self._failures_key) or 0)
        except Exception as err:
            self._cache_failed(err)
            return 0

    def reset(self) -> None:
        """Forget the state (closed, no failure counted), without a signal."""
        self.cache.delete_many([self._failures_key, self._open_key, self._probe_key])

    # -- Transitions -------------------------------------------------------------------

    def _count_failure(self) -> bool:
        cache = self.cache
        try:
            cache.add(self._failures_key, 0, timeout=STATE_TTL)
            try:
                count = int(cache.incr(self._failures_key))
            except ValueError:  # expired or reset between the two calls
                cache.set(self._failures_key, 1, timeout=STATE_TTL)
                count = 1
            if count < self.failures:
                return False
            until = time.time() + self.cool_off
            # add: of all the processes past the threshold, one opens it (and says so).
            if not cache.add(self._open_key, until, timeout=self.cool_off + STATE_TTL):
                return True
        except Exception as err:
            self._cache_failed(err)
            return False
        self.logger.warning(
            "%s circuit breaker opened for host %s after %d consecutive transport "
            "failures: calls fail at once for %g s, then one probe request.",
            self.provider,
            self.host,
            count,
            self.cool_off,
        )
        self._send(
            signals.circuit_opened,
            failures=count,
            retry_after=math.ceil(self.cool_off),
        )
        return True

    def _reopen(self) -> bool:
        until = time.time() + self.cool_off
        try:
            self.cache.set(self._open_key, until, timeout=self.cool_off + STATE_TTL)
            self.cache.delete(self._probe_key)
        except Exception as err:
            self._cache_failed(err)
            return False
        self.logger.warning(
            "%s circuit breaker for host %s: the probe request failed; open for another %g s.",
            self.provider,
            self.host,
            self.cool_off,
        )
        return True

    def _close(self) -> None:
        try:
            self.cache.delete_many([self._open_key, self._failures_key])
            self.cache.delete(self._probe_key)
        except Exception as err:
            self._cache_failed(err)
            return
        self.logger.info(
            "%s circuit breaker closed for host %s: the probe request got an answer.",
            self.provider,
            self.host,
        )
        self._send(signals.circuit_closed)

    def _reset_count(self) -> None:
        try:
            self.cache.delete(self._failures_key)
        except Exception as err:
            self._cache_failed(err)

    # -- Helpers -----------------------------------------------------------------------

    def _refusal(self, seconds: float, *, probing: bool) -> DingCircuitOpenError:
        wait = max(1, math.ceil(seconds))
        detail = "a probe request is under way" if probing else f"the next probe is in {wait} s"
        return DingCircuitOpenError(
            f"{self.provider} circuit breaker is open for host {self.host} after repeated "
            f"transport failures; nothing was sent ({detail}).",
            retry_after=wait,
        )

    def _send(self, signal: Any, **kwargs: Any) -> None:
        for receiver, result in signal.send_robust(
            sender=self.sender, host=self.host, provider=self.provider, **kwargs
        ):
            if isinstance(result, Exception):
                self.logger.error(
                    "A receiver of the circuit breaker signal failed: %r",
                    receiver,
                    exc_info=result,
                )

    def _cache_failed(self, err: Exception) -> None:
        now = time.monotonic()
        with self._warn_lock:
            if now - self._warned_at < _CACHE_WARNING_EVERY:
                return
            self._warned_at = now
        self.logger.warning(
            "%s circuit breaker for host %s cannot use the cache %r (%s); calls go through "
            "unguarded.",
            self.provider,
            self.host,
            self.cache_alias,
            type(err).__name__,
        )


def admit(breaker: CircuitBreaker | None, *, after: Exception | None = None) -> Ticket:
    """``breaker.admit(after=after)``, or :data:`UNGUARDED` without a breaker."""
    return UNGUARDED if breaker is None else breaker.admit(after=after)
