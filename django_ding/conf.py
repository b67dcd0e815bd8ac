"""The ``DING`` setting: every default in one place, read lazily.

Values are looked up in ``django.conf.settings.DING`` on every access, so
``override_settings(DING={...})`` takes effect at once and nothing is frozen
at import time::

    from django_ding.conf import ding_settings

    ding_settings.TIMEOUT  # -> (3.05, 10.0), as written
    timeout()              # -> (3.05, 10.0), checked: the way to read it

Each key has one validating reader here (:data:`READERS`: ``timeout()``,
``max_retries()``, ``send_limit_per_ip()``...). It returns the value in its
clean form or raises :class:`~django_ding.setting_values.SettingError` (a
:class:`~django_ding.exceptions.DingConfigurationError`) naming
``settings.DING['KEY']``, what is expected and the wrong value. The system
checks (:mod:`django_ding.checks`) call every reader, and the rest of the app
reads a key only through its reader, so a wrong value is reported at startup
and never replaced by a default in silence.

Add-on apps (the sandbox is one) read their own keys from the same ``DING``
dict. The core knows nothing of them: an app declares its keys and defaults
with :func:`register_plugin_settings` (from its ``AppConfig.ready()``), and
the unknown-key warning ``django_ding.W001`` then leaves them alone while the
app is installed. ``DING`` stays one dict.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, Final
from urllib.parse import urlsplit

import phonenumbers
from django.apps import apps
from django.conf import settings
from django.utils.functional import Promise
from django.views.decorators.debug import sensitive_variables

from django_ding.exceptions import DingConfigurationError
from django_ding.setting_values import (
    SettingError,
    boolean,
    count_and_window,
    number_of_seconds,
    refuse,
    shown,
    text,
    whole_number,
)

#: Every key of the ``DING`` setting with its default. ``docs/settings.md``
#: documents each one; keep the two in step.
DEFAULTS: Final[dict[str, Any]] = {
    # --- Provider client -------------------------------------------------
    # Dotted path of the backend class. Prelude Verify v2 is the API a new
    # account gets a key for; Ding v1 (DingBackend) was announced as removed
    # by April 2026.
    "BACKEND": "django_ding.backends.prelude.PreludeBackend",
    # API key (Ding v1: the ``x-api-key`` header; Prelude v2: the Bearer
    # token). Never logged.
    "API_KEY": None,
    # Your Ding customer UUID (v1 only: sent in bodies, and as a header for lookup).
    "CUSTOMER_UUID": None,
    # Server URL, like the official SDKs' ``server_url``. None: the backend's
    # own ``default_base_url`` (https://api.ding.live/v1 for DingBackend,
    # https://api.prelude.dev/v2 for PreludeBackend).
    "BASE_URL": None,
    # (connect, read) timeout in seconds, or one number for both.
    "TIMEOUT": (3.05, 10.0),
    # How many times a *safe* call is retried (GETs; POSTs only when the
    # connection failed before anything was sent).
    "MAX_RETRIES": 2,
    # First backoff delay in seconds; doubles on every retry.
    "RETRY_BACKOFF": 0.5,
    # Longest ``Retry-After`` (seconds) honoured on a 429 before giving up.
    "RETRY_AFTER_MAX": 10.0,
    # Circuit breaker (docs/backends.md#circuit-breaker): consecutive transport
    # failures to one provider host that open it (None: no breaker), the
    # seconds it stays open before one probe request, and the cache alias
    # that shares its state between processes.
    "BREAKER_FAILURES": None,
    "BREAKER_COOL_OFF": 30.0,
    "BREAKER_CACHE": "default",
    # --- Verification history and limits (services) ----------------------
    # Wrong codes allowed per authentication before it is locked.
    "MAX_CHECK_ATTEMPTS": 5,
    # Wrong codes allowed per phone number in PHONE_FAILURE_WINDOW seconds,
    # across resends and new authentications (NIST SP 800-63B rev. 4 allows
    # at most 100). While a number is locked no code is sent to it either.
    "MAX_FAILED_CHECKS_PER_PHONE": 30,
    "PHONE_FAILURE_WINDOW": 24 * 3600,
    # Wrong codes allowed per client address in CLIENT_FAILURE_WINDOW seconds,
    # across all numbers: one guesser is stopped long before the per-phone
    # lock, so a stranger cannot lock a number out alone.
    "MAX_FAILED_CHECKS_PER_CLIENT": 10,
    "CLIENT_FAILURE_WINDOW": 24 * 3600,
    # Seconds between two sends to the same phone number.
    "SEND_COOLDOWN": 30,
    # Sends per phone number: (count, window in seconds).
    "SEND_LIMIT_PER_PHONE": (5, 600),
    # Sends per client IP address: (count, window in seconds).
    "SEND_LIMIT_PER_IP": (20, 3600),
    # Prefix length of the network the per-address limits (SEND_LIMIT_PER_IP,
    # MAX_FAILED_CHECKS_PER_CLIENT) count an IPv6 client by: one host is
    # usually given a whole /64. 32 to 128 (128: per address). IPv4 clients
    # are always counted per address.
    "IPV6_PREFIX_LENGTH": 64,
    # Sends across the whole site per hour (spend protection). None: no cap.
    "SEND_LIMIT_GLOBAL_PER_HOUR": 1000,
    # Local lifetime of an authentication when the provider gives none.
    "AUTHENTICATION_TTL": 600,
    # Create fields sent with every code (the drop-in views pass none):
    # template_id, sender_id, callback_url, and for Prelude v2 method and
    # preferred_channel. Fields given to send_code() win. Checked against the
    # configured backend's fields (E021).
    "CREATE_DEFAULTS": {},
    # Send ``onboarded`` feedback to the provider when a phone is verified.
    "SEND_ONBOARDED_FEEDBACK": True,
    # Django task backend alias used for feedback calls.
    "TASK_BACKEND": "default",
    # --- Views ----------------------------------------------------------------
    # Region used to parse numbers typed without a +country prefix.
    "DEFAULT_REGION": None,
    # Where ``ding:check`` redirects on success when no safe ``next`` is given.
    "SUCCESS_URL": "/",
    # Seconds a number verified in a session counts as verified there (the
    # session marker; a signed-in user's verified numbers do not expire).
    "VERIFIED_MAX_AGE": 3600,
    # Number of trusted reverse proxies in front of Django. 0: REMOTE_ADDR only.
    "TRUSTED_PROXY_COUNT": 0,
    # Header those proxies set (Django META name).
    "TRUSTED_PROXY_HEADER": "HTTP_X_FORWARDED_FOR",
}


#: Keys declared by add-on apps: app name -> {key: default}.
_PLUGIN_DEFAULTS: dict[str, Mapping[str, Any]] = {}


def register_plugin_settings(app_name: str, defaults: Mapping[str, Any]) -> None:
    """Declare the ``DING`` keys read by the add-on app ``app_name`` (its
    ``AppConfig.name``), with their defaults.

    Call it from the app's ``AppConfig.ready()``. While the app is installed
    (``apps.is_installed(app_name)``) its keys are known: ``W001`` does not
    flag them and :meth:`DingSettings.unknown_keys` leaves them out. The app
    reads its values itself (:meth:`DingSettings.user_settings`); the core
    never imports it. Registering again replaces the app's keys; a key the
    core or another app already owns is a ``ValueError``.
    """
    taken = set(DEFAULTS)
    for other, keys in _PLUGIN_DEFAULTS.items():
        if other != app_name:
            taken |= set(keys)
    clash = sorted(taken & set(defaults))
    if clash:
        raise ValueError(f"DING keys already declared elsewhere: {', '.join(clash)}.")
    _PLUGIN_DEFAULTS[app_name] = MappingProxyType(dict(defaults))


def plugin_defaults() -> dict[str, Any]:
    """The keys (with their defaults) of the installed add-on apps."""
    known: dict[str, Any] = {}
    for app_name, defaults in _PLUGIN_DEFAULTS.items():
        if apps.is_installed(app_name):
            known.update(defaults)
    return known


class DingSettings:
    """Attribute access to the ``DING`` setting, falling back to :data:`DEFAULTS`."""

    def user_settings(self) -> dict[str, Any]:
        """``settings.DING`` as the project wrote it (``{}`` when unset).
        Add-on apps read their own keys here."""
        return self._user_settings()

    def _user_settings(self) -> dict[str, Any]:
        value = getattr(settings, "DING", None)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise DingConfigurationError(
                f"settings.DING must be a dict, not {type(value).__name__}."
            )
        return value

    def __getattr__(self, name: str) -> Any:
        if name not in DEFAULTS:
            raise AttributeError(f"Unknown django-ding setting DING[{name!r}].")
        return self._user_settings().get(name, DEFAULTS[name])

    def unknown_keys(self) -> list[str]:
        """Keys of ``settings.DING`` that neither django-ding nor an installed
        add-on app (:func:`register_plugin_settings`) knows (typos)."""
        known = DEFAULTS.keys() | plugin_defaults().keys()
        return sorted(key for key in self._user_settings() if key not in known)

    def require(self, name: str) -> Any:
        """Return a setting that must be set, or raise naming the exact key."""
        value = getattr(self, name)
        if value in (None, ""):
            raise DingConfigurationError(
                f"settings.DING[{name!r}] is required by {self.BACKEND}. "
                f"Add it to the DING setting."
            )
        return value


ding_settings = DingSettings()


def normalize_timeout(value: Any) -> tuple[float, float]:
    """Return ``value`` as a ``(connect, read)`` pair of positive floats.

    Accepts one number (used for both) or a pair. Raises ``ValueError`` for
    anything else so callers can name the setting in their own message.
    """
    if isinstance(value, bool) or value is None:
        raise ValueError("a timeout is required")
    if isinstance(value, int | float):
        pair: tuple[Any, ...] = (value, value)
    elif isinstance(value, list | tuple) and len(value) == 2:
        pair = tuple(value)
    else:
        raise ValueError("expected a number or a (connect, read) pair")
    result = []
    for part in pair:
        if (
            isinstance(part, bool)
            or not isinstance(part, int | float)
            or not math.isfinite(part)
            or part <= 0
        ):
            raise ValueError("timeouts must be positive finite numbers of seconds")
        result.append(float(part))
    return result[0], result[1]


# -- Readers: one per key ----------------------------------------------------------
#
# Each returns the key's value in its clean form or raises SettingError naming
# settings.DING['KEY'] (see django_ding.setting_values). The system checks call
# every reader in READERS; everything else reads a key through its reader, never
# through ding_settings.<KEY>, so no wrong value is used or replaced silently.

#: Longest timeout accepted (seconds): a request thread held longer than this
#: is an outage waiting to happen (check ``E006``).
MAX_TIMEOUT: Final = 30.0
#: Most retries of a safe call (``MAX_RETRIES``).
MAX_RETRIES_LIMIT: Final = 10

_FROM_SETTINGS: Final[Any] = object()
_DOTTED_PATH = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)+")
_META_NAME = re.compile(r"[A-Z][A-Z0-9_]*")
# Header values we accept for the API key: visible ASCII, no spaces.
_HEADER_TOKEN = re.compile(r"[\x21-\x7e]+")


def _raw(key: str, value: Any = _FROM_SETTINGS) -> Any:
    return getattr(ding_settings, key) if value is _FROM_SETTINGS else value


def _argument(name: str, value: Any) -> str | None:
    """The keyword argument to name in a message: ``None`` for the setting."""
    return None if value is _FROM_SETTINGS else name


# Provider client


def backend_path() -> str:
    """``DING["BACKEND"]``: the dotted path of the backend class. Whether it
    imports is :func:`django_ding.backends.load_backend_class`'s business (``E001``)."""
    value = ding_settings.BACKEND
    if isinstance(value, str) and _DOTTED_PATH.fullmatch(value):
        return value
    raise refuse(
        "BACKEND", "the dotted path of a backend class, e.g. 'myproject.backends.Backend'", value
    )


