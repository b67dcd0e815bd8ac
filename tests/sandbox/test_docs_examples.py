"""The examples of ``docs/testing.md`` and ``docs/sandbox.md``, as written."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from django.test import TestCase

from django_ding.sandbox.pytest_plugin import DingOutbox
from django_ding.sandbox.testing import clear_outbox, last_code, outbox

pytestmark = pytest.mark.django_db


class SignupTests(TestCase):
    def setUp(self) -> None:
        clear_outbox()

    def test_phone_is_verified(self) -> None:
        self.client.post("/verify/", {"phone_number": "+33612345678"})
        self.assertEqual(len(outbox("+33612345678")), 1)  # noqa: PT009 - as in the docs
        response = self.client.post("/verify/check/", {"code": last_code("+33612345678")})
        self.assertRedirects(response, "/", fetch_redirect_response=False)


def test_signup(client: Any, ding_outbox: DingOutbox) -> None:
    client.post("/verify/", {"phone_number": "+33612345678"})

    assert len(ding_outbox) == 1
    assert ding_outbox[0].phone_number == "+33612345678"
    code = ding_outbox.last_code("+33612345678")

    response = client.post("/verify/check/", {"code": code})
    assert response.status_code == 302


def test_backend_directly(ding_outbox: DingOutbox) -> None:
    from django_ding.backends import get_backend

    backend = get_backend()
    auth = backend.create_authentication("+33612345678")
    assert backend.check(auth.authentication_uuid, ding_outbox.last_code("+33612345678")).is_valid


def test_provider_outage_is_a_clear_message(client: Any, ding_outbox: DingOutbox) -> None:
    from django_ding.sandbox import magic

    response = client.post("/verify/", {"phone_number": magic.OUTAGE})
    assert response.status_code == 200  # the form again, never a 500
    assert len(ding_outbox) == 0


def test_timeout(settings: Any, client: Any, ding_outbox: DingOutbox) -> None:
    from django_ding.sandbox import magic

    settings.DING = {**settings.DING, "SANDBOX_SLOW_SECONDS": 0.2, "TIMEOUT": (1, 0.1)}
    client.post("/verify/", {"phone_number": magic.SLOW})
    # The backend timed out after 0.1 s, yet the code was sent:
    assert ding_outbox.last_code(magic.SLOW)


def test_through_http(live_server: Any, ding_outbox: DingOutbox, settings: Any) -> None:
    from django_ding.backends.ding import DingBackend

    settings.DEBUG = True  # a development machine: the wire API takes any key
    ding = DingBackend(
        base_url=f"{live_server.url}/ding-sandbox/v1",
        api_key=settings.DING["API_KEY"],  # the docs say: pass the key your settings set
        customer_uuid="c9f826e0-deca-41ec-871f-ecd6e8efeb46",
    )
    auth = ding.create_authentication("+33612345678")
    assert ding.check(auth.authentication_uuid, ding_outbox.last_code("+33612345678")).is_valid
    ding.close()


def test_curl_examples(live_server: Any, ding_outbox: DingOutbox, settings: Any) -> None:
    """The two curl calls of docs/sandbox.md, with any key (no DING API_KEY,
    DEBUG on: a development machine)."""
    settings.DEBUG = True
    settings.DING = {**settings.DING, "API_KEY": None}
    url = f"{live_server.url}/ding-sandbox/v1/authentication"
    headers = {"x-api-key": "any", "Content-Type": "application/json"}
    with requests.Session() as session:
        created = session.post(
            url,
            headers=headers,
            data='{"customer_uuid": "c9f826e0-deca-41ec-871f-ecd6e8efeb46", '
            '"phone_number": "+33612345678"}',
            timeout=5,
        )
        assert created.status_code == 200
        assert set(created.json()) == {"authentication_uuid", "status", "created_at", "expires_at"}
        blocked = session.post(
            url,
            headers=headers,
            data='{"customer_uuid": "c9f826e0-deca-41ec-871f-ecd6e8efeb46", '
            '"phone_number": "+12025550192"}',
            timeout=5,
        )
        assert blocked.status_code == 400
        assert blocked.json() == {
            "code": "blocked_number",
            "message": "This phone number is blocked.",
            "doc_url": "https://docs.prelude.so/verify/v1/documentation/errors#blocked_number",
        }
        inbox = session.get(
            f"{live_server.url}/ding-sandbox/?format=json&phone_number=%2B33612345678", timeout=5
        ).json()
    assert inbox["messages"][0]["code"] == ding_outbox.last_code("+33612345678")


def test_v2_curl_examples(live_server: Any, ding_outbox: DingOutbox, settings: Any) -> None:
    """The two v2 curl calls of docs/sandbox.md, with any token (DEBUG on)."""
    settings.DEBUG = True
    settings.DING = {**settings.DING, "API_KEY": None}
    url = f"{live_server.url}/ding-sandbox/v2/verification"
    headers = {"Authorization": "Bearer any", "Content-Type": "application/json"}
    with requests.Session() as session:
        created = session.post(
            url,
            headers=headers,
            data='{"target": {"type": "phone_number", "value": "+33612345678"}}',
            timeout=5,
        )
        assert created.status_code == 200
        body = created.json()
        assert set(body) == {"id", "status", "method", "channels", "request_id"}
        assert (body["status"], body["method"], body["channels"]) == ("success", "message", ["sms"])
        blocked = session.post(
            url,
            headers=headers,
            data='{"target": {"type": "phone_number", "value": "+12025550192"}}',
            timeout=5,
        )
        assert blocked.status_code == 200
        assert set(blocked.json()) == {"id", "status", "method", "reason", "request_id"}
        assert (blocked.json()["status"], blocked.json()["reason"]) == ("blocked", "in_block_list")
    message = ding_outbox[-1]
    assert (message.verification_id, message.phone_number) == (body["id"], "+33612345678")
