"""``ding_status <id>``: refresh one authentication and print it."""

from __future__ import annotations

import re
import uuid
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from django_ding.exceptions import DingAPIError, DingConnectionError, DingTimeoutError
from django_ding.models import Authentication, CheckRecord, StatusEvent
from django_ding.privacy import mask_phone
from django_ding.reasons import Reason
from tests.admin.backend import make_authentication, phone, provider

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("scripted_backend")]

NUMBER = phone(12345678)


@pytest.fixture
def auth() -> Authentication:
    return make_authentication(phone_number=NUMBER)


def status(*args: str) -> str:
    out = StringIO()
    call_command("ding_status", *args, stdout=out)
    return out.getvalue()


def test_refreshes_and_prints_the_authentication(auth: Authentication) -> None:
    output = status(auth.provider_id)
    assert provider.calls_to("get_authentication_status") == [{"auth_uuid": auth.provider_id}]
    assert f"Authentication {auth.provider_id}" in output
    assert mask_phone(NUMBER) in output
    assert NUMBER not in output
    assert NUMBER[1:] not in output
    assert re.search(r"status:\s+pending", output)
    assert re.search(r"created at:\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", output)
    assert "Provider events (" in output
    assert "delivery_status" in output
    assert "123456" not in output  # the attempt's message content (the code) is never shown


def test_prints_checks_and_events_without_refreshing(auth: Authentication) -> None:
    CheckRecord.objects.create(authentication=auth, reason=Reason.INVALID_CODE, error_code="x1")
    StatusEvent.objects.create(authentication=auth, type="attempt", status="delivered")
    output = status(auth.provider_id, "--no-refresh")
    assert provider.calls == []
    assert "Checks (1)" in output
    assert "invalid_code [x1]" in output
    assert "Resends (0)" in output
    assert "Provider events (1)" in output
    assert "attempt delivered" in output


@pytest.mark.parametrize(
    "text", ["nope", "1234", "", "x" * 10_000, "'; DROP TABLE x; --", "vrf_", "vrf_a b", "_x"]
)
def test_malformed_id(text: str) -> None:
    with pytest.raises(
        CommandError, match=r"is not a valid provider id \(a UUID or a vrf_"
    ) as info:
        status(text)
    assert len(str(info.value)) < 120
    assert provider.calls == []


@pytest.mark.parametrize("unknown", [str(uuid.uuid4()), "vrf_01jc0t6fwwfgfsq1md24mhyztj"])
def test_unknown_id(auth: Authentication, unknown: str) -> None:
    with pytest.raises(CommandError, match=f"No authentication has the provider id {unknown}"):
        status(unknown)
    assert provider.calls == []


def test_uuid_in_other_spellings(auth: Authentication) -> None:
    assert auth.provider_id is not None
    as_uuid = uuid.UUID(auth.provider_id)
    for spelling in (as_uuid.hex, auth.provider_id.upper(), as_uuid.urn, f" {as_uuid} "):
        assert mask_phone(NUMBER) in status(spelling, "--no-refresh")


def test_a_prelude_v2_id(auth: Authentication) -> None:
    make_authentication(phone_number=phone(87654321), provider_id="vrf_01jc0t6fwwfgfsq1md24mhyztj")
    output = status("vrf_01jc0t6fwwfgfsq1md24mhyztj")
    assert provider.calls_to("get_authentication_status") == [
        {"auth_uuid": "vrf_01jc0t6fwwfgfsq1md24mhyztj"}
    ]
    assert "Authentication vrf_01jc0t6fwwfgfsq1md24mhyztj" in output
    assert mask_phone(phone(87654321)) in output
    # Opaque ids are case-sensitive: another spelling is another id.
    with pytest.raises(CommandError, match="No authentication has the provider id"):
        status("VRF_01JC0T6FWWFGFSQ1MD24MHYZTJ")


def test_provider_error_is_a_clear_command_error(auth: Authentication) -> None:
    provider.always(
        "get_authentication_status",
        DingAPIError(f"No authentication for {NUMBER}", status_code=400, code="invalid_auth_uuid"),
    )
    with pytest.raises(CommandError) as info:
        status(auth.provider_id)
    message = str(info.value)
    assert "HTTP 400, code invalid_auth_uuid" in message
    assert NUMBER not in message


@pytest.mark.parametrize(
    "error",
    [
        DingTimeoutError("read timed out", request_sent=True),
        DingConnectionError("refused", request_sent=False),
    ],
)
def test_transport_error_is_a_clear_command_error(auth: Authentication, error: Exception) -> None:
    provider.always("get_authentication_status", error)
    with pytest.raises(CommandError, match=f"could not be reached \\({type(error).__name__}\\)"):
        status(auth.provider_id)


def test_prints_resends(auth: Authentication) -> None:
    from django_ding.models import RetryRecord

    RetryRecord.objects.create(authentication=auth, provider_status="approved", error_code="")
    RetryRecord.objects.create(authentication=auth, reason=Reason.RETRY_NOT_YET, error_code="e9")
    output = status(auth.provider_id, "--no-refresh")
    assert "Resends (2)" in output
    assert "approved" in output
    assert "retry_not_yet [e9]" in output


def test_configuration_error_is_a_command_error(auth: Authentication, settings: object) -> None:
    settings.DING = {**settings.DING, "BACKEND": "no.such.Backend"}  # type: ignore[attr-defined]
    with pytest.raises(CommandError, match="django-ding is misconfigured"):
        status(auth.provider_id)
