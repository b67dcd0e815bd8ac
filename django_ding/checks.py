"""System checks for the ``DING`` setting.

Add-on apps check their own keys (the sandbox: :mod:`django_ding.sandbox.checks`,
``E010``, ``E011``, ``E015``, ``E016``, ``E019``, ``E020``, ``W002``); a
backend that needs an app names it in ``required_app`` (``E012``).

Every key of ``DING`` has one validating reader in :mod:`django_ding.conf`;
the checks call each one and turn its refusal into an Error with the key's id
(:data:`SETTING_CHECKS`). The rest are checks across keys and other settings
(the backend's app and credentials, ``USE_TZ``, the task backend, the create
fields). Every message names the setting to fix; every check has an id
(``django_ding.E001``...) so a project can silence it with
``SILENCED_SYSTEM_CHECKS``.
"""

from __future__ import annotations

from typing import Any, Final
from urllib.parse import urlsplit

from django.apps import apps
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

from django_ding import conf
from django_ding.conf import DEFAULTS, MAX_TIMEOUT, ding_settings, plugin_defaults
from django_ding.exceptions import DingConfigurationError
from django_ding.setting_values import SettingError

__all__ = ["MAX_TIMEOUT", "RULE_CHECKS", "SETTING_CHECKS", "check_ding_settings"]

_BACKEND_HINT = (
    "Set DING['BACKEND'] to 'django_ding.backends.prelude.PreludeBackend', "
    "'django_ding.backends.ding.DingBackend' or "
    "'django_ding.sandbox.backend.SandboxBackend'."
)
_DISABLE = "or None to disable it"

#: The check id and hint reported when a key's reader (``conf.READERS``)
#: refuses its value. Ids are never reused: E009 is retired, E022 onwards
#: were added with the readers. A new key needs its line here.
SETTING_CHECKS: Final[dict[str, tuple[str, str]]] = {
    "BACKEND": ("django_ding.E001", _BACKEND_HINT),
    "API_KEY": (
        "django_ding.E040",
        "Copy the key exactly as the provider's dashboard shows it, from the "
        "environment: os.environ['PRELUDE_API_KEY'].strip().",
    ),
    "CUSTOMER_UUID": ("django_ding.E004", "It looks like 'c9f826e0-deca-41ec-871f-ecd6e8efeb46'."),
    "BASE_URL": (
        "django_ding.E008",
        "Leave it unset (None) for the backend's own server "
        "(https://api.ding.live/v1 for DingBackend, https://api.prelude.dev/v2 "
        "for PreludeBackend).",
    ),
    "TIMEOUT": ("django_ding.E005", "Use seconds, or a (connect, read) pair such as (3.05, 10)."),
    "MAX_RETRIES": ("django_ding.E022", "For example 2 (the default); 0 never retries."),
    "RETRY_BACKOFF": ("django_ding.E023", "For example 0.5 (seconds, the default)."),
    "RETRY_AFTER_MAX": (
        "django_ding.E024",
        "For example 10.0 (seconds, the default); 0 never waits out a 429.",
    ),
    "BREAKER_FAILURES": (
        "django_ding.E042",
        "For example 5, or None (the default) to turn the breaker off.",
    ),
    "BREAKER_COOL_OFF": ("django_ding.E043", "For example 30 (seconds, the default)."),
    "BREAKER_CACHE": ("django_ding.E044", "Name a cache of CACHES, e.g. 'default'."),
    "MAX_CHECK_ATTEMPTS": ("django_ding.E025", "For example 5 (the default)."),
    "MAX_FAILED_CHECKS_PER_PHONE": (
        "django_ding.E026",
        f"For example 30 (the default), {_DISABLE}.",
    ),
    "PHONE_FAILURE_WINDOW": ("django_ding.E027", "For example 86400 (one day, the default)."),
    "MAX_FAILED_CHECKS_PER_CLIENT": (
        "django_ding.E028",
        f"For example 10 (the default), {_DISABLE}.",
    ),
    "CLIENT_FAILURE_WINDOW": ("django_ding.E029", "For example 86400 (one day, the default)."),
    "SEND_COOLDOWN": ("django_ding.E030", "For example 30 (seconds, the default), or 0 for none."),
    "SEND_LIMIT_PER_PHONE": (
        "django_ding.E031",
        f"For example (5, 600): 5 sends per 10 minutes (the default), {_DISABLE}.",
    ),
    "SEND_LIMIT_PER_IP": (
        "django_ding.E032",
        f"For example (20, 3600): 20 sends per hour (the default), {_DISABLE}.",
    ),
    "IPV6_PREFIX_LENGTH": (
        "django_ding.E041",
        "Leave it unset for 64 (one host usually has a whole /64), or use 56 or 48 to "
        "count whole customer networks; 128 counts each address.",
    ),
    "SEND_LIMIT_GLOBAL_PER_HOUR": (
        "django_ding.E033",
        "For example 1000 (the default), or None for no cap.",
    ),
    "AUTHENTICATION_TTL": ("django_ding.E034", "For example 600 (ten minutes, the default)."),
    "CREATE_DEFAULTS": (
        "django_ding.E021",
        "For example {'template_id': 'signup', 'sender_id': 'ACME'}; the "
        "fields are those of create_authentication for the configured backend "
        "(docs/backends.md).",
    ),
    "SEND_ONBOARDED_FEEDBACK": ("django_ding.E035", "Use True (the default) or False."),
    "TASK_BACKEND": ("django_ding.E036", "For example 'default' (the default)."),
    "DEFAULT_REGION": ("django_ding.E014", "For example DING['DEFAULT_REGION'] = 'FR'."),
    "SUCCESS_URL": ("django_ding.E037", "For example '/' (the default), '/welcome/' or 'home'."),
    "VERIFIED_MAX_AGE": ("django_ding.E017", "For example 3600 (one hour)."),
    "TRUSTED_PROXY_COUNT": (
        "django_ding.E038",
        "For example 1 behind one reverse proxy; 0 (the default) uses REMOTE_ADDR only.",
    ),
    "TRUSTED_PROXY_HEADER": (
        "django_ding.E039",
        "Django's META name of the header: 'HTTP_X_FORWARDED_FOR' (the default) for "
        "X-Forwarded-For, 'HTTP_X_REAL_IP' for X-Real-IP.",
    ),
}

