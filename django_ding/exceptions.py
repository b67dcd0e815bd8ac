"""Errors raised by django-ding.

``DingError`` is the base of everything that can go wrong *at run time* when
talking to the provider. Configuration mistakes are
:class:`DingConfigurationError`, a subclass of Django's
``ImproperlyConfigured`` and deliberately *not* of ``DingError``, so a broad
``except DingError`` in a view cannot hide a broken deployment.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured

from django_ding import bounded_json

if TYPE_CHECKING:
    import requests

__all__ = [
    "DingAPIError",
    "DingCircuitOpenError",
    "DingConfigurationError",
    "DingConnectionError",
    "DingError",
    "DingInvalidResponseError",
    "DingStorageError",
    "DingTimeoutError",
    "DingTransportError",
    "VerificationRefused",
]

# Longest response body quoted in an exception message.
_BODY_EXCERPT = 200


class DingConfigurationError(ImproperlyConfigured):
    """The ``DING`` setting is missing a value or holds a wrong one."""


class DingError(Exception):
    """Base class of run-time errors talking to the provider."""


class DingTransportError(DingError):
    """The HTTP exchange itself failed: nothing usable came back.

    ``request_sent`` tells whether the request may have reached the provider
    (``True`` after a read timeout, for example). A send whose request may
    have arrived must not be repeated blindly: it would be a second SMS.
    """

    def __init__(self, message: str, *, request_sent: bool) -> None:
        super().__init__(message)
        self.message = message
        self.request_sent = request_sent


class DingConnectionError(DingTransportError):
    """No connection could be made, or it broke."""


class DingTimeoutError(DingTransportError):
    """The provider did not answer within the configured timeout."""


class DingCircuitOpenError(DingTransportError):
    """The circuit breaker is open: the provider failed too many times in a
    row, so nothing was sent (``request_sent`` is always ``False``).

    ``retry_after`` is the whole seconds until the breaker lets a probe
    request through.
    """

    def __init__(self, message: str, *, retry_after: int | None = None) -> None:
        super().__init__(message, request_sent=False)
        self.retry_after = retry_after


class DingStorageError(DingError):
    """The verification history could not be read or written (a database
    error during a flow), raised ``from`` the ``DatabaseError``.

    The services leave nothing half-done behind it: no row stays in
    ``sending`` and no attempt stays reserved for ever (``docs/reliability.md``).
    """


class DingAPIError(DingError):
    """The provider answered with an error.

    Mirrors the official SDK's ``SDKError`` (``status_code``, ``message``,
    ``body``, ``raw_response``) and its ``ErrorResponse`` (``code``,
    ``doc_url``). ``param`` names the offending field in a Prelude v2 error
    (``{code, message, param}``, e.g. ``"target.value"``). ``code``,
    ``doc_url`` and ``param`` are ``None`` when the body does not carry them
    (a v1 error has no ``param``; an HTML page from a proxy, an empty
    body...). ``retry_after`` is the wait in seconds the provider asked for
    with a ``Retry-After`` header (a 429 or a 503), ``None`` without one.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        body: str = "",
        raw_response: requests.Response | None = None,
        code: str | None = None,
        doc_url: str | None = None,
        param: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.body = body
        self.raw_response = raw_response
        self.code = code
        self.doc_url = doc_url
        self.param = param
        self.retry_after = retry_after

    def __str__(self) -> str:
        parts = [f"{self.message} (HTTP {self.status_code}"]
        if self.code:
            parts.append(f", code={self.code}")
        if self.param:
            parts.append(f", param={self.param}")
        parts.append(")")
        return "".join(parts)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status_code={self.status_code!r}, "
            f"code={self.code!r}, message={self.message!r})"
        )

    @classmethod
    def from_body(
        cls,
        *,
        status_code: int,
        body: str,
        raw_response: requests.Response | None = None,
        provider: str = "Ding",
    ) -> DingAPIError:
        """Build the error from a response body of any shape (``provider``
        names the API in a message made up when the body has none)."""
        code: str | None = None
        doc_url: str | None = None
        param: str | None = None
        message: str | None = None
        parsed: Any = None
        try:
            # A deeply nested body is no error shape: refused before decoding.
            parsed = bounded_json.loads(body) if body.strip() else None
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            code = _str_or_none(parsed.get("code"))
            doc_url = _str_or_none(parsed.get("doc_url"))
            param = _str_or_none(parsed.get("param"))
            message = _str_or_none(parsed.get("message"))
        if not message:
            excerpt = " ".join(body.split())[:_BODY_EXCERPT]
            message = f"{provider} API error: " + excerpt if excerpt else ""
            message = message or f"{provider} API error (empty body)"
        return cls(
            message,
            status_code=status_code,
            body=body,
            raw_response=raw_response,
            code=code,
            doc_url=doc_url,
            param=param,
        )

    def with_message(self, message: str) -> DingAPIError:
        """The same error with another message (secrets scrubbed, say)."""
        return type(self)(
            message,
            status_code=self.status_code,
            body=self.body,
            raw_response=self.raw_response,
            code=self.code,
            doc_url=self.doc_url,
            param=self.param,
            retry_after=self.retry_after,
        )


class DingInvalidResponseError(DingAPIError):
    """A success status came with a body that is not the documented JSON."""


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


class VerificationRefused(Exception):
    """A local limit refused the action before any provider call.

    ``reason`` is a :class:`django_ding.reasons.Reason`; ``retry_after`` the
    whole seconds until the action may be tried again (``None`` when waiting
    does not help); ``authentication`` the row concerned, if any.
    """

    def __init__(
        self,
        reason: str,
        *,
        retry_after: int | None = None,
        authentication: Any = None,
        message: str | None = None,
    ) -> None:
        self.reason = reason
        self.retry_after = retry_after
        self.authentication = authentication
        super().__init__(message or f"refused: {reason}")
