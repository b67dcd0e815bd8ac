"""Provider backends and :func:`get_backend`.

``get_backend()`` returns the backend named by ``DING["BACKEND"]``, shared by
the whole process so its HTTP connection pool is reused. It is rebuilt when the
``DING`` setting changes (``override_settings`` in tests included).
"""

from __future__ import annotations

import hashlib
import threading
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string
from django.views.decorators.debug import sensitive_variables

from django_ding.backends.base import BaseBackend
from django_ding.conf import backend_path
from django_ding.exceptions import DingConfigurationError

__all__ = ["BaseBackend", "create_fields", "get_backend", "load_backend_class", "reset_backend"]

_lock = threading.Lock()
_cached: tuple[str, BaseBackend] | None = None


def _settings_fingerprint() -> str:
    """A digest of ``settings.DING``: changes whenever the setting does, and
    holds no secret (the API key must not sit in a frame local that Django's
    error page would show)."""
    return hashlib.sha256(repr(getattr(settings, "DING", None)).encode()).hexdigest()


def load_backend_class(path: str | None = None) -> type[BaseBackend]:
    """Import the backend class at ``path`` (default: ``DING["BACKEND"]``, read
    by its reader)."""
    path = path or backend_path()
    try:
        backend_class = import_string(str(path))
    except ImportError as err:
        raise DingConfigurationError(
            f"settings.DING['BACKEND'] = {path!r} cannot be imported: {err}"
        ) from err
    if not (isinstance(backend_class, type) and issubclass(backend_class, BaseBackend)):
        raise DingConfigurationError(
            f"settings.DING['BACKEND'] = {path!r} is not a django_ding BaseBackend subclass."
        )
    return backend_class


def create_fields() -> frozenset[str]:
    """The optional ``create_authentication`` fields of the configured backend
    (``load_backend_class().validate_fields(fields)`` checks them)."""
    return load_backend_class().create_fields


@sensitive_variables("kwargs")
def get_backend(**kwargs: Any) -> BaseBackend:
    """Return the configured backend.

    Without arguments the instance is shared and reused. With keyword
    arguments (``api_key``, ``customer_uuid``, ``base_url``, ``timeout``,
    ``session``) a new, unshared instance is built with them.
    """
    global _cached
    if kwargs:
        return load_backend_class()(**kwargs)
    key = _settings_fingerprint()
    with _lock:
        if _cached is None or _cached[0] != key:
            _cached = (key, load_backend_class()())
        return _cached[1]


def reset_backend(**_: Any) -> None:
    """Forget the shared backend (connected to ``setting_changed``)."""
    global _cached
    with _lock:
        _cached = None
