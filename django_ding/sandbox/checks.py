"""System checks of the sandbox's ``DING`` keys, registered from
``SandboxConfig.ready()``.

They keep the ids they had when the core owned them (``django_ding.E010``,
``E011``, ``E015``, ``E016``, ``W002``), so ``SILENCED_SYSTEM_CHECKS`` in
existing projects still applies; ``E019`` and ``E020`` are new. Each key's
reader (:mod:`django_ding.sandbox.options`) is called; a refusal is an Error
with the key's id (:data:`SETTING_CHECKS`).
"""

from __future__ import annotations

from typing import Any, Final

from django.apps import apps
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

from django_ding.backends import load_backend_class
from django_ding.conf import backend_path
from django_ding.exceptions import DingConfigurationError
from django_ding.sandbox.options import READERS, allowed_without_debug, fixed_code
from django_ding.setting_values import SettingError

__all__ = ["check_sandbox_in_production", "check_sandbox_settings"]

APP = "django_ding.sandbox"


#: The check id and hint of each sandbox key whose reader
#: (:data:`~django_ding.sandbox.options.READERS`) refuses its value.
SETTING_CHECKS: Final[dict[str, tuple[str, str]]] = {
    "SANDBOX_ALLOW_WITHOUT_DEBUG": ("django_ding.E016", "Leave it unset (False) in production."),
    "SANDBOX_FIXED_CODE": ("django_ding.E011", "For example '123456'."),
    "SANDBOX_SLOW_SECONDS": ("django_ding.E019", "For example 15 (the default)."),
    "SANDBOX_OUTBOX_SIZE": ("django_ding.E020", "For example 100 (the default)."),
}


@register(Tags.compatibility)
def check_sandbox_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if not apps.is_installed(APP) or not isinstance(getattr(settings, "DING", None), dict | None):
        return []  # without the app E012 speaks; a DING that is no dict is E007
    messages: list[CheckMessage] = []
    messages += _check_fixed_code()
    messages += _check_readers()
    messages += _check_without_debug()
    return messages


def _check_readers() -> list[CheckMessage]:
    """Call every sandbox reader; each refused value is one Error. A fixed
    code with DEBUG off is E010 whatever its shape."""
    messages: list[CheckMessage] = []
    for key, reader in READERS.items():
        if key == "SANDBOX_FIXED_CODE" and not settings.DEBUG:
            continue
        try:
            reader()
        except SettingError as err:
            check_id, hint = SETTING_CHECKS[err.key]
            messages.append(Error(str(err), hint=hint, id=check_id))
    return messages


@register(Tags.security, deploy=True)
def check_sandbox_in_production(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """``manage.py check --deploy``: the sandbox must not serve a live site."""
    if settings.DEBUG or not _backend_is_sandbox():
        return []
    return [
        Warning(
            f"settings.DING['BACKEND'] is the sandbox ({backend_path()}) with DEBUG off.",
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
    if settings.DEBUG:
        return []  # with DEBUG on its shape is the reader's (E011)
    try:
        code = fixed_code()
    except SettingError:
        code = "set, and malformed"
    if code is None:
        return []
    return [
        Error(
            "settings.DING['SANDBOX_FIXED_CODE'] is set while DEBUG is off.",
            hint="A fixed code is for demos and end-to-end tests only; remove it "
            "from production settings.",
            id="django_ding.E010",
        )
    ]


def _check_without_debug() -> list[CheckMessage]:
    try:
        opt_in = allowed_without_debug()
    except SettingError:
        return []  # reported by E016
    if settings.DEBUG or opt_in or not _backend_is_sandbox():
        return []
    return [
        Error(
            f"settings.DING['BACKEND'] is the sandbox ({backend_path()}) with DEBUG off.",
            hint="The sandbox sends no SMS and shows every code on its inbox page, so it "
            "does not run with DEBUG off. Configure a real backend (DING['BACKEND'] and "
            "DING['API_KEY']), or, for a staging site only, set "
            "DING['SANDBOX_ALLOW_WITHOUT_DEBUG'] = True.",
            id="django_ding.E015",
        )
    ]
