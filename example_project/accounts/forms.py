"""The signup form: a username, a password (twice) and a phone number."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from django_ding.forms import PhoneNumberForm
from example_project.accounts.models import Profile


class SignupForm(UserCreationForm):  # type: ignore[type-arg]
    """Django's :class:`UserCreationForm` plus the phone number to verify.

    The number is validated by django-ding's own :class:`PhoneNumberForm`
    (same parsing, same ``DING["DEFAULT_REGION"]``, same messages as the
    verification page), so whatever is accepted here is accepted there, and
    ``cleaned_data["phone_number"]`` is in E.164 format.
    """

    phone_number = forms.CharField(
        label=_("Phone number"),
        max_length=32,
        help_text=_("Include the country code, for example +33 for France."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs["autofocus"] = True

    def clean_phone_number(self) -> str:
        phone_form = PhoneNumberForm(data={"phone_number": self.cleaned_data["phone_number"]})
        if not phone_form.is_valid():
            raise ValidationError(phone_form.errors.as_data()["phone_number"])
        number: str = phone_form.cleaned_data["phone_number"]
        return number

    def save(self, commit: bool = True) -> Any:
        """Create the user and its :class:`Profile` in one transaction.

        With ``commit=False`` nothing is written (as with any ModelForm); the
        caller saves the user, then calls :meth:`save_profile`.
        """
        if not commit:
            return super().save(commit=False)
        with transaction.atomic():
            user = super().save(commit=True)
            self.save_profile(user)
        return user

    def save_profile(self, user: Any) -> Profile:
        return Profile.objects.create(user=user, phone_number=self.cleaned_data["phone_number"])
