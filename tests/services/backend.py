"""The provider of the service tests: the shipped in-memory test backend.

``django_ding.backends.test.TestBackend`` (Ding v1 semantics) with the
defaults these tests were written against: a status read answers with one
delivered SMS and a valid check at fixed times (:func:`status_default`).
Tests queue answers per operation on the shared provider (``script``
fixture): a result object, an exception instance (raised), a callable
taking the call's arguments, or an outcome. ``delay`` makes every call sleep,
to widen races in the concurrency tests.
"""

from __future__ import annotations

import datetime as dt

from django_ding.backends.enums import AttemptStatus, CheckStatus, DeliveryStatus
from django_ding.backends.results import (
    AttemptEvent,
    AuthenticationStatusResponse,
    CheckEvent,
    DeliveryStatusEvent,
)
from django_ding.backends.test import BACKENDS, DEFAULT_CODE, TestProvider, provider

__all__ = ["EVENT_TIME", "PATH", "SCRIPT", "VALID_CODE", "Script", "configure", "status_default"]

PATH = BACKENDS["ding"]
VALID_CODE = DEFAULT_CODE
# Provider events keep their timestamps from one status read to the next.
EVENT_TIME = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)

Script = TestProvider
SCRIPT = provider


def status_default(auth_uuid: str) -> AuthenticationStatusResponse:
    """One SMS (whose content holds the code), delivered, and a valid check."""
    now = EVENT_TIME
    return AuthenticationStatusResponse(
        uuid=auth_uuid,
        phone_number="+33612345678",
        correlation_id="corr-from-provider",
        created_at=now,
        events=(
            AttemptEvent(
                created_at=now,
                id="attempt-1",
                content=f"Your code is {SCRIPT.code}",
                capability="text",
                attempt_number=1,
                status=AttemptStatus.DELIVERED,
            ),
            DeliveryStatusEvent(
                created_at=now,
                status=DeliveryStatus.DELIVERED,
                attempt_id="attempt-1",
                attempt_number=1,
            ),
            CheckEvent(created_at=now, id="check-1", code=SCRIPT.code, status=CheckStatus.VALID),
        ),
    )


def configure(script: TestProvider) -> TestProvider:
    """Reset the shared provider and give it this suite's defaults."""
    script.reset()
    script.always("get_authentication_status", status_default)
    return script
