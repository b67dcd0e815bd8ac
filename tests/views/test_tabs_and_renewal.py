"""Two tabs of one session, and the way forward once a code is over (issue #12).

A check form carries a signed token of the authentication it was shown for: a
code typed in a tab left behind is neither checked against the session's
current authentication nor counted. An expired (or locked, or exhausted)
verification offers one button that works: a new code to the same number.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core import signing
from django.test import Client
from django.utils import timezone

from django_ding.models import Authentication, CheckRecord
from django_ding.session import SESSION_AUTHENTICATION_KEY, SESSION_VERIFIED_KEY
from tests.views.backend import TestProvider
from tests.views.conftest import OTHER_PHONE, PHONE, ding_settings, start

TOKEN = re.compile(r'name="for_authentication" value="([^"]+)"')
CODE_A, CODE_B = "111111", "222222"
EXPIRED = "This code has expired."
CANNOT_SEND_NOW = "We cannot send a code right now. Please try again later."


def token_of(html: str) -> str:
    found = TOKEN.search(html)
    assert found, "the check form carries no authentication token"
    return found.group(1)


def open_tab(client: Client) -> str:
    """GET the check page as a new tab would; return its form's token."""
    page = client.get("/verify/check/")
    assert page.status_code == 200
    return token_of(page.content.decode())


def two_tabs(client: Client, provider: TestProvider) -> tuple[str, str]:
    """Send to A and open its tab, then send to B (same session) and open its
    tab. Returns both tabs' tokens."""
    provider.code = CODE_A
    start(client, PHONE)
    tab_a = open_tab(client)
    provider.code = CODE_B
    assert start(client, OTHER_PHONE)["Location"] == "/verify/check/"
    tab_b = open_tab(client)
    return tab_a, tab_b


def check(client: Client, code: str, token: str | None) -> Any:
    data = {"code": code}
    if token is not None:
        data["for_authentication"] = token
    return client.post("/verify/check/", data)


# -- Two tabs ---------------------------------------------------------------------


def test_a_code_typed_in_a_tab_left_behind_is_not_checked_nor_counted(
    client: Client, ding_backend: TestProvider, flavour: str
) -> None:
    tab_a, tab_b = two_tabs(client, ding_backend)
    b = Authentication.objects.get(phone_number=OTHER_PHONE)

    response = check(client, CODE_A, tab_a)

    assert response.status_code == 200
    html = response.content.decode()
    assert (
        "You asked for a code for another number in another tab. "
        f"Enter the code sent to {b.masked_phone_number}."
    ) in html
    assert "not correct" not in html
    assert ding_backend.count("check") == 0
    assert CheckRecord.objects.count() == 0
    b.refresh_from_db()
    assert (b.failed_checks, b.checks_in_progress, b.status) == (0, 0, "pending")
    # The form is shown again, empty, for the current authentication.
    form = response.context["form"]
    assert not form.is_bound
    assert token_of(html) != tab_a
    assert signing.loads(token_of(html), salt=_salt(client)) == b.pk
    # B's code in the refreshed form verifies B.
    done = check(client, CODE_B, token_of(html))
    assert done["Location"] == "/done/"
    b.refresh_from_db()
    assert b.status == Authentication.Status.VERIFIED
    assert tab_b  # B's own tab would have worked as well


def _salt(client: Client) -> str:
    return f"django_ding.check_form.{client.session['django_ding.form_key']}"


def test_the_tab_of_the_current_authentication_checks_as_before(
    client: Client, ding_backend: TestProvider
) -> None:
    _, tab_b = two_tabs(client, ding_backend)
    wrong = check(client, "999999", tab_b)
    assert "The code is not correct." in wrong.content.decode()
    assert Authentication.objects.get(phone_number=OTHER_PHONE).failed_checks == 1
    assert check(client, CODE_B, tab_b)["Location"] == "/done/"


