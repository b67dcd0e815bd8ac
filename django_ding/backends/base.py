"""The backend interface: the six operations of the Ding API.

A backend knows a provider's wire format and transport and nothing of Django
models. It returns the immutable results of :mod:`django_ding.backends.results`
and raises :mod:`django_ding.exceptions`.

Method names follow the official Ding SDKs (``create_authentication``,
``check``, ``retry``, ``feedback``, ``get_authentication_status``,
``lookup``). A provider that identifies an authentication by phone number
rather than by UUID (Prelude Verify v2) receives the phone number through the
keyword-only ``phone_number`` argument of ``check`` and ``retry``, which the
service layer always passes.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from typing import Any, ClassVar, overload

import requests
from django.views.decorators.debug import sensitive_variables

from django_ding import conf
from django_ding.backends.arguments import create_fields_argument, uuid_argument
from django_ding.backends.operations import (
    BackendRequest,
    CheckRequest,
    CreateRequest,
    FeedbackRequest,
    LookupRequest,
    RetryRequest,
    StatusRequest,
)
from django_ding.backends.results import (
    AuthenticationStatusResponse,
    CreateAuthenticationResponse,
    CreateCheckResponse,
    FeedbackResponse,
    LookupResponse,
    RetryAuthenticationResponse,
)
from django_ding.conf import normalize_timeout
from django_ding.exceptions import DingConfigurationError

__all__ = ["CREATE_AUTHENTICATION_FIELDS", "BaseBackend"]

#: The optional fields ``create_authentication`` accepts, as in the spec's
#: ``CreateAuthenticationRequest`` (``customer_uuid`` and ``phone_number`` are
#: supplied separately).
CREATE_AUTHENTICATION_FIELDS = frozenset(
    {
        "ip",
        "device_id",
        "device_type",
        "app_version",
        "sender_id",
        "callback_url",
        "app_realm",
        "os_version",
        "device_model",
        "is_returning_user",
        "template_id",
        "correlation_id",
        "locale",
    }
)

_UNSET: Any = object()


class BaseBackend(abc.ABC):
    """Base class of every provider backend.

    Construction takes every value from the ``DING`` setting unless given as
    a keyword argument: ``api_key``, ``customer_uuid``, ``base_url``,
    ``timeout`` (seconds, or a ``(connect, read)`` pair) and ``session`` (a
    ``requests.Session`` to use instead of the backend's own).
    """

    #: Whether the backend needs ``API_KEY`` (checked by the system checks).
    requires_credentials: ClassVar[bool] = False
    #: Whether it also needs ``CUSTOMER_UUID`` (checks E003/E004): Ding v1
    #: does, Prelude v2 does not.
    requires_customer_uuid: ClassVar[bool] = False
    #: The ``INSTALLED_APPS`` entry the backend needs (its state, its models),
    #: or ``None``. The system check ``django_ding.E012`` reports it missing;
    #: e.g. ``"django_ding.sandbox"`` for the sandbox backends.
    required_app: ClassVar[str | None] = None
    #: The server used when ``DING["BASE_URL"]`` is unset (``None``).
    default_base_url: ClassVar[str | None] = None
    #: The optional fields ``create_authentication`` accepts.
    create_fields: ClassVar[frozenset[str]] = CREATE_AUTHENTICATION_FIELDS
    #: Whether ``check`` and ``retry`` need ``phone_number=`` (Prelude v2
    #: identifies a verification by its phone number).
    phone_keyed: ClassVar[bool] = False

    # An invalid setting raises from here: keep the key out of error reports.
    @sensitive_variables("api_key")
    def __init__(
        self,
        *,
        api_key: str | None = _UNSET,
        customer_uuid: str | None = _UNSET,
        base_url: str | None = _UNSET,
        timeout: float | tuple[float, float] | None = _UNSET,
        session: requests.Session | None = None,
    ) -> None:
        # From the settings through their readers (a wrong value raises, naming
        # the key); a keyword argument is checked when it is used.
        self.api_key: str | None = conf.api_key() if api_key is _UNSET else api_key
        self.customer_uuid: str | None = (
            conf.customer_uuid() if customer_uuid is _UNSET else customer_uuid
        )
        url = conf.base_url() if base_url is _UNSET else base_url
        self.base_url: str = str(url or self.default_base_url or "").rstrip("/")
        if timeout is _UNSET:
            self.timeout: tuple[float, float] = conf.timeout()
        else:
            try:
                self.timeout = normalize_timeout(timeout)
            except ValueError as err:
                raise DingConfigurationError(
                    f"settings.DING['TIMEOUT'] (or timeout=) is invalid: {err}. "
                    "Use seconds, or a (connect, read) pair such as (3.05, 10)."
                ) from err
        self._session = session

    def __repr__(self) -> str:
        # Never show the API key.
        return f"<{type(self).__name__} base_url={self.base_url!r}>"

    # -- The six operations -------------------------------------------------
    # Each public method builds its request (checking every argument, once)
    # and sends it; a subclass implements the ``_<operation>(request)``
    # methods, which map a trusted request to the wire and check nothing.

    @sensitive_variables("phone_number", "fields")
    def create_authentication(
        self, phone_number: str, **fields: Any
    ) -> CreateAuthenticationResponse:
        """Send a code to ``phone_number`` (E.164). ``fields`` are any of
        :attr:`create_fields` (:data:`CREATE_AUTHENTICATION_FIELDS` for v1)."""
        return self.send(CreateRequest.build(type(self), phone_number, fields))

    @sensitive_variables("check_code", "phone_number")
    def check(
        self, authentication_uuid: str, check_code: str, *, phone_number: str | None = None
    ) -> CreateCheckResponse:
        """Check the code the user typed."""
        request = CheckRequest.build(
            type(self), authentication_uuid, check_code, phone_number=phone_number
        )
        return self.send(request)

    @sensitive_variables("phone_number")
    def retry(
        self, authentication_uuid: str, *, phone_number: str | None = None
    ) -> RetryAuthenticationResponse:
        """Send the code again (a new delivery of the same authentication)."""
        return self.send(
            RetryRequest.build(type(self), authentication_uuid, phone_number=phone_number)
        )

    @sensitive_variables("phone_number")
    def feedback(self, phone_number: str, status: str) -> FeedbackResponse:
        """Tell the provider whether the user ``onboarded`` or ``not_onboarded``."""
        return self.send(FeedbackRequest.build(phone_number, status))

    def get_authentication_status(self, auth_uuid: str) -> AuthenticationStatusResponse:
        """Return the authentication with its signals and events."""
        return self.send(StatusRequest.build(type(self), auth_uuid))

    @sensitive_variables("phone_number")
    def lookup(self, phone_number: str, *, cnam: bool = False) -> LookupResponse:
        """Return carrier and line metadata for ``phone_number``."""
        return self.send(LookupRequest.build(phone_number, cnam=cnam))

    # -- Sending a built request --------------------------------------------

    @overload
    def send(self, request: CreateRequest) -> CreateAuthenticationResponse: ...
    @overload
    def send(self, request: CheckRequest) -> CreateCheckResponse: ...
    @overload
    def send(self, request: RetryRequest) -> RetryAuthenticationResponse: ...
    @overload
    def send(self, request: FeedbackRequest) -> FeedbackResponse: ...
    @overload
    def send(self, request: StatusRequest) -> AuthenticationStatusResponse: ...
    @overload
    def send(self, request: LookupRequest) -> LookupResponse: ...
    @sensitive_variables("request")
    def send(self, request: BackendRequest) -> Any:
        """Run a request of :mod:`django_ding.backends.operations`, built
        (and so checked) by its ``build()``: nothing is checked again. A v2
        backend returns its v2 results, as its public methods do."""
        match request:
            case CreateRequest():
                return self._create_authentication(request)
            case CheckRequest():
                return self._check(request)
            case RetryRequest():
                return self._retry(request)
            case FeedbackRequest():
                return self._feedback(request)
            case StatusRequest():
                return self._get_authentication_status(request)
            case LookupRequest():
                return self._lookup(request)
        raise TypeError(f"Not a backend request: {type(request).__name__}.")

    @abc.abstractmethod
    def _create_authentication(self, request: CreateRequest) -> CreateAuthenticationResponse:
        """Send ``request.phone_number`` a code with ``request.wire_fields``."""

    @abc.abstractmethod
    def _check(self, request: CheckRequest) -> CreateCheckResponse:
        """Check ``request.code``."""

    @abc.abstractmethod
    def _retry(self, request: RetryRequest) -> RetryAuthenticationResponse:
        """Send the code of ``request.provider_id`` again."""

    @abc.abstractmethod
    def _feedback(self, request: FeedbackRequest) -> FeedbackResponse:
        """Send the feedback ``request.status``."""

    @abc.abstractmethod
    def _get_authentication_status(self, request: StatusRequest) -> AuthenticationStatusResponse:
        """Read the verification ``request.provider_id``."""

    @abc.abstractmethod
    def _lookup(self, request: LookupRequest) -> LookupResponse:
        """Look ``request.phone_number`` up."""

    # -- Helpers for subclasses ---------------------------------------------

    @classmethod
    def validate_fields(cls, fields: Mapping[str, Any]) -> None:
        """Refuse create fields this backend does not define (a typo would
        otherwise be dropped silently by the provider).

        ``BaseBackend.validate_fields`` checks against the v1 fields; ask the
        configured class (``load_backend_class().validate_fields``) for the
        fields of the provider in use.
        """
        allowed = cls.create_fields
        unknown = sorted(set(fields) - allowed)
        if unknown:
            raise TypeError(
                "create_authentication() got unexpected field(s): "
                + ", ".join(unknown)
                + ". Allowed: "
                + ", ".join(sorted(allowed))
            )

    @classmethod
    def validate_field_values(cls, fields: Mapping[str, Any]) -> None:
        """Check the values of create ``fields`` (already named in
        :attr:`create_fields`) as this backend will, without sending anything:
        raises ``ValueError`` or ``TypeError``. The service layer calls it
        before recording a send, so a bad value leaves no ``failed`` row."""
        cls.clean_field_values(fields)

    @classmethod
    def clean_field_values(cls, fields: Mapping[str, Any]) -> dict[str, Any]:
        """The create ``fields`` checked (as :meth:`validate_field_values`)
        and in the form this backend sends: what
        :class:`~django_ding.backends.operations.CreateRequest` keeps as
        ``wire_fields``."""
        return create_fields_argument(fields)

    @classmethod
    def provider_id_argument(cls, value: object, name: str) -> str:
        """A provider id (``authentication_uuid``) checked, in canonical form:
        a UUID for Ding v1."""
        return uuid_argument(value, name)
