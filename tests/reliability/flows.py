"""The user's steps through the real views, and what a page says."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

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
