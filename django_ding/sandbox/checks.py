"""System checks of the sandbox's ``DING`` keys, registered from
``SandboxConfig.ready()``.

They keep the ids they had when the core owned them (``django_ding.E010``,
``E011``, ``E015``, ``E016``, ``W002``), so ``SILENCED_SYSTEM_CHECKS`` in
existing projects still applies; ``E019`` and ``E020`` are new.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

from django_ding.backends import load_backend_class
from django_ding.conf import ding_settings
from django_ding.exceptions import DingConfigurationError
from django_ding.sandbox.conf import sandbox_settings
from django_ding.sandbox.options import fixed_code, outbox_size, slow_seconds

__all__ = ["check_sandbox_in_production", "check_sandbox_settings"]

APP = "django_ding.sandbox"


@register(Tags.compatibility)
def check_sandbox_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if not apps.is_installed(APP) or not isinstance(getattr(settings, "DING", None), dict | None):
        return []  # without the app E012 speaks; a DING that is no dict is E007
    messages: list[CheckMessage] = []
    messages += _check_fixed_code()
    messages += _check_without_debug()
    messages += _check_slow_seconds()
    messages += _check_outbox_size()
    return messages


@register(Tags.security, deploy=True)
def check_sandbox_in_production(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """``manage.py check --deploy``: the sandbox must not serve a live site."""
    if settings.DEBUG or not _backend_is_sandbox():
        return []
    return [
        Warning(
            f"settings.DING['BACKEND'] is the sandbox ({ding_settings.BACKEND}) with DEBUG off.",
            hint="DING['SANDBOX_ALLOW_WITHOUT_DEBUG'] is for staging sites: the sandbox "
            "sends no SMS and shows codes to staff on its inbox page. Use "
            "django_ding.backends.prelude.PreludeBackend with DING['API_KEY'] (or "
            "django_ding.backends.ding.DingBackend with DING['API_KEY'] and "
            "DING['CUSTOMER_UUID']) in production.",
            id="django_ding.W002",
        )
    ]


def _backend_is_sandbox() -> bool:
    """Whether ``DING["BACKEND"]`` is a backend that needs this app."""
    try:
        backend_class = load_backend_class()
    except DingConfigurationError:
        return False  # reported by E001
    return getattr(backend_class, "required_app", None) == APP


def _check_fixed_code() -> list[CheckMessage]:
    if sandbox_settings.SANDBOX_FIXED_CODE is None:
        return []
    if not settings.DEBUG:
        return [
            Error(
                "settings.DING['SANDBOX_FIXED_CODE'] is set while DEBUG is off.",
                hint="A fixed code is for demos and end-to-end tests only; remove it "
                "from production settings.",
                id="django_ding.E010",
            )
        ]
    try:
        fixed_code()
    except DingConfigurationError as err:
        return [Error(str(err), hint="For example '123456'.", id="django_ding.E011")]
    return []


def _check_without_debug() -> list[CheckMessage]:
    opt_in = sandbox_settings.SANDBOX_ALLOW_WITHOUT_DEBUG
    if not isinstance(opt_in, bool):
        return [
            Error(
                "settings.DING['SANDBOX_ALLOW_WITHOUT_DEBUG'] must be True or False.",
                hint="Leave it unset (False) in production.",
                id="django_ding.E016",
            )
        ]
    if settings.DEBUG or opt_in or not _backend_is_sandbox():
        return []
    return [
        Error(
            f"settings.DING['BACKEND'] is the sandbox ({ding_settings.BACKEND}) with DEBUG off.",
            hint="The sandbox sends no SMS and shows every code on its inbox page, so it "
            "does not run with DEBUG off. Configure a real backend (DING['BACKEND'] and "
            "DING['API_KEY']), or, for a staging site only, set "
            "DING['SANDBOX_ALLOW_WITHOUT_DEBUG'] = True.",
            id="django_ding.E015",
        )
    ]


def _check_slow_seconds() -> list[CheckMessage]:
    try:
        slow_seconds()
    except DingConfigurationError as err:
        return [Error(str(err), hint="For example 15 (the default).", id="django_ding.E019")]
    return []


def _check_outbox_size() -> list[CheckMessage]:
    try:
        outbox_size()
    except DingConfigurationError as err:
        return [Error(str(err), hint="For example 100 (the default).", id="django_ding.E020")]
    return []
