"""The inbox page, its JSON, and when the sandbox's URLs answer at all."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse

from django_ding.sandbox.backend import SandboxBackend
from django_ding.sandbox.testing import last_code
from django_ding.sandbox.views import normalize_phone_query
from tests.sandbox.conftest import API_KEY, CUSTOMER_UUID, PHONE

pytestmark = pytest.mark.django_db

OTHER = "+33698765432"
REAL_API = {
    "BACKEND": "django_ding.backends.ding.DingBackend",
    "API_KEY": "k",
    "CUSTOMER_UUID": CUSTOMER_UUID,
}


def send(*numbers: str) -> list[str]:
    backend = SandboxBackend()
    for number in numbers:
        backend.create_authentication(number)
    return [last_code(number) for number in numbers]


@pytest.fixture(autouse=True)
def _staff(client: Client, django_user_model: Any) -> None:
    """With DEBUG off (as in tests) the inbox answers staff only."""
    client.force_login(django_user_model.objects.create_user("inbox-staff", is_staff=True))


def test_url() -> None:
    assert reverse("ding_sandbox:inbox") == "/ding-sandbox/"


def test_page_lists_messages_newest_first(client: Client) -> None:
    first, second = send(PHONE, OTHER)
    response = client.get("/ding-sandbox/")
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    html = response.content.decode()
    assert html.index(second) < html.index(first)
    assert "+33*******78" in html
    assert "+33*******32" in html
    assert PHONE not in html
    assert OTHER not in html
    assert 'name="viewport"' in html
    assert "setInterval(poll" in html
    assert 'http-equiv="refresh"' in html  # without JavaScript


def test_page_when_empty(client: Client) -> None:
    response = client.get("/ding-sandbox/")
    assert "No messages yet" in response.content.decode()


def test_page_in_french(client: Client) -> None:
    html = client.get("/ding-sandbox/", headers={"accept-language": "fr"}).content.decode()
    assert '<html lang="fr">' in html
    assert "Boîte de réception du bac à sable" in html


def test_json(client: Client) -> None:
    first, second = send(PHONE, OTHER)
    data = client.get("/ding-sandbox/", {"format": "json"}).json()
    assert [m["code"] for m in data["messages"]] == [second, first]
    message = data["messages"][1]
    assert message["phone_number"] == "+33*******78"
    assert message["text"] == f"Your verification code is {first}"
    assert message["attempt_number"] == 1
    assert message["created_at"].endswith("Z")
    assert set(message) == {
        "id",
        "phone_number",
        "text",
        "code",
        "sender_id",
        "authentication_uuid",
        "verification_id",
        "attempt_number",
        "created_at",
    }
    assert message["verification_id"] is None  # a v1 message


@pytest.mark.parametrize("query", ["phone_number=%2B33612345678", "phone_number=+33612345678"])
def test_json_for_one_number(client: Client, query: str) -> None:
    first, _ = send(PHONE, OTHER)
    data = client.get(f"/ding-sandbox/?{query}&format=json").json()
    assert [m["code"] for m in data["messages"]] == [first]
    page = client.get(f"/ding-sandbox/?{query}").content.decode()
    assert "phone_number=%2B33612345678&amp;format=json" in page


def test_normalize_phone_query() -> None:
    assert normalize_phone_query(None) is None
    assert normalize_phone_query("  ") is None
    assert normalize_phone_query(" 33612345678") == PHONE
    assert normalize_phone_query(PHONE) == PHONE


def test_only_get(client: Client) -> None:
    assert client.post("/ding-sandbox/").status_code == 405


def test_page_escapes_message_text(client: Client) -> None:
    from django_ding.sandbox.models import SandboxMessage

    send(PHONE)
    SandboxMessage.objects.update(text="<script>alert(1)</script> 123456")
    html = client.get("/ding-sandbox/").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def _ding(**changes: Any) -> dict[str, Any]:
    return {**settings.DING, **changes}


@pytest.mark.parametrize(
    "ding",
    [REAL_API, {**REAL_API, "BACKEND": "nowhere.Backend"}],
    ids=["real-backend", "broken-backend"],
)
def test_everything_is_404_unless_enabled(client: Client, ding: dict[str, Any]) -> None:
    headers = {"x-api-key": API_KEY}
    body = {"customer_uuid": CUSTOMER_UUID, "phone_number": PHONE}
    with override_settings(DING=ding, DEBUG=False):
        assert client.get("/ding-sandbox/").status_code == 404
        assert client.get("/ding-sandbox/?format=json").status_code == 404
        response = client.post(
            "/ding-sandbox/v1/authentication",
            body,
            content_type="application/json",
            headers=headers,
        )
        assert response.status_code == 404
        assert client.get(f"/ding-sandbox/v1/lookup/{PHONE}", headers=headers).status_code == 404
    with override_settings(DING=ding, DEBUG=True):
        assert client.get("/ding-sandbox/").status_code == 200


def test_any_api_key_when_none_is_configured_with_debug_on(client: Client) -> None:
    body = {"customer_uuid": CUSTOMER_UUID, "phone_number": PHONE}
    with override_settings(DING=_ding(API_KEY=None), DEBUG=True):
        response = client.post(
            "/ding-sandbox/v1/authentication",
            body,
            content_type="application/json",
            headers={"x-api-key": "anything"},
        )
    assert response.status_code == 200
    assert response.json()["status"] == "pending"


def test_http_face_is_csrf_exempt() -> None:
    strict = Client(enforce_csrf_checks=True)
    body = {"customer_uuid": CUSTOMER_UUID, "phone_number": PHONE}
    response = strict.post(
        "/ding-sandbox/v1/authentication",
        body,
        content_type="application/json",
        headers={"x-api-key": API_KEY},
    )
    assert response.status_code == 200


def test_http_face_body_size_limit(client: Client) -> None:
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=100):
        response = client.post(
            "/ding-sandbox/v1/check",
            {"check_code": "1" * 500},
            content_type="application/json",
            headers={"x-api-key": API_KEY},
        )
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"


def test_http_slow_number_sleeps(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    from django_ding.sandbox import api_views, magic

    slept: list[float] = []
    monkeypatch.setattr(api_views, "sleep", slept.append)
    body = {"customer_uuid": CUSTOMER_UUID, "phone_number": magic.SLOW}
    response = client.post(
        "/ding-sandbox/v1/authentication",
        body,
        content_type="application/json",
        headers={"x-api-key": API_KEY},
    )
    assert response.status_code == 200
    assert slept == [15.0]
    lookup = client.get(
        f"/ding-sandbox/v1/lookup/{magic.SLOW}",
        headers={"x-api-key": API_KEY, "customer-uuid": CUSTOMER_UUID},
    )
    assert lookup.status_code == 200
    assert slept == [15.0, 15.0]
