"""Finding: with DEBUG off the sandbox was public. An API key without a
customer id made the example settings fall back to the sandbox; anonymous
``GET /ding-sandbox/?format=json`` then listed every code, and the wire API
accepted any ``x-api-key`` and answered full numbers.

Now: DEBUG off needs the explicit ``SANDBOX_ALLOW_WITHOUT_DEBUG`` opt-in
(without it the backend refuses to run, its URLs answer 404, and the system
checks report an error); with it, the inbox answers active staff only and the
wire API only the configured key. The example settings' part is in
``tests/example_site/test_production_settings.py``."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.checks import run_checks
from django.test import Client, override_settings

from django_ding import services
from django_ding.exceptions import DingConfigurationError
from django_ding.sandbox.backend import SandboxBackend
from django_ding.sandbox.testing import last_code

pytestmark = pytest.mark.django_db

PHONE = "+33612345670"
SANDBOX = "django_ding.sandbox.backend.SandboxBackend"
KEY = "staging-sandbox-key"
CUSTOMER_UUID = "c9f826e0-deca-41ec-871f-ecd6e8efeb46"


def ding(**changes: Any) -> dict[str, Any]:
    return {"BACKEND": SANDBOX, "API_KEY": KEY, **changes}


def wire_create(client: Client, key: str | None) -> Any:
    headers = {"x-api-key": key} if key is not None else {}
    return client.post(
        "/ding-sandbox/v1/authentication",
        {"customer_uuid": CUSTOMER_UUID, "phone_number": PHONE},
        content_type="application/json",
        headers=headers,
    )


def check_ids() -> set[str]:
    return {message.id for message in run_checks() if message.id}


class TestWithoutTheOptIn:
    """DEBUG off and no opt-in: nothing of the sandbox answers."""

    @pytest.fixture(autouse=True)
    def _production(self, settings: Any) -> None:
        settings.DEBUG = False
        settings.DING = ding()

    def test_system_check_error(self) -> None:
        assert "django_ding.E015" in check_ids()

    def test_backend_refuses_to_run(self) -> None:
        with pytest.raises(DingConfigurationError, match="SANDBOX_ALLOW_WITHOUT_DEBUG"):
            SandboxBackend().create_authentication(PHONE)

    def test_send_code_sends_nothing(self) -> None:
        with pytest.raises(DingConfigurationError):
            services.send_code(PHONE)

    def test_inbox_and_wire_api_are_404(self, client: Client, admin_client: Client) -> None:
        for who in (client, admin_client):
            assert who.get("/ding-sandbox/").status_code == 404
            assert who.get("/ding-sandbox/?format=json").status_code == 404
            assert wire_create(who, KEY).status_code == 404

    def test_a_non_boolean_opt_in_is_a_check_error_and_counts_as_off(
        self, settings: Any, client: Client
    ) -> None:
        settings.DING = ding(SANDBOX_ALLOW_WITHOUT_DEBUG="yes")
        assert "django_ding.E016" in check_ids()
        assert client.get("/ding-sandbox/").status_code == 404


class TestWithTheOptIn:
    """A staging site: the sandbox runs, behind staff login and the API key."""

    @pytest.fixture(autouse=True)
    def _staging(self, settings: Any) -> None:
        settings.DEBUG = False
        settings.DING = ding(SANDBOX_ALLOW_WITHOUT_DEBUG=True)

    def test_no_check_error(self) -> None:
        assert not {"django_ding.E015", "django_ding.E016"} & check_ids()

    def test_inbox_answers_active_staff_only(
        self, client: Client, django_user_model: Any, admin_client: Client
    ) -> None:
        SandboxBackend().create_authentication(PHONE)
        code = last_code(PHONE)
        member = django_user_model.objects.create_user("member", password="pw")
        former_staff = django_user_model.objects.create_user(
            "former", password="pw", is_staff=True, is_active=False
        )
        signed_in = Client()
        signed_in.force_login(member)
        inactive = Client()
        inactive.force_login(former_staff)
        for who in (client, signed_in, inactive):
            for url in ("/ding-sandbox/", "/ding-sandbox/?format=json"):
                response = who.get(url)
                assert response.status_code == 403
                assert code not in response.content.decode()
        response = admin_client.get("/ding-sandbox/?format=json")
        assert response.status_code == 200
        assert response.json()["messages"][0]["code"] == code

    @pytest.mark.parametrize("key", [None, "", "anything", KEY.upper(), KEY + "x"])
    def test_wire_api_refuses_any_other_key(self, client: Client, key: str | None) -> None:
        response = wire_create(client, key)
        assert response.status_code == 401
        assert response.json()["code"] == "account_invalid"

    def test_wire_api_accepts_the_configured_key(self, client: Client) -> None:
        response = wire_create(client, KEY)
        assert response.status_code == 200
        uuid = response.json()["authentication_uuid"]
        status = client.get(
            f"/ding-sandbox/v1/authentication/{uuid}", headers={"x-api-key": "anything"}
        )
        assert status.status_code == 401  # reading a number needs the key too

    def test_wire_api_without_a_configured_key_accepts_nothing(
        self, settings: Any, client: Client
    ) -> None:
        settings.DING = ding(SANDBOX_ALLOW_WITHOUT_DEBUG=True, API_KEY=None)
        for key in ("anything", "test-api-key-not-real", KEY):
            assert wire_create(client, key).status_code == 401


def test_development_keeps_the_open_sandbox(client: Client) -> None:
    """DEBUG on (a developer's machine): inbox for everyone, any key."""
    with override_settings(DEBUG=True, DING=ding(API_KEY=None)):
        assert client.get("/ding-sandbox/").status_code == 200
        assert wire_create(client, "anything").status_code == 200
        assert "django_ding.E015" not in check_ids()


def wire_v2_create(client: Client, token: str | None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return client.post(
        "/ding-sandbox/v2/verification",
        {"target": {"type": "phone_number", "value": PHONE}},
        content_type="application/json",
        headers=headers,
    )


class TestTheV2FaceFollowsTheSameRule:
    """The Prelude v2 face: 404 without the opt-in, only API_KEY with it."""

    def test_without_the_opt_in_it_is_404(self, settings: Any, client: Client) -> None:
        settings.DEBUG = False
        settings.DING = ding()
        assert wire_v2_create(client, KEY).status_code == 404
        assert client.get("/ding-sandbox/v2/lookup/+33612345670").status_code == 404
        assert client.get("/ding-sandbox/v2/anything").status_code == 404

    @pytest.mark.parametrize("token", [None, "", "anything", KEY.upper(), KEY + "x"])
    def test_with_the_opt_in_only_the_key(
        self, settings: Any, client: Client, token: str | None
    ) -> None:
        settings.DEBUG = False
        settings.DING = ding(SANDBOX_ALLOW_WITHOUT_DEBUG=True)
        response = wire_v2_create(client, token)
        assert response.status_code == 401
        assert response.json()["code"] == "invalid_api_key"
        assert wire_v2_create(client, KEY).status_code == 200

    def test_without_a_configured_key_nothing(self, settings: Any, client: Client) -> None:
        settings.DEBUG = False
        settings.DING = ding(SANDBOX_ALLOW_WITHOUT_DEBUG=True, API_KEY=None)
        for token in ("anything", "test-api-key-not-real", KEY):
            assert wire_v2_create(client, token).status_code == 401

    def test_history_needs_the_key_too(self, settings: Any, client: Client) -> None:
        settings.DEBUG = False
        settings.DING = ding(SANDBOX_ALLOW_WITHOUT_DEBUG=True)
        verification = wire_v2_create(client, KEY).json()["id"]
        url = f"/ding-sandbox/v2/verification/phone/history/{verification}"
        assert client.get(url, headers={"Authorization": "Bearer anything"}).status_code == 401
        assert client.get(url, headers={"Authorization": f"Bearer {KEY}"}).status_code == 200
