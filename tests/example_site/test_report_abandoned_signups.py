"""``manage.py report_abandoned_signups``: not_onboarded feedback, once per number."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.utils import timezone

from django_ding.models import Authentication, Feedback
from example_project.accounts.models import Profile

pytestmark = pytest.mark.django_db


def signup(username: str, phone_number: str, *, hours_ago: int) -> User:
    user = User.objects.create_user(username=username, password="not-used-here")
    User.objects.filter(pk=user.pk).update(
        date_joined=timezone.now() - dt.timedelta(hours=hours_ago)
    )
    Profile.objects.create(user=user, phone_number=phone_number)
    return user


def run(*args: str) -> str:
    out = StringIO()
    call_command("report_abandoned_signups", *args, stdout=out)
    return out.getvalue()


def test_reports_old_unverified_signups_only() -> None:
    abandoned = signup("abandoned", "+33612345601", hours_ago=30)
    signup("recent", "+33612345602", hours_ago=2)
    verified = signup("verified", "+33612345603", hours_ago=30)
    Authentication.objects.create(
        phone_number="+33612345603", user=verified, status=Authentication.Status.VERIFIED
    )
    signup("no_phone", "", hours_ago=30)

    output = run()

    feedback = Feedback.objects.get()
    assert str(feedback.phone_number) == "+33612345601"
    assert feedback.status == Feedback.Status.NOT_ONBOARDED
    assert feedback.user == abandoned
    assert "Reported 1 abandoned signup(s)" in output
    assert "+33612345601" not in output  # masked
    assert "abandoned" in output


def test_is_idempotent() -> None:
    signup("abandoned", "+33612345601", hours_ago=30)
    run()
    run()
    assert Feedback.objects.count() == 1


def test_older_than() -> None:
    signup("abandoned", "+33612345601", hours_ago=30)
    run("--older-than", "48")
    assert not Feedback.objects.exists()
    run("--older-than", "12")
    assert Feedback.objects.count() == 1


def test_dry_run_reports_nothing() -> None:
    signup("abandoned", "+33612345601", hours_ago=30)
    output = run("--dry-run")
    assert "Would report 1 abandoned signup(s)" in output
    assert not Feedback.objects.exists()


@pytest.mark.parametrize("value", ["0", "-1", "1.5", "abc", "", str(24 * 366 + 1)])
def test_refuses_bad_durations(value: str) -> None:
    with pytest.raises(CommandError, match="older-than"):
        run("--older-than", value)
    assert not Feedback.objects.exists()
