"""The example site's own data: the phone number given at signup."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField


class Profile(models.Model):
    """One per user: the phone number typed on the signup form.

    Whether that number is *verified* is not stored here: django-ding knows
    it (``django_ding.views.get_verified_phone_number``), from the session or
    from the user's verified authentications.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="profile",
        verbose_name=_("user"),
    )
    phone_number = PhoneNumberField(
        _("phone number"),
        blank=True,
        help_text=_("The number given at signup, in E.164 format."),
    )

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")
        ordering = ("user_id",)

    def __str__(self) -> str:
        return str(self.user)
