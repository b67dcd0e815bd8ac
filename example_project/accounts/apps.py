from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "example_project.accounts"
    label = "accounts"
    verbose_name = _("Example site accounts")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from example_project.accounts import receivers  # noqa: F401  (connects them)
