"""How the example site reacts to django-ding's signals."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from django_ding.signals import phone_verified
from example_project.accounts.models import Profile


@receiver(phone_verified, dispatch_uid="example_project.accounts.store_verified_number")
def store_verified_number(*, phone_number: Any, user: Any = None, **kwargs: Any) -> None:
    """Keep the profile's number in step with the number the user verified.

    A user who typed one number at signup and verified another (the
    "Use a different phone number" link) ends up with the verified one.
    """
    if user is None:
        return
    Profile.objects.update_or_create(user=user, defaults={"phone_number": str(phone_number)})
