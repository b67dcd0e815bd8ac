"""Finding: the cooldown refusal told a stranger that a number was just sent
a code ("A code was sent to this number a moment ago"): session B, sending to
the number session A had just used, learnt that someone was verifying it.

Decision (docs/limits.md, docs/security.md): every send refusal that is about
the number or the site reads one neutral sentence, without a wait (the wait
itself would date the other send); the session that sent the code is taken
back to its own check page; a limit on the client's own address stays precise.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from django_ding.models import Authentication
from django_ding.sandbox.testing import last_code

pytestmark = pytest.mark.django_db

PHONE = "+33612345604"
NEUTRAL = "We cannot send a code right now. Please try again later."


def send(client: Client, phone: str = PHONE) -> Any:
    return client.post("/verify/", {"phone_number": phone})


def page(response: Any) -> str:
    """The errors shown on the phone number field."""
    assert NEUTRAL in response.content.decode() or response.context["form"].errors
    return " ".join(response.context["form"].errors.get("phone_number", []))


def test_a_stranger_learns_nothing_from_the_cooldown() -> None:
    owner, stranger = Client(), Client()
    assert send(owner).status_code == 302
    response = send(stranger)
    assert response.status_code == 200
    text = page(response)
    assert text == NEUTRAL
    for leak in ("a moment ago", "was sent", "this number", "seconds", "ask again"):
        assert leak not in text, leak


def test_the_cooldown_reads_like_the_site_wide_cap(settings: Any) -> None:
    owner = Client()
    send(owner)
    cooldown = page(send(Client()))
    settings.DING = {**settings.DING, "SEND_LIMIT_GLOBAL_PER_HOUR": 1, "SEND_COOLDOWN": 0}
    site_cap = page(send(Client(), "+33612345605"))
    assert NEUTRAL in cooldown
    assert NEUTRAL in site_cap


def test_a_locked_number_reads_the_same(settings: Any) -> None:
    settings.DING = {**settings.DING, "SEND_COOLDOWN": 0, "MAX_FAILED_CHECKS_PER_PHONE": 2}
    owner = Client()
    send(owner)
    wrong = "000000" if last_code(PHONE) != "000000" else "111111"
    owner.post("/verify/check/", {"code": wrong})
    owner.post("/verify/check/", {"code": wrong})
    text = page(send(Client()))
    assert NEUTRAL in text
    assert "wrong codes" not in text


def test_the_sender_itself_goes_back_to_its_code() -> None:
    owner = Client()
    send(owner)
    again = send(owner)  # a double submit, the back button
    assert again.status_code == 302
    assert again["Location"].startswith("/verify/check/")
    assert Authentication.objects.count() == 1


def test_the_clients_own_address_limit_stays_precise(settings: Any) -> None:
    settings.DING = {**settings.DING, "SEND_LIMIT_PER_IP": (1, 3600)}
    client = Client()
    send(client)
    text = page(send(client, "+33612345606"))
    assert "Too many codes were requested from your network" in text
