"""Signal delivery: on commit, robust against failing receivers."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.db import transaction

from django_ding import services, signals
from django_ding.models import Authentication
from tests.services.backend import Script
from tests.services.conftest import PHONE, SignalLog, rolled_back

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_failing_receiver_is_logged_and_does_not_stop_the_others(
    script: Script, sent_signals: SignalLog, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(**kwargs: Any) -> None:
        raise RuntimeError("receiver bug")

    signals.code_sent.connect(broken)
    try:
        with caplog.at_level(logging.ERROR, logger="django_ding.services"):
            authentication = services.send_code(PHONE)
    finally:
        signals.code_sent.disconnect(broken)
    assert authentication.status == Authentication.Status.PENDING
    assert "code_sent" in sent_signals.names()
    assert any("receiver" in record.getMessage() for record in caplog.records)


def test_every_signal_of_a_full_flow_once_committed(
    script: Script, sent_signals: SignalLog
) -> None:
    with transaction.atomic():
        authentication = services.send_code(PHONE)
        services.check_code(authentication, "000000")
        assert sent_signals.sent == []
    Authentication.objects.filter(pk=authentication.pk).update(
        created_at=authentication.created_at.replace(year=2000)
    )
    services.retry(authentication)
    services.check_code(authentication, "123456")
    services.refresh_status(authentication)
    assert sent_signals.names() == [
        "status_changed",
        "code_sent",
        "code_checked",
        "retry_requested",
        "status_changed",
        "feedback_sent",
        "phone_verified",
        "code_checked",
    ]
    assert {kwargs["sender"].__name__ for _, kwargs in sent_signals.sent} == {
        "Authentication",
        "Feedback",
    }


def test_signals_of_a_rolled_back_flow_are_never_sent(
    script: Script, sent_signals: SignalLog
) -> None:
    def flow() -> None:
        authentication = services.send_code(PHONE)
        assert services.check_code(authentication, "123456").verified

    rolled_back(flow)
    assert sent_signals.sent == []
