"""The Ding v1 wire: :class:`DingBackend`.

The transport (session, timeouts, safe retries, error mapping, logging) is
:class:`~django_ding.backends.http.HTTPBackend`'s; this module holds only the
v1 endpoints, the credentials (``x-api-key`` header plus ``customer_uuid`` in
bodies, and a ``customer-uuid`` header on lookup) and the mapping to the
results of :mod:`django_ding.backends.results`.

:data:`ENDPOINTS` holds the wire method and path of each operation, so a fake
server (the sandbox's HTTP face, the benchmark) can serve the same routes.
``USER_AGENT``, ``Endpoint``, ``parse_retry_after``, ``PhoneNumberLogFilter``
and ``install_urllib3_log_filter`` moved to the transport modules and are
re-exported here.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, ClassVar, Final

from django.views.decorators.debug import sensitive_variables

from django_ding.backends.http import USER_AGENT, Endpoint, HTTPBackend, parse_retry_after
from django_ding.backends.operations import (
    CheckRequest,
    CreateRequest,
    FeedbackRequest,
    LookupRequest,
    RetryRequest,
    StatusRequest,
)
from django_ding.backends.redaction import PhoneNumberLogFilter, install_urllib3_log_filter
from django_ding.backends.results import (
    AuthenticationStatusResponse,
    CreateAuthenticationResponse,
    CreateCheckResponse,
    FeedbackResponse,
    LookupResponse,
    RetryAuthenticationResponse,
)
from django_ding.exceptions import DingConfigurationError, DingInvalidResponseError

__all__ = [
    "ENDPOINTS",
    "USER_AGENT",
    "DingBackend",
    "Endpoint",
    "PhoneNumberLogFilter",
    "install_urllib3_log_filter",
    "parse_retry_after",
]

#: Each operation's wire method and path, as in the OpenAPI spec.
ENDPOINTS: Final[Mapping[str, Endpoint]] = MappingProxyType(
    {
        "create_authentication": Endpoint("POST", "/authentication"),
        "check": Endpoint("POST", "/check"),
        "retry": Endpoint("POST", "/retry"),
        "feedback": Endpoint("POST", "/authentication/feedback"),
        "get_authentication_status": Endpoint("GET", "/authentication/{auth_uuid}"),
        "lookup": Endpoint("GET", "/lookup/{phone_number}"),
    }
)


class DingBackend(HTTPBackend):
    """Ding v1 over HTTP with ``requests``.

    Besides :class:`BaseBackend`'s keyword arguments it takes
    ``max_retries``, ``retry_backoff`` and ``retry_after_max`` (defaults: the
    ``DING`` keys ``MAX_RETRIES``, ``RETRY_BACKOFF``, ``RETRY_AFTER_MAX``).
    """

    requires_credentials = True
    requires_customer_uuid = True
    default_base_url: ClassVar[str | None] = "https://api.ding.live/v1"
    provider_name: ClassVar[str] = "Ding"
    logger_name: ClassVar[str] = __name__

    @sensitive_variables("kwargs")
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._checked_credentials: tuple[object, object, tuple[str, str]] | None = None

    @sensitive_variables("api_key")
    def auth_headers(self, api_key: str) -> dict[str, str]:
        return {"x-api-key": api_key}

    # -- The six operations -------------------------------------------------------
    # The requests are built (checked) by BaseBackend's public methods or by
    # the caller of send(): only the v1 wire is here.

    @sensitive_variables("request", "phone", "api_key", "body")
    def _create_authentication(self, request: CreateRequest) -> CreateAuthenticationResponse:
        phone = request.phone_number
        api_key, customer_uuid = self._credentials()
        body = {"customer_uuid": customer_uuid, "phone_number": phone, **request.wire_fields}
        response = self._request(
            ENDPOINTS["create_authentication"], api_key, json_body=body, redact=(phone,)
        )
        data = self.json_object(response, ENDPOINTS["create_authentication"])
        result = CreateAuthenticationResponse.from_wire(data)
        if not result.authentication_uuid:
            raise DingInvalidResponseError(
                "Ding accepted the authentication but returned no authentication_uuid.",
                status_code=response.status_code,
                body=response.text,
                raw_response=response,
            )
        return result

    @sensitive_variables("request", "code", "api_key", "body")
    def _check(self, request: CheckRequest) -> CreateCheckResponse:
        code = request.code
        api_key, customer_uuid = self._credentials()
        body = {
            "customer_uuid": customer_uuid,
            "authentication_uuid": request.provider_id,
            "check_code": code,
        }
        response = self._request(ENDPOINTS["check"], api_key, json_body=body, redact=(code,))
        return CreateCheckResponse.from_wire(self.json_object(response, ENDPOINTS["check"]))

    @sensitive_variables("request", "api_key", "body")
    def _retry(self, request: RetryRequest) -> RetryAuthenticationResponse:
        api_key, customer_uuid = self._credentials()
        body = {"customer_uuid": customer_uuid, "authentication_uuid": request.provider_id}
        response = self._request(ENDPOINTS["retry"], api_key, json_body=body)
        return RetryAuthenticationResponse.from_wire(self.json_object(response, ENDPOINTS["retry"]))

    @sensitive_variables("request", "phone", "api_key", "body")
    def _feedback(self, request: FeedbackRequest) -> FeedbackResponse:
        phone = request.phone_number
        api_key, customer_uuid = self._credentials()
        body = {"customer_uuid": customer_uuid, "phone_number": phone, "status": request.status}
        response = self._request(ENDPOINTS["feedback"], api_key, json_body=body, redact=(phone,))
        return FeedbackResponse.from_wire(self.json_object(response, ENDPOINTS["feedback"]))

    @sensitive_variables("api_key")
    def _get_authentication_status(self, request: StatusRequest) -> AuthenticationStatusResponse:
        api_key, _ = self._credentials()
        response = self._request(
            ENDPOINTS["get_authentication_status"],
            api_key,
            path_params={"auth_uuid": request.provider_id},
        )
        data = self.json_object(response, ENDPOINTS["get_authentication_status"])
        return AuthenticationStatusResponse.from_wire(data)

    @sensitive_variables("request", "phone", "api_key")
    def _lookup(self, request: LookupRequest) -> LookupResponse:
        phone = request.phone_number
        api_key, customer_uuid = self._credentials()
        response = self._request(
            ENDPOINTS["lookup"],
            api_key,
            path_params={"phone_number": phone},
            params={"type": "cnam"} if request.cnam else None,
            headers={"customer-uuid": customer_uuid},
            redact=(phone,),
        )
        return LookupResponse.from_wire(self.json_object(response, ENDPOINTS["lookup"]))

    @sensitive_variables("api_key", "checked", "result")
    def _credentials(self) -> tuple[str, str]:
        """The API key and the canonical customer UUID, or a configuration error.

        The check runs again only when ``api_key`` or ``customer_uuid`` change.
        """
        api_key = self.api_key
        customer = self.customer_uuid
        checked = self._checked_credentials
        if checked is not None and checked[0] is api_key and checked[1] is customer:
            return checked[2]
        result = self._check_credentials(api_key, customer)
        self._checked_credentials = (api_key, customer, result)
        return result

    @sensitive_variables("api_key")
    def _check_credentials(self, api_key: str | None, customer: str | None) -> tuple[str, str]:
        api_key = self._check_api_key(api_key)
        if not customer:
            raise DingConfigurationError(
                "settings.DING['CUSTOMER_UUID'] is required by DingBackend. "
                "Add it to the DING setting (or pass customer_uuid=)."
            )
        try:
            canonical = str(uuid.UUID(str(customer)))
        except ValueError:
            raise DingConfigurationError("settings.DING['CUSTOMER_UUID'] is not a UUID.") from None
        return api_key, canonical
