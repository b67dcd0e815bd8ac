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

from django_ding.backends.enums import FeedbackStatus
from django_ding.backends.http import Endpoint, HTTPBackend
from django_ding.backends.operations import (
    CheckRequest,
    CreateRequest,
    FeedbackRequest,
    LookupRequest,
    RetryRequest,
    StatusRequest,
    required_phone,
)
from django_ding.backends.prelude_enums import FeedbackType
from django_ding.backends.prelude_fields import prelude_body, target
from django_ding.backends.prelude_results import (
    PhoneLookupResponse,
    VerificationCheckResponse,
    VerificationHistoryResponse,
    VerificationResponse,
    VerificationRetryResponse,
    WatchFeedbackResponse,
)
from django_ding.backends.prelude_rules import PreludeRules
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


class PreludeBackend(PreludeRules, HTTPBackend):
    """Prelude Verify v2 over HTTP with ``requests``.

    Settings: ``DING = {"BACKEND": "django_ding.backends.prelude.PreludeBackend",
    "API_KEY": ...}``; no ``CUSTOMER_UUID``. Takes the same keyword arguments
    as :class:`~django_ding.backends.ding.DingBackend` (``customer_uuid`` is
    accepted and ignored).
    """

    requires_credentials = True
    requires_customer_uuid = False
    default_base_url: ClassVar[str | None] = "https://api.prelude.dev/v2"
    logger_name: ClassVar[str] = __name__

    @sensitive_variables("api_key")
    def auth_headers(self, api_key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {api_key}"}

    # -- The six operations -------------------------------------------------------
    # They return the v2 results, not BaseBackend's v1 ones (hence the
    # override ignores); both offer the neutral view of backends.outcomes.
    # The requests are built (checked) by BaseBackend's public methods or by
    # the caller of send(): only the v2 wire is here.

    @sensitive_variables("request", "body")
    def _create_authentication(self, request: CreateRequest) -> VerificationResponse:  # type: ignore[override]
        body = prelude_body(request.phone_number, request.wire_fields)
        return self._post_verification(
            VerificationResponse, request.phone_number, body, "create_authentication"
        )

    @sensitive_variables("request", "code", "phone", "api_key", "body")
    def _check(self, request: CheckRequest) -> VerificationCheckResponse:  # type: ignore[override]
        code = request.code
        phone = required_phone(request)
        api_key = self._api_key()
        body = {"target": target(phone), "code": code}
        endpoint = ENDPOINTS["check"]
        response = self._request(endpoint, api_key, json_body=body, redact=(phone, code))
        return VerificationCheckResponse.from_wire(self.json_object(response, endpoint))

    @sensitive_variables("request", "phone", "body")
    def _retry(self, request: RetryRequest) -> VerificationRetryResponse:  # type: ignore[override]
        phone = required_phone(request)
        body = {"target": target(phone)}
        return self._post_verification(VerificationRetryResponse, phone, body, "retry")

    @sensitive_variables("request", "phone", "api_key", "body")
    def _feedback(self, request: FeedbackRequest) -> WatchFeedbackResponse:  # type: ignore[override]
        phone = request.phone_number
        if request.status == FeedbackStatus.NOT_ONBOARDED:
            # No v2 counterpart: a started funnel never completed says it.
            logger.debug("Prelude feedback not_onboarded: nothing to send in v2.")
            return WatchFeedbackResponse(sent=False)
        api_key = self._api_key()
        body = {"feedbacks": [{"target": target(phone), "type": FeedbackType.COMPLETED.value}]}
        endpoint = ENDPOINTS["feedback"]
        response = self._request(endpoint, api_key, json_body=body, redact=(phone,))
        return WatchFeedbackResponse.from_wire(self.json_object(response, endpoint))

    @sensitive_variables("api_key")
    def _get_authentication_status(self, request: StatusRequest) -> VerificationHistoryResponse:  # type: ignore[override]
        api_key = self._api_key()
        endpoint = ENDPOINTS["get_authentication_status"]
        response = self._request(endpoint, api_key, path_params={"id": request.provider_id})
        return VerificationHistoryResponse.from_wire(self.json_object(response, endpoint))

    @sensitive_variables("request", "phone", "api_key")
    def _lookup(self, request: LookupRequest) -> PhoneLookupResponse:  # type: ignore[override]
        phone = request.phone_number
        api_key = self._api_key()
        endpoint = ENDPOINTS["lookup"]
        response = self._request(
            endpoint,
            api_key,
            path_params={"phone_number": phone},
            params={"type": "cnam"} if request.cnam else None,
            redact=(phone,),
        )
        return PhoneLookupResponse.from_wire(self.json_object(response, endpoint))

    # -- Helpers ------------------------------------------------------------------

    @sensitive_variables("phone", "api_key", "body")
    def _post_verification(
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