@sensitive_variables("value")
def api_key() -> str | None:
    """``DING["API_KEY"]``: a string of visible characters, or ``None`` (unset;
    a backend that needs it says so: ``E002``). The value is never shown."""
    value = ding_settings.API_KEY
    if value is None or value == "":
        return None
    if isinstance(value, str) and _HEADER_TOKEN.fullmatch(value):
        return value
    raise refuse(
        "API_KEY",
        "a string of visible characters, without spaces or line breaks",
        value,
        secret=True,
    )


def customer_uuid() -> str | None:
    """``DING["CUSTOMER_UUID"]``: a UUID (string or :class:`uuid.UUID`) as a
    string, or ``None`` (unset; ``DingBackend`` needs it: ``E003``)."""
    value = ding_settings.CUSTOMER_UUID
    if value is None or value == "":
        return None
    if isinstance(value, str | uuid.UUID):
        try:
            uuid.UUID(str(value))
        except ValueError:
            pass
        else:
            return str(value)
    raise refuse("CUSTOMER_UUID", "a UUID such as 'c9f826e0-deca-41ec-871f-ecd6e8efeb46'", value)


def base_url() -> str | None:
    """``DING["BASE_URL"]``: an http(s) URL, or ``None`` for the backend's own."""
    value = ding_settings.BASE_URL
    if value is None:
        return None
    if isinstance(value, str):
        parts = urlsplit(value)
        if parts.scheme in ("http", "https") and parts.netloc:
            return value
    raise refuse("BASE_URL", "an http(s) URL, or None for the backend's own server", value)


