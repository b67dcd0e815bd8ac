"""``ding_lookup <phone> [--cnam]``."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from django_ding.exceptions import DingAPIError, DingTimeoutError
from django_ding.privacy import mask_phone
from tests.admin.backend import phone, provider

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("scripted_backend")]

NUMBER = phone(12345678)


def lookup(*args: str) -> str:
    out = StringIO()
    call_command("ding_lookup", *args, stdout=out)
    return out.getvalue()


def test_prints_every_result_field_with_the_number_masked() -> None:
    output = lookup(NUMBER)
    (call,) = provider.calls_to("lookup")
    assert call["phone_number"] == NUMBER
    assert call == {"phone_number": NUMBER, "cnam": False}
    assert re.search(r"carrier:\s+Orange", output)
    assert re.search(r"line_type:\s+Mobile", output)
    assert re.search(r"number_ported:\s+False", output)
    assert re.search(r"caller_name:\s+-", output)
    assert re.search(rf"phone_number:\s+{re.escape(mask_phone(NUMBER))}", output)
    assert NUMBER not in output


def test_cnam() -> None:
    output = lookup(NUMBER, "--cnam")
    (call,) = provider.calls_to("lookup")
    assert call["cnam"] is True
    assert re.search(r"caller_name:\s+JANE DOE", output)


@pytest.mark.parametrize("region", ["FR", "fr", " fr "])
def test_numbers_are_normalised_first(settings: pytest.FixtureRequest, region: str) -> None:
    settings.DING = {**settings.DING, "DEFAULT_REGION": region}  # type: ignore[attr-defined]
    lookup("06 12 34 56 78")
    (call,) = provider.calls_to("lookup")
    assert call["phone_number"] == NUMBER


@pytest.mark.parametrize("number", ["12", "not a number", "+999123", "", "9" * 500])
def test_invalid_numbers_are_refused_before_any_provider_call(number: str) -> None:
    with pytest.raises(CommandError, match="is not a valid phone number"):
        lookup(number)
    assert provider.calls == []


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (DingAPIError("bad", status_code=400, code="invalid_line"), "code invalid_line"),
        (DingTimeoutError("slow", request_sent=True), "could not be reached"),
    ],
)
def test_provider_errors_are_command_errors(error: Exception, message: str) -> None:
    provider.always("lookup", error)
    with pytest.raises(CommandError, match=message):
        lookup(NUMBER)


def test_configuration_error_is_a_command_error(settings: pytest.FixtureRequest) -> None:
    settings.DING = {**settings.DING, "BACKEND": "no.such.Backend"}  # type: ignore[attr-defined]
    with pytest.raises(CommandError, match="django-ding is misconfigured"):
        lookup(NUMBER)


def test_a_prelude_v2_result_prints_nested_fields_and_flags(
    settings: pytest.FixtureRequest,
) -> None:
    from django_ding.backends.prelude_results import PhoneLookupResponse
    from django_ding.backends.test import BACKENDS

    settings.DING = {"BACKEND": BACKENDS["prelude"], "API_KEY": "k"}  # type: ignore[attr-defined]
    answer = PhoneLookupResponse.from_wire(
        {
            "phone_number": NUMBER,
            "country_code": "FR",
            "line_type": "mobile",
            "flags": ["ported", "temporary"],
            "network_info": {"carrier_name": "Orange", "mcc": "208", "mnc": "01"},
        }
    )
    provider.queue("lookup", answer)
    output = lookup(NUMBER)
    assert re.search(r"network_info\.carrier_name:\s+Orange", output)
    assert re.search(r"network_info\.mcc:\s+208", output)
    assert re.search(r"flags:\s+ported, temporary", output)
    assert re.search(r"line_type:\s+mobile", output)
    assert re.search(r"original_network_info\.carrier_name:\s+-|original_network_info:\s+-", output)
    assert NUMBER not in output
