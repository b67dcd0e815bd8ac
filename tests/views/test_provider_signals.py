"""What the views pass to the provider: the page's language and a trustworthy IP."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from django_ding.models import Authentication
from tests.views.backend import provider
from tests.views.conftest import ding_settings, start


def sent_fields() -> dict[str, Any]:
    [fields] = provider.calls_to("create_authentication")
    return fields


def test_french_browser_sends_locale_fr(client: Client) -> None:
    page = client.get("/verify/", HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9,en;q=0.5")
    assert '<html lang="fr"' in page.content.decode()
    client.post("/verify/", {"phone_number": "+33612345678"}, HTTP_ACCEPT_LANGUAGE="fr")
    assert sent_fields()["locale"] == "fr"
    assert Authentication.objects.get().locale == "fr"


def test_brazilian_portuguese_is_sent_as_bcp47(client: Client, settings: Any) -> None:
    settings.LANGUAGES = [("en", "English"), ("pt-br", "Português (Brasil)")]
    client.post("/verify/", {"phone_number": "+33612345678"}, HTTP_ACCEPT_LANGUAGE="pt-BR")
    assert sent_fields()["locale"] == "pt-BR"


def test_language_cookie_sends_locale_fr(client: Client, settings: Any) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    start(client)
    assert sent_fields()["locale"] == "fr"


def test_default_language_is_sent(client: Client) -> None:
    start(client)
    assert sent_fields()["locale"] == "en"


def test_unknown_language_falls_back_to_the_default(client: Client) -> None:
    client.post("/verify/", {"phone_number": "+33612345678"}, HTTP_ACCEPT_LANGUAGE="xx-YY")
    assert sent_fields()["locale"] == "en"


def test_ip_is_remote_addr(client: Client) -> None:
    client.post("/verify/", {"phone_number": "+33612345678"}, REMOTE_ADDR="203.0.113.7")
    assert sent_fields()["ip"] == "203.0.113.7"


def test_spoofed_forwarded_for_is_ignored_without_trusted_proxies(client: Client) -> None:
    client.post(
        "/verify/",
        {"phone_number": "+33612345678"},
        REMOTE_ADDR="203.0.113.7",
        HTTP_X_FORWARDED_FOR="198.51.100.1",
    )
    assert sent_fields()["ip"] == "203.0.113.7"


@pytest.mark.parametrize(
    ("forwarded", "expected"),
    [
        ("198.51.100.1", "198.51.100.1"),
        # The client prepends a fake address: only the proxy's entry counts.
        ("1.2.3.4, 198.51.100.1", "198.51.100.1"),
        ("not-an-ip", None),
    ],
)
def test_forwarded_for_is_read_behind_a_trusted_proxy(
    client: Client, settings: Any, forwarded: str, expected: str | None
) -> None:
    settings.DING = ding_settings(TRUSTED_PROXY_COUNT=1)
    client.post(
        "/verify/",
        {"phone_number": "+33612345678"},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR=forwarded,
    )
    assert sent_fields().get("ip") == expected