def timeout() -> tuple[float, float]:
    """``DING["TIMEOUT"]`` as a ``(connect, read)`` pair of seconds, each at
    most :data:`MAX_TIMEOUT` (rule ``too_long``: ``E006``)."""
    value = ding_settings.TIMEOUT
    try:
        pair = normalize_timeout(value)
    except ValueError:
        raise refuse(
            "TIMEOUT", "a positive number of seconds or a (connect, read) pair of them", value
        ) from None
    if max(pair) > MAX_TIMEOUT:
        raise refuse("TIMEOUT", f"at most {MAX_TIMEOUT:g} seconds", value, rule="too_long")
    return pair


def max_retries(value: Any = _FROM_SETTINGS) -> int:
    """``DING["MAX_RETRIES"]`` (or a backend's ``max_retries=``): 0 to
    :data:`MAX_RETRIES_LIMIT` retries."""
    result: int = whole_number(
        "MAX_RETRIES",
        _raw("MAX_RETRIES", value),
        minimum=0,
        maximum=MAX_RETRIES_LIMIT,
        unit="retries",
        argument=_argument("max_retries", value),
    )
    return result


def retry_backoff(value: Any = _FROM_SETTINGS) -> float:
    """``DING["RETRY_BACKOFF"]`` (or ``retry_backoff=``): seconds, 0 or more."""
    return number_of_seconds(
        "RETRY_BACKOFF",
        _raw("RETRY_BACKOFF", value),
        argument=_argument("retry_backoff", value),
    )


