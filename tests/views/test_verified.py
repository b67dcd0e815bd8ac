"""Helpers for host projects: the verified number, the decorator and the mixin."""

from __future__ import annotations

import json
from importlib import import_module
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.utils import timezone

from django_ding.models import Authentication
from django_ding.session import SESSION_VERIFIED_KEY, session_verified_phone_number
from django_ding.verified import (
    forget_verified_phone_number,
    get_verified_phone_number,
    verification_url,
)
from tests.views.conftest import PHONE, start, verify

pytestmark = pytest.mark.urls("tests.views.urls")


@pytest.mark.parametrize(
    ("url", "prefix"), [("/protected/", "function"), ("/protected-class/", "class")]
)
def test_redirects_to_the_flow_and_back(client: Client, url: str, prefix: str) -> None:
    response = client.get(url + "?x=1")
    assert response.status_code == 302
    assert response["Location"] == "/verify/?next=%2F" + url.strip("/") + "%2F%3Fx%3D1"
    # Follow the flow.
    page = client.get(response["Location"])
    assert page.context["next"] == url + "?x=1"
    sent = client.post(response["Location"], {"phone_number": PHONE})
    assert sent.status_code == 302
    done = verify(client, next=url + "?x=1")
    assert done["Location"] == url + "?x=1"
    # Now it passes through.
    final = client.get(done["Location"])
    assert final.status_code == 200
    assert final.content.decode() == f"{prefix} {PHONE}"


def test_post_without_verified_phone_is_redirected(client: Client) -> None:
    response = client.post("/protected/")
    assert response.status_code == 302
    assert response["Location"].startswith("/verify/?next=")


def test_verified_number_of_the_session(client: Client) -> None:
    start(client)
    verify(client)
    request = client.get("/protected/").wsgi_request
    assert get_verified_phone_number(request) == PHONE
    forget_verified_phone_number(request)
    assert get_verified_phone_number(request) is None


def test_verified_number_of_the_user(client: Client) -> None:
    user = get_user_model().objects.create_user("alice")
    other = get_user_model().objects.create_user("bob")
    now = timezone.now()
    Authentication.objects.create(
        phone_number="+33611111111",
        user=user,
        status=Authentication.Status.VERIFIED,
        verified_at=now - timezone.timedelta(days=2),
    )
    Authentication.objects.create(
        phone_number="+33622222222",
        user=user,
        status=Authentication.Status.VERIFIED,
        verified_at=now - timezone.timedelta(days=1),
    )
    Authentication.objects.create(
        phone_number="+33633333333", user=user, status=Authentication.Status.PENDING
    )
    Authentication.objects.create(
        phone_number="+33644444444",
        user=other,
        status=Authentication.Status.VERIFIED,
        verified_at=now,
    )
    client.force_login(user)
    response = client.get("/protected/")
    assert response.status_code == 200
    assert response.content.decode() == "function +33622222222"


def test_session_number_wins_over_the_user_history(client: Client) -> None:
    user = get_user_model().objects.create_user("alice")
    Authentication.objects.create(
        phone_number="+33611111111",
        user=user,
        status=Authentication.Status.VERIFIED,
        verified_at=timezone.now(),
    )
    client.force_login(user)
    start(client)
    verify(client)
    assert client.get("/protected/").content.decode() == f"function {PHONE}"


def test_no_verified_number(rf: Any, client: Client) -> None:
    request = rf.get("/")
    assert get_verified_phone_number(request) is None  # no session, no user
    request.user = AnonymousUser()
    assert get_verified_phone_number(request) is None
    forget_verified_phone_number(request)  # no session: nothing to do


@pytest.mark.parametrize(
    "stored", [None, "+33612345678", {"phone_number": 33612345678}, {"phone_number": "<b>"}, []]
)
def test_malformed_session_value_is_not_a_verified_number(client: Client, stored: Any) -> None:
    session = client.session
    session[SESSION_VERIFIED_KEY] = stored
    session.save()
    assert client.get("/protected/").status_code == 302


def test_verification_url(rf: Any) -> None:
    request = rf.get("/shop/?item=1&q=a b")
    assert verification_url(request) == "/verify/?next=%2Fshop%2F%3Fitem%3D1%26q%3Da%2520b"
    assert verification_url(request, "/x/") == "/verify/?next=%2Fx%2F"


def test_numbers_are_e164_whatever_the_display_format(client: Client, settings: Any) -> None:
    settings.PHONENUMBER_DEFAULT_FORMAT = "INTERNATIONAL"
    user = get_user_model().objects.create_user("alice")
    Authentication.objects.create(
        phone_number="+33611111111",
        user=user,
        status=Authentication.Status.VERIFIED,
        verified_at=timezone.now(),
    )
    client.force_login(user)
    assert client.get("/protected/").content.decode() == "function +33611111111"
    start(client)
    assert start(client)["Location"] == "/verify/check/"  # same number: back to check
    verify(client)
    assert client.get("/protected/").content.decode() == f"function {PHONE}"


def test_session_keeps_no_phone_number(client: Client, settings: Any) -> None:
    start(client)
    verify(client)
    store = import_module(settings.SESSION_ENGINE).SessionStore(client.session.session_key)
    decoded = store.load()
    assert set(decoded[SESSION_VERIFIED_KEY]) == {"authentication_id", "user_id", "verified_at"}
    assert PHONE[1:] not in json.dumps(decoded, default=str)
    assert client.get("/protected/").content.decode() == f"function {PHONE}"


def test_session_number_is_read_with_one_query(
    client: Client, django_assert_num_queries: Any
) -> None:
    start(client)
    request = verify(client).wsgi_request
    request.user = AnonymousUser()
    with django_assert_num_queries(1):
        assert session_verified_phone_number(request) == PHONE


def test_session_number_needs_a_verified_row(client: Client) -> None:
    start(client)
    verify(client)
    Authentication.objects.update(status=Authentication.Status.EXPIRED)
    assert client.get("/protected/").status_code == 302
    Authentication.objects.update(status=Authentication.Status.VERIFIED)
    assert client.get("/protected/").status_code == 200
    Authentication.objects.all().delete()
    assert client.get("/protected/").status_code == 302


def test_session_number_of_another_user_is_ignored(client: Client) -> None:
    alice = get_user_model().objects.create_user("alice")
    bob = get_user_model().objects.create_user("bob")
    client.force_login(alice)
    start(client)
    verify(client)
    assert Authentication.objects.get().user == alice
    assert client.get("/protected/").status_code == 200
    Authentication.objects.update(user=bob)
    assert client.get("/protected/").status_code == 302
    Authentication.objects.update(user=None)  # verified before signing in
    assert client.get("/protected/").content.decode() == f"function {PHONE}"


@pytest.mark.parametrize("pk", [True, "1", -1, 0, 2**70, 1.0, None, [1]])
def test_malformed_authentication_id_is_not_a_verified_number(client: Client, pk: Any) -> None:
    start(client)
    verify(client)
    session = client.session
    session[SESSION_VERIFIED_KEY] = {"authentication_id": pk, "verified_at": "x"}
    session.save()
    assert client.get("/protected/").status_code == 302
