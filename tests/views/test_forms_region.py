"""``DING["DEFAULT_REGION"]`` is read by one function, so every entry point
(form, services, admin search, sandbox inbox) accepts the same values."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings

from django_ding import conf, forms
from django_ding.admin import normalize_phone_query as admin_query
from django_ding.exceptions import DingConfigurationError
from django_ding.sandbox.views import normalize_phone_query as inbox_query
from django_ding.services.records import normalize_phone_number

PHONE = "+33612345678"


def ding(**values: Any) -> dict[str, Any]:
    from django.conf import settings

    return {**settings.DING, **values}


def test_forms_use_the_shared_reader() -> None:
    assert forms.default_region is conf.default_region


@pytest.mark.parametrize(
    ("value", "expected"), [(None, None), ("", None), ("fr", "FR"), (" Fr ", "FR")]
)
def test_default_region_normalises(value: str | None, expected: str | None) -> None:
    with override_settings(DING=ding(DEFAULT_REGION=value)):
        assert conf.default_region() == expected


@pytest.mark.parametrize("bad", ["France", "XX", "33", "F", 33, b"FR", ["FR"]])
def test_bad_default_region_names_the_setting(bad: object) -> None:
    with (
        override_settings(DING=ding(DEFAULT_REGION=bad)),
        pytest.raises(DingConfigurationError, match=r"DING\['DEFAULT_REGION'\]"),
    ):
        conf.default_region()


@pytest.mark.parametrize("region", ["FR", "fr"])
def test_every_entry_point_reads_national_numbers_alike(region: str) -> None:
    with override_settings(DING=ding(DEFAULT_REGION=region)):
        form = forms.PhoneNumberForm(data={"phone_number": "06 12 34 56 78"})
        assert form.is_valid(), form.errors
        assert form.cleaned_data["phone_number"] == PHONE
        assert normalize_phone_number("06 12 34 56 78").as_e164 == PHONE
        assert admin_query("06 12 34 56 78") == PHONE
        assert inbox_query("0612345678") == PHONE


def test_inbox_query_keeps_international_forms() -> None:
    with override_settings(DING=ding(DEFAULT_REGION="fr")):
        assert inbox_query(" 33612345678") == PHONE  # an unencoded "+"
        assert inbox_query(PHONE) == PHONE
        assert inbox_query("not a number") == "+not a number"  # matches nothing
        assert inbox_query("0" * 500) == "+" + "0" * 500
    with override_settings(DING=ding(DEFAULT_REGION=None)):
        assert inbox_query("0612345678") == "+0612345678"
    with (
        override_settings(DING=ding(DEFAULT_REGION="France")),
        pytest.raises(DingConfigurationError),
    ):
        inbox_query("0612345678")