def retry_after_max(value: Any = _FROM_SETTINGS) -> float:
    """``DING["RETRY_AFTER_MAX"]`` (or ``retry_after_max=``): seconds, 0 or more."""
    return number_of_seconds(
        "RETRY_AFTER_MAX",
        _raw("RETRY_AFTER_MAX", value),
        argument=_argument("retry_after_max", value),
    )


# Verification history and limits


def _count(key: str, *, none_means: str | None = None, minimum: int = 1, unit: str = "") -> Any:
    return whole_number(
        key, getattr(ding_settings, key), minimum=minimum, unit=unit, none_means=none_means
    )


def max_check_attempts() -> int:
    """``DING["MAX_CHECK_ATTEMPTS"]``: wrong codes per authentication, 1 or more."""
    result: int = _count("MAX_CHECK_ATTEMPTS")
    return result


def max_failed_checks_per_phone() -> int | None:
    """``DING["MAX_FAILED_CHECKS_PER_PHONE"]``: 1 or more, or ``None`` (off)."""
    result: int | None = _count("MAX_FAILED_CHECKS_PER_PHONE", none_means="to disable it")
    return result


def phone_failure_window() -> int | None:
    """``DING["PHONE_FAILURE_WINDOW"]``: seconds, 1 or more, or ``None`` (off)."""
    result: int | None = _count("PHONE_FAILURE_WINDOW", unit="seconds", none_means="to disable it")
    return result


def max_failed_checks_per_client() -> int | None:
    """``DING["MAX_FAILED_CHECKS_PER_CLIENT"]``: 1 or more, or ``None`` (off)."""
    result: int | None = _count("MAX_FAILED_CHECKS_PER_CLIENT", none_means="to disable it")
    return result


def client_failure_window() -> int | None:
    """``DING["CLIENT_FAILURE_WINDOW"]``: seconds, 1 or more, or ``None`` (off)."""
    result: int | None = _count("CLIENT_FAILURE_WINDOW", unit="seconds", none_means="to disable it")
    return result


