"""System checks for the ``DING`` setting.

Add-on apps check their own keys (the sandbox: :mod:`django_ding.sandbox.checks`,
``E010``, ``E011``, ``E015``, ``E016``, ``E019``, ``E020``, ``W002``); a
backend that needs an app names it in ``required_app`` (``E012``).

Every message names the setting to fix; every check has an id
(``django_ding.E001``...) so a project can silence it with
``SILENCED_SYSTEM_CHECKS``.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlsplit

from django.apps import apps
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

from django_ding.conf import (
    DEFAULTS,
    create_defaults,
    default_region,
    ding_settings,
    normalize_timeout,
    plugin_defaults,
    verified_max_age,
)
from django_ding.exceptions import DingConfigurationError

#: Longest timeout accepted (seconds): a request thread held longer than this
#: is an outage waiting to happen.
MAX_TIMEOUT = 30.0


@register(Tags.compatibility)
def check_ding_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    raw = getattr(settings, "DING", None)
    if raw is not None and not isinstance(raw, dict):
        return [
            Error(
                "settings.DING must be a dict.",
                hint="Define DING = {'API_KEY': ..., 'CUSTOMER_UUID': ...}.",
                id="django_ding.E007",
            )
        ]
    messages: list[CheckMessage] = []
    messages += _check_unknown_keys()
    messages += _check_deprecated_backend_path()
    messages += _check_backend()
    messages += _check_timeout()
    messages += _check_base_url()
    messages += _check_use_tz()
    messages += _check_default_region()
    messages += _check_verified_max_age()
    messages += _check_live_ding_v1()
    messages += _check_task_backend()
    messages += _check_create_defaults()
    return messages


def _check_unknown_keys() -> list[CheckMessage]:
    return [
        Warning(
            f"settings.DING[{key!r}] is not a django-ding setting and is ignored.",
            hint="Check the spelling. Known keys: "
            + ", ".join(sorted(DEFAULTS.keys() | plugin_defaults().keys()))
            + ".",
            id="django_ding.W001",
        )
        for key in ding_settings.unknown_keys()
    ]


def _check_deprecated_backend_path() -> list[CheckMessage]:
    from django_ding.backends.sandbox import MOVED

    new_path = MOVED.get(str(ding_settings.BACKEND))
    if new_path is None:
        return []
    return [
        Warning(
            f"settings.DING['BACKEND'] = {ding_settings.BACKEND!r} is a deprecated path.",
            hint=f"Use {new_path!r}; the old path will be removed in a future release.",
            id="django_ding.W004",
        )
    ]


def _check_backend() -> list[CheckMessage]:
    from django_ding.backends import load_backend_class

    try:
        backend_class = load_backend_class()
    except DingConfigurationError as err:
        return [
            Error(
                str(err),
                hint="Set DING['BACKEND'] to 'django_ding.backends.prelude.PreludeBackend', "
                "'django_ding.backends.ding.DingBackend' or "
                "'django_ding.sandbox.backend.SandboxBackend'.",
                id="django_ding.E001",
            )
        ]
    required_app = getattr(backend_class, "required_app", None)
    if required_app and not apps.is_installed(required_app):
        return [
            Error(
                f"settings.DING['BACKEND'] = {ding_settings.BACKEND!r} needs the app "
                f"{required_app!r}.",
                hint=f"Add {required_app!r} to INSTALLED_APPS (and run migrate).",
                id="django_ding.E012",
            )
        ]
    if not getattr(backend_class, "requires_credentials", False):
        return []
    messages: list[CheckMessage] = []
    if not ding_settings.API_KEY:
        messages.append(
            Error(
                f"settings.DING['API_KEY'] is required by {ding_settings.BACKEND}.",
                hint="Set DING['API_KEY'] from the environment, e.g. "
                "os.environ['DING_API_KEY'], or use the sandbox backend.",
                id="django_ding.E002",
            )
        )
    if not getattr(backend_class, "requires_customer_uuid", False):
        return messages
    customer_uuid = ding_settings.CUSTOMER_UUID
    if not customer_uuid:
        messages.append(
            Error(
                f"settings.DING['CUSTOMER_UUID'] is required by {ding_settings.BACKEND}.",
                hint="Copy your customer UUID from the Ding dashboard (API settings).",
                id="django_ding.E003",
            )
        )
    elif not _is_uuid(customer_uuid):
        messages.append(
            Error(
                "settings.DING['CUSTOMER_UUID'] is not a UUID.",
                hint="It looks like 'c9f826e0-deca-41ec-871f-ecd6e8efeb46'.",
                id="django_ding.E004",
            )
        )
    return messages


def _check_timeout() -> list[CheckMessage]:
    try:
        connect, read = normalize_timeout(ding_settings.TIMEOUT)
    except ValueError as err:
        return [
            Error(
                f"settings.DING['TIMEOUT'] is missing or invalid: {err}.",
                hint="Use seconds, or a (connect, read) pair such as (3.05, 10).",
                id="django_ding.E005",
            )
        ]
    if max(connect, read) > MAX_TIMEOUT:
        return [
            Error(
                f"settings.DING['TIMEOUT'] is over {MAX_TIMEOUT:g} seconds.",
                hint="A long timeout holds a worker per slow request; keep it at "
                f"{MAX_TIMEOUT:g} s or less, e.g. (3.05, 10).",
                id="django_ding.E006",
            )
        ]
    return []


def _check_base_url() -> list[CheckMessage]:
    url = ding_settings.BASE_URL
    if url is None:
        return []  # the backend's default_base_url
    parts = urlsplit(str(url))
    if parts.scheme in ("http", "https") and parts.netloc:
        return []
    return [
        Error(
            f"settings.DING['BASE_URL'] = {url!r} is not an http(s) URL.",
            hint="Leave it unset (None) for the backend's own server "
            "(https://api.ding.live/v1 for DingBackend, https://api.prelude.dev/v2 "
            "for PreludeBackend).",
            id="django_ding.E008",
        )
    ]


#: The Ding v1 host, announced as removed by April 2026.
DING_V1_HOST = "api.ding.live"


def _check_live_ding_v1() -> list[CheckMessage]:
    from django_ding.backends import load_backend_class
    from django_ding.backends.ding import DingBackend

    try:
        backend_class = load_backend_class()
    except DingConfigurationError:
        return []  # reported by E001
    if not issubclass(backend_class, DingBackend):
        return []
    url = ding_settings.BASE_URL or backend_class.default_base_url or ""
    if urlsplit(str(url)).hostname != DING_V1_HOST:
        return []
    return [
        Warning(
            "settings.DING['BACKEND'] is DingBackend pointed at the live Ding v1 API "
            f"({DING_V1_HOST}), which was deprecated and announced as removed by April 2026.",
            hint="Move to Prelude Verify v2: DING['BACKEND'] = "
            "'django_ding.backends.prelude.PreludeBackend' with a v2 API key "
            "(docs/migrating-to-v2.md).",
            id="django_ding.W003",
        )
    ]


def _check_task_backend() -> list[CheckMessage]:
    if not ding_settings.SEND_ONBOARDED_FEEDBACK:
        return []
    from django_ding.tasks import load_task_backend

    alias = ding_settings.TASK_BACKEND
    try:
        load_task_backend(str(alias))
    except Exception as err:  # the framework's InvalidTaskBackend(Error), KeyError...
        return [
            Error(
                f"settings.DING['TASK_BACKEND'] = {alias!r} cannot be loaded from the TASKS "
                f"setting ({type(err).__name__}: {err}). Onboarding feedback would stay "
                "queued forever.",
                hint="Define TASKS = {'default': {'BACKEND': ...}} with a backend that "
                "exists on your Django: 'django.tasks.backends.immediate.ImmediateBackend' "
                "on Django 6.x, 'django_tasks.backends.immediate.ImmediateBackend' (and "
                "'django_tasks' in INSTALLED_APPS) on Django 5.2; or set "
                "DING['SEND_ONBOARDED_FEEDBACK'] = False.",
                id="django_ding.E018",
            )
        ]
    return []


def _check_create_defaults() -> list[CheckMessage]:
    from django_ding.backends import load_backend_class

    def error(detail: str) -> list[CheckMessage]:
        return [
            Error(
                f"settings.DING['CREATE_DEFAULTS'] is invalid: {detail}",
                hint="For example {'template_id': 'signup', 'sender_id': 'ACME'}; the "
                "fields are those of create_authentication for the configured backend "
                "(docs/backends.md).",
                id="django_ding.E021",
            )
        ]

    try:
        defaults = create_defaults()
        backend_class = load_backend_class()
    except DingConfigurationError as err:
        return [] if "BACKEND" in str(err) else error(str(err))  # E001 reports the backend
    if not defaults:
        return []
    try:
        backend_class.validate_fields(defaults)
        backend_class.validate_field_values(defaults)
    except (TypeError, ValueError) as err:
        return error(str(err))
    return []


def _check_verified_max_age() -> list[CheckMessage]:
    try:
        verified_max_age()
    except DingConfigurationError as err:
        return [Error(str(err), hint="For example 3600 (one hour).", id="django_ding.E017")]
    return []


def _check_default_region() -> list[CheckMessage]:
    try:
        default_region()
    except DingConfigurationError as err:
        return [
            Error(
                str(err), hint="For example DING['DEFAULT_REGION'] = 'FR'.", id="django_ding.E014"
            )
        ]
    return []


def _check_use_tz() -> list[CheckMessage]:
    if settings.USE_TZ:
        return []
    return [
        Error(
            "django-ding needs USE_TZ = True.",
            hint="The provider's timestamps (expiry, next retry) are in UTC and the "
            "limits compare them with timezone.now(); set USE_TZ = True.",
            id="django_ding.E013",
        )
    ]


def _is_uuid(value: object) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


@register(Tags.compatibility, Tags.caches)
def check_circuit_breaker(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """The circuit breaker's settings (``E040``-``E042``), and whether its
    cache is shared by the processes (``W040``)."""
    from django_ding.conf import breaker_cache, breaker_cool_off, breaker_failures

    if not isinstance(getattr(settings, "DING", None), dict | None):
        return []  # E007
    messages: list[CheckMessage] = []
    readers = (
        (breaker_failures, "For example 5, or None to turn the breaker off.", "E040"),
        (breaker_cool_off, "For example 30 (seconds).", "E041"),
        (breaker_cache, "Name a cache of CACHES, e.g. 'default'.", "E042"),
    )
    values: list[Any] = []
    for reader, hint, check_id in readers:
        try:
            values.append(reader())
        except DingConfigurationError as err:
            values.append(None)
            messages.append(Error(str(err), hint=hint, id=f"django_ding.{check_id}"))
    failures, _, alias = values
    if failures is None or alias is None or settings.DEBUG or not _uses_http_backend():
        return messages
    from django.core.cache import caches
    from django.core.cache.backends.dummy import DummyCache
    from django.core.cache.backends.locmem import LocMemCache

    try:
        cache = caches[alias]
    except Exception:  # a broken CACHES entry: Django's own checks report it
        return messages
    if isinstance(cache, LocMemCache | DummyCache):
        what = (
            "stores nothing, so the breaker never opens"
            if isinstance(cache, DummyCache)
            else "is private to each process, so each process has its own breaker"
        )
        messages.append(
            Warning(
                f"settings.DING['BREAKER_CACHE'] = {alias!r} is a {type(cache).__name__}, "
                f"which {what}.",
                hint="Point DING['BREAKER_CACHE'] at a cache every process shares: Redis, "
                "Memcached or the database cache (docs/backends.md#circuit-breaker).",
                id="django_ding.W040",
            )
        )
    return messages


def _uses_http_backend() -> bool:
    from django_ding.backends import load_backend_class
    from django_ding.backends.http import HTTPBackend

    try:
        return issubclass(load_backend_class(), HTTPBackend)
    except DingConfigurationError:
        return False  # E001
