"""``manage.py report_abandoned_signups``: ``not_onboarded`` feedback to Ding.

Ding uses onboarding feedback to tune its fraud detection: django-ding sends
``onboarded`` by itself when a number is verified, and this command, run from
cron, reports the other side: people who signed up with a phone number more
than ``--older-than`` hours ago and never verified it. Each number is reported
once (``send_feedback`` is idempotent per number and status).
"""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from django_ding.models import Authentication
from django_ding.privacy import mask_phone
from django_ding.services import send_feedback
from example_project.accounts.models import Profile

#: The longest lookback accepted, in hours (a year).
MAX_HOURS = 24 * 366


def hours(value: str) -> int:
    """``--older-than``: a whole number of hours, 1 to :data:`MAX_HOURS`."""
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number of hours") from None
    if not 1 <= number <= MAX_HOURS:
        raise argparse.ArgumentTypeError(f"must be between 1 and {MAX_HOURS} hours")
    return number


class Command(BaseCommand):
    help = "Send not_onboarded feedback for signups whose phone number was never verified."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--older-than",
            type=hours,
            default=24,
            metavar="HOURS",
            help="Only accounts created at least this many hours ago (default: 24).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="List the numbers, report nothing."
        )

    def handle(self, *args: Any, older_than: int, dry_run: bool, **options: Any) -> None:
        cutoff = timezone.now() - dt.timedelta(hours=older_than)
        verified_users = Authentication.objects.filter(
            status=Authentication.Status.VERIFIED, user__isnull=False
        ).values("user_id")
        abandoned = (
            Profile.objects.filter(user__date_joined__lte=cutoff)
            .exclude(phone_number="")
            .exclude(user_id__in=verified_users)
            .select_related("user")
            .order_by("pk")
        )
        count = 0
        for profile in abandoned.iterator():
            phone_number = str(profile.phone_number)
            if not dry_run:
                send_feedback(phone_number, "not_onboarded", user=profile.user)
            self.stdout.write(f"  {mask_phone(phone_number)} ({profile.user.get_username()})")
            count += 1
        verb = "Would report" if dry_run else "Reported"
        self.stdout.write(f"{verb} {count} abandoned signup(s) as not_onboarded.")
