"""No code, no API key and no full phone number in the logs or the database
after a whole flow with DEBUG logging on every logger."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import pytest
from django.apps import apps
from django.test import RequestFactory
from django.utils import timezone
from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

from django_ding import services
from django_ding.exceptions import DingAPIError, DingTimeoutError, VerificationRefused
from django_ding.models import Authentication, Feedback, RetryRecord
from tests.services.backend import Script
from tests.services.conftest import PHONE, age

pytestmark = pytest.mark.django_db(transaction=True)

API_KEY = "sk-live-ding-3f9a1c7e5b2d4068"
RIGHT = "246813"
WRONG = "975318"
# The columns that must hold the number: the history is about that number.
PHONE_COLUMNS = {(Authentication, "phone_number"), (Feedback, "phone_number")}


def dump_tables() -> tuple[str, str]:
    """Every row of every table, as text: (phone columns, everything else)."""
    phone_columns, other = [], []
    for model in apps.get_models():
        for row in model._default_manager.values():
            for column, value in row.items():
                target = phone_columns if (model, column) in PHONE_COLUMNS else other
                target.append(f"{model._meta.db_table}.{column}={value!s} {value!r}")
    return "\n".join(phone_columns), "\n".join(other)


def test_full_flow_leaks_nothing(
    script: Script, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.DING = {**settings.DING, "API_KEY": API_KEY}
    script.code = RIGHT
    for name in ["", *list(logging.root.manager.loggerDict)]:
        caplog.set_level(logging.DEBUG, logger=name)
    request = RequestFactory().post("/", REMOTE_ADDR="203.0.113.9")

    authentication = services.send_code(PHONE, request=request)
    with pytest.raises(VerificationRefused):
        services.send_code(PHONE, request=request)  # cooldown
    assert services.check_code(authentication, WRONG).reason == "invalid_code"
    assert services.check_code(authentication, "not a code").reason == "invalid_code"
    age(Authentication, 31)
    services.retry(authentication)
    Authentication.objects.filter(pk=authentication.pk).update(
        next_retry_at=timezone.now() - dt.timedelta(seconds=1)
    )
    age(RetryRecord, 31)
    script.queue("retry", DingTimeoutError("slow", request_sent=True))
    with pytest.raises(DingTimeoutError):
        services.retry(authentication)
    assert services.check_code(authentication, RIGHT).verified
    services.send_feedback(PHONE, "not_onboarded")
    services.refresh_status(authentication)
    services.lookup(PHONE)
    script.queue("lookup", DingAPIError("bad", status_code=400, code="invalid_phone_number"))
    with pytest.raises(DingAPIError):
        services.lookup(PHONE)
    assert Feedback.objects.filter(delivery="sent").count() == 2

    logs = "\n".join(
        f"{record.name} {record.levelname} {record.getMessage()} {record.exc_text or ''}"
        for record in caplog.records
    )
    phone_columns, tables = dump_tables()
    assert "django_ding.services" in logs  # the flow was logged...
    assert "+33*******78" in logs  # ...with masked numbers
    assert PHONE in phone_columns  # the history does keep the number itself
    secrets = [RIGHT, WRONG, API_KEY, PHONE, PHONE[1:], PHONE[3:]]
    for secret in secrets:
        assert secret not in logs, secret
        assert secret not in tables, secret
    for secret in [RIGHT, WRONG, API_KEY]:
        assert secret not in phone_columns


def _frame_vars(exc: BaseException, function: str) -> dict[str, str]:
    """The variables Django's error report shows for ``function``'s frame."""
    request = RequestFactory().get("/")
    reporter = ExceptionReporter(request, type(exc), exc, exc.__traceback__)
    frames = [f for f in reporter.get_traceback_frames() if f["function"] == function]
    assert frames, function
    return {name: str(value) for name, value in frames[0]["vars"]}


def test_error_reports_hide_the_phone_number_of_send_code(
    script: Script, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    settings.DEBUG = False

    def broken() -> None:
        raise RuntimeError("backend import failed")

    monkeypatch.setattr("django_ding.services.sending.get_backend", broken)
    with pytest.raises(RuntimeError) as info:
        services.send_code(PHONE, ip="203.0.113.9")
    shown = _frame_vars(info.value, "send_code")
    for name in ("phone_number", "phone", "provider_fields", "fields"):
        assert shown[name] == SafeExceptionReporterFilter.cleansed_substitute
    assert PHONE not in " ".join(shown.values())
    assert "612345678" not in " ".join(shown.values())


def test_error_reports_hide_the_code_of_check_code(
    script: Script, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    settings.DEBUG = False
    authentication = services.send_code(PHONE)

    def broken(*args: Any) -> None:
        raise RuntimeError("database gone")

    monkeypatch.setattr("django_ding.services.checking._reserve", broken)
    with pytest.raises(RuntimeError) as info:
        services.check_code(authentication, RIGHT)
    shown = _frame_vars(info.value, "check_code")
    assert shown["code"] == shown["cleaned"] == SafeExceptionReporterFilter.cleansed_substitute
    assert RIGHT not in " ".join(shown.values())
