"""The user's steps through the real views, and what a page says."""

from __future__ import annotations

import re
import unicodedata
from html import unescape
from typing import Any
from urllib.parse import urlsplit

from django.test import Client
from django.utils.html import escape

SEND_URL = "/verify/"
CHECK_URL = "/verify/check/"
RETRY_URL = "/verify/retry/"
PHONE = "+33612345678"
OTHER_PHONE = "+33698765432"

#: ``next`` values that must never be followed.
HOSTILE_NEXT = [
    "https://evil.example/",
    "http://evil.example",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    " javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "http://testserver@evil.example/",
    "/ok\r\nLocation: https://evil.example",
    "/\t/evil.example",
    "/ok\x00",
    "https:evil.example",
    "\u2028//evil.example",
    "x" * 5000,
]


def send(client: Client, phone: str = PHONE, **data: str) -> Any:
    return client.post(SEND_URL, {"phone_number": phone, **data})


def check(client: Client, code: str, **data: str) -> Any:
    return client.post(CHECK_URL, {"code": code, **data})


def retry(client: Client, **data: str) -> Any:
    return client.post(RETRY_URL, data)


def text(response: Any) -> str:
    """The page's text, entities decoded (so messages compare as written)."""
    return unescape(response.content.decode())


def says(response: Any, message: object) -> bool:
    """Whether the page shows ``message`` (a translated string or a Promise)."""
    html = response.content.decode()
    return escape(str(message)) in html or str(message) in unescape(html)


def alerts(response: Any) -> list[str]:
    """The text of every element with role=alert or of the errors list."""
    html = response.content.decode()
    found = re.findall(r'role="(?:alert|status)"[^>]*>(.*?)</', html, flags=re.S)
    found += re.findall(r'class="[^"]*errorlist[^"]*"[^>]*>(.*?)</ul>', html, flags=re.S)
    return [unescape(re.sub(r"<[^>]+>", " ", item)).strip() for item in found if item.strip()]


def hidden_inputs(html: str, form_id: str = "ding-check-form") -> dict[str, str]:
    """The hidden inputs of the form ``form_id`` in ``html``."""
    match = re.search(rf'<form[^>]*id="{form_id}".*?</form>', html, flags=re.S)
    assert match is not None, f"no form {form_id} on the page"
    inputs = {}
    for tag in re.findall(r"<input[^>]*>", match.group(0)):
        if 'type="hidden"' in tag:
            name = re.search(r'name="([^"]*)"', tag)
            value = re.search(r'value="([^"]*)"', tag)
            if name:
                inputs[unescape(name.group(1))] = unescape(value.group(1) if value else "")
    return inputs


def redirected_to(response: Any) -> str | None:
    """Where a redirect goes, or ``None`` for any other answer."""
    return response["Location"] if response.status_code in (301, 302, 303) else None


def settings_for(flavour: str, **extra: Any) -> dict[str, Any]:
    """``DING`` for the test backend of ``flavour`` (``"ding"``, ``"prelude"``)."""
    from django_ding.backends.test import BACKENDS

    return {
        "BACKEND": BACKENDS[flavour],
        "API_KEY": "test-api-key-not-real",
        "CUSTOMER_UUID": "c9f826e0-deca-41ec-871f-ecd6e8efeb46",
        "SEND_ONBOARDED_FEEDBACK": False,
        "SUCCESS_URL": "/done/",
        **extra,
    }


def assert_same_site(location: str | None) -> None:
    """A redirect stays on this site: no scheme trick, no other host, no
    control characters."""
    if location is None:
        return
    assert not any(unicodedata.category(ch)[0] == "C" for ch in location), location
    parts = urlsplit(location)
    assert parts.scheme in ("", "http", "https"), location
    assert parts.netloc in ("", "testserver"), location
    assert not location.startswith(("//", "\\", "/\\")), location
