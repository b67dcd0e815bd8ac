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
