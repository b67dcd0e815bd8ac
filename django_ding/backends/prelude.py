"""The Prelude Verify v2 wire: :class:`PreludeBackend`.

Ding is now Prelude: new API keys are for Verify v2. The transport (session,
timeouts, safe retries, error mapping, logging) is
:class:`~django_ding.backends.http.HTTPBackend`'s; this module holds the v2
endpoints, the Bearer credentials and the mapping between the backend
interface (the Ding SDK method names) and the v2 wire:

* ``create_authentication`` → ``POST /verification`` (fields mapped in
  :mod:`django_ding.backends.prelude_fields`);
* ``check`` → ``POST /verification/check`` keyed by the phone number
  (``phone_number=`` is required);
* ``retry`` → a second ``POST /verification`` for the same phone number
  (``phone_number=`` is required);
* ``feedback`` → ``POST /watch/feedback`` for ``onboarded``; nothing is sent
  for ``not_onboarded``, which has no v2 counterpart;
* ``get_authentication_status`` → ``GET /verification/phone/history/{id}``;
* ``lookup`` → ``GET /lookup/{phone_number}``.

``BASE_URL`` is the one ending in ``/v2`` (default ``https://api.prelude.dev/v2``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, ClassVar, Final, TypeVar

from django.views.decorators.debug import sensitive_variables

from django_ding.backends.arguments import (
    cnam_argument,
    code_argument,
    feedback_status_argument,
    phone_argument,
    verification_id_argument,
)
from django_ding.backends.enums import FeedbackStatus
from django_ding.backends.http import Endpoint, HTTPBackend
from django_ding.backends.prelude_enums import FeedbackType
from django_ding.backends.prelude_fields import PRELUDE_CREATE_FIELDS, prelude_create_body, target
from django_ding.backends.prelude_results import (
    PhoneLookupResponse,
    VerificationCheckResponse,
    VerificationHistoryResponse,
    VerificationResponse,
    VerificationRetryResponse,
    WatchFeedbackResponse,
)
from django_ding.exceptions import DingInvalidResponseError

__all__ = ["ENDPOINTS", "PreludeBackend"]

logger = logging.getLogger(__name__)
_R = TypeVar("_R", bound=VerificationResponse)

#: Each operation's wire method and path, relative to the ``/v2`` base URL.
ENDPOINTS: Final[Mapping[str, Endpoint]] = MappingProxyType(
    {
        "create_authentication": Endpoint("POST", "/verification"),
        "check": Endpoint("POST", "/verification/check"),
        "retry": Endpoint("POST", "/verification"),
        "feedback": Endpoint("POST", "/watch/feedback"),
        "get_authentication_status": Endpoint("GET", "/verification/phone/history/{id}"),
        "lookup": Endpoint("GET", "/lookup/{phone_number}"),
    }
)


class PreludeBackend(HTTPBackend):
    """Prelude Verify v2 over HTTP with ``requests``.

    Settings: ``DING = {"BACKEND": "django_ding.backends.prelude.PreludeBackend",
    "API_KEY": ...}``; no ``CUSTOMER_UUID``. Takes the same keyword arguments
    as :class:`~django_ding.backends.ding.DingBackend` (``customer_uuid`` is
    accepted and ignored).
    """

    requires_credentials = True
    requires_customer_uuid = False
    default_base_url: ClassVar[str | None] = "https://api.prelude.dev/v2"
    create_fields: ClassVar[frozenset[str]] = PRELUDE_CREATE_FIELDS
    provider_name: ClassVar[str] = "Prelude"
    logger_name: ClassVar[str] = __name__

    @classmethod
    def validate_field_values(cls, fields: Mapping[str, Any]) -> None:
        # The body builder checks every value once (IPv6 addresses accepted,
        # v2 platforms, method and preferred_channel choices, correlation_id
        # length); the number is a placeholder, nothing is sent.
        prelude_create_body("+15555550100", fields)

    @sensitive_variables("api_key")
    def auth_headers(self, api_key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {api_key}"}

    # -- The six operations -------------------------------------------------------
    # They return the v2 results, not BaseBackend's v1 ones (hence the
    # override ignores); both offer the neutral view of backends.outcomes.

    @sensitive_variables("phone_number", "phone", "fields", "api_key", "body")
    def create_authentication(  # type: ignore[override]
        self, phone_number: str, **fields: Any
    ) -> VerificationResponse:
        phone = phone_argument(phone_number)
        self.validate_fields(fields)
        body = prelude_create_body(phone, fields)
        return self._create(VerificationResponse, phone, body, "create_authentication")

    @sensitive_variables("check_code", "code", "phone_number", "phone", "api_key", "body")
    def check(  # type: ignore[override]
        self, authentication_uuid: str, check_code: str, *, phone_number: str | None = None
    ) -> VerificationCheckResponse:
        verification_id_argument(authentication_uuid, "authentication_uuid")
        code = code_argument(check_code)
        phone = self._phone_for("check", phone_number)
        api_key = self._api_key()
        body = {"target": target(phone), "code": code}
        endpoint = ENDPOINTS["check"]
        response = self._request(endpoint, api_key, json_body=body, redact=(phone, code))
        return VerificationCheckResponse.from_wire(self.json_object(response, endpoint))

    @sensitive_variables("phone_number", "phone", "api_key", "body")
    def retry(  # type: ignore[override]
        self, authentication_uuid: str, *, phone_number: str | None = None
    ) -> VerificationRetryResponse:
        verification_id_argument(authentication_uuid, "authentication_uuid")
        phone = self._phone_for("retry", phone_number)
        body = {"target": target(phone)}
        return self._create(VerificationRetryResponse, phone, body, "retry")

    @sensitive_variables("phone_number", "phone", "api_key", "body")
    def feedback(self, phone_number: str, status: str) -> WatchFeedbackResponse:  # type: ignore[override]
        phone = phone_argument(phone_number)
        wire_status = feedback_status_argument(status)
        if wire_status == FeedbackStatus.NOT_ONBOARDED:
            # No v2 counterpart: a started funnel never completed says it.
            logger.debug("Prelude feedback not_onboarded: nothing to send in v2.")
            return WatchFeedbackResponse(sent=False)
        api_key = self._api_key()
        body = {"feedbacks": [{"target": target(phone), "type": FeedbackType.COMPLETED.value}]}
        endpoint = ENDPOINTS["feedback"]
        response = self._request(endpoint, api_key, json_body=body, redact=(phone,))
        return WatchFeedbackResponse.from_wire(self.json_object(response, endpoint))

    @sensitive_variables("api_key")
    def get_authentication_status(self, auth_uuid: str) -> VerificationHistoryResponse:  # type: ignore[override]
        verification = verification_id_argument(auth_uuid, "auth_uuid")
        api_key = self._api_key()
        endpoint = ENDPOINTS["get_authentication_status"]
        response = self._request(endpoint, api_key, path_params={"id": verification})
        return VerificationHistoryResponse.from_wire(self.json_object(response, endpoint))

    @sensitive_variables("phone_number", "phone", "api_key")
    def lookup(self, phone_number: str, *, cnam: bool = False) -> PhoneLookupResponse:  # type: ignore[override]
        phone = phone_argument(phone_number)
        cnam = cnam_argument(cnam)
        api_key = self._api_key()
        endpoint = ENDPOINTS["lookup"]
        response = self._request(
            endpoint,
            api_key,
            path_params={"phone_number": phone},
            params={"type": "cnam"} if cnam else None,
            redact=(phone,),
        )
        return PhoneLookupResponse.from_wire(self.json_object(response, endpoint))

    # -- Helpers ------------------------------------------------------------------

    @sensitive_variables("phone", "api_key", "body")
    def _create(
        self,
        kind: type[_R],
        phone: str,
        body: dict[str, Any],
        operation: str,
    ) -> _R:
        api_key = self._api_key()
        endpoint = ENDPOINTS[operation]
        response = self._request(endpoint, api_key, json_body=body, redact=(phone,))
        result = kind.from_wire(self.json_object(response, endpoint))
        if not result.id:
            raise DingInvalidResponseError(
                "Prelude answered POST /verification without a verification id.",
                status_code=response.status_code,
                body=response.text,
                raw_response=response,
            )
        return result

    @staticmethod
    @sensitive_variables("phone_number")
    def _phone_for(operation: str, phone_number: object) -> str:
        if phone_number is None:
            raise TypeError(
                f"PreludeBackend.{operation}() needs phone_number=: Prelude v2 identifies a "
                "verification by its phone number."
            )
        return phone_argument(phone_number)
