"""Fixtures of the admin tests: the scripted provider and staff users."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client

from tests.admin.backend import scripted_backend  # noqa: F401  (fixture)


@pytest.fixture
def staff_client(db: None) -> Callable[..., Client]:
    """``staff_client("view_authentication", ...)``: a logged-in staff user
    holding exactly the given django_ding permissions."""

    def make(*codenames: str, username: str = "staff") -> Client:
        user = User.objects.create_user(username, password="pw", is_staff=True)
        perms = Permission.objects.filter(
            content_type__app_label="django_ding", codename__in=codenames
        )
        assert perms.count() == len(codenames), codenames
        user.user_permissions.set(perms)
        client = Client()
        client.force_login(user)
        return client

    return make


def html(response: Any) -> str:
    return str(response.content.decode())