#: Finer ids for some rules of a reader: (key, rule) -> (id, hint).
RULE_CHECKS: Final[dict[tuple[str, str], tuple[str, str]]] = {
    ("TIMEOUT", "too_long"): (
        "django_ding.E006",
        "A long timeout holds a worker per slow request; keep it at "
        f"{MAX_TIMEOUT:g} s or less, e.g. (3.05, 10).",
    ),
}


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
    messages += _check_readers()
    messages += _check_backend()
    messages += _check_use_tz()
    messages += _check_live_ding_v1()
    messages += _check_task_backend()
    messages += _check_create_defaults()
    messages += _check_breaker_cache()
    return messages


def _check_readers() -> list[CheckMessage]:
    """Call every key's reader; each refused value is one Error."""
    messages: list[CheckMessage] = []
    for key, reader in conf.READERS.items():
        try:
            reader()
        except SettingError as err:
            check_id, hint = RULE_CHECKS.get((err.key, err.rule)) or SETTING_CHECKS[err.key]
            messages.append(Error(str(err), hint=hint, id=check_id))
        except DingConfigurationError as err:  # pragma: no cover - a reader without SettingError
            check_id, hint = SETTING_CHECKS[key]
            messages.append(Error(str(err), hint=hint, id=check_id))
    return messages


def _valid(reader: Any) -> bool:
    """Whether ``reader`` accepts its value (a refusal is reported by the readers' check)."""
    try:
        reader()
    except DingConfigurationError:
        return False
    return True


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

    if not _valid(conf.backend_path):
        return []
    path = conf.backend_path()
    new_path = MOVED.get(path)
    if new_path is None:
        return []
    return [
        Warning(
            f"settings.DING['BACKEND'] = {path!r} is a deprecated path.",
            hint=f"Use {new_path!r}; the old path will be removed in a future release.",
            id="django_ding.W004",
        )
    ]


