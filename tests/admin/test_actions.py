"""Admin actions: refresh status from the provider, send onboarded feedback.
A failing row becomes a message; the page never errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from django_ding import services
from django_ding.admin import AuthenticationAdmin
from django_ding.exceptions import (
    DingAPIError,
    DingConfigurationError,
    DingTimeoutError,
    VerificationRefused,
)
from django_ding.models import Authentication, Feedback, StatusEvent
from django_ding.privacy import mask_phone
from tests.admin.backend import make_authentication, phone, provider

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("scripted_backend")]

URL = reverse("admin:django_ding_authentication_changelist")


def run(client: Client, action: str, rows: list[Authentication]) -> list[str]:
    """Run ``action`` on ``rows``; return the messages shown afterwards."""
    response = client.post(
        URL, {"action": action, "_selected_action": [row.pk for row in rows]}, follow=True
    )
    assert response.status_code == 200
    return [str(message) for message in response.context["messages"]]


def uuids(rows: list[Authentication]) -> list[str]:
    return [row.provider_id for row in rows]


# -- Refresh status ---------------------------------------------------------------


def test_refresh_calls_the_provider_for_each_row(admin_client: Client) -> None:
    rows = [make_authentication(), make_authentication()]
    shown = run(admin_client, "refresh_status", rows)
    called = [call["auth_uuid"] for call in provider.calls_to("get_authentication_status")]
    assert sorted(called) == sorted(uuids(rows))
    assert shown == ["Refreshed 2 authentications."]
    for row in rows:
        assert StatusEvent.objects.filter(authentication=row).exists()
    details = json.dumps(list(StatusEvent.objects.values("details")))
    assert "123456" not in details  # the code in the attempt's message is never stored


def test_refresh_reports_a_failing_row_and_carries_on(admin_client: Client) -> None:
    bad, good = make_authentication(), make_authentication()
    provider.always(
        "get_authentication_status",
        {
            bad.provider_id: DingAPIError(
                f"unknown authentication for {bad.phone_number}",
                status_code=400,
                code="invalid_auth_uuid",
            )
        },
    )
    shown = run(admin_client, "refresh_status", [bad, good])
    assert f"{mask_phone(bad.phone_number)}: the provider call failed (invalid_auth_uuid)." in shown
    assert "Refreshed 1 authentication." in shown
    assert not any(str(bad.phone_number) in message for message in shown)


def test_refresh_reports_transport_errors(admin_client: Client) -> None:
    row = make_authentication()
    provider.always("get_authentication_status", DingTimeoutError("timed out", request_sent=True))
    shown = run(admin_client, "refresh_status", [row])
    assert shown == [
        f"{mask_phone(row.phone_number)}: the provider call failed (DingTimeoutError)."
    ]


def test_refresh_checks_rows_the_provider_never_answered_locally(admin_client: Client) -> None:
    row = make_authentication(provider_id=None, status=Authentication.Status.FAILED)
    shown = run(admin_client, "refresh_status", [row])
    assert provider.calls == []
    assert shown == [
        "1 authentication never reached the provider; only its local state was checked."
    ]


def test_refresh_survives_an_unexpected_error(
    admin_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(authentication: Authentication) -> Authentication:
        raise RuntimeError("bug")

    monkeypatch.setattr(services, "refresh_status", broken)
    row = make_authentication()
    shown = run(admin_client, "refresh_status", [row])
    assert shown == [f"{mask_phone(row.phone_number)}: the provider call failed (RuntimeError)."]


def test_refresh_stops_on_a_configuration_error(
    admin_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[Authentication] = []

    def misconfigured(authentication: Authentication) -> Authentication:
        calls.append(authentication)
        raise DingConfigurationError("settings.DING['API_KEY'] is required")

    monkeypatch.setattr(services, "refresh_status", misconfigured)
    shown = run(admin_client, "refresh_status", [make_authentication(), make_authentication()])
    assert len(calls) == 1
    assert shown == ["django-ding is misconfigured; see the server log."]


def test_actions_handle_a_bounded_number_of_rows(
    admin_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(AuthenticationAdmin, "action_row_limit", 2)
    rows = [make_authentication() for _ in range(3)]
    shown = run(admin_client, "refresh_status", rows)
    assert len(provider.calls_to("get_authentication_status")) == 2
    assert "Only the first 2 selected rows were handled." in shown


def test_view_only_staff_cannot_run_actions(staff_client: Callable[..., Client]) -> None:
    row = make_authentication()
    client = staff_client("view_authentication")
    response = client.post(
        URL, {"action": "refresh_status", "_selected_action": [row.pk]}, follow=True
    )
    assert response.status_code == 200
    assert provider.calls == []


def test_staff_with_change_permission_can_refresh(staff_client: Callable[..., Client]) -> None:
    row = make_authentication()
    client = staff_client("view_authentication", "change_authentication")
    assert run(client, "refresh_status", [row]) == ["Refreshed 1 authentication."]


# -- Onboarded feedback -----------------------------------------------------------


def verified(number: str | None = None, **fields: Any) -> Authentication:
    return make_authentication(
        phone_number=number or phone(), status=Authentication.Status.VERIFIED, **fields
    )


def test_feedback_is_recorded_and_sent(
    admin_client: Client, admin_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    row = verified(user=admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        shown = run(admin_client, "send_onboarded_feedback", [row])
    assert shown == ["Onboarded feedback sent for 1 phone number."]
    feedback = Feedback.objects.get()
    assert str(feedback.phone_number) == str(row.phone_number)
    assert feedback.status == Feedback.Status.ONBOARDED
    assert feedback.user == admin_user
    calls = provider.calls_to("feedback")
    assert calls == [{"phone_number": str(row.phone_number), "status": "onboarded"}]


@pytest.mark.parametrize("number_format", ["NATIONAL", "INTERNATIONAL", "RFC3966"])
def test_feedback_sends_e164_whatever_the_display_format(
    admin_client: Client, django_capture_on_commit_callbacks: Any, number_format: str
) -> None:
    known, new = verified(), verified()
    Feedback.objects.create(
        phone_number=known.phone_number, status="onboarded", delivery=Feedback.Delivery.SENT
    )
    with (
        override_settings(PHONENUMBER_DEFAULT_FORMAT=number_format),
        django_capture_on_commit_callbacks(execute=True),
    ):
        shown = run(admin_client, "send_onboarded_feedback", [known, new])
    assert "Onboarded feedback sent for 1 phone number." in shown
    assert "1 phone number already had onboarded feedback; nothing was sent again." in shown
    assert [call["phone_number"] for call in provider.calls_to("feedback")] == [
        new.phone_number.as_e164
    ]
    assert Feedback.objects.filter(phone_number=new.phone_number.as_e164).exists()


def test_feedback_once_per_phone_number(
    admin_client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    number = phone()
    rows = [verified(number), verified(number)]
    with django_capture_on_commit_callbacks(execute=True):
        shown = run(admin_client, "send_onboarded_feedback", rows)
    assert shown == ["Onboarded feedback sent for 1 phone number."]
    assert Feedback.objects.count() == 1
    assert len(provider.calls_to("feedback")) == 1


def test_duplicates_are_reported_politely(
    admin_client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    known, new = verified(), verified()
    Feedback.objects.create(
        phone_number=known.phone_number, status="onboarded", delivery=Feedback.Delivery.SENT
    )
    with django_capture_on_commit_callbacks(execute=True):
        shown = run(admin_client, "send_onboarded_feedback", [known, new])
    assert "Onboarded feedback sent for 1 phone number." in shown
    assert "1 phone number already had onboarded feedback; nothing was sent again." in shown
    assert [call["phone_number"] for call in provider.calls_to("feedback")] == [
        str(new.phone_number)
    ]
    assert Feedback.objects.count() == 2


def test_failed_feedback_is_sent_again(
    admin_client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    row = verified()
    Feedback.objects.create(
        phone_number=row.phone_number,
        status="onboarded",
        delivery=Feedback.Delivery.FAILED,
        error_code="timeout",
    )
    with django_capture_on_commit_callbacks(execute=True):
        shown = run(admin_client, "send_onboarded_feedback", [row])
    assert shown == ["Onboarded feedback sent for 1 phone number."]
    assert len(provider.calls_to("feedback")) == 1
    assert Feedback.objects.get().delivery == Feedback.Delivery.SENT


def test_unverified_rows_are_skipped(admin_client: Client) -> None:
    row = make_authentication(status=Authentication.Status.PENDING)
    shown = run(admin_client, "send_onboarded_feedback", [row])
    assert shown == ["1 authentication is not verified and was skipped."]
    assert not Feedback.objects.exists()


@pytest.mark.parametrize(
    ("delivery", "expected"),
    [
        (
            Feedback.Delivery.DUPLICATE,
            "1 phone number already had onboarded feedback; nothing was sent again.",
        ),
        (Feedback.Delivery.FAILED, "the provider call failed (negative_balance)."),
        (Feedback.Delivery.QUEUED, "Onboarded feedback sent for 1 phone number."),
    ],
)
def test_feedback_outcomes(
    admin_client: Client, monkeypatch: pytest.MonkeyPatch, delivery: str, expected: str
) -> None:
    def fake(phone_number: str, status: str, *, user: Any = None) -> Feedback:
        return Feedback(
            phone_number=phone_number,
            status=status,
            delivery=delivery,
            error_code="negative_balance" if delivery == "failed" else "",
        )

    monkeypatch.setattr(services, "send_feedback", fake)
    shown = run(admin_client, "send_onboarded_feedback", [verified()])
    assert len(shown) == 1
    assert shown[0].endswith(expected)


def test_feedback_provider_error_is_a_message(
    admin_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing(phone_number: str, status: str, *, user: Any = None) -> Feedback:
        raise DingAPIError("nope", status_code=400, code="suspended_account")

    monkeypatch.setattr(services, "send_feedback", failing)
    row = verified()
    shown = run(admin_client, "send_onboarded_feedback", [row])
    assert shown == [
        f"{mask_phone(row.phone_number)}: the provider call failed (suspended_account)."
    ]


def test_feedback_recorded_meanwhile_counts_as_duplicate(
    admin_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import IntegrityError

    def racing(phone_number: str, status: str, *, user: Any = None) -> Feedback:
        raise IntegrityError("unique constraint")

    monkeypatch.setattr(services, "send_feedback", racing)
    shown = run(admin_client, "send_onboarded_feedback", [verified()])
    assert shown == ["1 phone number already had onboarded feedback; nothing was sent again."]


@pytest.mark.parametrize(
    ("error", "detail"),
    [
        (DingAPIError("<html>bad gateway</html>", status_code=502), "HTTP 502"),
        (VerificationRefused("expired"), "expired"),
    ],
)
def test_refresh_error_details(
    admin_client: Client, monkeypatch: pytest.MonkeyPatch, error: Exception, detail: str
) -> None:
    def failing(authentication: Authentication) -> Authentication:
        raise error

    monkeypatch.setattr(services, "refresh_status", failing)
    row = make_authentication()
    shown = run(admin_client, "refresh_status", [row])
    assert shown == [f"{mask_phone(row.phone_number)}: the provider call failed ({detail})."]
