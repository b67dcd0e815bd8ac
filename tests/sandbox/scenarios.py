"""The scenario table: every operation and every magic number, with each
result checked.

A scenario takes a :class:`~tests.sandbox.conftest.Face` and the outbox, runs
calls through the face's backend, asserts on every result, and returns a
*transcript* of normalised outcomes (ids and timestamps replaced), so the
same scenario can be compared across the in-process and the HTTP face.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.test import override_settings

from django_ding.backends.enums import (
    AttemptStatus,
    AuthenticationStatus,
    CheckStatus,
    DeliveryStatus,
    EventType,
    LineType,
    RetryStatus,
)
from django_ding.backends.results import AttemptEvent, CheckEvent, DeliveryStatusEvent
from django_ding.exceptions import DingAPIError, DingTimeoutError
from django_ding.sandbox import magic
from django_ding.sandbox.pytest_plugin import DingOutbox
from django_ding.sandbox.status_wire import MASKED_CODE
from tests.sandbox.conftest import PHONE, Face, age

Transcript = list[Any]
Scenario = Callable[[Face, DingOutbox], Transcript]

_VOLATILE_IDS = {"uuid", "authentication_uuid", "id", "attempt_id"}
_VOLATILE_TIMES = {"created_at", "expires_at", "next_retry_at", "originated_at"}


def normalise(value: Any) -> Any:
    """A wire value with ids and timestamps replaced by placeholders."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key in _VOLATILE_IDS:
                out[key] = "<id>"
            elif key in _VOLATILE_TIMES:
                out[key] = "<time>"
            else:
                out[key] = normalise(item)
        return out
    if isinstance(value, list):
        return [normalise(item) for item in value]
    return value


def outcome(call: Callable[[], Any]) -> tuple[Any, ...]:
    """What a call gave: ("ok", wire) or the error's comparable parts."""
    try:
        result = call()
    except DingAPIError as err:
        return ("api_error", err.status_code, err.code)
    except DingTimeoutError as err:
        return ("timeout", err.request_sent)
    return ("ok", normalise(result.to_wire()))


def ok(result: Any) -> tuple[Any, ...]:
    """The outcome of a call that returned ``result``."""
    return ("ok", normalise(result.to_wire()))


def api_error(call: Callable[[], Any], status_code: int, code: str) -> tuple[Any, ...]:
    """Run ``call``, which must fail with the provider error ``code``."""
    result = outcome(call)
    assert result == ("api_error", status_code, code), result
    return result


def wrong(code: str) -> str:
    """A code that is not ``code``."""
    return "000000" if code != "000000" else "111111"


# -- Operations ----------------------------------------------------------------


def send_and_check(face: Face, outbox: DingOutbox) -> Transcript:
    backend = face.make()
    created = backend.create_authentication(PHONE)
    assert created.status == AuthenticationStatus.PENDING
    assert uuid.UUID(created.authentication_uuid)
    assert created.expires_at - created.created_at == dt.timedelta(minutes=10)
    assert [m.phone_number for m in outbox] == [PHONE]
    code = outbox.last_code(PHONE)
    assert len(code) == 6
    assert code.isdigit()
    assert code in outbox[0].text
    auth = created.authentication_uuid
    invalid = backend.check(auth, wrong(code))
    assert (invalid.authentication_uuid, invalid.status) == (auth, CheckStatus.INVALID)
    valid = backend.check(auth, code, phone_number=PHONE)
    assert valid.status == CheckStatus.VALID
    assert valid.is_valid
    again = backend.check(auth, code)
    assert again.status == CheckStatus.ALREADY_VALIDATED
    retry = backend.retry(auth, phone_number=PHONE)
    assert retry.status == RetryStatus.ALREADY_VALIDATED
    assert retry.next_retry_at is None
    return [ok(created), ok(invalid), ok(valid), ok(again), ok(retry)]


def too_many_wrong_codes(face: Face, outbox: DingOutbox) -> Transcript:
    backend = face.make()
    auth = backend.create_authentication(PHONE).authentication_uuid
    code = outbox.last_code(PHONE)
    statuses = [backend.check(auth, wrong(code)).status for _ in range(5)]
    assert statuses == [CheckStatus.INVALID] * 5
    locked = backend.check(auth, code)
    assert locked.status == CheckStatus.RATE_LIMITED
    retry = backend.retry(auth)
    assert retry.status == RetryStatus.RATE_LIMITED
    return [*statuses, locked.status, retry.status]


