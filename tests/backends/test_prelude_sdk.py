"""PreludeBackend sends what the official SDK (prelude-python-sdk 0.16.0, a
test dependency only) sends for the same call: both talk to the same local
fake, with the SDK's retries off, and the recorded requests are compared."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from prelude_python_sdk import Prelude

from django_ding.backends.prelude import PreludeBackend
from tests.backends.fake_prelude import FakePrelude, Received, Reply, prelude_server
from tests.backends.prelude_payloads import (
    ALL_FIELDS,
    ALL_FIELDS_BODY,
    API_KEY,
    CHECK_RESPONSE,
    CODE,
    CREATE_RESPONSE,
    FEEDBACK_RESPONSE,
    HISTORY_RESPONSE,
    LOOKUP_RESPONSE,
    PHONE,
    VRF_ID,
)

__all__ = ["prelude_server"]

TARGET: Any = {"type": "phone_number", "value": PHONE}


@pytest.fixture
def scripted(prelude_server: FakePrelude) -> FakePrelude:
    prelude_server.script = {
        "/v2/verification": [Reply(body=CREATE_RESPONSE)],
        "/v2/verification/check": [Reply(body=CHECK_RESPONSE)],
        "/v2/watch/feedback": [Reply(body=FEEDBACK_RESPONSE)],
        f"/v2/verification/phone/history/{VRF_ID}": [Reply(body=HISTORY_RESPONSE)],
        f"/v2/lookup/%2B{PHONE[1:]}": [Reply(body=LOOKUP_RESPONSE)],
        f"/v2/lookup/{PHONE}": [Reply(body=LOOKUP_RESPONSE)],
    }
    return prelude_server


@pytest.fixture
def sdk(scripted: FakePrelude) -> Iterator[Prelude]:
    client = Prelude(api_token=API_KEY, base_url=scripted.root, max_retries=0)
    yield client
    client.close()


@pytest.fixture
def ours(scripted: FakePrelude) -> Iterator[PreludeBackend]:
    backend = PreludeBackend(api_key=API_KEY, base_url=scripted.base_url, max_retries=0)
    yield backend
    backend.close()


def _one_each(
    server: FakePrelude, first: Callable[[], object], second: Callable[[], object]
) -> tuple[Received, Received]:
    first()
    second()
    sdk_request, our_request = server.received
    assert sdk_request.headers["Authorization"] == our_request.headers["Authorization"]
    return sdk_request, our_request


def test_create_with_every_field(scripted: FakePrelude, sdk: Prelude, ours: PreludeBackend):
    sdk_request, our_request = _one_each(
        scripted,
        lambda: sdk.verification.create(
            target=TARGET,
            metadata=ALL_FIELDS_BODY["metadata"],
            signals=ALL_FIELDS_BODY["signals"],
            options=ALL_FIELDS_BODY["options"],
        ),
        lambda: ours.create_authentication(PHONE, **ALL_FIELDS),
    )
    assert (sdk_request.method, sdk_request.path) == (our_request.method, our_request.path)
    assert sdk_request.json == our_request.json


def test_create_and_retry_with_the_number_only(
    scripted: FakePrelude, sdk: Prelude, ours: PreludeBackend
):
    sdk.verification.create(target=TARGET)
    ours.create_authentication(PHONE)
    ours.retry(VRF_ID, phone_number=PHONE)
    sdk_body, create_body, retry_body = (r.json for r in scripted.received)
    assert sdk_body == create_body == retry_body == {"target": TARGET}


def test_check(scripted: FakePrelude, sdk: Prelude, ours: PreludeBackend):
    sdk_request, our_request = _one_each(
        scripted,
        lambda: sdk.verification.check(target=TARGET, code=CODE),
        lambda: ours.check(VRF_ID, CODE, phone_number=PHONE),
    )
    assert sdk_request.path == our_request.path
    assert sdk_request.json == our_request.json


def test_feedback(scripted: FakePrelude, sdk: Prelude, ours: PreludeBackend):
    sdk_request, our_request = _one_each(
        scripted,
        lambda: sdk.watch.send_feedbacks(
            feedbacks=[{"target": TARGET, "type": "verification.completed"}]
        ),
        lambda: ours.feedback(PHONE, "onboarded"),
    )
    assert sdk_request.path == our_request.path
    assert sdk_request.json == our_request.json


def test_history(scripted: FakePrelude, sdk: Prelude, ours: PreludeBackend):
    sdk_request, our_request = _one_each(
        scripted,
        lambda: sdk.verification.phone.history.retrieve(VRF_ID),
        lambda: ours.get_authentication_status(VRF_ID),
    )
    assert (sdk_request.method, sdk_request.path) == ("GET", our_request.path)


def test_lookup(scripted: FakePrelude, sdk: Prelude, ours: PreludeBackend):
    sdk_request, our_request = _one_each(
        scripted,
        lambda: sdk.lookup.lookup(phone_number=PHONE, type=["cnam"]),
        lambda: ours.lookup(PHONE, cnam=True),
    )
    sdk_url, our_url = urlsplit(sdk_request.path), urlsplit(our_request.path)
    assert unquote(sdk_url.path) == unquote(our_url.path) == f"/v2/lookup/{PHONE}"
    assert parse_qs(sdk_url.query) == parse_qs(our_url.query) == {"type": ["cnam"]}


def test_the_sdk_reads_what_our_results_write(scripted: FakePrelude, sdk: Prelude):
    from django_ding.backends.prelude_results import (
        PhoneLookupResponse,
        VerificationHistoryResponse,
        VerificationResponse,
    )

    assert VerificationResponse.from_wire(CREATE_RESPONSE).to_wire() == {
        **CREATE_RESPONSE,
        "risk_factors": [],
    }
    history = sdk.verification.phone.history.retrieve(VRF_ID)
    ours = VerificationHistoryResponse.from_wire(HISTORY_RESPONSE)
    assert ours.id == history.id
    assert str(ours.status) == history.status
    assert ours.expires_at == history.expires_at
    lookup = sdk.lookup.lookup(phone_number=PHONE)
    mine = PhoneLookupResponse.from_wire(LOOKUP_RESPONSE)
    assert mine.line_type == lookup.line_type
    assert list(mine.flags) == lookup.flags
