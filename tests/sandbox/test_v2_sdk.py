"""The official Prelude SDK (prelude-python-sdk 0.16.0), unchanged, against
the sandbox's v2 face on a live server (real sockets)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from prelude_python_sdk import (
    AuthenticationError,
    BadRequestError,
    InternalServerError,
    NotFoundError,
    Prelude,
)

from django_ding.sandbox import api_v2_views, magic
from django_ding.sandbox.ids import VERIFICATION_ID
from django_ding.sandbox.testing import last_code, outbox
from tests.sandbox.v2 import API_KEY, PHONE, target, v2_root

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sdk(live_server: Any) -> Iterator[Prelude]:
    client = Prelude(api_token=API_KEY, base_url=v2_root(live_server), max_retries=0)
    yield client
    client.close()


def test_the_whole_window(sdk: Prelude) -> None:
    created = sdk.verification.create(target=target(), metadata={"correlation_id": "signup-1"})
    assert created.status == "success"
    assert VERIFICATION_ID.fullmatch(created.id)
    assert created.metadata is not None
    assert created.metadata.correlation_id == "signup-1"
    first_code = last_code(PHONE)

    again = sdk.verification.create(target=target())
    assert (again.status, again.id) == ("retry", created.id)
    assert [m.verification_id for m in outbox(PHONE)] == [created.id, created.id]
    code = last_code(PHONE)

    wrong = "000000" if code != "000000" and first_code != "000000" else "111111"
    failure = sdk.verification.check(target=target(), code=wrong)
    assert (failure.status, failure.id) == ("failure", created.id)
    success = sdk.verification.check(target=target(), code=code)
    assert (success.status, success.id) == ("success", created.id)
    assert sdk.verification.check(target=target(), code=code).status == "expired_or_not_found"

    history = sdk.verification.phone.history.retrieve(created.id)
    assert (history.id, history.status, history.phone_number) == (created.id, "converted", PHONE)
    kinds = [event.type for event in history.lifecycle.events]  # type: ignore[union-attr]
    # The third check found no open window: it is in no verification's timeline.
    assert kinds == ["create", "attempt", "attempt", "check", "check"]
    assert code not in str(history.model_dump())

    listed = sdk.verification.phone.history.list(phone_number=PHONE)
    assert [v.id for v in listed.verifications] == [created.id]

    renewed = sdk.verification.create(target=target())
    assert renewed.status == "success"
    assert renewed.id != created.id


def test_an_unknown_target_is_expired_or_not_found(sdk: Prelude) -> None:
    result = sdk.verification.check(target=target("+33612345699"), code="123456")
    assert result.status == "expired_or_not_found"


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        (magic.BLOCKED_NUMBER, "in_block_list"),
        (magic.SPAM_DETECTED, "suspicious"),
        (magic.RATE_LIMITED, "repeated_attempts"),
    ],
)
def test_blocked_magic_numbers(sdk: Prelude, number: str, reason: str) -> None:
    result = sdk.verification.create(target=target(number))
    assert (result.status, result.reason) == ("blocked", reason)
    assert outbox(number) == []
    assert sdk.verification.check(target=target(number), code="123456").status == (
        "expired_or_not_found"
    )


def test_invalid_number_is_a_bad_request(sdk: Prelude) -> None:
    with pytest.raises(BadRequestError) as caught:
        sdk.verification.create(target=target(magic.INVALID_PHONE_NUMBER))
    assert caught.value.status_code == 400
    body: Any = caught.value.body
    assert (body["code"], body["param"]) == ("invalid_phone_number", "target.value")
    assert magic.INVALID_PHONE_NUMBER not in body["message"]
    with pytest.raises(BadRequestError):
        sdk.verification.create(target=target("+3361234"))


def test_unsupported_region(sdk: Prelude) -> None:
    with pytest.raises(BadRequestError) as caught:
        sdk.verification.create(target=target(magic.UNSUPPORTED_REGION))
    assert caught.value.body["code"] == "unsupported_country"  # type: ignore[index]


def test_outage_is_a_500_and_the_sdk_does_not_retry_with_max_retries_0(sdk: Prelude) -> None:
    with pytest.raises(InternalServerError) as caught:
        sdk.verification.create(target=target(magic.OUTAGE))
    assert caught.value.body["code"] == "internal"  # type: ignore[index]


def test_slow_number_answers_late(sdk: Prelude, monkeypatch: pytest.MonkeyPatch) -> None:
    waits: list[float] = []
    monkeypatch.setattr(api_v2_views, "sleep", waits.append)
    assert sdk.verification.create(target=target(magic.SLOW)).status == "success"
    assert waits == [15.0]


def test_never_delivered_number(sdk: Prelude) -> None:
    created = sdk.verification.create(target=target(magic.NEVER_DELIVERED))
    assert created.status == "success"
    assert outbox(magic.NEVER_DELIVERED) == []
    history = sdk.verification.phone.history.retrieve(created.id)
    assert history.status == "sent"


def test_lookup(sdk: Prelude) -> None:
    result = sdk.lookup.lookup(PHONE)
    assert (result.phone_number, result.country_code, result.line_type) == (PHONE, "FR", "mobile")
    assert result.caller_name is None
    assert sdk.lookup.lookup(PHONE, type=["cnam"]).caller_name == "SANDBOX CALLER"
    with pytest.raises(BadRequestError):
        sdk.lookup.lookup(magic.INVALID_PHONE_NUMBER)


def test_feedback(sdk: Prelude) -> None:
    result = sdk.watch.send_feedbacks(
        feedbacks=[{"target": target(), "type": "verification.completed"}]
    )
    assert result.status == "success"
    with pytest.raises(BadRequestError):
        sdk.watch.send_feedbacks(feedbacks=[{"target": target(), "type": "onboarded"}])  # type: ignore[typeddict-item]


def test_unknown_history_id_is_not_found(sdk: Prelude) -> None:
    with pytest.raises(NotFoundError):
        sdk.verification.phone.history.retrieve("vrf_01jc0t6fwwfgfsq1md24mhyztj")


def test_a_wrong_token_is_an_authentication_error(live_server: Any) -> None:
    with (
        Prelude(api_token="wrong", base_url=v2_root(live_server), max_retries=0) as sdk,
        pytest.raises(AuthenticationError) as caught,
    ):
        sdk.verification.create(target=target())
    assert caught.value.body["code"] == "invalid_api_key"  # type: ignore[index]
    assert outbox() == []


def test_a_missing_token_is_a_401_with_a_v2_body(live_server: Any) -> None:
    response = requests.post(
        f"{v2_root(live_server)}/v2/verification", json={"target": target()}, timeout=5
    )
    assert response.status_code == 401
    assert set(response.json()) == {"code", "message"}


def test_with_debug_on_any_token_is_accepted(live_server: Any, settings: Any) -> None:
    settings.DEBUG = True
    settings.DING = {**settings.DING, "API_KEY": None}
    with Prelude(api_token="anything", base_url=v2_root(live_server), max_retries=0) as sdk:
        assert sdk.verification.create(target=target()).status == "success"