def expired(face: Face, outbox: DingOutbox) -> Transcript:
    backend = face.make()
    auth = backend.create_authentication(PHONE).authentication_uuid
    code = outbox.last_code(PHONE)
    age(auth, expire=True, retry_ready=True)
    check = backend.check(auth, code)
    assert check.status == CheckStatus.EXPIRED_AUTH
    retry = backend.retry(auth)
    assert retry.status == RetryStatus.EXPIRED_AUTH
    assert len(outbox) == 1
    return [check.status, retry.status]


def retries(face: Face, outbox: DingOutbox) -> Transcript:
    backend = face.make()
    created = backend.create_authentication(PHONE)
    auth = created.authentication_uuid
    first_code = outbox.last_code(PHONE)
    denied = backend.retry(auth)
    assert denied.status == RetryStatus.DENIED
    assert denied.remaining_retry == 3
    assert denied.next_retry_at == created.created_at + dt.timedelta(seconds=30)
    transcript: Transcript = [ok(denied)]
    for remaining in (2, 1, 0):
        age(auth, retry_ready=True)
        approved = backend.retry(auth)
        assert approved.status == RetryStatus.APPROVED
        assert approved.remaining_retry == remaining
        if remaining:
            assert approved.next_retry_at == approved.created_at + dt.timedelta(seconds=30)
        else:
            assert approved.next_retry_at is None
        transcript.append(ok(approved))
    assert [m.attempt_number for m in outbox.messages(PHONE)] == [1, 2, 3, 4]
    assert {m.authentication_uuid for m in outbox} == {auth}
    age(auth, retry_ready=True)
    exhausted = backend.retry(auth)
    assert exhausted.status == RetryStatus.RATE_LIMITED
    assert exhausted.remaining_retry == 0
    # A code from an earlier delivery still works.
    assert backend.check(auth, first_code).status == CheckStatus.VALID
    transcript.append(ok(exhausted))
    return transcript


def status_events(face: Face, outbox: DingOutbox) -> Transcript:
    backend = face.make()
    fields = {
        "ip": "192.0.2.10",
        "device_id": "device-1",
        "device_type": "ANDROID",
        "app_version": "1.2.3",
        "app_realm": "FA+9qCX9VSu",
        "os_version": "14",
        "device_model": "Pixel 8",
        "is_returning_user": True,
        "sender_id": "Example",
        "template_id": "template-1",
        "correlation_id": "signup-42",
        "locale": "en-US",
    }
    auth = backend.create_authentication(PHONE, **fields).authentication_uuid
    code = outbox.last_code(PHONE)
    assert outbox[0].text.endswith("\nFA+9qCX9VSu")
    assert outbox[0].sender_id == "Example"
    backend.check(auth, wrong(code))
    backend.check(auth, code)
    status = backend.get_authentication_status(auth)
    assert status.uuid == auth
    assert status.phone_number == PHONE
    assert (status.template_id, status.correlation_id) == ("template-1", "signup-42")
    assert status.signals is not None
    assert status.signals.to_wire() == {
        key: fields[key]
        for key in (
            "ip",
            "device_id",
            "device_type",
            "app_version",
            "app_realm",
            "os_version",
            "device_model",
            "is_returning_user",
        )
    }
    kinds = [(event.type, getattr(event, "status", None)) for event in status.events]
    assert kinds == [
        (EventType.ATTEMPT, AttemptStatus.DELIVERED),
        (EventType.DELIVERY_STATUS, DeliveryStatus.SUBMITTED),
        (EventType.DELIVERY_STATUS, DeliveryStatus.DELIVERED),
        (EventType.CHECK, CheckStatus.INVALID),
        (EventType.CHECK, CheckStatus.VALID),
    ]
    attempt = status.events[0]
    assert isinstance(attempt, AttemptEvent)
    assert attempt.content is not None
    assert code not in attempt.content
    assert attempt.content.startswith("Your verification code is ******")
    assert (attempt.sender_id, attempt.capability, attempt.attempt_number) == ("Example", "text", 1)
    delivery = status.events[2]
    assert isinstance(delivery, DeliveryStatusEvent)
    assert (delivery.attempt_id, delivery.attempt_number) == (attempt.id, 1)
    for event in status.events[3:]:
        assert isinstance(event, CheckEvent)
        assert event.code == MASKED_CODE
    assert code not in repr(status.to_wire())
    return [ok(status)]


def feedback(face: Face, outbox: DingOutbox) -> Transcript:
    backend = face.make()
    backend.create_authentication(PHONE)
    first = backend.feedback(PHONE, "onboarded")
    assert first.uuid
    assert uuid.UUID(first.uuid)
    duplicate = api_error(
        lambda: backend.feedback(PHONE, "onboarded"), 400, "duplicated_feedback_status"
    )
    other = backend.feedback(PHONE, "not_onboarded")
    assert other.uuid != first.uuid
    unknown = api_error(
        lambda: backend.feedback("+33612345699", "onboarded"), 400, "no_associated_auth_found"
    )
    return [ok(first), duplicate, ok(other), unknown]


