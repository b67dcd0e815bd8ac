"""What the pages say for each provider outcome, on both providers' semantics.

A blocked send is "could not send"; a shadow-blocked or challenged one reads
exactly as a sent code (the fraudster learns nothing); the Prelude v2 window
(same id inside it, a new id after it) stays invisible to the user.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from django_ding.backends.outcomes import SendOutcome
from django_ding.models import Authentication
from django_ding.session import SESSION_AUTHENTICATION_KEY
from django_ding.user_messages import CANNOT_SEND
from tests.views.backend import GOOD_CODE, TestProvider
from tests.views.conftest import ding_settings, start, verify

prelude_only = pytest.mark.parametrize("flavour", ["prelude"], indirect=True)


def same_page(html: str) -> str:
    """``html`` without what differs between two sessions: the masked number,
    the CSRF and form tokens, the seconds of the countdown."""
    html = re.sub(r"\+\d+\*+\d+", "<number>", html)
    html = re.sub(r'name="(csrfmiddlewaretoken|for_authentication)" value="[^"]+"', "<t>", html)
    return re.sub(r'(data-seconds="|0:)\d+', r"\1<s>", html)


def test_blocked_send_is_could_not_send(
    client: Client, ding_backend: TestProvider, flavour: str
) -> None:
    ding_backend.queue("create_authentication", SendOutcome.BLOCKED)
    response = start(client)
    assert response.status_code == 200
    html = response.content.decode()
    assert str(CANNOT_SEND) in html
    for secret in ("blocked", "suspicious", "spam"):
        assert secret not in html.lower().replace("ding-", "")
    assert SESSION_AUTHENTICATION_KEY not in client.session
    assert Authentication.objects.get().status == Authentication.Status.BLOCKED


@prelude_only
@pytest.mark.parametrize("outcome", [SendOutcome.SHADOW_BLOCKED, SendOutcome.CHALLENGED])
def test_shadow_blocked_and_challenged_read_as_a_sent_code(
    client: Client, ding_backend: TestProvider, flavour: str, outcome: SendOutcome
) -> None:
    sent = Client()
    start(sent)
    expected = sent.get("/verify/check/").content.decode()
    ding_backend.queue("create_authentication", outcome)
    response = start(client, "+33698765432")
    assert response.status_code == 302
    assert response["Location"] == "/verify/check/"
    page = client.get("/verify/check/").content.decode()
    # The same page as for a plain sent code, but for the number and tokens.
    assert same_page(page) == same_page(expected)
    assert Authentication.objects.get(phone_number="+33698765432").status == outcome.value
    assert verify(client, GOOD_CODE)["Location"] == "/done/"


@prelude_only
def test_a_second_send_inside_the_window_continues_the_same_verification(
    client: Client, settings: Any, flavour: str
) -> None:
    settings.DING = ding_settings(SEND_COOLDOWN=0)
    start(client)
    first = client.session[SESSION_AUTHENTICATION_KEY]
    assert start(client)["Location"] == "/verify/check/"  # not an error, not a 500
    assert client.session[SESSION_AUTHENTICATION_KEY] == first
    assert Authentication.objects.filter(status=Authentication.Status.MERGED).count() == 1
    assert verify(client)["Location"] == "/done/"
    assert Authentication.objects.get(pk=first).status == Authentication.Status.VERIFIED


@prelude_only
def test_a_resend_after_the_window_ended_switches_to_the_new_id(
    client: Client, settings: Any, ding_backend: TestProvider, flavour: str
) -> None:
    settings.DING = ding_settings(SEND_COOLDOWN=0)
    start(client)
    authentication = Authentication.objects.get()
    ding_backend.close(str(authentication.provider_id))
    client.post("/verify/retry/")
    page = client.get("/verify/check/")
    assert page.context["notice"] == {"level": "success", "text": "A new code is on its way."}
    assert client.session[SESSION_AUTHENTICATION_KEY] == authentication.pk
    old_id = authentication.provider_id
    authentication.refresh_from_db()
    assert authentication.provider_id != old_id
    assert verify(client)["Location"] == "/done/"


def test_a_code_the_provider_no_longer_knows_is_expired(
    client: Client, ding_backend: TestProvider, flavour: str
) -> None:
    start(client)
    ding_backend.close(str(Authentication.objects.get().provider_id))
    response = verify(client)
    assert response.status_code == 200
    assert "This code has expired" in response.content.decode()
    assert response.context["form"].errors.as_data()["code"][0].code == "expired"
