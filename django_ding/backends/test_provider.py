"""The in-memory provider behind :mod:`django_ding.backends.test`.

One :class:`TestProvider` (:data:`provider`) is shared by every test backend
instance of the process (``get_backend()`` builds a new instance whenever the
``DING`` setting changes), so a test scripts it and reads it back whatever
instance its code used. Nothing here touches the database, an installed app
or the network.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from django.utils import timezone

__all__ = [
    "DEFAULT_CODE",
    "Call",
    "Scripted",
    "SentCode",
    "TestProvider",
    "Verification",
    "provider",
]

#: The code every verification gets unless ``TestProvider.code`` says otherwise.
DEFAULT_CODE = "123456"


@dataclasses.dataclass(frozen=True, slots=True)
class SentCode:
    """A message the test provider "sent": what a user would have received."""

    phone_number: str
    code: str
    #: The provider id it was sent for.
    provider_id: str
    #: ``create_authentication`` or ``retry``.
    operation: str
    sent_at: dt.datetime


class Call(NamedTuple):
    """One call to a test backend, with its arguments by name (a pair, so
    ``("check", {...}) == call`` and ``name, kwargs = call`` work)."""

    operation: str
    kwargs: dict[str, Any]


@dataclasses.dataclass(frozen=True, slots=True)
class Scripted:
    """A scripted answer given as an outcome (or a wire status), with what the
    provider would add: the ``reason`` of a block, a ``provider_id`` to answer
    with instead of the simulated one."""

    outcome: Any
    reason: str | None = None
    provider_id: str | None = None


@dataclasses.dataclass(slots=True)
class Verification:
    """What the test provider knows of one verification (a v2 window)."""

    provider_id: str
    phone_number: str
    created_at: dt.datetime
    expires_at: dt.datetime
    codes: list[str] = dataclasses.field(default_factory=list)
    #: ``open``, ``converted`` (right code), ``closed`` (expired, too many
    #: checks, closed by the test).
    state: str = "open"
    failed_checks: int = 0
    checks: list[tuple[dt.datetime, bool]] = dataclasses.field(default_factory=list)
    attempts: list[tuple[dt.datetime, str]] = dataclasses.field(default_factory=list)

    def is_open(self, now: dt.datetime) -> bool:
        return self.state == "open" and now < self.expires_at


class TestProvider:
    """Scripted answers, an outbox, a call log and the simulated provider state.

    ``queue(operation, *answers)`` answers the next calls of ``operation``, in
    order; ``always(operation, answer)`` answers every call without a queued
    answer. An answer is a result object (returned), an exception instance
    (raised), a callable (called with the call's arguments by name; its
    return value is an answer), a mapping (looked up by the call's key: the
    provider id for ``check``/``retry``/``get_authentication_status``, the
    phone number otherwise; a missing key falls back to the default), an
    outcome of :mod:`django_ding.backends.outcomes` (built into the provider's
    real result class) or a plain string (the provider's wire status).
    """

    __test__ = False  # not a pytest test class

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        """Forget everything: scripts, outbox, calls, verifications, settings."""
        with self._lock:
            self.outbox: list[SentCode] = []
            self.calls: list[Call] = []
            self.verifications: dict[str, Verification] = {}
            self._queued: dict[str, deque[Any]] = defaultdict(deque)
            self._always: dict[str, Any] = {}
            #: The code of every new verification and resend.
            self.code = DEFAULT_CODE
            #: Seconds each call sleeps (outside the lock), to widen races.
            self.delay = 0.0
            #: How long a verification stays open.
            self.lifetime = dt.timedelta(minutes=10)
            #: Wrong codes after which a verification closes (``None``: never).
            self.max_failed_checks: int | None = None
            #: Ding v1 retry pacing: seconds announced (and enforced) between
            #: resends, and resends allowed per authentication.
            self.retry_wait = 30
            self.max_retries = 3
            self._serial = 0

    # -- Scripting -------------------------------------------------------------

    def queue(self, operation: str, *answers: Any) -> None:
        with self._lock:
            self._queued[operation].extend(answers)

    def always(self, operation: str, answer: Any) -> None:
        """Answer every call of ``operation`` that has nothing queued (``None``
        restores the simulated default)."""
        with self._lock:
            if answer is None:
                self._always.pop(operation, None)
            else:
                self._always[operation] = answer

    def fail(self, operation: str, error: BaseException) -> None:
        """Make every call of ``operation`` raise ``error``."""
        self.always(operation, error)

    # -- Reading back ----------------------------------------------------------

    def calls_to(self, operation: str) -> list[Mapping[str, Any]]:
        with self._lock:
            return [call.kwargs for call in self.calls if call.operation == operation]

    def count(self, operation: str) -> int:
        return len(self.calls_to(operation))

    def last_code(self, phone_number: str | None = None) -> str:
        """The code last sent (to ``phone_number``); ``LookupError`` if none."""
        with self._lock:
            for sent in reversed(self.outbox):
                if phone_number is None or sent.phone_number == phone_number:
                    return sent.code
        raise LookupError("No code was sent" + (f" to {phone_number}." if phone_number else "."))

    def close(self, provider_id: str) -> None:
        """End a verification at the provider (as its window expiring would):
        checks then find nothing open, and a new send opens a new one."""
        with self._lock:
            self.verifications[provider_id].state = "closed"

    def open_verification(self, phone_number: str) -> Verification | None:
        now = timezone.now()
        with self._lock:
            for verification in reversed(self.verifications.values()):
                if verification.phone_number == phone_number and verification.is_open(now):
                    return verification
        return None

    # -- Used by the backends --------------------------------------------------

    def next_serial(self) -> int:
        with self._lock:
            self._serial += 1
            return self._serial

    def start(self, provider_id: str, phone_number: str) -> Verification:
        now = timezone.now()
        with self._lock:
            verification = Verification(provider_id, phone_number, now, now + self.lifetime)
            self.verifications[provider_id] = verification
            return verification

    def send(self, verification: Verification, operation: str) -> None:
        now = timezone.now()
        with self._lock:
            verification.codes.append(self.code)
            verification.attempts.append((now, operation))
            self.outbox.append(
                SentCode(
                    verification.phone_number, self.code, verification.provider_id, operation, now
                )
            )

    def answer(
        self, operation: str, key: str | None, simulate: Callable[[], Any], **call: Any
    ) -> Any:
        """Log the call, then take the scripted answer or run ``simulate``.
        Returns what the backend must turn into a result (see the class)."""
        with self._lock:
            self.calls.append(Call(operation, dict(call)))
            queued = self._queued[operation]
            answer = queued.popleft() if queued else self._always.get(operation)
            delay = self.delay
        if delay:
            time.sleep(delay)
        while True:
            if isinstance(answer, Mapping):
                answer = answer.get(key)
            elif callable(answer) and not isinstance(answer, type):
                answer = answer(**call)
            else:
                break
        if isinstance(answer, BaseException):
            raise answer
        if answer is None:
            with self._lock:
                return simulate()
        return answer


#: The provider every test backend instance shares.
provider = TestProvider()
