"""The example site's pages, server side (the browser tests drive the whole flow)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from django_ding.models import Authentication
from django_ding.signals import phone_verified
from example_project.accounts.models import Profile

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-enough-passphrase"
SIGNUP = {
    "username": "ada",
    "password1": PASSWORD,
    "password2": PASSWORD,
    "phone_number": "+33 6 12 34 56 78",
}


def make_user(username: str = "grace", phone_number: str = "+33612345679") -> User:
    user = User.objects.create_user(username=username, password=PASSWORD)
    Profile.objects.create(user=user, phone_number=phone_number)
    return user


def verified_authentication(user: User, phone_number: str) -> Authentication:
    return Authentication.objects.create(
        phone_number=phone_number,
        user=user,
        status=Authentication.Status.VERIFIED,
        verified_at=timezone.now(),
    )


def test_home_links_to_signup_and_to_the_sandbox_inbox(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("signup") in html
    assert 'data-testid="sandbox-inbox-link"' in html
    assert 'href="/ding-sandbox/"' in html


@override_settings(
    DING={
        "BACKEND": "django_ding.backends.ding.DingBackend",
        "API_KEY": "not-a-real-key",
        "CUSTOMER_UUID": "c9f826e0-deca-41ec-871f-ecd6e8efeb46",
    }
)
def test_no_sandbox_link_with_the_real_api(client: Client) -> None:
    html = client.get("/").content.decode()
    assert "sandbox-inbox-link" not in html


def test_signup_creates_the_user_logs_in_and_goes_to_verification(client: Client) -> None:
    response = client.post(reverse("signup"), SIGNUP)
    assert response.status_code == 302
    url = urlsplit(response["Location"])
    assert url.path == reverse("ding:send")
    assert parse_qs(url.query) == {"next": ["/profile/"], "phone_number": ["+33612345678"]}
    user = get_user_model().objects.get(username="ada")
    assert str(user.profile.phone_number) == "+33612345678"
    assert client.session["_auth_user_id"] == str(user.pk)
    # Landing on the verification page sends nothing (GET never sends).
    assert client.get(response["Location"]).status_code == 200
    assert not Authentication.objects.exists()


@pytest.mark.parametrize(
    ("phone_number", "code"),
    [
        ("", "required"),
        ("not a number", "invalid"),
        ("+33 1", "invalid"),
        ("+33 6 12 34 56 78" + " 9" * 20, "max_length"),
        ("+33612345678\x00", "null_characters_not_allowed"),
        ("+3361234\u202e5678", "invalid"),
    ],
)
def test_signup_refuses_bad_phone_numbers(client: Client, phone_number: str, code: str) -> None:
    response = client.post(reverse("signup"), SIGNUP | {"phone_number": phone_number})
    assert response.status_code == 200
    errors = response.context["form"].errors.as_data()["phone_number"]
    assert [error.code for error in errors] == [code]
    assert not get_user_model().objects.exists()
    assert not Profile.objects.exists()


def test_signup_refuses_mismatched_passwords_and_keeps_nothing(client: Client) -> None:
    response = client.post(reverse("signup"), SIGNUP | {"password2": "something-else-entirely"})
    assert response.status_code == 200
    assert "password2" in response.context["form"].errors
    assert not get_user_model().objects.exists()


def test_signup_needs_a_csrf_token() -> None:
    client = Client(enforce_csrf_checks=True)
    assert client.post(reverse("signup"), SIGNUP).status_code == 403
    assert not get_user_model().objects.exists()


def test_signed_in_users_skip_signup(client: Client) -> None:
    client.force_login(make_user())
    response = client.get(reverse("signup"))
    assert response.status_code == 302
    assert response["Location"] == reverse("profile")


def test_profile_needs_login(client: Client) -> None:
    response = client.get(reverse("profile"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/profile/"


def test_profile_of_an_unverified_user_links_to_verification(client: Client) -> None:
    client.force_login(make_user(phone_number="+33612345679"))
    response = client.get(reverse("profile"))
    html = response.content.decode()
    assert "not verified" in html
    assert response.context["verified_phone_number"] is None
    url = urlsplit(response.context["verify_url"])
    assert url.path == reverse("ding:send")
    assert parse_qs(url.query) == {"next": ["/profile/"], "phone_number": ["+33612345679"]}


def test_profile_shows_the_verified_number(client: Client) -> None:
    user = make_user(phone_number="+33612345679")
    verified_authentication(user, "+33612345679")
    client.force_login(user)
    response = client.get(reverse("profile"))
    html = response.content.decode()
    assert response.context["verified_phone_number"] == "+33612345679"
    assert '<span data-testid="verified-phone-number">+33612345679</span>' in html
    assert "not verified" not in html


def test_another_users_verification_does_not_count(client: Client) -> None:
    verified_authentication(make_user("other", "+33612345670"), "+33612345670")
    client.force_login(make_user())
    assert client.get(reverse("profile")).context["verified_phone_number"] is None


def test_members_area_sends_unverified_users_to_verification(client: Client) -> None:
    client.force_login(make_user())
    response = client.get(reverse("members"))
    assert response.status_code == 302
    url = urlsplit(response["Location"])
    assert url.path == reverse("ding:send")
    assert parse_qs(url.query) == {"next": ["/members/"]}


def test_members_area_for_verified_users(client: Client) -> None:
    user = make_user()
    verified_authentication(user, "+33612345679")
    client.force_login(user)
    response = client.get(reverse("members"))
    assert response.status_code == 200
    assert "+33612345679" in response.content.decode()


def test_login_and_logout(client: Client) -> None:
    make_user()
    response = client.post(reverse("login"), {"username": "grace", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("profile")
    assert client.get(reverse("logout")).status_code == 405  # POST only
    response = client.post(reverse("logout"))
    assert response["Location"] == reverse("home")
    assert "_auth_user_id" not in client.session


def test_login_ignores_a_hostile_next(client: Client) -> None:
    make_user()
    response = client.post(
        f"{reverse('login')}?next=https://evil.example/",
        {"username": "grace", "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("profile")


def test_phone_verified_updates_the_profile() -> None:
    user = make_user(phone_number="+33612345679")
    phone_verified.send(
        sender=Authentication,
        authentication=None,
        phone_number="+33612345670",
        user=user,
        request=None,
    )
    assert str(Profile.objects.get(user=user).phone_number) == "+33612345670"


def test_phone_verified_without_a_user_changes_nothing() -> None:
    make_user(phone_number="+33612345679")
    phone_verified.send(
        sender=Authentication,
        authentication=None,
        phone_number="+33612345670",
        user=None,
        request=None,
    )
    assert [str(p.phone_number) for p in Profile.objects.all()] == ["+33612345679"]


def test_admin_is_enabled(admin_client: Client) -> None:
    response = admin_client.get(reverse("admin:accounts_profile_changelist"))
    assert response.status_code == 200


def test_profile_of_a_user_without_profile(client: Client) -> None:
    """The demo superuser (``demo_setup``) has no Profile: the page still works."""
    user = User.objects.create_user(username="admin", password=PASSWORD)
    client.force_login(user)
    response = client.get(reverse("profile"))
    assert response.status_code == 200
    assert response.context["phone_number"] is None
    assert parse_qs(urlsplit(response.context["verify_url"]).query) == {"next": ["/profile/"]}
