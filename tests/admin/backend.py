"""A scripted provider for the admin and command tests, plus row factories.

``ScriptedBackend`` records every call and answers from class-level scripts,
so a test sets what the provider says (or raises) before acting. The
``scripted_backend`` fixture installs it through ``DING["BACKEND"]``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from collections.abc import Iterator
from typing import Any, ClassVar

import pytest
from django.utils import timezone

from django_ding.backends.base import BaseBackend
from django_ding.backends.enums import (
    AttemptStatus,
    AuthenticationStatus,
    CheckStatus,
    DeliveryStatus,
    LineType,
    RetryStatus,
)
from django_ding.backends.results import (
    AttemptEvent,
    AuthenticationStatusResponse,
    CreateAuthenticationResponse,
    CreateCheckResponse,
    DeliveryStatusEvent,
    FeedbackResponse,
    LookupResponse,
    RetryAuthenticationResponse,
)
from django_ding.models import Authentication

BACKEND_PATH = "tests.admin.backend.ScriptedBackend"


class ScriptedBackend(BaseBackend):
    """Answers from ``scripts`` (operation -> result or exception, or a dict
    keyed by authentication UUID); records ``calls``."""

    calls: ClassVar[list[tuple[str, tuple[Any, ...], dict[str, Any]]]] = []
    scripts: ClassVar[dict[str, Any]] = {}

    @classmethod
    def reset(cls) -> None:
        cls.calls.clear()
        cls.scripts.clear()

    @classmethod
    def calls_to(cls, operation: str) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
        return [(args, kwargs) for name, args, kwargs in cls.calls if name == operation]

    def _answer(self, operation: str, key: str | None, default: Any, *args: Any, **kw: Any) -> Any:
        type(self).calls.append((operation, args, kw))
        script = type(self).scripts.get(operation, default)
        if isinstance(script, dict):
            script = script.get(key, default)
        if callable(script) and not isinstance(script, type):
            script = script(*args, **kw)
        if isinstance(script, BaseException):
            raise script
        return script

    def create_authentication(
        self, phone_number: str, **fields: Any
    ) -> CreateAuthenticationResponse:
        now = timezone.now()
        default = CreateAuthenticationResponse(
            authentication_uuid=str(uuid.uuid4()),
            status=AuthenticationStatus.PENDING,
            created_at=now,
            expires_at=now + dt.timedelta(minutes=10),
        )
        result: CreateAuthenticationResponse = self._answer(
            "create_authentication", phone_number, default, phone_number, **fields
        )
        return result

    def check(
        self, authentication_uuid: str, check_code: str, *, phone_number: str | None = None
    ) -> CreateCheckResponse:
        default = CreateCheckResponse(authentication_uuid, CheckStatus.VALID)
        # The code is deliberately not recorded.
        result: CreateCheckResponse = self._answer(
            "check", authentication_uuid, default, authentication_uuid
        )
        return result

    def retry(
        self, authentication_uuid: str, *, phone_number: str | None = None
    ) -> RetryAuthenticationResponse:
        default = RetryAuthenticationResponse(
            authentication_uuid, RetryStatus.APPROVED, created_at=timezone.now()
        )
        result: RetryAuthenticationResponse = self._answer(
            "retry", authentication_uuid, default, authentication_uuid
        )
        return result

    def feedback(self, phone_number: str, status: str) -> FeedbackResponse:
        default = FeedbackResponse(uuid=str(uuid.uuid4()))
        result: FeedbackResponse = self._answer(
            "feedback", phone_number, default, phone_number, status
        )
        return result

    def get_authentication_status(self, auth_uuid: str) -> AuthenticationStatusResponse:
        result: AuthenticationStatusResponse = self._answer(
            "get_authentication_status", auth_uuid, status_response(auth_uuid), auth_uuid
        )
        return result

    def lookup(self, phone_number: str, *, cnam: bool = False) -> LookupResponse:
        default = LookupResponse(
            phone_number=phone_number,
            mcc="208",
            mnc="01",
            carrier="Orange",
            country_code="FR",
            number_ported=False,
            temporary_phone_number=False,
            line_type=LineType.MOBILE,
            caller_name="JANE DOE" if cnam else None,
        )
        result: LookupResponse = self._answer(
            "lookup", phone_number, default, phone_number, cnam=cnam
        )
        return result


def status_response(
    auth_uuid: str, phone_number: str = "+33612345678"
) -> AuthenticationStatusResponse:
    """What the provider says about an authentication: one SMS, delivered."""
    sent = timezone.now() - dt.timedelta(minutes=1)
    return AuthenticationStatusResponse(
        uuid=auth_uuid,
        phone_number=phone_number,
        created_at=sent,
        events=(
            AttemptEvent(
                type=AttemptEvent.event_type,
                created_at=sent,
                id="attempt-1",
                content="Your code is 123456",
                attempt_number=1,
                status=AttemptStatus.DELIVERED,
            ),
            DeliveryStatusEvent(
                type=DeliveryStatusEvent.event_type,
                created_at=sent + dt.timedelta(seconds=5),
                status=DeliveryStatus.DELIVERED,
                attempt_id="attempt-1",
                attempt_number=1,
            ),
        ),
    )


@pytest.fixture
def scripted_backend(settings: Any) -> Iterator[type[ScriptedBackend]]:
    """Make ``ScriptedBackend`` the configured provider for one test."""
    settings.DING = {**settings.DING, "BACKEND": BACKEND_PATH}
    ScriptedBackend.reset()
    yield ScriptedBackend
    ScriptedBackend.reset()


_numbers = itertools.count(10_000_000)


def phone(n: int | None = None) -> str:
    """A distinct, valid French mobile number in E.164."""
    return f"+336{n if n is not None else next(_numbers):08d}"


def make_authentication(**fields: Any) -> Authentication:
    values: dict[str, Any] = {
        "phone_number": phone(),
        "provider_id": str(uuid.uuid4()),
        "status": Authentication.Status.PENDING,
        "backend": BACKEND_PATH,
    }
    values.update(fields)
    return Authentication.objects.create(**values)
