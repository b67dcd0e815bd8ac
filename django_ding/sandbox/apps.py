"""App configuration of the sandbox provider: a plugin of django-ding.

The core knows nothing of it: ``ready()`` declares the sandbox's ``DING``
keys to the core (so ``django_ding.W001`` leaves them alone) and registers
the sandbox's own system checks.
"""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SandboxConfig(AppConfig):
    name = "django_ding.sandbox"
    label = "ding_sandbox"
    verbose_name = _("Ding sandbox provider")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django_ding.conf import register_plugin_settings
        from django_ding.sandbox import checks  # noqa: F401  (registration side effects)
        from django_ding.sandbox.conf import DEFAULTS

        register_plugin_settings(self.name, DEFAULTS)
