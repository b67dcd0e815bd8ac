"""The provider of the admin and command tests, plus row factories.

The ``scripted_backend`` fixture installs the shipped in-memory test backend
(``django_ding.backends.test.TestBackend``) through ``DING["BACKEND"]`` and
yields its shared :data:`provider`, which records every call; a test sets
what the provider says (or raises) with ``provider.always(...)`` before acting.
"""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone

from django_ding.backends.enums import AttemptStatus, DeliveryStatus, LineType
from django_ding.backends.outcomes import CheckOutcome
from django_ding.backends.results import (
    AttemptEvent,
    AuthenticationStatusResponse,
    DeliveryStatusEvent,
    LookupResponse,
)
from django_ding.backends.test import BACKENDS, TestProvider, provider
from django_ding.models import Authentication

__all__ = [
    "BACKEND_PATH",
    "TestProvider",
    "make_authentication",
    "phone",
    "provider",
    "scripted_backend",
    "status_response",
]

BACKEND_PATH = BACKENDS["ding"]


def lookup_default(phone_number: str, cnam: bool) -> LookupResponse:
    """What the provider knows of a number: an Orange mobile in France."""
    return LookupResponse(
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
def scripted_backend(settings: Any) -> Iterator[TestProvider]:
    """Make the in-memory test backend the configured provider for one test,
    with this suite's defaults: every check is right, a status read finds one
    delivered SMS (:func:`status_default`), a lookup an Orange mobile."""
    settings.DING = {**settings.DING, "BACKEND": BACKEND_PATH}
    provider.reset()
    provider.always("check", CheckOutcome.VALID)
    provider.always("get_authentication_status", lambda auth_uuid: status_response(auth_uuid))
    provider.always("lookup", lookup_default)
    yield provider
    provider.reset()


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
