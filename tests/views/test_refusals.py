"""Limits and provider errors become friendly messages (status 200), never a 500,
and a refused number reveals nothing but "could not send"."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from django_ding import services
from django_ding.exceptions import (
    DingAPIError,
    DingConnectionError,
    DingInvalidResponseError,
    DingTimeoutError,
    VerificationRefused,
)
from django_ding.models import Authentication
from django_ding.reasons import Reason
from django_ding.services import sending
from django_ding.session import SESSION_AUTHENTICATION_KEY, SESSION_VERIFIED_KEY
from django_ding.verified import get_verified_phone_number
from tests.views.backend import GOOD_CODE, TestProvider, provider
from tests.views.conftest import OTHER_PHONE, PHONE, start, verify

CANNOT_SEND = "We could not send a code to this number."
CANNOT_SEND_NOW = "We cannot send a code right now. Please try again later."


def raising(error: BaseException) -> Any:
    def fake(*args: Any, **kwargs: Any) -> Any:
        raise error

    return fake


def field_errors(response: Any, field: str) -> list[Any]:
    return list(response.context["form"].errors.as_data().get(field, []))


@pytest.mark.parametrize(
    ("reason", "retry_after", "expected"),
    [
        # About the number or the site: one neutral sentence, no wait.
        (Reason.COOLDOWN, 25, "We cannot send a code right now. Please try again later."),
        (
            Reason.PHONE_RATE_LIMITED,
            600,
            "We cannot send a code right now. Please try again later.",
        ),
        (
            Reason.PHONE_RATE_LIMITED,
            None,
            "We cannot send a code right now. Please try again later.",
        ),
        (Reason.PHONE_LOCKED, 7200, "We cannot send a code right now. Please try again later."),
        (
            Reason.GLOBAL_RATE_LIMITED,
            7200,
            "We cannot send a code right now. Please try again later.",
        ),
        # About the client's own address: precise.
        (Reason.IP_RATE_LIMITED, 3599, "Try again in 1 hour."),
        (Reason.IP_RATE_LIMITED, 3540, "Try again in 59 minutes."),
        (Reason.PROVIDER_REFUSED, 30, CANNOT_SEND),
        (Reason.PROVIDER_ERROR, None, "Please try again in a few minutes."),
        ("some_future_reason", 5, "Try again in 5 seconds."),
    ],
)
def test_send_refusals_are_friendly(
    client: Client, monkeypatch: pytest.MonkeyPatch, reason: str, retry_after: Any, expected: str
) -> None:
    monkeypatch.setattr(
        services, "send_code", raising(VerificationRefused(reason, retry_after=retry_after))
    )
    response = start(client)
    assert response.status_code == 200
    assert expected in response.content.decode()
    [error] = field_errors(response, "phone_number")
    assert error.code == str(reason)
    assert SESSION_AUTHENTICATION_KEY not in client.session


@pytest.mark.parametrize(
    "error",
    [
        DingAPIError(
            "Number +33612345678 is blocked by carrier ACME",
            status_code=400,
            code="blocked_number",
            doc_url="https://docs.ding.live/errors/blocked_number",
        ),
        DingAPIError("invalid phone number", status_code=400, code="invalid_phone_number"),
        DingAPIError("unsupported region FR", status_code=400, code="unsupported_region"),
        DingAPIError("landline ACME", status_code=400, code="invalid_line"),
    ],
)
def test_refused_numbers_reveal_nothing_more(
    client: Client, ding_backend: TestProvider, error: DingAPIError
) -> None:
    ding_backend.fail("create_authentication", error)
    response = start(client)
    assert response.status_code == 200
    html = response.content.decode()
    assert CANNOT_SEND in html
    for secret in ("blocked", "ACME", "carrier", "unsupported", "landline", "docs.ding", "400"):
        assert secret not in html.replace("ding-", "")
    assert error.message not in html
    assert SESSION_AUTHENTICATION_KEY not in client.session


def test_spam_detected_by_the_provider_is_could_not_send(
    client: Client, ding_backend: TestProvider
) -> None:
    ding_backend.always("create_authentication", "spam_detected")
    response = start(client)
    assert response.status_code == 200
    html = response.content.decode()
    assert CANNOT_SEND in html
    assert "spam" not in html.lower()
    assert SESSION_AUTHENTICATION_KEY not in client.session


@pytest.mark.parametrize(
    "error",
    [
        DingTimeoutError("read timeout", request_sent=True),
        DingConnectionError("refused", request_sent=False),
        DingAPIError("boom", status_code=500, code="internal_server_error"),
        DingAPIError("no money", status_code=400, code="negative_balance"),
        DingAPIError("<html>bad gateway</html>", status_code=502),
        DingInvalidResponseError("not json", status_code=200),
    ],
)
def test_provider_errors_on_send_are_friendly(
    client: Client, ding_backend: TestProvider, error: Exception
) -> None:
    ding_backend.fail("create_authentication", error)
    response = start(client)
    assert response.status_code == 200
    html = response.content.decode()
    assert "We could not send a code right now. Please try again in a few minutes." in html
    for leak in ("balance", "gateway", "timeout", "boom", "json"):
        assert leak not in html
    assert field_errors(response, "phone_number")[0].code == "provider_error"
    # The failure is in the history, never a silent success.
    assert Authentication.objects.get().status == Authentication.Status.FAILED


def test_invalid_number_from_the_service_is_a_form_error(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "send_code", raising(ValueError("not a number")))
    response = start(client)
    assert response.status_code == 200
    assert field_errors(response, "phone_number")[0].code == "invalid"


def test_cooldown_with_a_pending_code_for_the_same_number_goes_back_to_check(
    client: Client,
) -> None:
    start(client)
    response = start(client)  # the back button, the same number again (SEND_COOLDOWN)
    assert response.status_code == 302
    assert response["Location"] == "/verify/check/"
    page = client.get("/verify/check/")
    assert "A code was already sent to this number. Enter it below." in page.content.decode()
    assert page.context["notice"]["level"] == "info"
    assert Authentication.objects.count() == 1
    assert len(provider.calls_to("create_authentication")) == 1


def test_cooldown_for_the_same_number_in_another_session_is_a_message(client: Client) -> None:
    start(Client())
    response = start(client)
    assert response.status_code == 200
    [error] = field_errors(response, "phone_number")
    assert error.code == "cooldown"
    page = response.content.decode()
    assert "We cannot send a code right now. Please try again later." in page
    assert "a moment ago" not in page
    assert "You can ask again in " not in page
    assert SESSION_AUTHENTICATION_KEY not in client.session


def test_cooldown_for_another_session_is_a_message(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        services, "send_code", raising(VerificationRefused(Reason.COOLDOWN, retry_after=20))
    )
    response = start(client)
    assert response.status_code == 200
    assert "20 seconds" not in response.content.decode()  # the wait dates the other send
    assert "We cannot send a code right now." in response.content.decode()


@pytest.mark.parametrize(
    ("reason", "retry_after", "attempts_left", "expected"),
    [
        (Reason.INVALID_CODE, None, 2, "You have 2 attempts left."),
        (Reason.INVALID_CODE, None, 1, "You have 1 attempt left."),
        (Reason.INVALID_CODE, None, None, "The code is not correct."),
        (Reason.EXPIRED, None, None, "This code has expired."),
        (Reason.LOCKED, None, 0, "Too many wrong codes."),
        (Reason.PHONE_LOCKED, 3600, 0, "Try again in 1 hour."),
        (Reason.ALREADY_VERIFIED, None, None, "already verified"),
        (Reason.NOT_SENT, None, None, "No code was sent"),
        (Reason.PROVIDER_ERROR, None, None, "We could not check the code right now."),
        (Reason.PROVIDER_REFUSED, None, None, "This code can no longer be checked."),
    ],
)
def test_check_failures_are_friendly(
    client: Client,
    monkeypatch: pytest.MonkeyPatch,
    reason: Reason,
    retry_after: Any,
    attempts_left: Any,
    expected: str,
) -> None:
    start(client)
    authentication = Authentication.objects.get()

    def fake_check(auth: Authentication, code: str, **kwargs: Any) -> Any:
        assert auth.pk == authentication.pk
        return services.CheckResult(
            verified=False,
            reason=reason,
            retry_after=retry_after,
            attempts_left=attempts_left,
            authentication=auth,
        )

    monkeypatch.setattr(services, "check_code", fake_check)
    response = verify(client)
    assert response.status_code == 200
    assert expected in response.content.decode()
    assert field_errors(response, "code")[0].code == reason.value
    assert SESSION_VERIFIED_KEY not in client.session


def test_provider_error_while_checking_is_friendly(
    client: Client, ding_backend: TestProvider
) -> None:
    start(client)
    ding_backend.fail("check", DingTimeoutError("read timeout", request_sent=True))
    response = verify(client)
    assert response.status_code == 200
    assert "timeout" not in response.content.decode()
    assert field_errors(response, "code")
    assert SESSION_VERIFIED_KEY not in client.session


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (VerificationRefused(Reason.RETRY_NOT_YET, retry_after=42), "in 42 seconds"),
        # The resend says the verification is over: a new one is started for
        # the number, and the send limits refuse it (the cooldown of the first
        # send) with the neutral sentence.
        (VerificationRefused(Reason.NO_RETRIES_LEFT), CANNOT_SEND_NOW),
        (VerificationRefused(Reason.EXPIRED), CANNOT_SEND_NOW),
        (VerificationRefused(Reason.LOCKED), CANNOT_SEND_NOW),
        (VerificationRefused(Reason.ALREADY_VERIFIED), "already verified"),
        (VerificationRefused(Reason.PROVIDER_REFUSED), CANNOT_SEND),
        (DingTimeoutError("t", request_sent=True), "Please try again in a few minutes."),
        (DingAPIError("blocked", status_code=400, code="blocked_number"), CANNOT_SEND),
    ],
)
def test_resend_refusals_are_shown_on_the_check_page(
    client: Client, monkeypatch: pytest.MonkeyPatch, error: Exception, expected: str
) -> None:
    start(client)
    monkeypatch.setattr(sending, "retry", raising(error))
    response = client.post("/verify/retry/", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain == [("/verify/check/", 302)]
    html = response.content.decode()
    assert expected in html
    assert 'class="ding-notice ding-notice--error"' in html
    assert 'role="alert"' in html
    assert Authentication.objects.count() == 1


def test_resend_provider_error_from_the_backend_is_friendly(
    client: Client, ding_backend: TestProvider
) -> None:
    start(client)
    ding_backend.fail("retry", DingConnectionError("down", request_sent=False))
    response = client.post("/verify/retry/", follow=True)
    assert response.status_code == 200
    assert response.context["notice"]["level"] == "error"


def test_two_numbers_do_not_mix(client: Client) -> None:
    start(client)
    start(Client(), OTHER_PHONE)
    response = verify(client, GOOD_CODE)
    assert response["Location"] == "/done/"
    assert get_verified_phone_number(response.wsgi_request) == PHONE
