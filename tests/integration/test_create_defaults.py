"""``DING["CREATE_DEFAULTS"]``: the options every send carries, on the wire of
each provider, through the drop-in views (which pass no fields)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.checks import run_checks
from django.test import Client

from django_ding import services
from django_ding.backends.test import BACKENDS, provider
from django_ding.exceptions import DingConfigurationError

pytestmark = pytest.mark.django_db

PHONE = "+33612345691"


@pytest.fixture(params=sorted(BACKENDS))
def backend(request: pytest.FixtureRequest, settings: Any) -> str:
    settings.DING = {"BACKEND": BACKENDS[request.param], "API_KEY": "k", "SEND_COOLDOWN": 0}
    provider.reset()
    return str(request.param)


def create_kwargs() -> dict[str, Any]:
    [kwargs] = provider.calls_to("create_authentication")
    return dict(kwargs)


def test_the_views_send_the_defaults(backend: str, settings: Any, client: Client) -> None:
    defaults = {"template_id": "signup", "sender_id": "ACME"}
    if backend == "prelude":
        defaults |= {"method": "message", "preferred_channel": "whatsapp"}
    settings.DING = {**settings.DING, "CREATE_DEFAULTS": defaults}
    assert client.post("/verify/", {"phone_number": PHONE}).status_code == 302
    sent = create_kwargs()
    for name, value in defaults.items():
        assert sent[name] == value


def test_fields_given_to_send_code_win(backend: str, settings: Any) -> None:
    settings.DING = {**settings.DING, "CREATE_DEFAULTS": {"template_id": "signup"}}
    services.send_code(PHONE, template_id="login")
    assert create_kwargs()["template_id"] == "login"


@pytest.mark.parametrize(
    "defaults",
    [
        ["template_id"],
        {"template_idd": "x"},
        {"callback_url": "ftp://example.com/hook"},
        {"locale": "not a locale"},
    ],
)
def test_bad_defaults_are_a_check_error_and_send_nothing(
    backend: str, settings: Any, defaults: Any
) -> None:
    settings.DING = {**settings.DING, "CREATE_DEFAULTS": defaults}
    assert "django_ding.E021" in {m.id for m in run_checks()}
    with pytest.raises((TypeError, ValueError, DingConfigurationError)):
        services.send_code(PHONE)
    assert provider.count("create_authentication") == 0


def test_v2_only_options_are_refused_for_ding_v1(settings: Any) -> None:
    settings.DING = {
        "BACKEND": BACKENDS["ding"],
        "API_KEY": "k",
        "CUSTOMER_UUID": "c9f826e0-deca-41ec-871f-ecd6e8efeb46",
        "CREATE_DEFAULTS": {"preferred_channel": "whatsapp"},
    }
    assert "django_ding.E021" in {m.id for m in run_checks()}
    settings.DING = {**settings.DING, "BACKEND": BACKENDS["prelude"]}
    assert "django_ding.E021" not in {m.id for m in run_checks()}
