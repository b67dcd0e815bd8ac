"""Finding: a number verified anonymously carried over to whoever signed in
next in that browser (``login()`` keeps an anonymous session's data, and the
marker was accepted for any user), so ``/members/`` and ``/profile/`` treated
that user as owning the number. ``verified_at`` was stored, never checked.

Now the marker belongs to who earned it (cleared on login, and re-checked on
every read) and lasts ``DING["VERIFIED_MAX_AGE"]`` seconds. Driven through the
example site, as reported."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.contrib.auth.signals import user_logged_in
from django.test import Client, override_settings
from django.utils import timezone

from django_ding.models import Authentication
from django_ding.receivers import forget_other_users_verification
from django_ding.sandbox.testing import last_code
from django_ding.session import SESSION_AUTHENTICATION_KEY, SESSION_VERIFIED_KEY
from django_ding.verified import get_verified_phone_number
from tests.example_site.site_settings import example_site_settings, require_accounts_app

pytestmark = pytest.mark.django_db

PHONE = "+33612345601"
PASSWORD = "a-long-enough-passphrase"


@pytest.fixture(autouse=True)
def example_site() -> Iterator[None]:
    require_accounts_app()
    with override_settings(**example_site_settings()):
        yield


@pytest.fixture
def mallory() -> User:
    return User.objects.create_user("mallory", password=PASSWORD)


def verify_anonymously(client: Client, phone: str = PHONE) -> None:
    assert client.post("/verify/", {"phone_number": phone}).status_code == 302
    response = client.post("/verify/check/", {"code": last_code(phone)})
    assert response.status_code == 302
    assert Authentication.objects.get(phone_number=phone).status == "verified"


def sign_in(client: Client, username: str) -> None:
    response = client.post("/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]


def test_an_anonymous_verification_does_not_pass_to_the_next_login(
    client: Client, mallory: User
) -> None:
    verify_anonymously(client)
    sign_in(client, "mallory")
    assert SESSION_VERIFIED_KEY not in client.session
    members = client.get("/members/")
    assert members.status_code == 302
    assert members["Location"].startswith("/verify/")
    profile = client.get("/profile/").content.decode()
    assert PHONE not in profile
    assert "+33 6 12 34 56 01" not in profile


def test_the_marker_is_rechecked_on_every_read(client: Client, mallory: User) -> None:
    """Even when the login receiver does not run (a custom login path), the
    marker of an anonymous session does not count for a signed-in user."""
    verify_anonymously(client)
    user_logged_in.disconnect(dispatch_uid="django_ding.receivers.forget_other_users_verification")
    try:
        sign_in(client, "mallory")
    finally:
        user_logged_in.connect(
            forget_other_users_verification,
            dispatch_uid="django_ding.receivers.forget_other_users_verification",
        )
    assert SESSION_VERIFIED_KEY in client.session  # left behind...
    request = client.get("/profile/").wsgi_request
    assert get_verified_phone_number(request) is None  # ...but not honoured
    assert client.get("/members/").status_code == 302


def test_a_users_marker_is_not_inherited_by_another_user(client: Client, mallory: User) -> None:
    alice = User.objects.create_user("alice", password=PASSWORD)
    sign_in(client, "alice")
    verify_anonymously(client)  # signed in as alice: the row is hers
    assert Authentication.objects.get(phone_number=PHONE).user == alice
    assert client.get("/members/").status_code == 200
    client.post("/logout/")
    sign_in(client, "mallory")
    assert client.get("/members/").status_code == 302
    sign_in_again = Client()
    sign_in(sign_in_again, "alice")
    assert sign_in_again.get("/members/").status_code == 200  # alice's own number


def test_an_anonymous_verification_in_progress_is_dropped_on_login(
    client: Client, mallory: User
) -> None:
    assert client.post("/verify/", {"phone_number": PHONE}).status_code == 302
    sign_in(client, "mallory")
    assert SESSION_AUTHENTICATION_KEY not in client.session
    response = client.post("/verify/check/", {"code": last_code(PHONE)})
    assert response.status_code == 302
    assert response["Location"].startswith("/verify/")  # start again as mallory
    assert Authentication.objects.get(phone_number=PHONE).status == "pending"


def test_the_marker_expires(client: Client, settings: Any) -> None:
    verify_anonymously(client)
    request = client.get("/").wsgi_request
    assert get_verified_phone_number(request) == PHONE
    row = Authentication.objects.get(phone_number=PHONE)
    max_age = settings.DING.get("VERIFIED_MAX_AGE", 3600)
    row.verified_at = timezone.now() - dt.timedelta(seconds=max_age - 5)
    row.save(update_fields=["verified_at"])
    assert get_verified_phone_number(client.get("/").wsgi_request) == PHONE
    row.verified_at = timezone.now() - dt.timedelta(seconds=max_age + 1)
    row.save(update_fields=["verified_at"])
    assert get_verified_phone_number(client.get("/").wsgi_request) is None
    settings.DING = {**settings.DING, "VERIFIED_MAX_AGE": max_age * 2}
    assert get_verified_phone_number(client.get("/").wsgi_request) == PHONE


def test_a_marker_of_the_old_format_is_not_honoured(client: Client) -> None:
    verify_anonymously(client)
    session = client.session
    marker = dict(session[SESSION_VERIFIED_KEY])
    del marker["user_id"]
    session[SESSION_VERIFIED_KEY] = marker
    session.save()
    assert get_verified_phone_number(client.get("/").wsgi_request) is None