def _check_backend() -> list[CheckMessage]:
    """The backend imports, has its app, and has the credentials it needs."""
    from django_ding.backends import load_backend_class

    if not _valid(conf.backend_path):
        return []  # E001 from the reader
    path = conf.backend_path()
    try:
        backend_class = load_backend_class()
    except DingConfigurationError as err:
        return [Error(str(err), hint=_BACKEND_HINT, id="django_ding.E001")]
    required_app = getattr(backend_class, "required_app", None)
    if required_app and not apps.is_installed(required_app):
        return [
            Error(
                f"settings.DING['BACKEND'] = {path!r} needs the app {required_app!r}.",
                hint=f"Add {required_app!r} to INSTALLED_APPS (and run migrate).",
                id="django_ding.E012",
            )
        ]
    if not getattr(backend_class, "requires_credentials", False):
        return []
    messages: list[CheckMessage] = []
    if _valid(conf.api_key) and conf.api_key() is None:
        messages.append(
            Error(
                f"settings.DING['API_KEY'] is required by {path}.",
                hint="Set DING['API_KEY'] from the environment, e.g. "
                "os.environ['DING_API_KEY'], or use the sandbox backend.",
                id="django_ding.E002",
            )
        )
    if not getattr(backend_class, "requires_customer_uuid", False):
        return messages
    if _valid(conf.customer_uuid) and conf.customer_uuid() is None:
        messages.append(
            Error(
                f"settings.DING['CUSTOMER_UUID'] is required by {path}.",
                hint="Copy your customer UUID from the Ding dashboard (API settings).",
                id="django_ding.E003",
            )
        )
    return messages


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
    if not _valid(conf.base_url):
        return []  # reported by E008
    url = conf.base_url() or backend_class.default_base_url or ""
    if urlsplit(url).hostname != DING_V1_HOST:
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
    if not (_valid(conf.send_onboarded_feedback) and conf.send_onboarded_feedback()):
        return []  # off, or reported by E035
    if not _valid(conf.task_backend):
        return []  # reported by E036
    from django_ding.tasks import load_task_backend

    alias = conf.task_backend()
    try:
        load_task_backend(alias)
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
    """The configured backend accepts the fields of ``CREATE_DEFAULTS``
    (its shape is the reader's: E021 too)."""
    from django_ding.backends import load_backend_class

    if not _valid(conf.create_defaults):
        return []  # reported by the reader
    defaults = conf.create_defaults()
    try:
        backend_class = load_backend_class()
    except DingConfigurationError:
        return []  # E001 reports the backend
    if not defaults:
        return []
    try:
        backend_class.validate_fields(defaults)
        backend_class.validate_field_values(defaults)
    except (TypeError, ValueError) as err:
        check_id, hint = SETTING_CHECKS["CREATE_DEFAULTS"]
        return [
            Error(f"settings.DING['CREATE_DEFAULTS'] is invalid: {err}", hint=hint, id=check_id)
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


def _check_breaker_cache() -> list[CheckMessage]:
    """Whether the circuit breaker's cache is shared by the processes (``W005``)."""
    if not (_valid(conf.breaker_failures) and _valid(conf.breaker_cache)):
        return []  # reported by the readers' check
    failures, alias = conf.breaker_failures(), conf.breaker_cache()
    if failures is None or alias is None or settings.DEBUG or not _uses_http_backend():
        return []
    from django.core.cache import caches
    from django.core.cache.backends.dummy import DummyCache
    from django.core.cache.backends.locmem import LocMemCache

    try:
        cache = caches[alias]
    except Exception:  # a broken CACHES entry: Django's own checks report it
        return []
    if not isinstance(cache, LocMemCache | DummyCache):
        return []
    what = (
        "stores nothing, so the breaker never opens"
        if isinstance(cache, DummyCache)
        else "is private to each process, so each process has its own breaker"
    )
    return [
        Warning(
            f"settings.DING['BREAKER_CACHE'] = {alias!r} is a {type(cache).__name__}, "
            f"which {what}.",
            hint="Point DING['BREAKER_CACHE'] at a cache every process shares: Redis, "
            "Memcached or the database cache (docs/backends.md#circuit-breaker).",
            id="django_ding.W005",
        )
    ]


def _uses_http_backend() -> bool:
    from django_ding.backends import load_backend_class
    from django_ding.backends.http import HTTPBackend

    try:
        return issubclass(load_backend_class(), HTTPBackend)
    except DingConfigurationError:
        return False  # E001
