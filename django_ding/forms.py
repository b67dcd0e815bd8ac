"""The two forms of the verification flow: a phone number, then a code.

Both carry every error with a code (``error_messages``), so a project can
replace a message without parsing it::

    class MyPhoneForm(PhoneNumberForm):
        error_messages = {**PhoneNumberForm.error_messages, "invalid": "Hmm?"}
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, ClassVar

import phonenumbers
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField
from phonenumber_field.phonenumber import PhoneNumber, to_python
from phonenumbers.geocoder import country_name_for_number

from django_ding.conf import default_region

__all__ = ["CodeForm", "PhoneNumberForm", "default_region"]

#: Longest input read as a phone number; anything longer is refused before
#: parsing (E.164 has at most 15 digits, so this leaves room for spaces).
PHONE_INPUT_MAX_LENGTH = 32

#: Longest input read as a code, spaces included.
CODE_INPUT_MAX_LENGTH = 32

_CODE_SEPARATORS = re.compile(r"[\s\-.]+")
_ASCII_DIGITS = re.compile(r"[0-9]+", re.ASCII)


def _has_control_characters(value: str) -> bool:
    return any(unicodedata.category(ch) in {"Cc", "Cf", "Cs", "Co", "Cn"} for ch in value)


class _PhoneNumberInput(PhoneNumberField):  # type: ignore[misc]  # untyped third-party base
    """``PhoneNumberField`` that refuses oversized or control-character input
    before handing it to the parser."""

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip()
            if len(value) > PHONE_INPUT_MAX_LENGTH:
                raise ValidationError(self.error_messages["max_length"], code="max_length")
            if _has_control_characters(value):
                raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class PhoneNumberForm(forms.Form):
    """Ask for the phone number to verify.

    Numbers typed without a ``+country`` prefix are read in the region of
    ``DING["DEFAULT_REGION"]`` (read when the form is built, so
    ``override_settings`` works). ``cleaned_data["phone_number"]`` is the
    number in E.164 format (``"+33612345678"``).
    """

    error_messages: ClassVar[dict[str, Any]] = {
        "required": _("Enter your phone number."),
        "invalid": _("Enter a valid phone number."),
        # With a default region: names the region national numbers are read in.
        "invalid_in_region": _(
            "Enter a valid phone number. Numbers without a +country code are read as "
            "%(region)s numbers."
        ),
        "invalid_international": _(
            "Enter a valid phone number, starting with + and the country code "
            "(for example +33 6 12 34 56 78)."
        ),
        "max_length": _("This phone number is too long."),
    }

    phone_number = forms.CharField()  # replaced in __init__, once the region is known

    def __init__(self, *args: Any, region: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.region = region.upper() if region else default_region()
        messages = dict(self.error_messages)
        if not self.region:
            messages["invalid"] = messages["invalid_international"]
        elif "invalid_in_region" in messages and (
            messages["invalid"] is PhoneNumberForm.error_messages["invalid"]
        ):  # a subclass that replaced "invalid" keeps its own message
            messages["invalid"] = str(messages["invalid_in_region"]) % {
                "region": region_display_name(self.region)
            }
        self.fields["phone_number"] = _PhoneNumberInput(
            label=_("Phone number"),
            region=self.region,
            help_text=self.get_help_text(),
            error_messages={
                "required": messages["required"],
                "invalid": messages["invalid"],
                "max_length": messages["max_length"],
            },
            widget=self.get_widget(),
        )

    def get_help_text(self) -> Any:
        if self.region:
            return _("We will send a code to this number by text message.")
        return _(
            "Include the country code, for example +33 for France. "
            "We will send a code to this number by text message."
        )

    def get_widget(self) -> forms.Widget:
        from phonenumber_field.widgets import RegionalPhoneNumberWidget

        widget: forms.Widget = RegionalPhoneNumberWidget(
            region=self.region,
            attrs={
                "autocomplete": "tel",
                "inputmode": "tel",
                "maxlength": str(PHONE_INPUT_MAX_LENGTH),
                "class": "ding-input",
                "autofocus": True,
            },
        )
        return widget

    def clean_phone_number(self) -> str:
        value = self.cleaned_data.get("phone_number")
        if not isinstance(value, PhoneNumber):
            value = to_python(value, region=self.region)
        if not isinstance(value, PhoneNumber) or not value.is_valid():
            raise ValidationError(self.fields["phone_number"].error_messages["invalid"], "invalid")
        e164 = value.as_e164
        assert isinstance(e164, str)
        return e164


def region_display_name(region: str) -> str:
    """``"FR"`` -> ``"France (FR)"`` in the active language (the names come
    with phonenumbers' geocoder data); the bare code when no name is known."""
    name = ""
    example = phonenumbers.example_number(region)
    if example is not None:
        language = (get_language() or "en").replace("_", "-").split("-")[0]
        name = country_name_for_number(example, language) or country_name_for_number(example, "en")
    return f"{name} ({region})" if name else region


def normalize_code(value: str) -> str:
    """Return ``value`` without spaces, dashes or dots, with any Unicode
    decimal digit (Arabic-Indic, full-width...) turned into its ASCII digit."""
    chars = []
    for ch in _CODE_SEPARATORS.sub("", value):
        digit = unicodedata.decimal(ch, None) if not ch.isascii() else None
        chars.append(str(digit) if digit is not None else ch)
    return "".join(chars)


class CodeForm(forms.Form):
    """Ask for the code received by text message.

    Spaces, dashes and dots are ignored (``"123 456"`` is ``"123456"``); what
    remains must be :attr:`min_length` to :attr:`max_length` digits.
    """

    min_length: ClassVar[int] = 4
    max_length: ClassVar[int] = 10

    error_messages: ClassVar[dict[str, Any]] = {
        "required": _("Enter the code you received."),
        "invalid": _("The code is made of digits only. Type the code from the text message."),
        "min_length": _("The code is too short. Type every digit of the code."),
        "max_length": _("The code is too long. Type only the code from the text message."),
    }

    code = forms.CharField(
        label=_("Verification code"),
        help_text=_("Enter the code from the text message we sent you."),
        strip=True,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9]*",
                "class": "ding-input ding-input--code",
                "autofocus": True,
                "maxlength": str(CODE_INPUT_MAX_LENGTH),
                "spellcheck": "false",
            }
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].error_messages.update({"required": self.error_messages["required"]})

    def clean_code(self) -> str:
        raw = self.cleaned_data.get("code") or ""
        if len(raw) > CODE_INPUT_MAX_LENGTH:
            raise ValidationError(self.error_messages["max_length"], code="max_length")
        code = normalize_code(raw)
        if not code or not _ASCII_DIGITS.fullmatch(code):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        if len(code) < self.min_length:
            raise ValidationError(self.error_messages["min_length"], code="min_length")
        if len(code) > self.max_length:
            raise ValidationError(self.error_messages["max_length"], code="max_length")
        return code
