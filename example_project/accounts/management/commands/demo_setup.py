"""``manage.py demo_setup``: the demo superuser, and how to log in.

``make demo`` runs it after ``migrate``. It creates the superuser ``admin``
with the password ``admin`` unless it exists, and only when DEBUG is on: a
known password has no place on a production site.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from example_project.context_processors import sandbox_inbox_url

DEMO_USERNAME = "admin"
DEMO_PASSWORD = "admin"


class Command(BaseCommand):
    help = "Create the demo superuser admin/admin (DEBUG only) and print how to log in."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "demo_setup creates a superuser with a known password, so it only runs "
                "with DEBUG on. Use `manage.py createsuperuser` on a real site."
            )
        user_model = get_user_model()
        lookup = {user_model.USERNAME_FIELD: DEMO_USERNAME}
        if user_model._default_manager.filter(**lookup).exists():
            self.stdout.write(f"The demo superuser {DEMO_USERNAME!r} already exists; unchanged.")
        else:
            user_model._default_manager.create_superuser(
                **lookup, email="admin@example.com", password=DEMO_PASSWORD
            )
            self.stdout.write(self.style.SUCCESS(f"Created the demo superuser {DEMO_USERNAME!r}."))
        self.stdout.write(
            f"Admin: log in at {reverse('admin:index')} with user {DEMO_USERNAME!r} "
            f"and password {DEMO_PASSWORD!r}."
        )
        self.stdout.write(f"Site: sign up as a new user at {reverse('signup')}.")
        inbox = sandbox_inbox_url()
        if inbox:
            self.stdout.write(
                f"Sandbox provider active: the codes appear in the server console and "
                f"in the inbox at {inbox}."
            )
        else:
            self.stdout.write("The real Ding API is configured: codes are sent as SMS.")