@pytest.mark.parametrize(
    "forge",
    [
        lambda pk, salt: "garbage",
        lambda pk, salt: "x" * 5000,
        lambda pk, salt: signing.dumps(pk),  # not salted with this session
        lambda pk, salt: signing.dumps(pk, salt=salt)[:-2] + "AA",  # tampered signature
        lambda pk, salt: signing.dumps("1; DROP TABLE", salt=salt),
        lambda pk, salt: signing.dumps(pk + 1000, salt=salt),  # points nowhere
    ],
    ids=["garbage", "huge", "unsalted", "tampered", "not-an-id", "nowhere"],
)
def test_a_tampered_token_is_not_checked_nor_counted(
    client: Client, ding_backend: TestProvider, forge: Any
) -> None:
    start(client)
    open_tab(client)
    authentication = Authentication.objects.get()
    response = check(client, ding_backend.code, forge(authentication.pk, _salt(client)))
    assert response.status_code == 200
    assert (
        "This page was out of date. Enter the latest code sent to "
        f"{authentication.masked_phone_number}."
    ) in response.content.decode()
    assert ding_backend.count("check") == 0
    assert CheckRecord.objects.count() == 0
    assert SESSION_VERIFIED_KEY not in client.session
    authentication.refresh_from_db()
    assert authentication.failed_checks == 0


def test_a_token_from_another_session_is_not_accepted(
    client: Client, ding_backend: TestProvider
) -> None:
    other = Client()
    start(other, OTHER_PHONE)
    foreign = open_tab(other)
    start(client)
    open_tab(client)
    response = check(client, ding_backend.code, foreign)
    assert "This page was out of date." in response.content.decode()
    assert ding_backend.count("check") == 0


def test_a_form_without_a_token_checks_the_sessions_authentication(
    client: Client, ding_backend: TestProvider
) -> None:
    """Custom templates and test clients that post only ``code`` keep working:
    the session decides which authentication is checked, as it always did."""
    start(client)
    assert check(client, ding_backend.code, None)["Location"] == "/done/"


# -- The way forward once a code is over -----------------------------------------


def expire(authentication: Authentication, provider: TestProvider) -> None:
    """Age the verification past its expiry (and past the send cooldown and
    the provider's window), as if the user came back 15 minutes later."""
    past = timezone.now() - dt.timedelta(minutes=15)
    Authentication.objects.filter(pk=authentication.pk).update(
        created_at=past, expires_at=past + dt.timedelta(minutes=10)
    )
    provider.close(str(authentication.provider_id))


