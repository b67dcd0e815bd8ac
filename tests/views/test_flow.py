"""The whole verification flow through the test client, on the in-memory test
backend: every test runs against Ding v1 and Prelude v2 semantics (the
``flavour`` fixture)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client, override_settings

from django_ding.models import Authentication
from django_ding.session import (
    SESSION_AUTHENTICATION_KEY,
    SESSION_NOTICE_KEY,
    SESSION_VERIFIED_KEY,
)
from django_ding.verified import get_verified_phone_number
from django_ding.views import CheckCodeView
from tests.views.backend import GOOD_CODE, provider
from tests.views.conftest import PHONE, ding_settings, start, verify

pytestmark = pytest.mark.usefixtures("flavour")


def template_names(response: Any) -> list[str]:
    return [t.name for t in response.templates if t.name]


def test_get_send_shows_the_form_and_sends_nothing(client: Client) -> None:
    response = client.get("/verify/")
    assert response.status_code == 200
    assert "django_ding/send.html" in template_names(response)
    assert "django_ding/base.html" in template_names(response)
    html = response.content.decode()
    for marker in (
        'id="ding-send-form"',
        'id="id_phone_number"',
        'name="phone_number"',
        'id="ding-send-submit"',
        'id="ding-errors"',
        'aria-live="polite"',
        'name="csrfmiddlewaretoken"',
        '<meta name="viewport"',
        '<html lang="en"',
        '<label for="id_phone_number"',
    ):
        assert marker in html, marker
    assert provider.calls == []
    assert not Authentication.objects.exists()


def test_send_remembers_the_authentication_and_redirects_to_check(client: Client) -> None:
    response = start(client, "+33 6 12 34 56 78")
    assert response.status_code == 302
    assert response["Location"] == "/verify/check/"
    authentication = Authentication.objects.get()
    assert str(authentication.phone_number) == PHONE
    assert client.session[SESSION_AUTHENTICATION_KEY] == authentication.pk
    [fields] = provider.calls_to("create_authentication")
    assert fields["phone_number"] == PHONE
    assert fields["ip"] == "127.0.0.1"
    assert fields["locale"] == "en"


def test_check_page_shows_the_masked_number_and_a_countdown(client: Client) -> None:
    start(client)
    response = client.get("/verify/check/")
    assert response.status_code == 200
    assert "django_ding/check.html" in template_names(response)
    html = response.content.decode()
    for marker in (
        'id="ding-check-form"',
        'id="id_code"',
        'name="code"',
        'autocomplete="one-time-code"',
        'inputmode="numeric"',
        'id="ding-check-submit"',
        'id="ding-phone-number"',
        'id="ding-restart-link"',
    ):
        assert marker in html, marker
    assert "+33*******78" in html
    assert PHONE not in html
    # SEND_COOLDOWN (30 s by default) holds the resend back: a countdown.
    wait = response.context["retry_available_in"]
    assert 0 < wait <= 30
    assert f'data-seconds="{wait}"' in html
    assert f'<span id="ding-retry-time">0:{wait:02d}</span>' in html
    assert 'id="ding-retry-ready" role="status" hidden' in html
    assert "<script>" in html
    assert 'id="ding-retry-submit"' in html
    assert 'id="ding-retry-form"' in html


def test_check_page_without_a_wait_has_no_countdown(client: Client, settings: Any) -> None:
    settings.DING = ding_settings(SEND_COOLDOWN=0)
    start(client)
    response = client.get("/verify/check/")
    html = response.content.decode()
    assert response.context["retry_available_in"] == 0
    assert 'id="ding-retry-countdown"' not in html
    assert "<script" not in html
    assert "Did not receive the code?" in html
    assert 'id="ding-retry-submit"' in html


def test_no_resend_button_when_no_retries_are_left(client: Client) -> None:
    start(client)
    Authentication.objects.update(remaining_retry=0)
    html = client.get("/verify/check/").content.decode()
    assert 'id="ding-retry-form"' not in html
    assert 'id="ding-restart-link"' in html


def test_wrong_code_shows_an_error_on_the_field(client: Client) -> None:
    start(client)
    response = verify(client, "000000")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_code_error"' in html
    assert "The code is not correct" in html
    assert 'aria-invalid="true"' in html
    assert 'role="alert"' in html
    errors = response.context["form"].errors.as_data()["code"]
    assert errors[0].code == "invalid_code"
    assert SESSION_VERIFIED_KEY not in client.session
    assert provider.calls_to("check")[0]["check_code"] == "000000"


def test_malformed_code_never_reaches_the_provider(client: Client) -> None:
    start(client)
    response = verify(client, "abc")
    assert response.status_code == 200
    assert response.context["form"].errors.as_data()["code"][0].code == "invalid"
    assert provider.calls_to("check") == []


def test_good_code_verifies_cycles_the_session_and_redirects(client: Client) -> None:
    start(client)
    old_key = client.session.session_key
    response = verify(client, "123 456")
    assert response.status_code == 302
    assert response["Location"] == "/done/"
    session = client.session
    assert session.session_key != old_key
    assert SESSION_AUTHENTICATION_KEY not in session
    assert set(session[SESSION_VERIFIED_KEY]) == {"authentication_id", "user_id", "verified_at"}
    authentication = Authentication.objects.get()
    assert authentication.status == Authentication.Status.VERIFIED
    assert session[SESSION_VERIFIED_KEY]["authentication_id"] == authentication.pk
    assert provider.calls_to("check")[0]["check_code"] == GOOD_CODE
    # The flow is over: the check page goes back to the start.
    assert client.get("/verify/check/")["Location"] == "/verify/"


def test_next_is_kept_through_the_flow(client: Client) -> None:
    page = client.get("/verify/?next=/profile/%3Ftab%3D2")
    assert 'name="next" value="/profile/?tab=2"' in page.content.decode()
    response = client.post("/verify/", {"phone_number": PHONE, "next": "/profile/?tab=2"})
    assert response["Location"] == "/verify/check/?next=%2Fprofile%2F%3Ftab%3D2"
    check_page = client.get(response["Location"])
    assert 'name="next" value="/profile/?tab=2"' in check_page.content.decode()
    done = verify(client, next="/profile/?tab=2")
    assert done["Location"] == "/profile/?tab=2"


def test_next_from_the_query_string_of_the_post(client: Client) -> None:
    response = start(client, next="/a/")
    assert response["Location"] == "/verify/check/?next=%2Fa%2F"
    done = client.post("/verify/check/?next=/a/", {"code": GOOD_CODE})
    assert done["Location"] == "/a/"


@override_settings(DING=ding_settings(SUCCESS_URL="ding:send"))
def test_success_url_may_be_a_url_name(client: Client) -> None:
    start(client)
    assert verify(client)["Location"] == "/verify/"


def test_success_url_override_point() -> None:
    assert CheckCodeView(success_url="/welcome/").get_success_url() == "/welcome/"
    assert CheckCodeView().get_success_url() == "/done/"


def test_signed_in_user_is_attached(client: Client) -> None:
    user = get_user_model().objects.create_user("alice", password="pw")
    client.force_login(user)
    start(client)
    assert Authentication.objects.get().user == user
    verify(client)
    # Still signed in after the session key changed.
    assert client.session["_auth_user_id"] == str(user.pk)


def test_early_resend_is_refused_with_the_time_left(client: Client) -> None:
    start(client)
    response = client.post("/verify/retry/")
    assert response.status_code == 302
    assert response["Location"] == "/verify/check/"
    page = client.get("/verify/check/")
    html = page.content.decode()
    notice = page.context["notice"]
    assert notice["level"] == "error"
    assert notice["text"].startswith("You can request a new code in ")
    assert notice["text"].endswith(" seconds.")
    assert 'class="ding-notice ding-notice--error" aria-live="polite" role="alert"' in html
    assert provider.calls_to("retry") == []
    assert SESSION_NOTICE_KEY not in client.session  # shown once
    assert client.get("/verify/check/").context["notice"] is None


def test_resend_after_the_wait_shows_a_notice_and_a_countdown(
    client: Client, settings: Any, flavour: str
) -> None:
    settings.DING = ding_settings(SEND_COOLDOWN=0)
    start(client)
    response = client.post("/verify/retry/", {"next": "/p/"})
    assert response["Location"] == "/verify/check/?next=%2Fp%2F"
    assert len(provider.calls_to("retry")) == 1
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.context["notice"] == {"level": "success", "text": "A new code is on its way."}
    assert 'class="ding-notice ding-notice--success" aria-live="polite" role="status"' in html
    if flavour == "ding":
        # The provider's next_retry_at (30 s in the test backend) drives the countdown.
        assert 0 < page.context["retry_available_in"] <= 30
        assert 'id="ding-retry-countdown"' in html
    else:
        # Prelude v2 announces no next_retry_at: only local pacing (here none).
        assert page.context["retry_available_in"] == 0
        assert 'id="ding-retry-countdown"' not in html


@pytest.mark.parametrize("attempts", [3])
def test_too_many_wrong_codes_lock(client: Client, settings: Any, attempts: int) -> None:
    settings.DING = ding_settings(MAX_CHECK_ATTEMPTS=attempts)
    start(client)
    for _ in range(attempts):
        response = verify(client, "000000")
        assert response.status_code == 200
    response = verify(client, GOOD_CODE)
    assert response.status_code == 200
    assert "Too many wrong codes" in response.content.decode()
    assert SESSION_VERIFIED_KEY not in client.session
    assert get_verified_phone_number(response.wsgi_request) is None
    assert Authentication.objects.get().status == Authentication.Status.LOCKED


def test_a_new_number_replaces_the_session_authentication(client: Client) -> None:
    start(client)
    first = client.session[SESSION_AUTHENTICATION_KEY]
    start(client, "+447911123456")
    assert client.session[SESSION_AUTHENTICATION_KEY] != first
    response = verify(client)
    assert get_verified_phone_number(response.wsgi_request) == "+447911123456"


def test_default_region_applies_to_the_page(client: Client, settings: Any) -> None:
    settings.DING = ding_settings(DEFAULT_REGION="FR")
    page = client.get("/verify/").content.decode()
    assert "Include the country code" not in page
    assert start(client, "06 12 34 56 78")["Location"] == "/verify/check/"
    assert str(Authentication.objects.get().phone_number) == PHONE


def test_invalid_number_is_refused_before_the_provider(client: Client) -> None:
    response = start(client, "12")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_phone_number_error"' in html
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="id_phone_number_helptext id_phone_number_error"' in html
    assert provider.calls == []


def test_head_requests_are_like_get(client: Client) -> None:
    assert client.head("/verify/").status_code == 200
    assert provider.calls == []


def test_phone_number_in_the_query_prefills_the_form_and_sends_nothing(client: Client) -> None:
    page = client.get("/verify/", {"phone_number": "+33612345678", "next": "/profile/"})
    html = page.content.decode()
    assert 'value="+33612345678"' in html
    assert 'name="next" value="/profile/"' in html
    assert provider.calls == []


@pytest.mark.parametrize(
    "value", ['"><script>alert(1)</script>', "+33\x00612345678", "+3" * 40, "+33\u202e6"]
)
def test_hostile_prefill_is_escaped_or_dropped(client: Client, value: str) -> None:
    html = client.get("/verify/", {"phone_number": value}).content.decode()
    assert "<script>alert(1)" not in html
    assert "\x00" not in html
    assert "\u202e" not in html
    assert ("+3" * 40) not in html


def test_views_without_sessions_name_the_missing_middleware(rf: Any) -> None:
    from django.contrib.auth.models import AnonymousUser
    from django.core.exceptions import ImproperlyConfigured

    request = rf.get("/verify/check/")
    request.user = AnonymousUser()
    with pytest.raises(ImproperlyConfigured, match="SessionMiddleware"):
        CheckCodeView.as_view()(request)
