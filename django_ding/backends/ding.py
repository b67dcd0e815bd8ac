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

from django_ding.backends.arguments import (
    cnam_argument,
    code_argument,
    create_fields_argument,
    feedback_status_argument,
    phone_argument,
    uuid_argument,
)
from django_ding.backends.http import USER_AGENT, Endpoint, HTTPBackend, parse_retry_after
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

    @sensitive_variables("phone_number", "phone", "fields", "extra", "api_key", "body")
    def create_authentication(
        self, phone_number: str, **fields: Any
    ) -> CreateAuthenticationResponse:
        phone = phone_argument(phone_number)
        extra: dict[str, Any] = {}
        if fields:
            self.validate_fields(fields)
            extra = create_fields_argument(fields)
        api_key, customer_uuid = self._credentials()
        body = {"customer_uuid": customer_uuid, "phone_number": phone, **extra}
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

    @sensitive_variables("check_code", "code", "phone_number", "api_key", "body")
    def check(
        self, authentication_uuid: str, check_code: str, *, phone_number: str | None = None
    ) -> CreateCheckResponse:
        auth = uuid_argument(authentication_uuid, "authentication_uuid")
        code = code_argument(check_code)
        api_key, customer_uuid = self._credentials()
        body = {"customer_uuid": customer_uuid, "authentication_uuid": auth, "check_code": code}
        response = self._request(ENDPOINTS["check"], api_key, json_body=body, redact=(code,))
        return CreateCheckResponse.from_wire(self.json_object(response, ENDPOINTS["check"]))

    @sensitive_variables("phone_number", "api_key", "body")
    def retry(
        self, authentication_uuid: str, *, phone_number: str | None = None
    ) -> RetryAuthenticationResponse:
        auth = uuid_argument(authentication_uuid, "authentication_uuid")
        api_key, customer_uuid = self._credentials()
        body = {"customer_uuid": customer_uuid, "authentication_uuid": auth}
        response = self._request(ENDPOINTS["retry"], api_key, json_body=body)
        return RetryAuthenticationResponse.from_wire(self.json_object(response, ENDPOINTS["retry"]))

    @sensitive_variables("phone_number", "phone", "api_key", "body")
    def feedback(self, phone_number: str, status: str) -> FeedbackResponse:
        phone = phone_argument(phone_number)
        wire_status = feedback_status_argument(status)
        api_key, customer_uuid = self._credentials()
        body = {"customer_uuid": customer_uuid, "phone_number": phone, "status": wire_status}
        response = self._request(ENDPOINTS["feedback"], api_key, json_body=body, redact=(phone,))
        return FeedbackResponse.from_wire(self.json_object(response, ENDPOINTS["feedback"]))

    @sensitive_variables("api_key")
    def get_authentication_status(self, auth_uuid: str) -> AuthenticationStatusResponse:
        auth = uuid_argument(auth_uuid, "auth_uuid")
        api_key, _ = self._credentials()
        response = self._request(
            ENDPOINTS["get_authentication_status"], api_key, path_params={"auth_uuid": auth}
        )
        data = self.json_object(response, ENDPOINTS["get_authentication_status"])
        return AuthenticationStatusResponse.from_wire(data)

    @sensitive_variables("phone_number", "phone", "api_key")
    def lookup(self, phone_number: str, *, cnam: bool = False) -> LookupResponse:
        phone = phone_argument(phone_number)
        cnam = cnam_argument(cnam)
        api_key, customer_uuid = self._credentials()
        response = self._request(
            ENDPOINTS["lookup"],
            api_key,
            path_params={"phone_number": phone},
            params={"type": "cnam"} if cnam else None,
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
