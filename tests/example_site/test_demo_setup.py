"""``manage.py demo_setup``: the demo superuser, only with DEBUG on."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import override_settings

pytestmark = pytest.mark.django_db


def run() -> str:
    out = StringIO()
    call_command("demo_setup", stdout=out)
    return out.getvalue()


def test_refuses_when_debug_is_off() -> None:
    with override_settings(DEBUG=False), pytest.raises(CommandError, match="DEBUG"):
        run()
    assert not get_user_model().objects.exists()


@override_settings(DEBUG=True)
def test_creates_the_demo_superuser_and_says_how_to_log_in() -> None:
    output = run()
    user = get_user_model().objects.get(username="admin")
    assert user.is_superuser
    assert user.is_staff
    assert user.check_password("admin")
    assert "Created the demo superuser 'admin'" in output
    assert "/admin/" in output
    assert "password 'admin'" in output
    assert "/ding-sandbox/" in output  # the test settings use the sandbox


@override_settings(DEBUG=True)
def test_is_idempotent_and_leaves_an_existing_user_alone() -> None:
    run()
    user = get_user_model().objects.get(username="admin")
    user.set_password("changed-by-the-developer")
    user.save()
    output = run()
    assert get_user_model().objects.filter(username="admin").count() == 1
    user.refresh_from_db()
    assert user.check_password("changed-by-the-developer")
    assert "already exists" in output


@override_settings(
    DEBUG=True,
    DING={
        "BACKEND": "django_ding.backends.ding.DingBackend",
        "API_KEY": "not-a-real-key",
        "CUSTOMER_UUID": "c9f826e0-deca-41ec-871f-ecd6e8efeb46",
    },
)
def test_says_when_real_sms_are_sent() -> None:
    output = run()
    assert "/ding-sandbox/" not in output
    assert "real Ding API" in output
