"""Fixtures of the security suite: users in every admin role, and rows."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client

from django_ding.models import Authentication, Feedback

_numbers = itertools.count(20000000)

#: Every admin role the permission matrix covers, with the django_ding
#: permissions it holds (``None``: not signed in; ``"superuser"``).
ROLES: dict[str, tuple[str, ...] | str | None] = {
    "anonymous": None,
    "staff_without_permissions": (),
    "view_only_staff": ("view_authentication", "view_feedback"),
    "full_number_staff": (
        "view_authentication",
        "change_authentication",
        "view_feedback",
        "change_feedback",
        "add_feedback",
    ),
    "superuser": "superuser",
}


def phone() -> str:
    """A distinct, valid French mobile number in E.164."""
    return f"+336{next(_numbers):08d}"


def make_authentication(**fields: Any) -> Authentication:
    values: dict[str, Any] = {"phone_number": phone(), "status": Authentication.Status.PENDING}
    values.update(fields)
    return Authentication.objects.create(**values)


def make_feedback(**fields: Any) -> Feedback:
    values: dict[str, Any] = {"phone_number": phone(), "status": Feedback.Status.ONBOARDED}
    values.update(fields)
    return Feedback.objects.create(**values)


@pytest.fixture
def client_for(db: None) -> Callable[[str], Client]:
    """``client_for("view_only_staff")``: a client signed in with that role."""

    def make(role: str) -> Client:
        perms = ROLES[role]
        client = Client()
        if perms is None:
            return client
        if perms == "superuser":
            user = User.objects.create_superuser(role, password="pw")
        else:
            user = User.objects.create_user(role, password="pw", is_staff=True)
            user.user_permissions.set(
                Permission.objects.filter(content_type__app_label="django_ding", codename__in=perms)
            )
        client.force_login(user)
        return client

    return make