def lookup(face: Face, outbox: DingOutbox) -> Transcript:
    backend = face.make()
    french = backend.lookup(PHONE)
    assert french.to_wire() == {
        "phone_number": PHONE,
        "carrier": "SFR",
        "country_code": "FR",
        "line_type": "Mobile",
    }
    cnam = backend.lookup(PHONE, cnam=True)
    assert cnam.caller_name == "SANDBOX CALLER"
    american = backend.lookup("+12025550100")
    assert (american.country_code, american.line_type, american.carrier) == (
        "US",
        LineType.MOBILE,
        None,
    )
    landline = backend.lookup("+33199000001")
    assert landline.line_type == LineType.FIXED_LINE
    return [ok(r) for r in (french, cnam, american, landline)]


def unknown_authentication(face: Face, outbox: DingOutbox) -> Transcript:
    backend = face.make()
    missing = str(uuid.uuid4())
    return [
        api_error(lambda: backend.check(missing, "123456"), 400, "invalid_auth_uuid"),
        api_error(lambda: backend.retry(missing), 400, "invalid_auth_uuid"),
        api_error(lambda: backend.get_authentication_status(missing), 400, "invalid_auth_uuid"),
    ]


def invalid_number(face: Face, outbox: DingOutbox) -> Transcript:
    """E.164 in shape, but no such number: the provider refuses it."""
    backend = face.make()
    transcript = [
        api_error(
            lambda: backend.create_authentication("+1234567890"), 400, "invalid_phone_number"
        ),
        api_error(lambda: backend.lookup("+1234567890"), 400, "invalid_phone_number"),
        api_error(
            lambda: backend.feedback("+1234567890", "onboarded"), 400, "invalid_phone_number"
        ),
    ]
    assert len(outbox) == 0
    return transcript


def other_customer(face: Face, outbox: DingOutbox) -> Transcript:
    """Authentications belong to the customer that created them."""
    backend = face.make()
    auth = backend.create_authentication(PHONE).authentication_uuid
    from django_ding.sandbox.models import SandboxAuthentication

    SandboxAuthentication.objects.filter(uuid=auth).update(customer_uuid=uuid.uuid4())
    return [
        api_error(lambda: backend.check(auth, outbox.last_code(PHONE)), 400, "invalid_auth_uuid")
    ]


# -- Magic numbers ---------------------------------------------------------------


def magic_invalid_phone_number(face: Face, outbox: DingOutbox) -> Transcript:
    backend = face.make()
    number = magic.INVALID_PHONE_NUMBER
    transcript = [
        api_error(lambda: backend.create_authentication(number), 400, "invalid_phone_number"),
        api_error(lambda: backend.feedback(number, "onboarded"), 400, "invalid_phone_number"),
        api_error(lambda: backend.lookup(number), 400, "invalid_phone_number"),
    ]
    assert len(outbox) == 0
    return transcript


def magic_blocked_number(face: Face, outbox: DingOutbox) -> Transcript:
    backend = face.make()
    number = magic.BLOCKED_NUMBER
    refused = api_error(lambda: backend.create_authentication(number), 400, "blocked_number")
    assert len(outbox) == 0
    assert backend.lookup(number).country_code == "US"  # only sending is blocked
    return [refused]


def magic_unsupported_region(face: Face, outbox: DingOutbox) -> Transcript:
    backend = face.make()
    number = magic.UNSUPPORTED_REGION
    refused = api_error(lambda: backend.create_authentication(number), 400, "unsupported_region")
    assert len(outbox) == 0
    return [refused]


def magic_rate_limited(face: Face, outbox: DingOutbox) -> Transcript:
    backend = face.make()
    created = backend.create_authentication(magic.RATE_LIMITED)
    assert created.status == AuthenticationStatus.RATE_LIMITED
    assert len(outbox) == 0
    auth = created.authentication_uuid
    age(auth, retry_ready=True)
    assert backend.check(auth, "123456").status == CheckStatus.RATE_LIMITED
    assert backend.retry(auth).status == RetryStatus.RATE_LIMITED
    status = backend.get_authentication_status(auth)
    assert [e for e in status.events if e.type != EventType.CHECK] == []
    return [ok(created), ok(status)]


