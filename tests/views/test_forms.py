"""PhoneNumberForm and CodeForm: normalisation, regions, hostile input, error codes."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings

from django_ding.exceptions import DingConfigurationError
from django_ding.forms import CodeForm, PhoneNumberForm, default_region, normalize_code
from tests.views.conftest import ding_settings


def fullwidth(text: str) -> str:
    """``"+12"`` with full-width digits (U+FF10...), as some keyboards type them."""
    return "".join(chr(0xFF10 + int(ch)) if ch.isdigit() else ch for ch in text)


def phone_form(value: Any, **kwargs: Any) -> PhoneNumberForm:
    form = PhoneNumberForm(data={"phone_number": value}, **kwargs)
    form.is_valid()
    return form


def codes(form: Any, field: str) -> list[str]:
    return [error.code for error in form.errors.as_data().get(field, [])]


# -- PhoneNumberForm ---------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("+33612345678", "+33612345678"),
        ("+33 6 12 34 56 78", "+33612345678"),
        ("+33 (0)6-12-34-56-78", "+33612345678"),
        ("  +1 202 555 0123 ", "+12025550123"),
        ("+44 7911 123456", "+447911123456"),
        ("0033612345678", None),  # 00 prefix needs a region to be read
    ],
)
def test_phone_numbers_are_normalised_to_e164(typed: str, e164: str | None) -> None:
    form = phone_form(typed)
    if e164 is None:
        assert not form.is_valid()
    else:
        assert form.is_valid(), form.errors
        assert form.cleaned_data["phone_number"] == e164
        assert isinstance(form.cleaned_data["phone_number"], str)


def test_national_number_needs_a_region() -> None:
    form = phone_form("06 12 34 56 78")
    assert codes(form, "phone_number") == ["invalid"]
    assert "country code" in str(form.errors["phone_number"][0])


@override_settings(DING=ding_settings(DEFAULT_REGION="FR"))
def test_default_region_reads_national_numbers() -> None:
    form = phone_form("06 12 34 56 78")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["phone_number"] == "+33612345678"
    # International numbers still win over the region.
    assert phone_form("+1 202 555 0123").cleaned_data["phone_number"] == "+12025550123"
    assert phone_form("0033612345678").cleaned_data["phone_number"] == "+33612345678"


def test_region_is_read_when_the_form_is_built() -> None:
    with override_settings(DING=ding_settings(DEFAULT_REGION="fr")):
        assert PhoneNumberForm().region == "FR"
    with override_settings(DING=ding_settings(DEFAULT_REGION="US")):
        form = phone_form("(202) 555-0123")
        assert form.cleaned_data["phone_number"] == "+12025550123"
    assert PhoneNumberForm().region is None


def test_region_argument_overrides_the_setting() -> None:
    form = phone_form("020 7946 0018", region="gb")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["phone_number"] == "+442079460018"


@pytest.mark.parametrize("bad", ["France", "XX", "33", "F"])
def test_bad_default_region_names_the_setting(bad: str) -> None:
    with (
        override_settings(DING=ding_settings(DEFAULT_REGION=bad)),
        pytest.raises(DingConfigurationError, match=r"DING\['DEFAULT_REGION'\]"),
    ):
        default_region()


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", "required"),
        ("   ", "required"),
        ("hello", "invalid"),
        ("+33 6", "invalid"),
        ("+999 123456789", "invalid"),
        ("+33612345678" * 3, "max_length"),
        ("+" + "9" * 10_000, "max_length"),
        ("+3361234\x005678", "invalid"),
        ("+33612345678\x00", "invalid"),
        ("<script>alert(1)</script>", "invalid"),
        ("+33612345678\u202e", "invalid"),  # right-to-left override
        ("+33612345678\u200b", "invalid"),  # zero-width space
        ("'; DROP TABLE x; --", "invalid"),
    ],
)
def test_hostile_phone_input_is_refused_with_a_code(value: str, code: str) -> None:
    form = phone_form(value)
    assert not form.is_valid()
    assert codes(form, "phone_number") == [code]
    # The input is never echoed back unescaped.
    assert "<script>" not in form.as_p()


@pytest.mark.parametrize("value", [fullwidth("+33612345678"), "+٣٣٦١٢٣٤٥٦٧٨"])
def test_unicode_digits_become_ascii_e164(value: str) -> None:
    form = phone_form(value)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["phone_number"] == "+33612345678"
    assert form.cleaned_data["phone_number"].isascii()


@pytest.mark.parametrize("value", [["+33612345678", "+33698765432"], 33612345678, None])
def test_non_string_data(value: Any) -> None:
    form = PhoneNumberForm(data={"phone_number": value} if value is not None else {})
    # A list posted twice is read as its last value by QueryDict; a plain dict
    # hands the list over: either way nothing crashes.
    form.is_valid()
    assert isinstance(form.errors, dict)


def test_phone_widget_attributes() -> None:
    html = str(PhoneNumberForm()["phone_number"])
    assert 'type="tel"' in html
    assert 'autocomplete="tel"' in html
    assert 'id="id_phone_number"' in html
    assert 'name="phone_number"' in html
    assert 'aria-describedby="id_phone_number_helptext"' in html


def test_phone_error_messages_can_be_replaced_by_code() -> None:
    class MyForm(PhoneNumberForm):
        error_messages = {**PhoneNumberForm.error_messages, "invalid_international": "Nope."}

    form = MyForm(data={"phone_number": "nope"})
    assert form.errors["phone_number"] == ["Nope."]


# -- CodeForm ---------------------------------------------------------------


def code_form(value: Any) -> CodeForm:
    form = CodeForm(data={"code": value})
    form.is_valid()
    return form


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("123456", "123456"),
        (" 123 456 ", "123456"),
        ("123-456", "123456"),
        ("12.34", "1234"),
        ("-1234", "1234"),
        ("1234", "1234"),
        ("1234567890", "1234567890"),
        (fullwidth("123456"), "123456"),
        ("١٢٣٤٥٦", "123456"),  # Arabic-Indic digits
    ],
)
def test_valid_codes(typed: str, code: str) -> None:
    form = code_form(typed)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["code"] == code


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("", "required"),
        ("   ", "required"),
        ("123", "min_length"),
        ("12345678901", "max_length"),
        ("1" * 10_000, "max_length"),
        ("12345a", "invalid"),
        ("abcdef", "invalid"),
        ("²³⁴⁵⁶⁷", "invalid"),  # superscripts are digits to isdigit(), not decimals
        ("<b>1234</b>", "invalid"),
        ("1234\x00", "null_characters_not_allowed"),
        ("12\u200b34", "invalid"),
    ],
)
def test_invalid_codes_have_error_codes(typed: str, error: str) -> None:
    form = code_form(typed)
    assert not form.is_valid()
    assert codes(form, "code") == [error]


def test_code_widget_attributes() -> None:
    html = str(CodeForm()["code"])
    for attribute in (
        'autocomplete="one-time-code"',
        'inputmode="numeric"',
        'pattern="[0-9]*"',
        'id="id_code"',
        'name="code"',
        'aria-describedby="id_code_helptext"',
    ):
        assert attribute in html


def test_code_errors_are_linked_to_the_input() -> None:
    form = code_form("abc")
    html = str(form["code"])
    assert 'aria-invalid="true"' in html
    assert "id_code_error" in html


def test_code_length_can_be_changed_in_a_subclass() -> None:
    class SixDigits(CodeForm):
        min_length = 6
        max_length = 6

    assert not SixDigits(data={"code": "12345"}).is_valid()
    assert SixDigits(data={"code": "123456"}).is_valid()


def test_normalize_code_leaves_other_characters() -> None:
    assert normalize_code("12 ab") == "12ab"
    assert normalize_code("") == ""
