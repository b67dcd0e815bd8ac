"""The secret scan: run the suite's flows with DEBUG logging on every logger,
then look for secrets where they must never be.

The flows (send, wrong check, right check, resend; and the same with a 5xx on
send, a read timeout on check and a dropped resend) run for Ding v1 and
Prelude v2 through the real HTTP backends against the fake provider. Then:

* no captured log record (its message with the arguments formatted, and any
  traceback) holds the API key, a code that was sent, or the full phone
  number (E.164, or its national digits);
* no text or JSON column of any django_ding table holds a code that was sent.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from django.apps import apps
from django.db import models
from django.test import Client

from tests.reliability.conftest import http_settings
from tests.reliability.fake_provider import API_KEY, FakeProvider, Fault
from tests.reliability.flows import CHECK_URL, PHONE, check, retry, send

NATIONAL = PHONE[3:]  # 612345678
SECRET_PHONE_FORMS = [PHONE, PHONE[1:], NATIONAL, "0" + NATIONAL, "%2B" + PHONE[1:]]


def run_flows(fake: FakeProvider, wire: str) -> None:
    endpoints = {
        "v1": ("POST /authentication", "POST /check", "POST /retry"),
        "v2": ("POST /verification", "POST /verification/check", "POST /verification"),
    }[wire]
    send_key, check_key, retry_key = endpoints

    # The clean flow.
    client = Client(raise_request_exception=False)
    send(client)
    check(client, fake.wrong_code(PHONE))
    retry(client)
    client.get(CHECK_URL)
    check(client, fake.last_code(PHONE))

    # The same with faults, where error paths log.
    fake.auths.clear()  # a fresh verification window for v2
    client = Client(raise_request_exception=False)
    fake.script(send_key, Fault.SERVER_ERROR)
    send(client)
    fake.reset()
    client = Client(raise_request_exception=False)
    send(client)
    fake.script(check_key, Fault.READ_TIMEOUT)
    check(client, fake.last_code(PHONE))
    fake.script(retry_key, Fault.DROPPED)
    retry(client)
    check(client, fake.last_code(PHONE))


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    for name in ("urllib3", "django_ding", "django", "requests"):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def formatted(record: logging.LogRecord) -> str:
    text = logging.Formatter("%(name)s %(levelname)s %(message)s").format(record)
    return f"{text} {record.args!r}"


def test_no_secret_in_logs_or_tables(
    settings: Any, fake: FakeProvider, wire: str, debug_logs: pytest.LogCaptureFixture
) -> None:
    settings.DING = http_settings(fake, wire, SEND_COOLDOWN=0)
    sent_codes: set[str] = set()
    original = fake._send

    def remember(auth: Any) -> None:
        sent_codes.add(auth.code)
        original(auth)

    fake._send = remember  # type: ignore[method-assign]
    try:
        run_flows(fake, wire)
    finally:
        del fake._send
    assert sent_codes, "the flows sent no code"
    assert debug_logs.records, "nothing was logged: is the capture on?"

    leaks = []
    for record in debug_logs.records:
        text = formatted(record)
        secrets = [API_KEY, *sent_codes, *SECRET_PHONE_FORMS]
        leaks += [
            f"{record.name}: {secret!r} in {text[:300]!r}" for secret in secrets if secret in text
        ]
    assert leaks == [], "\n".join(leaks)

    stored = []
    for model in apps.get_app_config("django_ding").get_models():
        columns = [
            field.attname
            for field in model._meta.concrete_fields
            if isinstance(field, models.CharField | models.TextField | models.JSONField)
        ]
        for row in model.objects.values(*columns):
            blob = json.dumps(row, default=str)
            stored += [
                f"{model.__name__}: a code in {blob[:300]}" for code in sent_codes if code in blob
            ]
    assert stored == [], "\n".join(stored)
