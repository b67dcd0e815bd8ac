"""Opaque provider ids (Prelude v2 ``vrf_...``) travel through every service
as they were received; Ding v1 UUIDs are stored in their canonical form."""

from __future__ import annotations

import pytest

from django_ding import services
from django_ding.backends.results import CreateAuthenticationResponse
from django_ding.models import Authentication
from django_ding.services.records import sent_id
from tests.services.backend import VALID_CODE, Script
from tests.services.conftest import PHONE, age

pytestmark = pytest.mark.django_db(transaction=True)

V2_ID = "vrf_01jc0t6fwwfgfsq1md24mhyztj"


@pytest.fixture
def v2_authentication(script: Script) -> Authentication:
    script.queue(
        "create_authentication",
        CreateAuthenticationResponse(authentication_uuid=V2_ID, status="pending"),
    )
    return services.send_code(PHONE)


def test_a_v2_id_is_recorded_as_sent(v2_authentication: Authentication) -> None:
    v2_authentication.refresh_from_db()
    assert v2_authentication.provider_id == V2_ID
    assert v2_authentication.status == Authentication.Status.PENDING


def test_check_sends_the_v2_id(script: Script, v2_authentication: Authentication) -> None:
    assert services.check_code(v2_authentication, VALID_CODE).verified
    assert [call for name, call in script.calls if name == "check"] == [
        {"authentication_uuid": V2_ID, "check_code": VALID_CODE, "phone_number": PHONE}
    ]


def test_retry_sends_the_v2_id(script: Script, v2_authentication: Authentication) -> None:
    age(Authentication, 31)  # past the send cooldown
    services.retry(v2_authentication)
    assert [call for name, call in script.calls if name == "retry"] == [
        {"authentication_uuid": V2_ID, "phone_number": PHONE}
    ]


def test_refresh_status_sends_the_v2_id(script: Script, v2_authentication: Authentication) -> None:
    services.refresh_status(v2_authentication)
    assert [call for name, call in script.calls if name == "get_authentication_status"] == [
        {"auth_uuid": V2_ID}
    ]


def test_sent_id_refuses_a_row_the_provider_never_answered(script: Script) -> None:
    unsent = Authentication.objects.create(phone_number=PHONE)
    with pytest.raises(ValueError, match="has no provider id yet"):
        sent_id(unsent)
