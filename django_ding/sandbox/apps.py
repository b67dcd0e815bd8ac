"""App configuration of the sandbox provider."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SandboxConfig(AppConfig):
    name = "django_ding.sandbox"
    label = "ding_sandbox"
    verbose_name = _("Ding sandbox provider")
    default_auto_field = "django.db.models.BigAutoField"
