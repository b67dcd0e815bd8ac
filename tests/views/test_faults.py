"""What the pages say when the provider or the database fails (issue #12):
the provider's wait, a database fault on check, a lost session, a number read
in the default region, malformed codes. Status 200 (or a redirect), never 500."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, ClassVar

import pytest
from django.db import DatabaseError, connection
from django.test import Client

from django_ding import services
from django_ding.exceptions import (
    DingAPIError,
    DingCircuitOpenError,
    DingConnectionError,
    DingStorageError,
)
from django_ding.models import Authentication, CheckRecord
from django_ding.session import SESSION_AUTHENTICATION_KEY, SESSION_VERIFIED_KEY
from tests.backends.http_fake import Reply, ScriptedServer, serve
from tests.views.backend import GOOD_CODE, TestProvider
from tests.views.conftest import ding_settings, start, verify

SESSION_LOST = (
    "Your verification was not found: it may have expired or been started in another "
    "browser. Enter your number to receive a new code."
)
CHECK_UNAVAILABLE = "We could not check the code right now. Please try again in a moment."


def field_errors(response: Any, field: str) -> list[Any]:
    return list(response.context["form"].errors.as_data().get(field, []))


# -- The provider's wait (Retry-After, an open circuit breaker) -------------------


class FakeDing(ScriptedServer):
    prefix: ClassVar[str] = "/v1"


class FakePrelude(ScriptedServer):
    prefix: ClassVar[str] = "/v2"
    not_found: ClassVar[Any] = {"code": "not_found", "message": "?"}


@pytest.fixture(params=["ding", "prelude"])
def live_provider(request: Any, settings: Any) -> Iterator[tuple[str, ScriptedServer]]:
    """The views over a real loopback socket, with DingBackend or PreludeBackend."""
    if request.param == "ding":
        fake: ScriptedServer = FakeDing()
        backend, path = "django_ding.backends.ding.DingBackend", "/v1/authentication"
    else:
        fake = FakePrelude()
        backend, path = "django_ding.backends.prelude.PreludeBackend", "/v2/verification"
    for server in serve(fake):
        settings.DING = ding_settings(
            BACKEND=backend, BASE_URL=server.base_url, TIMEOUT=(1.0, 2.0), MAX_RETRIES=0
        )
        yield path, server


def test_a_429_on_send_shows_the_providers_retry_after(
    client: Client, live_provider: tuple[str, ScriptedServer]
) -> None:
    path, server = live_provider
    server.script = {
        path: [
            Reply(
                429,
                {"code": "rate_limit_exceeded", "message": "Too many requests"},
                headers={"Retry-After": "30"},
            )
        ]
    }
    response = start(client)
    assert response.status_code == 200
    html = response.content.decode()
    assert "We could not send a code right now. Please try again in 30 seconds." in html
    assert "Too many requests" not in html
    [error] = field_errors(response, "phone_number")
    assert error.code == "provider_error"
    assert [r.method for r in server.received] == ["POST"]  # never retried
    assert Authentication.objects.get().status == Authentication.Status.FAILED
    assert SESSION_AUTHENTICATION_KEY not in client.session


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (
            DingCircuitOpenError("provider down", retry_after=90),
            "We could not send a code right now. Please try again in 2 minutes.",
        ),
        (
            DingAPIError("slow down", status_code=429, retry_after=4.2),
            "We could not send a code right now. Please try again in 5 seconds.",
        ),
        # No wait known: the usual sentence.
        (
            DingConnectionError("refused", request_sent=False),
            "We could not send a code right now. Please try again in a few minutes.",
        ),
        # About the number: still nothing but "could not send", whatever the wait.
        (
            DingAPIError("blocked", status_code=400, code="blocked_number", retry_after=30),
            "We could not send a code to this number.",
        ),
    ],
)
def test_send_and_resend_failures_show_the_wait_when_there_is_one(
    client: Client, settings: Any, ding_backend: TestProvider, error: Exception, expected: str
) -> None:
    settings.DING = ding_settings(SEND_COOLDOWN=0)
    ding_backend.retry_wait = 0
    ding_backend.fail("create_authentication", error)
    response = start(client)
    assert response.status_code == 200
    assert expected in response.content.decode()
    assert "slow down" not in response.content.decode()
    assert ding_backend.count("create_authentication") == 1

    ding_backend.always("create_authentication", None)
    other = Client()
    start(other, "+33698765432")
    ding_backend.fail("retry", error)
    page = other.post("/verify/retry/", follow=True)
    assert page.status_code == 200
    assert page.context["notice"] == {"level": "error", "text": expected}


# -- A database fault -------------------------------------------------------------


def test_a_storage_error_on_check_is_a_message_not_a_500(
    client: Client, monkeypatch: pytest.MonkeyPatch, ding_backend: TestProvider
) -> None:
    start(client)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise DingStorageError("The verification history could not record the check.")

    monkeypatch.setattr(services, "check_code", broken)
    response = verify(client)
    assert response.status_code == 200
    assert CHECK_UNAVAILABLE in response.content.decode()
    [error] = field_errors(response, "code")
    assert error.code == "provider_error"
    assert "history" not in response.content.decode()
    assert SESSION_VERIFIED_KEY not in client.session
    # The page still offers the code form for the same verification.
    assert client.session[SESSION_AUTHENTICATION_KEY] == Authentication.objects.get().pk
    assert 'id="ding-check-form"' in response.content.decode()


@pytest.mark.parametrize("operation", ["send_code", "retry"], ids=["send", "resend"])
def test_a_storage_error_on_send_or_resend_is_a_message(
    client: Client, monkeypatch: pytest.MonkeyPatch, operation: str
) -> None:
    from django_ding.services import sending

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise DingStorageError("The verification history could not record the send.")

    expected = "Something went wrong on our side. Please try again in a moment."
    if operation == "send_code":
        monkeypatch.setattr(services, "send_code", broken)
        response = start(client)
        assert response.status_code == 200
        assert expected in response.content.decode()
        return
    start(client)
    monkeypatch.setattr(sending, "retry", broken)
    page = client.post("/verify/retry/", follow=True)
    assert page.status_code == 200
    assert page.context["notice"] == {"level": "error", "text": expected}


def _fail_statement(match: Callable[[str], bool], *, once: bool = True) -> Callable[..., Any]:
    """An ``execute_wrapper`` raising a DatabaseError on the first statement
    ``match`` accepts (every one when not ``once``), once armed
    (``wrapper.armed = True``)."""

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if wrapper.armed and match(sql):  # type: ignore[attr-defined]
            wrapper.armed = not once  # type: ignore[attr-defined]
            raise DatabaseError("injected: the database went away")
        return execute(sql, params, many, context)

    wrapper.armed = False  # type: ignore[attr-defined]
    return wrapper


@pytest.mark.parametrize("once", [True, False], ids=["one-statement", "database-down"])
def test_a_database_fault_recording_a_right_code_is_a_message(
    client: Client, ding_backend: TestProvider, once: bool
) -> None:
    start(client)
    # The writes after the provider said "valid" fail: once (persist() tries
    # again and the user is verified), or every time (a message, never a 500).
    fault = _fail_statement(
        lambda sql: sql.lstrip().upper().startswith("UPDATE") and "django_ding_" in sql,
        once=once,
    )

    def arm(**call: Any) -> None:
        fault.armed = True  # type: ignore[attr-defined]
        return None  # then the simulated provider answers: the code is right

    ding_backend.queue("check", arm)
    with connection.execute_wrapper(fault):
        response = verify(client)
    assert ding_backend.count("check") == 1
    if once:
        assert response.status_code == 302
        assert SESSION_VERIFIED_KEY in client.session
        return
    assert response.status_code == 200
    assert CHECK_UNAVAILABLE in response.content.decode()
    assert SESSION_VERIFIED_KEY not in client.session


# -- The session is lost between send and check -----------------------------------


@pytest.mark.parametrize("method", ["get", "post"])
def test_check_without_a_session_says_what_happened(client: Client, method: str) -> None:
    start(client)
    lost = Client()  # cookies cleared, or another browser
    data = {"code": GOOD_CODE} if method == "post" else {}
    response = getattr(lost, method)("/verify/check/?next=/after/", data)
    assert response.status_code == 302
    assert response["Location"] == "/verify/?next=%2Fafter%2F"
    page = lost.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert SESSION_LOST in html
    assert 'class="ding-notice ding-notice--error" aria-live="polite" role="alert"' in html
    # Shown once.
    assert SESSION_LOST not in lost.get("/verify/").content.decode()
    assert CheckRecord.objects.count() == 0


def test_resend_without_a_session_says_what_happened(
    client: Client, ding_backend: TestProvider
) -> None:
    start(client)
    lost = Client()
    response = lost.post("/verify/retry/", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain == [("/verify/", 302)]
    assert SESSION_LOST in response.content.decode()
    assert ding_backend.count("retry") == 0
    assert ding_backend.count("create_authentication") == 1


# -- A national number read in the default region ---------------------------------


def test_an_invalid_national_number_names_the_region_it_was_read_in(
    client: Client, settings: Any, ding_backend: TestProvider
) -> None:
    settings.DING = ding_settings(DEFAULT_REGION="FR")
    # A German mobile typed without +49: not a valid French number.
    response = client.post("/verify/", {"phone_number": "0151 2345 6789"})
    assert response.status_code == 200
    [error] = field_errors(response, "phone_number")
    assert error.code == "invalid"
    assert error.messages == [
        "Enter a valid phone number. Numbers without a +country code are read as "
        "France (FR) numbers."
    ]
    assert ding_backend.count("create_authentication") == 0
    assert Authentication.objects.count() == 0


def test_the_region_is_named_in_the_users_language(client: Client, settings: Any) -> None:
    settings.DING = ding_settings(DEFAULT_REGION="DE")
    response = client.post("/verify/", {"phone_number": "0123"}, HTTP_ACCEPT_LANGUAGE="fr")
    [error] = field_errors(response, "phone_number")
    assert "Allemagne (DE)" in error.messages[0]


# -- Malformed codes --------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("12ab56", "The code is made of digits only. Type the code from the text message."),
        ("12", "The code is too short. Type every digit of the code."),
        ("123456789012", "The code is too long. Type only the code from the text message."),
    ],
)
def test_malformed_codes_are_explained_and_never_counted(
    client: Client, ding_backend: TestProvider, code: str, message: str
) -> None:
    start(client)
    response = verify(client, code)
    assert response.status_code == 200
    [error] = field_errors(response, "code")
    assert error.messages == [message]
    authentication = Authentication.objects.get()
    assert authentication.failed_checks == 0
    assert CheckRecord.objects.count() == 0
    assert ding_backend.count("check") == 0
    assert verify(client)["Location"] == "/done/"


# -- A database fault outside the services ------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "try_again"),
    [
        ("get", "/verify/check/", "/verify/check/"),
        ("post", "/verify/check/", "/verify/check/"),
        ("post", "/verify/retry/", "/verify/check/"),
    ],
)
def test_a_database_fault_reading_the_verification_is_a_page_not_a_500(
    client: Client, ding_backend: TestProvider, method: str, path: str, try_again: str
) -> None:
    # The views read the session's verification themselves: a fault there is
    # not the services' to describe, and still never a 500.
    from django_ding.user_messages import STORAGE_UNAVAILABLE

    start(client)
    fault = _fail_statement(
        lambda sql: (
            sql.lstrip().upper().startswith("SELECT") and "django_ding_authentication" in sql
        )
    )
    fault.armed = True  # type: ignore[attr-defined]
    data = {"code": GOOD_CODE} if path.endswith("check/") and method == "post" else {}
    with connection.execute_wrapper(fault):
        response = getattr(client, method)(path, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert str(STORAGE_UNAVAILABLE) in html
    assert f'href="{try_again}"' in html
    assert response["Cache-Control"] == "no-store"
    assert ding_backend.count("check") == 0
    assert ding_backend.count("retry") == 0
