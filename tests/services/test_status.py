"""refresh_status and lookup."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from django_ding import services
from django_ding.backends.enums import AttemptStatus, CheckStatus
from django_ding.backends.results import (
    AttemptEvent,
    AuthenticationEvent,
    AuthenticationStatusResponse,
    BalanceUpdateEvent,
    CheckEvent,
    LookupResponse,
)
from django_ding.exceptions import DingAPIError, DingTimeoutError
from django_ding.models import Authentication, StatusEvent
from tests.services.backend import Script
from tests.services.conftest import PHONE, SignalLog, age

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def authentication(script: Script) -> Authentication:
    return services.send_code(PHONE)


def test_refresh_records_events_without_secrets(
    script: Script, authentication: Authentication
) -> None:
    result = services.refresh_status(authentication)
    assert result is authentication
    events = list(StatusEvent.objects.order_by("id"))
    assert [(e.type, e.status, e.provider_id) for e in events] == [
        ("attempt", "delivered", "attempt-1"),
        ("delivery_status", "delivered", "attempt-1"),
        ("check", "valid", "check-1"),
    ]
    assert events[0].details == {"capability": "text", "attempt_number": 1}
    assert events[2].details == {}
    stored = repr(list(StatusEvent.objects.values()))
    assert "123456" not in stored
    assert script.calls[-1] == (
        "get_authentication_status",
        {"auth_uuid": authentication.provider_id},
    )
    # A provider "valid" check event never verifies: only check_code() does.
    assert authentication.status == Authentication.Status.PENDING
    assert authentication.correlation_id == "corr-from-provider"


def test_refresh_twice_records_each_event_once(
    script: Script, authentication: Authentication
) -> None:
    services.refresh_status(authentication)
    services.refresh_status(authentication)
    assert StatusEvent.objects.count() == 3


def test_refresh_keeps_unknown_events_without_their_content(
    script: Script, authentication: Authentication
) -> None:
    script.queue(
        "get_authentication_status",
        AuthenticationStatusResponse(
            events=(
                AuthenticationEvent(type="mystery", raw={"type": "mystery", "code": "999999"}),
                BalanceUpdateEvent(
                    created_at=timezone.now(), balance_update_type="attempt", amount=-0.05
                ),
            )
        ),
    )
    services.refresh_status(authentication)
    assert list(StatusEvent.objects.values_list("type", "details").order_by("id")) == [
        ("mystery", {}),
        ("balance_update", {"balance_update_type": "attempt", "amount": -0.05}),
    ]


@pytest.mark.parametrize(
    ("event", "status"),
    [
        (CheckEvent(id="c", status=CheckStatus.EXPIRED_AUTH), Authentication.Status.EXPIRED),
        (AttemptEvent(id="a", status=AttemptStatus.EXPIRED), Authentication.Status.EXPIRED),
        (CheckEvent(id="c", status=CheckStatus.RATE_LIMITED), Authentication.Status.LOCKED),
    ],
)
def test_refresh_applies_terminal_events(
    script: Script,
    authentication: Authentication,
    sent_signals: SignalLog,
    event: AuthenticationEvent,
    status: str,
) -> None:
    script.queue("get_authentication_status", AuthenticationStatusResponse(events=(event,)))
    services.refresh_status(authentication)
    assert authentication.status == status
    assert [(s["old_status"], s["new_status"]) for s in sent_signals.of("status_changed")] == [
        ("pending", status)
    ]


def test_refresh_expires_locally(script: Script, authentication: Authentication) -> None:
    Authentication.objects.filter(pk=authentication.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert services.refresh_status(authentication).status == Authentication.Status.EXPIRED


def test_refresh_of_a_row_the_provider_never_saw(script: Script) -> None:
    stale = Authentication.objects.create(phone_number=PHONE)
    fresh = Authentication.objects.create(phone_number=PHONE)
    age(Authentication, 3600, pk=stale.pk)
    assert services.refresh_status(stale).status == Authentication.Status.FAILED
    assert services.refresh_status(fresh).status == Authentication.Status.SENDING
    assert script.calls == []


@pytest.mark.parametrize(
    "error", [DingTimeoutError("slow", request_sent=True), DingAPIError("x", status_code=404)]
)
def test_refresh_errors_are_raised(
    script: Script, authentication: Authentication, error: Exception
) -> None:
    script.queue("get_authentication_status", error)
    with pytest.raises(type(error)):
        services.refresh_status(authentication)
    assert authentication.status == Authentication.Status.PENDING


def test_refresh_bad_argument(script: Script) -> None:
    with pytest.raises(TypeError):
        services.refresh_status(object())  # type: ignore[arg-type]


def test_lookup(script: Script) -> None:
    result = services.lookup("+33 6 12 34 56 78", cnam=True)
    assert isinstance(result, LookupResponse)
    assert script.calls == [("lookup", {"phone_number": PHONE, "cnam": True})]


@pytest.mark.parametrize(("number", "cnam"), [("nope", False), (PHONE, "yes"), (None, False)])
def test_lookup_bad_arguments(script: Script, number: Any, cnam: Any) -> None:
    with pytest.raises((ValueError, TypeError)):
        services.lookup(number, cnam=cnam)
    assert script.calls == []


def test_lookup_errors_are_raised(script: Script) -> None:
    script.queue("lookup", DingAPIError("x", status_code=400, code="invalid_phone_number"))
    with pytest.raises(DingAPIError):
        services.lookup(PHONE)
