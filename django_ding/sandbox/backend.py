"""The sandbox backends: the sandbox provider, in-process.

* :class:`SandboxBackend` plays Ding v1 (``DING["BACKEND"] =
  "django_ding.sandbox.backend.SandboxBackend"``): it returns the v1 results,
  exactly as :class:`~django_ding.backends.ding.DingBackend` pointed at
  ``/ding-sandbox/v1`` would;
* :class:`PreludeSandboxBackend` plays Prelude Verify v2
  (``"django_ding.sandbox.backend.PreludeSandboxBackend"``): it returns the v2
  results of :mod:`django_ding.backends.prelude_results` and, like
  :class:`~django_ding.backends.prelude.PreludeBackend`, needs
  ``phone_number=`` on ``check`` and ``retry``.

Both answer from the one engine (:mod:`django_ding.sandbox.provider`,
:mod:`django_ding.sandbox.provider_v2`) that serves the sandbox's HTTP faces,
so a scenario gives the same results in-process and over HTTP. Arguments are
checked by the same typed requests as the HTTP backends'
(:mod:`django_ding.backends.operations`: a malformed argument is the same
``TypeError``/``ValueError``, raised before the provider sees anything). They
need ``"django_ding.sandbox"`` in ``INSTALLED_APPS`` (their state lives in the
database). With DEBUG off every call raises
:class:`~django_ding.exceptions.DingConfigurationError` unless
``DING["SANDBOX_ALLOW_WITHOUT_DEBUG"]`` is ``True``.

The slow magic number sleeps: when ``DING["SANDBOX_SLOW_SECONDS"]`` reaches
the read timeout, the call sleeps for the read timeout and raises
:class:`~django_ding.exceptions.DingTimeoutError` (``request_sent=True``:
the provider did the work, as a real server would have).

``django_ding.sandbox.backend.SandboxBackend`` is the deprecated old path of
:class:`SandboxBackend`.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from typing import Any, ClassVar

from django.apps import apps
from django.views.decorators.debug import sensitive_variables

from django_ding.backends.base import BaseBackend
from django_ding.backends.enums import FeedbackStatus
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
from django_ding.backends.results import (
    AuthenticationStatusResponse,
    CreateAuthenticationResponse,
    CreateCheckResponse,
    FeedbackResponse,
    LookupResponse,
    RetryAuthenticationResponse,
)
from django_ding.exceptions import DingAPIError, DingConfigurationError, DingTimeoutError
from django_ding.sandbox.access import require_sandbox_enabled

__all__ = ["PreludeSandboxBackend", "SandboxBackend"]

_APP = "django_ding.sandbox"


class _SandboxBackendBase(BaseBackend):
    """What both sandbox backends share: construction, the access rule, the
    slow magic number and engine errors as ``DingAPIError``. ``sleep``
    replaces ``time.sleep`` (tests)."""

    requires_credentials = False
    #: The system check django_ding.E012 requires "django_ding.sandbox" installed.
    required_app: ClassVar[str | None] = _APP
    #: Names the provider in error messages.
    provider_name: ClassVar[str] = "Ding"

    @sensitive_variables("kwargs")
    def __init__(self, *, sleep: Callable[[float], None] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not apps.is_installed(_APP):
            raise DingConfigurationError(
                'SandboxBackend keeps its state in the database: add "django_ding.sandbox" '
                "to INSTALLED_APPS and run migrate."
            )
        self._sleep = sleep or time.sleep

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"

    # -- Plumbing -------------------------------------------------------------

    # The provider's frames below hold the number and the code under names of
    # their own: hide every local of them in error reports.
    @sensitive_variables()
    def _call(
        self, phone_number: object, operation: Callable[[], dict[str, Any]]
    ) -> dict[str, Any]:
        """Run ``operation``; engine errors become ``DingAPIError``, and the
        slow magic number sleeps or times out like a slow server."""
        from django_ding.sandbox.provider import SandboxProviderError, slow_seconds_for

        require_sandbox_enabled()
        delay = slow_seconds_for(phone_number)
        try:
            try:
                return operation()
            finally:
                if delay is not None:
                    self._wait(delay)
        except SandboxProviderError as err:
            raise DingAPIError.from_body(
                status_code=err.status_code, body=json.dumps(err.body), provider=self.provider_name
            ) from err

    def _wait(self, delay: float) -> None:
        read_timeout = self.timeout[1]
        if delay < read_timeout:
            self._sleep(delay)
            return
        self._sleep(read_timeout)
        raise DingTimeoutError(
            f"The {self.provider_name} sandbox did not answer within {read_timeout:g} s "
            "(slow magic number; see docs/sandbox.md).",
            request_sent=True,
        )


class SandboxBackend(_SandboxBackendBase):
    """A local Ding v1 provider: codes in the console, the inbox page and the
    outbox; no network, no credentials."""

    @property
    def _customer(self) -> str:
        from django_ding.sandbox.provider import SANDBOX_CUSTOMER_UUID

        customer = self.customer_uuid or SANDBOX_CUSTOMER_UUID
        try:
            return str(uuid.UUID(str(customer)))
        except ValueError:
            raise DingConfigurationError("settings.DING['CUSTOMER_UUID'] is not a UUID.") from None

    # -- The six operations -------------------------------------------------
    # The requests are built (checked) as DingBackend's are (BaseBackend's
    # public methods or the caller of send()); the rest is the provider's.

    @sensitive_variables("request", "phone")
    def _create_authentication(self, request: CreateRequest) -> CreateAuthenticationResponse:
        from django_ding.sandbox import provider

        phone = request.phone_number
        customer = self._customer
        wire = self._call(
            phone,
            lambda: provider.create_authentication(
                customer_uuid=customer, phone_number=phone, fields=dict(request.wire_fields)
            ),
        )
        return CreateAuthenticationResponse.from_wire(wire)

    @sensitive_variables("request")
    def _check(self, request: CheckRequest) -> CreateCheckResponse:
        from django_ding.sandbox import provider

        customer = self._customer
        wire = self._call(
            None,
            lambda: provider.check(
                customer_uuid=customer,
                authentication_uuid=request.provider_id,
                check_code=request.code,
            ),
        )
        return CreateCheckResponse.from_wire(wire)

    @sensitive_variables("request")
    def _retry(self, request: RetryRequest) -> RetryAuthenticationResponse:
        from django_ding.sandbox import provider

        customer = self._customer
        wire = self._call(
            None,
            lambda: provider.retry(customer_uuid=customer, authentication_uuid=request.provider_id),
        )
        return RetryAuthenticationResponse.from_wire(wire)

    @sensitive_variables("request", "phone")
    def _feedback(self, request: FeedbackRequest) -> FeedbackResponse:
        from django_ding.sandbox import provider

        phone = request.phone_number
        customer = self._customer
        wire = self._call(
            phone,
            lambda: provider.feedback(
                customer_uuid=customer, phone_number=phone, status=request.status
            ),
        )
        return FeedbackResponse.from_wire(wire)

    def _get_authentication_status(self, request: StatusRequest) -> AuthenticationStatusResponse:
        from django_ding.sandbox import provider

        wire = self._call(
            None, lambda: provider.authentication_status(auth_uuid=request.provider_id)
        )
        return AuthenticationStatusResponse.from_wire(wire)

    @sensitive_variables("request", "phone")
    def _lookup(self, request: LookupRequest) -> LookupResponse:
        from django_ding.sandbox import provider

        phone = request.phone_number
        customer = self._customer
        wire = self._call(
            phone,
            lambda: provider.lookup(
                customer_uuid=customer, phone_number=phone, types=["cnam"] if request.cnam else []
            ),
        )
        return LookupResponse.from_wire(wire)


class PreludeSandboxBackend(PreludeRules, _SandboxBackendBase):
    """A local Prelude Verify v2 provider on the same engine and state.

    The create fields are :class:`~django_ding.backends.prelude.PreludeBackend`'s
    (the Ding v1 names plus ``user_agent``, ``method``, ``preferred_channel``)
    and are turned into the v2 wire body by the same code, which the engine
    then reads as the sandbox's v2 face does. The results are the v2 ones, so
    they offer the neutral view of :mod:`django_ding.backends.outcomes`.
    """

    @sensitive_variables("request", "phone", "body")
    def _create_authentication(self, request: CreateRequest) -> VerificationResponse:  # type: ignore[override]
        from django_ding.sandbox import provider_v2

        phone = request.phone_number
        body = prelude_body(phone, request.wire_fields)
        wire = self._call(phone, lambda: provider_v2.create_verification(body))
        return VerificationResponse.from_wire(wire)

    @sensitive_variables("request", "phone")
    def _check(self, request: CheckRequest) -> VerificationCheckResponse:  # type: ignore[override]
        from django_ding.sandbox import provider_v2

        phone = required_phone(request)
        wire = self._call(
            phone,
            lambda: provider_v2.check_verification({"target": target(phone), "code": request.code}),
        )
        return VerificationCheckResponse.from_wire(wire)

    @sensitive_variables("request", "phone")
    def _retry(self, request: RetryRequest) -> VerificationRetryResponse:  # type: ignore[override]
        from django_ding.sandbox import provider_v2

        phone = required_phone(request)
        wire = self._call(phone, lambda: provider_v2.create_verification({"target": target(phone)}))
        return VerificationRetryResponse.from_wire(wire)

    @sensitive_variables("request", "phone")
    def _feedback(self, request: FeedbackRequest) -> WatchFeedbackResponse:  # type: ignore[override]
        from django_ding.sandbox import provider_v2

        phone = request.phone_number
        if request.status == FeedbackStatus.NOT_ONBOARDED:
            return WatchFeedbackResponse(sent=False)  # no v2 counterpart, as PreludeBackend
        body = {"feedbacks": [{"target": target(phone), "type": FeedbackType.COMPLETED.value}]}
        wire = self._call(phone, lambda: provider_v2.watch_feedback(body))
        return WatchFeedbackResponse.from_wire(wire)

    def _get_authentication_status(self, request: StatusRequest) -> VerificationHistoryResponse:  # type: ignore[override]
        from django_ding.sandbox import provider_v2

        wire = self._call(None, lambda: provider_v2.verification_history(request.provider_id))
        return VerificationHistoryResponse.from_wire(wire)

    @sensitive_variables("request", "phone")
    def _lookup(self, request: LookupRequest) -> PhoneLookupResponse:  # type: ignore[override]
        from django_ding.sandbox import provider_v2

        phone = request.phone_number
        wire = self._call(
            phone,
            lambda: provider_v2.lookup(phone_number=phone, types=["cnam"] if request.cnam else []),
        )
        return PhoneLookupResponse.from_wire(wire)
