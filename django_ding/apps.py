"""App configuration: ``ready()`` only imports checks and connects receivers."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DingConfig(AppConfig):
    name = "django_ding"
    label = "django_ding"
    verbose_name = _("Phone verification (Ding)")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core.signals import setting_changed

        from django_ding import checks, receivers  # noqa: F401  (registration side effects)
        from django_ding.backends import reset_backend

        setting_changed.connect(reset_backend, dispatch_uid="django_ding.reset_backend")