def send_cooldown() -> int | None:
    """``DING["SEND_COOLDOWN"]``: seconds; ``0`` or ``None``: no cooldown (``None``)."""
    result: int | None = _count(
        "SEND_COOLDOWN", minimum=0, unit="seconds", none_means="(or 0) to disable it"
    )
    return result or None


def send_limit_per_phone() -> tuple[int, int] | None:
    """``DING["SEND_LIMIT_PER_PHONE"]``: ``(count, seconds)``, or ``None`` (off)."""
    return count_and_window("SEND_LIMIT_PER_PHONE", ding_settings.SEND_LIMIT_PER_PHONE)


def send_limit_per_ip() -> tuple[int, int] | None:
    """``DING["SEND_LIMIT_PER_IP"]``: ``(count, seconds)``, or ``None`` (off)."""
    return count_and_window("SEND_LIMIT_PER_IP", ding_settings.SEND_LIMIT_PER_IP)


def send_limit_global_per_hour() -> int | None:
    """``DING["SEND_LIMIT_GLOBAL_PER_HOUR"]``: sends per hour, or ``None`` (no cap)."""
    result: int | None = _count("SEND_LIMIT_GLOBAL_PER_HOUR", none_means="for no cap")
    return result


def authentication_ttl() -> int:
    """``DING["AUTHENTICATION_TTL"]``: seconds, 1 or more."""
    result: int = _count("AUTHENTICATION_TTL", unit="seconds")
    return result


def create_defaults() -> dict[str, Any]:
    """``DING["CREATE_DEFAULTS"]``: a dict of create field names to values.

    Only its shape is checked here; the configured backend checks the names
    and values (system check ``django_ding.E021``, and every send).
    """
    value = ding_settings.CREATE_DEFAULTS
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(key, str) for key in value):
        raise refuse("CREATE_DEFAULTS", "a dict of create field names to values", value)
    return dict(value)


def send_onboarded_feedback() -> bool:
    """``DING["SEND_ONBOARDED_FEEDBACK"]``: ``True`` or ``False``."""
    return boolean("SEND_ONBOARDED_FEEDBACK", ding_settings.SEND_ONBOARDED_FEEDBACK)


def task_backend() -> str:
    """``DING["TASK_BACKEND"]``: an alias of the ``TASKS`` setting. Whether it
    loads is checked by ``E018``."""
    return text(
        "TASK_BACKEND",
        ding_settings.TASK_BACKEND,
        expected="the alias of a TASKS backend (a non-empty string) such as 'default'",
    )


# Views


def default_region() -> str | None:
    """Return ``DING["DEFAULT_REGION"]`` as an upper-case ISO 3166-1 code, or
    ``None`` when it is not set.

    The one reader of that setting: forms, services, the admin and the
    sandbox inbox all use it, so ``"fr"`` and ``"FR"`` mean the same
    everywhere. Raises :class:`DingConfigurationError` naming the setting
    when the value is not a region phonenumbers knows.
    """
    value = ding_settings.DEFAULT_REGION
    if value is None or value == "":
        return None
    region = value.strip().upper() if isinstance(value, str) else None
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise SettingError(
            "DEFAULT_REGION",
            f"settings.DING['DEFAULT_REGION'] = {shown(value)} is not a region code. "
            "Use a two-letter ISO 3166-1 code such as 'FR' or 'US', or None.",
        )
    return region


def success_url() -> str:
    """``DING["SUCCESS_URL"]``: a URL or a URL name (``resolve_url``), not empty.
    A lazy string (``reverse_lazy``) is accepted and resolved here."""
    value = ding_settings.SUCCESS_URL
    if isinstance(value, Promise):
        value = str(value)
    return text("SUCCESS_URL", value, expected="a URL or a URL name (a non-empty string)")


def verified_max_age() -> int:
    """``DING["VERIFIED_MAX_AGE"]``: seconds a session's verified marker lasts, 1 or more."""
    result: int = _count("VERIFIED_MAX_AGE", unit="seconds")
    return result


def trusted_proxy_count() -> int:
    """``DING["TRUSTED_PROXY_COUNT"]``: reverse proxies in front of Django, 0 or more."""
    result: int = _count("TRUSTED_PROXY_COUNT", minimum=0, unit="proxies")
    return result