def test_an_expired_code_offers_a_new_code_to_the_same_number(
    client: Client, ding_backend: TestProvider, flavour: str
) -> None:
    start(client)
    first = Authentication.objects.get()
    expire(first, ding_backend)

    page = client.get("/verify/check/")
    assert page.status_code == 200
    html = page.content.decode()
    assert EXPIRED in html
    assert 'id="ding-check-form"' not in html  # no code to type any more
    assert 'id="ding-retry-form"' not in html
    assert 'action="/verify/retry/"' in html
    assert f"Send a new code to {first.masked_phone_number}" in html

    ding_backend.code = "654321"
    response = client.post("/verify/retry/", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain == [("/verify/check/", 302)]
    assert response.context["notice"] == {"level": "success", "text": "A new code is on its way."}
    assert ding_backend.count("create_authentication") == 2
    assert ding_backend.count("retry") == 0
    second = Authentication.objects.exclude(pk=first.pk).get()
    assert second.phone_number == first.phone_number
    assert second.user_id == first.user_id
    assert second.status == Authentication.Status.PENDING
    assert client.session[SESSION_AUTHENTICATION_KEY] == second.pk
    html = response.content.decode()
    assert 'id="ding-check-form"' in html
    assert check(client, "654321", token_of(html))["Location"] == "/done/"


def test_a_code_found_expired_on_check_offers_the_new_code(
    client: Client, ding_backend: TestProvider
) -> None:
    start(client)
    tab = open_tab(client)
    expire(Authentication.objects.get(), ding_backend)
    response = check(client, ding_backend.code, tab)
    assert response.status_code == 200
    html = response.content.decode()
    assert "This code has expired." in html
    assert f"Send a new code to {Authentication.objects.get().masked_phone_number}" in html
    assert ding_backend.count("check") == 0
    assert client.post("/verify/retry/")["Location"] == "/verify/check/"
    assert Authentication.objects.count() == 2


def test_no_retries_left_starts_a_new_verification(
    client: Client, settings: Any, ding_backend: TestProvider
) -> None:
    settings.DING = ding_settings(SEND_COOLDOWN=0)
    start(client)
    first = Authentication.objects.get()
    Authentication.objects.filter(pk=first.pk).update(remaining_retry=0)
    page = client.get("/verify/check/").content.decode()
    assert 'id="ding-check-form"' in page  # the last code may still arrive
    assert f"Send a new code to {first.masked_phone_number}" in page
    client.post("/verify/retry/")
    assert ding_backend.count("retry") == 0
    assert ding_backend.count("create_authentication") == 2
    assert client.session[SESSION_AUTHENTICATION_KEY] != first.pk


def lock(client: Client, attempts: int) -> Authentication:
    start(client)
    for _ in range(attempts):
        client.post("/verify/check/", {"code": "000000"})
    authentication = Authentication.objects.get()
    assert authentication.status == Authentication.Status.LOCKED
    past = timezone.now() - dt.timedelta(minutes=5)
    Authentication.objects.filter(pk=authentication.pk).update(created_at=past)
    return authentication


def test_a_locked_verification_restarts_when_the_phone_limits_allow(
    client: Client, settings: Any, ding_backend: TestProvider
) -> None:
    settings.DING = ding_settings(MAX_CHECK_ATTEMPTS=3, MAX_FAILED_CHECKS_PER_PHONE=30)
    first = lock(client, 3)
    page = client.get("/verify/check/").content.decode()
    assert "Too many wrong codes were entered for this code." in page
    response = client.post("/verify/retry/", follow=True)
    assert response.context["notice"]["level"] == "success"
    assert ding_backend.count("create_authentication") == 2
    assert client.session[SESSION_AUTHENTICATION_KEY] != first.pk


def test_a_locked_number_does_not_restart(
    client: Client, settings: Any, ding_backend: TestProvider
) -> None:
    settings.DING = ding_settings(MAX_CHECK_ATTEMPTS=3, MAX_FAILED_CHECKS_PER_PHONE=3)
    first = lock(client, 3)
    response = client.post("/verify/retry/", follow=True)
    assert response.status_code == 200
    assert response.context["notice"] == {"level": "error", "text": CANNOT_SEND_NOW}
    assert ding_backend.count("create_authentication") == 1
    assert Authentication.objects.count() == 1
    assert client.session[SESSION_AUTHENTICATION_KEY] == first.pk


def test_a_restart_refused_by_the_cooldown_reads_the_neutral_sentence(
    client: Client, settings: Any, ding_backend: TestProvider
) -> None:
    settings.DING = ding_settings(SEND_COOLDOWN=600)
    start(client)
    Authentication.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = client.post("/verify/retry/", follow=True)
    assert response.context["notice"] == {"level": "error", "text": CANNOT_SEND_NOW}
    assert ding_backend.count("create_authentication") == 1
    assert "seconds" not in response.context["notice"]["text"]


def test_the_resend_button_of_a_tab_left_behind_sends_nothing(
    client: Client, settings: Any, ding_backend: TestProvider
) -> None:
    settings.DING = ding_settings(SEND_COOLDOWN=0)
    ding_backend.retry_wait = 0
    tab_a, tab_b = two_tabs(client, ding_backend)
    b = Authentication.objects.get(phone_number=OTHER_PHONE)
    response = client.post("/verify/retry/", {"for_authentication": tab_a}, follow=True)
    assert response.status_code == 200
    assert response.context["notice"] == {
        "level": "error",
        "text": "You asked for a code for another number in another tab. "
        f"Enter the code sent to {b.masked_phone_number}.",
    }
    assert ding_backend.count("retry") == 0
    assert ding_backend.count("create_authentication") == 2
    # The current tab's button (or a post without the token) resends.
    client.post("/verify/retry/", {"for_authentication": tab_b})
    client.post("/verify/retry/")
    assert ding_backend.count("retry") == 2
