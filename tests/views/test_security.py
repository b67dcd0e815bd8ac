"""The refusals of the "Done when" list: every one must hold."""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from django_ding.models import Authentication
from django_ding.session import SESSION_AUTHENTICATION_KEY, SESSION_VERIFIED_KEY
from django_ding.views import safe_next_url
from tests.views.backend import GOOD_CODE, provider
from tests.views.conftest import start, verify

HOSTILE_NEXT = [
    "//evil.com",
    "///evil.com",
    "https://evil.com",
    "http://evil.com/path",
    "http:///evil.com",
    "https:evil.com",
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    " javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "\\\\evil.com",
    "/\\evil.com",
    "\\/evil.com",
    "/\t/evil.com",
    "\t//evil.com",
    " //evil.com",
    "//evil.com%2F..",
    "http://testserver@evil.com",
    "//testserver@evil.com",
    "https://evil.com\\@testserver",
    "/ok\r\nSet-Cookie: x=1",
    "/ok\x00",
    "//\u200bevil.com",
    "http://evil.com:80",
    "ftp://testserver/",
    "/" + "a" * 5000,
]


def assert_stays_home(location: str) -> None:
    """The redirect, as a browser resolves it, stays on the test server."""
    resolved = urlsplit(urljoin("http://testserver/verify/check/", location))
    assert resolved.scheme == "http"
    assert resolved.netloc == "testserver"


# -- cross-session authentication ids --------------------------------------


def test_session_b_cannot_check_the_authentication_of_session_a() -> None:
    alice, mallory = Client(), Client()
    start(alice)
    authentication = Authentication.objects.get()
    for data in (
        {"code": GOOD_CODE},
        {"code": GOOD_CODE, "authentication": str(authentication.pk)},
        {"code": GOOD_CODE, "authentication_id": str(authentication.pk)},
        {"code": GOOD_CODE, "authentication_uuid": authentication.provider_id},
        {"code": GOOD_CODE, "provider_id": authentication.provider_id},
        {"code": GOOD_CODE, SESSION_AUTHENTICATION_KEY: str(authentication.pk)},
    ):
        response = mallory.post(f"/verify/check/?authentication={authentication.pk}", data)
        assert response.status_code == 302
        assert response["Location"] == "/verify/"
    assert mallory.get(f"/verify/check/?authentication={authentication.pk}").status_code == 302
    assert provider.calls_to("check") == []
    assert SESSION_VERIFIED_KEY not in mallory.session
    authentication.refresh_from_db()
    assert authentication.status != Authentication.Status.VERIFIED
    # Alice is unaffected.
    assert verify(alice)["Location"] == "/done/"


def test_session_b_cannot_resend_the_code_of_session_a() -> None:
    alice, mallory = Client(), Client()
    start(alice)
    authentication = Authentication.objects.get()
    response = mallory.post("/verify/retry/", {"authentication": str(authentication.pk)})
    assert response["Location"] == "/verify/"
    assert provider.calls_to("retry") == []


def test_body_authentication_field_is_ignored_in_favour_of_the_session() -> None:
    alice, bob = Client(), Client()
    start(alice)
    start(bob, "+447911123456")
    alice_auth = Authentication.objects.get(phone_number="+33612345678")
    bob_auth = Authentication.objects.get(phone_number="+447911123456")
    verify(bob, "000000", authentication=str(alice_auth.pk))
    [call] = provider.calls_to("check")
    assert call["authentication_uuid"] == bob_auth.provider_id
    alice_auth.refresh_from_db()
    assert alice_auth.failed_checks == 0


def test_authentication_of_another_signed_in_user_is_dropped(client: Client) -> None:
    users = get_user_model().objects
    alice, mallory = users.create_user("alice"), users.create_user("mallory")
    client.force_login(alice)
    start(client)
    authentication = Authentication.objects.get()
    assert authentication.user == alice
    other = Client()
    other.force_login(mallory)
    session = other.session
    session[SESSION_AUTHENTICATION_KEY] = authentication.pk  # as if leaked into her session
    session.save()
    assert other.post("/verify/check/", {"code": GOOD_CODE})["Location"] == "/verify/"
    assert SESSION_AUTHENTICATION_KEY not in other.session


@pytest.mark.parametrize("stored", ["1", 1.0, True, None, [1], {"pk": 1}, 10**12])
def test_garbage_in_the_session_sends_back_to_start(client: Client, stored: Any) -> None:
    start(client)
    session = client.session
    session[SESSION_AUTHENTICATION_KEY] = stored
    session.save()
    assert client.get("/verify/check/")["Location"] == "/verify/"
    assert client.post("/verify/retry/")["Location"] == "/verify/"


