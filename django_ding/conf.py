"""The ``DING`` setting: every default in one place, read lazily.

Values are looked up in ``django.conf.settings.DING`` on every access, so
``override_settings(DING={...})`` takes effect at once and nothing is frozen
at import time::

    from django_ding.conf import ding_settings

    ding_settings.TIMEOUT  # -> (3.05, 10.0)

Add-on apps (the sandbox is one) read their own keys from the same ``DING``
dict. The core knows nothing of them: an app declares its keys and defaults
with :func:`register_plugin_settings` (from its ``AppConfig.ready()``), and
the unknown-key warning ``django_ding.W001`` then leaves them alone while the
app is installed. ``DING`` stays one dict.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final

import phonenumbers
from django.apps import apps
from django.conf import settings

from django_ding.exceptions import DingConfigurationError

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
        if isinstance(part, bool) or not isinstance(part, int | float) or part <= 0:
            raise ValueError("timeouts must be positive numbers of seconds")
        result.append(float(part))
    return result[0], result[1]


def verified_max_age() -> int:
    """``DING["VERIFIED_MAX_AGE"]``: seconds a session's verified marker lasts.

    Raises :class:`DingConfigurationError` naming the setting unless it is a
    positive whole number.
    """
    value = ding_settings.VERIFIED_MAX_AGE
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise DingConfigurationError(
            f"settings.DING['VERIFIED_MAX_AGE'] must be a positive whole number of "
            f"seconds, not {value!r}."
        )
    return value


def create_defaults() -> dict[str, Any]:
    """``DING["CREATE_DEFAULTS"]``: a dict of create field names to values.

    Only its shape is checked here; the configured backend checks the names
    and values (system check ``django_ding.E021``, and every send).
    """
    value = ding_settings.CREATE_DEFAULTS
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(key, str) for key in value):
        raise DingConfigurationError(
            "settings.DING['CREATE_DEFAULTS'] must be a dict of create field names to "
            f"values, not {type(value).__name__}."
        )
    return dict(value)


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
        raise DingConfigurationError(
            f"settings.DING['DEFAULT_REGION'] = {value!r} is not a region code. "
            "Use a two-letter ISO 3166-1 code such as 'FR' or 'US', or None."
        )
    return region


_INF: Final = float("inf")


def breaker_failures() -> int | None:
    """``DING["BREAKER_FAILURES"]``: the consecutive transport failures that
    open the circuit breaker, or ``None`` (no breaker).

    Raises :class:`DingConfigurationError` naming the setting unless it is
    ``None`` or a positive whole number.
    """
    value = ding_settings.BREAKER_FAILURES
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise DingConfigurationError(
            f"settings.DING['BREAKER_FAILURES'] must be a positive whole number of failures, "
            f"or None to turn the circuit breaker off, not {value!r}."
        )
    return value


def breaker_cool_off() -> float:
    """``DING["BREAKER_COOL_OFF"]``: seconds the circuit breaker stays open
    before it lets one probe request through.

    Raises :class:`DingConfigurationError` naming the setting unless it is a
    positive, finite number of seconds.
    """
    value = ding_settings.BREAKER_COOL_OFF
    # NaN and infinity fail the comparison.
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < _INF:
        raise DingConfigurationError(
            f"settings.DING['BREAKER_COOL_OFF'] must be a positive number of seconds, "
            f"not {value!r}."
        )
    return float(value)


def breaker_cache() -> str:
    """``DING["BREAKER_CACHE"]``: the alias, in ``settings.CACHES``, of the
    cache that holds the circuit breaker's state.

    Raises :class:`DingConfigurationError` naming the setting unless it is
    one of the ``CACHES`` aliases.
    """
    value = ding_settings.BREAKER_CACHE
    aliases = getattr(settings, "CACHES", {}) or {}
    if not isinstance(value, str) or value not in aliases:
        raise DingConfigurationError(
            f"settings.DING['BREAKER_CACHE'] = {value!r} is not an alias of settings.CACHES "
            f"({', '.join(map(repr, sorted(aliases))) or 'none defined'})."
        )
    return value
