"""Fixtures of the service tests: the scripted provider and a signal recorder."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.dispatch import Signal

from django_ding import signals
from django_ding.backends.test import BACKENDS
from tests.services.backend import PATH, SCRIPT, Script, configure

PHONE = "+33612345678"
OTHER_PHONE = "+33698765432"

SIGNALS = {
    "code_sent": signals.code_sent,
    "code_checked": signals.code_checked,
    "phone_verified": signals.phone_verified,
    "retry_requested": signals.retry_requested,
    "feedback_sent": signals.feedback_sent,
    "status_changed": signals.status_changed,
}


@pytest.fixture
def script(settings: Any) -> Iterator[Script]:
    """Route get_backend() to the in-memory test backend, with a fresh script."""
    settings.DING = {**settings.DING, "BACKEND": PATH}
    yield configure(SCRIPT)
    SCRIPT.reset()


@pytest.fixture(params=["ding", "prelude"])
def flavour(request: Any, settings: Any, script: Script) -> str:
    """Run the test against the Ding v1 and the Prelude v2 test backend, each
    simulating its provider (status reads included)."""
    settings.DING = {**settings.DING, "BACKEND": BACKENDS[request.param]}
    script.always("get_authentication_status", None)
    return str(request.param)


class SignalLog:
    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []

    def names(self) -> list[str]:
        return [name for name, _ in self.sent]

    def of(self, name: str) -> list[dict[str, Any]]:
        return [kwargs for sent_name, kwargs in self.sent if sent_name == name]


@pytest.fixture
def sent_signals() -> Iterator[SignalLog]:
    log = SignalLog()
    receivers: list[tuple[Signal, Any]] = []
    for name, signal in SIGNALS.items():

        def receiver(sender: Any, _name: str = name, **kwargs: Any) -> None:
            kwargs.pop("signal", None)
            log.sent.append((_name, {"sender": sender, **kwargs}))

        signal.connect(receiver, weak=False)
        receivers.append((signal, receiver))
    yield log
    for signal, receiver in receivers:
        signal.disconnect(receiver)


def age(model: Any, seconds: float, **filters: Any) -> None:
    """Move the ``created_at`` of matching rows ``seconds`` into the past."""
    import datetime as dt

    from django.db.models import F

    model.objects.filter(**filters).update(
        created_at=F("created_at") - dt.timedelta(seconds=seconds)
    )


class _Rollback(Exception):
    pass


def rolled_back(work: Any) -> None:
    """Run ``work()`` inside a transaction that then rolls back."""
    from django.db import transaction

    try:
        with transaction.atomic():
            work()
            raise _Rollback
    except _Rollback:
        pass