# -- hostile next values ------------------------------------------------------


@pytest.mark.parametrize("next_url", HOSTILE_NEXT)
def test_hostile_next_is_ignored_after_verification(client: Client, next_url: str) -> None:
    response = start(client)
    assert response["Location"] == "/verify/check/"
    done = verify(client, next=next_url)
    assert done.status_code == 302
    assert done["Location"] == "/done/"


@pytest.mark.parametrize("next_url", HOSTILE_NEXT)
def test_hostile_next_is_not_carried_through_the_flow(client: Client, next_url: str) -> None:
    page = client.get("/verify/", {"next": next_url})
    assert page.context["next"] == ""
    assert 'name="next"' not in page.content.decode()
    response = client.post("/verify/", {"phone_number": "+33612345678", "next": next_url})
    assert response["Location"] == "/verify/check/"


@pytest.mark.parametrize(
    "query",
    [
        "next=%2F%2Fevil.com",
        "next=https%3A%2F%2Fevil.com",
        "next=%2F%5Cevil.com",
        "next=javascript%3Aalert%281%29",
        "next=%252F%252Fevil.com",
        "next=%2F%09%2Fevil.com",
        "next=http%3A%2F%2F%65vil.com",
        "next=%E3%80%82evil.com",
        "next=%2F%2F%E2%80%8Bevil.com",
    ],
)
def test_encoded_hostile_next_stays_on_site(client: Client, query: str) -> None:
    start(client)
    done = client.post(f"/verify/check/?{query}", {"code": GOOD_CODE})
    assert done.status_code == 302
    assert_stays_home(done["Location"])


def test_next_over_https_must_be_https(client: Client) -> None:
    request = client.get("/verify/", secure=True).wsgi_request
    assert safe_next_url(request, "http://testserver/a/") == ""
    assert safe_next_url(request, "https://testserver/a/") == "https://testserver/a/"
    assert safe_next_url(request, "/a/") == "/a/"


def test_safe_next_url_rejects_non_strings(rf: Any) -> None:
    request = rf.get("/")
    for value in (None, 1, ["/a/"], b"/a/", ""):
        assert safe_next_url(request, value) == ""


# -- CSRF --------------------------------------------------------------------


def test_every_form_needs_a_csrf_token() -> None:
    browser = Client(enforce_csrf_checks=True)
    assert browser.post("/verify/", {"phone_number": "+33612345678"}).status_code == 403
    assert provider.calls == []
    # With the token it works, so the 403 above was the CSRF check.
    page = browser.get("/verify/")
    token = page.context["csrf_token"]
    assert 'name="csrfmiddlewaretoken"' in page.content.decode()
    sent = browser.post("/verify/", {"phone_number": "+33612345678", "csrfmiddlewaretoken": token})
    assert sent.status_code == 302
    assert browser.post("/verify/check/", {"code": GOOD_CODE}).status_code == 403
    assert browser.post("/verify/retry/").status_code == 403
    assert provider.calls_to("check") == []
    assert provider.calls_to("retry") == []
    check_page = browser.get("/verify/check/").content.decode()
    assert check_page.count('name="csrfmiddlewaretoken"') == 2  # check + resend forms
    token = browser.cookies["csrftoken"].value
    done = browser.post("/verify/check/", {"code": GOOD_CODE, "csrfmiddlewaretoken": token})
    assert done.status_code == 302


# -- methods -----------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "head", "put", "patch", "delete"])
def test_retry_is_post_only(client: Client, method: str) -> None:
    start(client)
    response = getattr(client, method)("/verify/retry/")
    assert response.status_code == 405
    assert "POST" in response["Allow"]
    assert provider.calls_to("retry") == []


def test_get_never_sends_nor_checks(client: Client) -> None:
    assert client.get("/verify/", {"phone_number": "+33612345678"}).status_code == 200
    assert client.get("/verify/check/", {"code": GOOD_CODE}).status_code == 302
    assert provider.calls == []
    start(client)
    client.get("/verify/check/", {"code": GOOD_CODE})
    client.get("/verify/", {"phone_number": "+33698765432"})
    assert len(provider.calls_to("create_authentication")) == 1
    assert provider.calls_to("check") == []
    assert SESSION_VERIFIED_KEY not in client.session


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_other_methods_on_the_forms_are_refused(client: Client, method: str) -> None:
    assert getattr(client, method)("/verify/").status_code == 405
    start(client)
    assert getattr(client, method)("/verify/check/").status_code == 405
