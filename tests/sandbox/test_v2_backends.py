"""Our two ways to play Prelude v2 against the sandbox give the same
outcomes: ``PreludeBackend`` over HTTP against the v2 face on a live server,
and ``PreludeSandboxBackend`` in-process. Both read the same engine."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from django_ding.backends.base import BaseBackend
from django_ding.backends.outcomes import CheckOutcome, RetryOutcome, SendOutcome
from django_ding.backends.prelude import PreludeBackend
from django_ding.exceptions import DingAPIError, DingTimeoutError
from django_ding.sandbox import magic
from django_ding.sandbox.backend import PreludeSandboxBackend
from django_ding.sandbox.testing import last_code, outbox
from tests.sandbox.conftest import API_KEY, PHONE

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(params=["in_process", "http"])
def backend(request: pytest.FixtureRequest) -> Iterator[Any]:
    if request.param == "in_process":
        yield PreludeSandboxBackend(timeout=(2.0, 5.0), sleep=lambda _: None)
        return
    live_server = request.getfixturevalue("live_server")
    http = PreludeBackend(
        api_key=API_KEY,
        base_url=f"{live_server.url}/ding-sandbox/v2",
        timeout=(2.0, 5.0),
        retry_backoff=0.0,
    )
    yield http
    http.close()


def test_create_retry_check(backend: Any) -> None:
    sent = backend.create_authentication(PHONE, correlation_id="c-1", locale="fr")
    assert (sent.outcome, sent.code_sent, sent.status) == (SendOutcome.SENT, True, "success")
    assert sent.metadata.correlation_id == "c-1"
    assert "vérification" in outbox(PHONE)[-1].text

    again = backend.retry(sent.id, phone_number=PHONE)
    assert (again.retry_outcome, again.outcome, again.id) == (
        RetryOutcome.RESENT,
        SendOutcome.RESENT,
        sent.id,
    )
    code = last_code(PHONE)
    wrong = "123456" if code != "123456" else "654321"
    assert backend.check(sent.id, wrong, phone_number=PHONE).outcome == CheckOutcome.INVALID
    valid = backend.check(sent.id, code, phone_number=PHONE)
    assert (valid.outcome, valid.is_valid, valid.provider_id) == (CheckOutcome.VALID, True, sent.id)
    assert backend.check(sent.id, code, phone_number=PHONE).outcome == CheckOutcome.EXPIRED

    history = backend.get_authentication_status(sent.id)
    assert (history.status, history.correlation_id) == ("converted", "c-1")
    assert [e.type for e in history.events][:3] == ["create", "attempt", "attempt"]

    restarted = backend.retry(sent.id, phone_number=PHONE)
    assert restarted.retry_outcome == RetryOutcome.RESTARTED
    assert restarted.provider_id != sent.id


def test_too_many_wrong_codes_close_the_window(backend: Any) -> None:
    sent = backend.create_authentication(PHONE)
    code = last_code(PHONE)
    wrong = "123456" if code != "123456" else "654321"
    outcomes = [backend.check(sent.id, wrong, phone_number=PHONE).outcome for _ in range(6)]
    assert outcomes == [CheckOutcome.INVALID] * 5 + [CheckOutcome.EXPIRED]
    assert backend.check(sent.id, code, phone_number=PHONE).outcome == CheckOutcome.EXPIRED
    assert backend.create_authentication(PHONE).outcome == SendOutcome.SENT


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        (magic.BLOCKED_NUMBER, "in_block_list"),
        (magic.SPAM_DETECTED, "suspicious"),
        (magic.RATE_LIMITED, "repeated_attempts"),
    ],
)
def test_blocked(backend: Any, number: str, reason: str) -> None:
    result = backend.create_authentication(number)
    assert (result.outcome, result.code_sent, result.refusal_reason) == (
        SendOutcome.BLOCKED,
        False,
        reason,
    )
    assert outbox(number) == []


@pytest.mark.parametrize(
    ("number", "status", "code"),
    [
        (magic.INVALID_PHONE_NUMBER, 400, "invalid_phone_number"),
        (magic.UNSUPPORTED_REGION, 400, "unsupported_country"),
        (magic.OUTAGE, 500, "internal"),
    ],
)
def test_errors(backend: Any, number: str, status: int, code: str) -> None:
    with pytest.raises(DingAPIError) as caught:
        backend.create_authentication(number)
    assert (caught.value.status_code, caught.value.code) == (status, code)


def test_never_delivered(backend: Any) -> None:
    assert backend.create_authentication(magic.NEVER_DELIVERED).outcome == SendOutcome.SENT
    assert outbox(magic.NEVER_DELIVERED) == []


def test_lookup_and_feedback(backend: Any) -> None:
    found = backend.lookup(PHONE, cnam=True)
    assert (found.country_code, found.line_type, found.caller_name) == (
        "FR",
        "mobile",
        "SANDBOX CALLER",
    )
    assert backend.feedback(PHONE, "onboarded").status == "success"
    assert backend.feedback(PHONE, "not_onboarded").sent is False


def test_check_and_retry_need_the_phone_number(backend: Any) -> None:
    sent = backend.create_authentication(PHONE)
    with pytest.raises(TypeError, match="phone_number="):
        backend.check(sent.id, "123456")
    with pytest.raises(TypeError, match="phone_number="):
        backend.retry(sent.id)


def test_in_process_slow_number_times_out_like_a_slow_server() -> None:
    waits: list[float] = []
    backend: BaseBackend = PreludeSandboxBackend(timeout=(1.0, 2.0), sleep=waits.append)
    with pytest.raises(DingTimeoutError, match="Prelude sandbox") as caught:
        backend.create_authentication(magic.SLOW)
    assert caught.value.request_sent
    assert waits == [2.0]