def magic_spam_detected(face: Face, outbox: DingOutbox) -> Transcript:
    backend = face.make()
    created = backend.create_authentication(magic.SPAM_DETECTED)
    assert created.status == AuthenticationStatus.SPAM_DETECTED
    assert len(outbox) == 0
    auth = created.authentication_uuid
    age(auth, retry_ready=True)
    assert backend.check(auth, "123456").status == CheckStatus.WITHOUT_ATTEMPT
    assert backend.retry(auth).status == RetryStatus.NO_ATTEMPT
    return [ok(created)]


def magic_outage(face: Face, outbox: DingOutbox) -> Transcript:
    backend = face.make()
    number = magic.OUTAGE
    transcript = [
        api_error(lambda: backend.create_authentication(number), 500, "internal_server_error"),
        api_error(lambda: backend.feedback(number, "onboarded"), 500, "internal_server_error"),
        api_error(lambda: backend.lookup(number), 500, "internal_server_error"),
    ]
    assert len(outbox) == 0
    return transcript


#: ``DING["SANDBOX_SLOW_SECONDS"]`` in the slow scenarios.
SLOW_SECONDS = 0.8
#: A read timeout shorter than that.
SHORT_READ_TIMEOUT = 0.3


def magic_slow_within_timeout(face: Face, outbox: DingOutbox) -> Transcript:
    """Slow, but within the read timeout: the answer comes, late."""
    backend = face.make(timeout=(2.0, 5.0))
    with override_settings(DING=_ding(SANDBOX_SLOW_SECONDS=0.3)):
        started = time.monotonic()
        created = backend.create_authentication(magic.SLOW)
        elapsed = time.monotonic() - started
    assert created.status == AuthenticationStatus.PENDING
    assert elapsed >= 0.3
    assert outbox.last_code(magic.SLOW)
    return [ok(created)]


def magic_slow_timeout(face: Face, outbox: DingOutbox) -> Transcript:
    """Slower than the read timeout: a timeout, although the code was sent."""
    backend = face.make(timeout=(2.0, SHORT_READ_TIMEOUT))
    with override_settings(DING=_ding(SANDBOX_SLOW_SECONDS=SLOW_SECONDS)):
        started = time.monotonic()
        created = outcome(lambda: backend.create_authentication(magic.SLOW))
        elapsed = time.monotonic() - started
        looked_up = outcome(lambda: backend.lookup(magic.SLOW))
        if face.http:  # let the server finish its late answers
            time.sleep(SLOW_SECONDS)
    assert created == ("timeout", True)
    assert looked_up == ("timeout", True)
    assert SHORT_READ_TIMEOUT <= elapsed < SLOW_SECONDS
    # The provider did the work: the message went out all the same.
    assert [m.phone_number for m in outbox] == [magic.SLOW]
    return [created, looked_up]


def magic_never_delivered(face: Face, outbox: DingOutbox) -> Transcript:
    backend = face.make()
    created = backend.create_authentication(magic.NEVER_DELIVERED)
    assert created.status == AuthenticationStatus.PENDING
    auth = created.authentication_uuid
    assert len(outbox) == 0
    assert backend.check(auth, "123456").status == CheckStatus.INVALID
    age(auth, retry_ready=True)
    assert backend.retry(auth).status == RetryStatus.APPROVED
    assert len(outbox) == 0
    status = backend.get_authentication_status(auth)
    kinds = [(e.type, getattr(e, "status", None)) for e in status.events]
    assert kinds == [
        (EventType.ATTEMPT, AttemptStatus.PENDING),
        (EventType.DELIVERY_STATUS, DeliveryStatus.SUBMITTED),
        (EventType.CHECK, CheckStatus.INVALID),
        (EventType.ATTEMPT, AttemptStatus.PENDING),
        (EventType.DELIVERY_STATUS, DeliveryStatus.SUBMITTED),
    ]
    age(auth, expire=True)
    later = backend.get_authentication_status(auth)
    attempts = [e.status for e in later.events if e.type == EventType.ATTEMPT]
    assert attempts == [AttemptStatus.EXPIRED, AttemptStatus.EXPIRED]
    return [ok(created), ok(status), ok(later)]


def _ding(**changes: Any) -> dict[str, Any]:
    from django.conf import settings

    return {**settings.DING, **changes}


SCENARIOS: dict[str, Scenario] = {
    scenario.__name__: scenario
    for scenario in (
        send_and_check,
        too_many_wrong_codes,
        expired,
        retries,
        status_events,
        feedback,
        lookup,
        unknown_authentication,
        invalid_number,
        other_customer,
        magic_invalid_phone_number,
        magic_blocked_number,
        magic_unsupported_region,
        magic_rate_limited,
        magic_spam_detected,
        magic_outage,
        magic_slow_within_timeout,
        magic_slow_timeout,
        magic_never_delivered,
    )
}