def trusted_proxy_header() -> str:
    """``DING["TRUSTED_PROXY_HEADER"]``: a ``request.META`` name such as
    ``'HTTP_X_FORWARDED_FOR'`` (not the header as sent, ``X-Forwarded-For``)."""
    value = ding_settings.TRUSTED_PROXY_HEADER
    if isinstance(value, str) and _META_NAME.fullmatch(value):
        return value
    raise refuse(
        "TRUSTED_PROXY_HEADER",
        "a request.META name in capitals such as 'HTTP_X_FORWARDED_FOR'",
        value,
    )


def ipv6_prefix_length() -> int:
    """``DING["IPV6_PREFIX_LENGTH"]``: the prefix length of the IPv6 network
    the per-address limits count a client by, 32 to 128 (64 by default)."""
    result: int = whole_number(
        "IPV6_PREFIX_LENGTH", ding_settings.IPV6_PREFIX_LENGTH, minimum=32, maximum=128
    )
    return result


def breaker_failures() -> int | None:
    """``DING["BREAKER_FAILURES"]``: the consecutive transport failures that
    open the circuit breaker, 1 or more, or ``None`` (no breaker)."""
    result: int | None = _count(
        "BREAKER_FAILURES", unit="failures", none_means="to turn the circuit breaker off"
    )
    return result


def breaker_cool_off() -> float:
    """``DING["BREAKER_COOL_OFF"]``: seconds the circuit breaker stays open
    before it lets one probe request through (a positive, finite number)."""
    return number_of_seconds("BREAKER_COOL_OFF", ding_settings.BREAKER_COOL_OFF, positive=True)


def breaker_cache() -> str:
    """``DING["BREAKER_CACHE"]``: the alias, in ``settings.CACHES``, of the
    cache that holds the circuit breaker's state."""
    value = ding_settings.BREAKER_CACHE
    aliases = getattr(settings, "CACHES", {}) or {}
    if isinstance(value, str) and value in aliases:
        return value
    raise refuse(
        "BREAKER_CACHE",
        "an alias of settings.CACHES ("
        + (", ".join(map(repr, sorted(aliases))) or "none defined")
        + ")",
        value,
    )


#: The reader of every key, in :data:`DEFAULTS` order. The system checks call
#: each one; a new key gets its reader here and its check id in ``checks.py``.
READERS: Final[Mapping[str, Callable[[], Any]]] = MappingProxyType(
    {
        "BACKEND": backend_path,
        "API_KEY": api_key,
        "CUSTOMER_UUID": customer_uuid,
        "BASE_URL": base_url,
        "TIMEOUT": timeout,
        "MAX_RETRIES": max_retries,
        "RETRY_BACKOFF": retry_backoff,
        "RETRY_AFTER_MAX": retry_after_max,
        "BREAKER_FAILURES": breaker_failures,
        "BREAKER_COOL_OFF": breaker_cool_off,
        "BREAKER_CACHE": breaker_cache,
        "MAX_CHECK_ATTEMPTS": max_check_attempts,
        "MAX_FAILED_CHECKS_PER_PHONE": max_failed_checks_per_phone,
        "PHONE_FAILURE_WINDOW": phone_failure_window,
        "MAX_FAILED_CHECKS_PER_CLIENT": max_failed_checks_per_client,
        "CLIENT_FAILURE_WINDOW": client_failure_window,
        "SEND_COOLDOWN": send_cooldown,
        "SEND_LIMIT_PER_PHONE": send_limit_per_phone,
        "SEND_LIMIT_PER_IP": send_limit_per_ip,
        "IPV6_PREFIX_LENGTH": ipv6_prefix_length,
        "SEND_LIMIT_GLOBAL_PER_HOUR": send_limit_global_per_hour,
        "AUTHENTICATION_TTL": authentication_ttl,
        "CREATE_DEFAULTS": create_defaults,
        "SEND_ONBOARDED_FEEDBACK": send_onboarded_feedback,
        "TASK_BACKEND": task_backend,
        "DEFAULT_REGION": default_region,
        "SUCCESS_URL": success_url,
        "VERIFIED_MAX_AGE": verified_max_age,
        "TRUSTED_PROXY_COUNT": trusted_proxy_count,
        "TRUSTED_PROXY_HEADER": trusted_proxy_header,
    }
)
