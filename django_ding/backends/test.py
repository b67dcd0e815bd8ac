"""In-memory test backends: no database, no installed app, no HTTP.

Put one in your test settings, as django-anymail's test backend::

    DING = {"BACKEND": "django_ding.backends.test.TestBackend"}          # Ding v1
    DING = {"BACKEND": "django_ding.backends.test.PreludeTestBackend"}   # Prelude v2

Both answer like their provider does, with the provider's real result classes
(so the neutral protocol of :mod:`django_ding.backends.outcomes` is exercised),
and share one :data:`provider` (:class:`~django_ding.backends.test_provider.TestProvider`):

* ``provider.outbox``: the codes "sent" (:class:`SentCode`), and
  ``provider.last_code(phone)``;
* ``provider.calls`` / ``calls_to(operation)`` / ``count(operation)``;
* ``provider.queue(operation, *answers)``, ``always(operation, answer)``,
  ``fail(operation, error)``: result objects, exceptions, callables, outcomes
  (``SendOutcome.BLOCKED``...) or wire statuses;
* ``provider.close(provider_id)``: end a verification (a v2 window) early;
* ``provider.reset()`` between tests.

Without a script they simulate the provider: every code is ``provider.code``
(``"123456"``); a right code verifies once; v1 paces resends
(``retry_wait``, ``max_retries``); v2 answers a send for a number whose window
is open with ``retry`` and the same id, and a send after it ended with
``success`` and a new id; ``provider.lifetime`` ends both.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from django.utils import timezone

from django_ding.backends.arguments import verification_id_argument
from django_ding.backends.base import BaseBackend
from django_ding.backends.enums import FeedbackStatus
from django_ding.backends.operations import (
    CheckRequest,
    CreateRequest,
    FeedbackRequest,
    LookupRequest,
    RetryRequest,
    StatusRequest,
)
from django_ding.backends.outcomes import (
    CODE_SENT_OUTCOMES,
    CheckOutcome,
    RetryOutcome,
    SendOutcome,
)
from django_ding.backends.prelude_rules import PreludeRules
from django_ding.backends.test_flavours import DING, PRELUDE, Flavour
from django_ding.backends.test_provider import (
    DEFAULT_CODE,
    Call,
    Scripted,
    SentCode,
    TestProvider,
    Verification,
    provider,
)

__all__ = [
    "BACKENDS",
    "DEFAULT_CODE",
    "Call",
    "PreludeTestBackend",
    "Scripted",
    "SentCode",
    "TestBackend",
    "TestProvider",
    "provider",
]

#: The dotted path of each flavour's test backend, for ``DING["BACKEND"]``.
BACKENDS = {
    "ding": "django_ding.backends.test.TestBackend",
    "prelude": "django_ding.backends.test.PreludeTestBackend",
}

_OUTCOMES = (SendOutcome, RetryOutcome, CheckOutcome)


def _scripted(answer: Any) -> Scripted | None:
    """``answer`` as a :class:`Scripted` when it is an outcome or a wire
    status; ``None`` when it is already a result object."""
    if isinstance(answer, Scripted):
        return answer
    if isinstance(answer, (*_OUTCOMES, str)):
        return Scripted(answer)
    return None


class TestBackend(BaseBackend):
    """The Ding v1 test backend (see the module docstring)."""

    __test__ = False  # not a pytest test class
    flavour: ClassVar[Flavour] = DING
    #: The shared provider (class attribute, so tests can reach it from the class).
    provider: ClassVar[TestProvider] = provider

    def __repr__(self) -> str:
        return f"<{type(self).__name__} ({self.flavour.name})>"

    @classmethod
    def provider_id_argument(cls, value: object, name: str) -> str:
        # Any opaque id: a v1 UUID and a v2 "vrf_..." both pass.
        return verification_id_argument(value, name)

    if TYPE_CHECKING:  # v1 or v2 results, by flavour

        def create_authentication(self, phone_number: str, **fields: Any) -> Any: ...
        def check(
            self, authentication_uuid: str, check_code: str, *, phone_number: str | None = None
        ) -> Any: ...
        def retry(self, authentication_uuid: str, *, phone_number: str | None = None) -> Any: ...
        def feedback(self, phone_number: str, status: str) -> Any: ...
        def get_authentication_status(self, auth_uuid: str) -> Any: ...
        def lookup(self, phone_number: str, *, cnam: bool = False) -> Any: ...

    # -- The six operations ------------------------------------------------------
    # The requests are built (checked) by BaseBackend's public methods or by
    # the caller of send(); the calls are recorded with their checked values
    # (the create fields as given).

    def _create_authentication(self, request: CreateRequest) -> Any:
        phone = request.phone_number

        def simulate() -> Any:
            window = provider.open_verification(phone) if self.flavour.windows else None
            return SendOutcome.RESENT if window is not None else SendOutcome.SENT

        answer = provider.answer(
            "create_authentication", phone, simulate, phone_number=phone, **request.fields
        )
        return self._sent(answer, phone, None, "create_authentication")

    def _check(self, request: CheckRequest) -> Any:
        provider_id, code, phone = request.provider_id, request.code, request.phone_number

        def simulate() -> Any:
            return self._simulate_check(provider_id, phone, code)

        answer = provider.answer(
            "check",
            provider_id,
            simulate,
            authentication_uuid=provider_id,
            check_code=code,
            phone_number=phone,
        )
        scripted = _scripted(answer)
        if scripted is not None:
            verification = self._verification(provider_id, phone)
            found = verification.provider_id if verification else provider_id
            found = scripted.provider_id or found
            result = self.flavour.check_result(found, self.flavour.check_status(scripted))
            if result.outcome is CheckOutcome.VALID and verification is not None:
                verification.state = "converted"
            return result
        return answer

    def _retry(self, request: RetryRequest) -> Any:
        provider_id, phone = request.provider_id, request.phone_number

        def simulate() -> Any:
            return self._simulate_retry(provider_id, phone)

        answer = provider.answer(
            "retry", provider_id, simulate, authentication_uuid=provider_id, phone_number=phone
        )
        return self._sent(answer, phone, provider_id, "retry")

    def _feedback(self, request: FeedbackRequest) -> Any:
        onboarded = request.status == FeedbackStatus.ONBOARDED
        return provider.answer(
            "feedback",
            request.phone_number,
            lambda: self.flavour.feedback_result(onboarded),
            phone_number=request.phone_number,
            status=request.status,
        )

    def _get_authentication_status(self, request: StatusRequest) -> Any:
        provider_id = request.provider_id
        return provider.answer(
            "get_authentication_status",
            provider_id,
            lambda: self.flavour.status_result(
                provider_id, provider.verifications.get(provider_id)
            ),
            auth_uuid=provider_id,
        )

    def _lookup(self, request: LookupRequest) -> Any:
        phone, cnam = request.phone_number, request.cnam
        return provider.answer(
            "lookup",
            phone,
            lambda: self.flavour.lookup_result(phone, cnam),
            phone_number=phone,
            cnam=cnam,
        )

    # -- The simulation ----------------------------------------------------------

    def _verification(self, provider_id: str, phone: str | None) -> Verification | None:
        """The verification a call is about: by phone number for v2 (the
        latest for that number), by id for v1."""
        if self.flavour.windows and phone is not None:
            found = [v for v in provider.verifications.values() if v.phone_number == phone]
            return found[-1] if found else None
        return provider.verifications.get(provider_id)

    def _simulate_check(self, provider_id: str, phone: str | None, code: str) -> Any:
        verification = self._verification(provider_id, phone)
        if verification is None:  # a row the test made by hand: judge the code only
            return CheckOutcome.VALID if code == provider.code else CheckOutcome.INVALID
        now = timezone.now()
        if verification.state == "converted" and not self.flavour.windows:
            return CheckOutcome.ALREADY_VALIDATED
        if not verification.is_open(now):
            return CheckOutcome.EXPIRED
        valid = code in verification.codes
        verification.checks.append((now, valid))
        if valid:
            return CheckOutcome.VALID
        verification.failed_checks += 1
        limit = provider.max_failed_checks
        if limit is not None and verification.failed_checks >= limit:
            verification.state = "closed"
            return CheckOutcome.INVALID if self.flavour.windows else CheckOutcome.RATE_LIMITED
        return CheckOutcome.INVALID

    def _simulate_retry(self, provider_id: str, phone: str | None) -> Any:
        verification = self._verification(provider_id, phone)
        now = timezone.now()
        if self.flavour.windows:
            open_one = verification is not None and verification.is_open(now)
            return RetryOutcome.RESENT if open_one else RetryOutcome.RESTARTED
        if verification is None:
            return RetryOutcome.RESENT
        if verification.state == "converted":
            return RetryOutcome.ALREADY_VALIDATED
        if not verification.is_open(now):
            return RetryOutcome.EXPIRED
        resends = sum(1 for _, operation in verification.attempts if operation == "retry")
        if resends >= provider.max_retries:
            return RetryOutcome.RATE_LIMITED
        resent = [when for when, operation in verification.attempts if operation == "retry"]
        if resent and (now - resent[-1]).total_seconds() < provider.retry_wait:
            return RetryOutcome.DENIED  # before the next_retry_at it announced
        return RetryOutcome.RESENT

    def _sent(self, answer: Any, phone: str | None, provider_id: str | None, operation: str) -> Any:
        """Turn an outcome or wire status into the flavour's real create or
        retry result, opening verifications and filling the outbox."""
        scripted = _scripted(answer)
        if scripted is None:
            return answer
        retrying = operation == "retry"
        status = self.flavour.send_status(scripted, retry=retrying)
        outcome = self.flavour.send_result("x", status, None, retry=retrying).outcome
        new_id = scripted.provider_id or self.flavour.new_id()
        verification: Verification | None = None
        if self.flavour.windows and phone is not None and outcome is not SendOutcome.BLOCKED:
            verification = provider.open_verification(phone)
            if scripted.provider_id and verification is not None:
                verification = provider.verifications.get(scripted.provider_id)
            if status == self.flavour.new_window_status or (
                verification is None and provider_id not in provider.verifications
            ):
                if verification is not None:
                    verification.state = "closed"  # a new window replaces it
                verification = provider.start(new_id, phone)
            elif verification is None:
                verification = provider.verifications[provider_id or ""]  # scripted back open
                verification.state = "open"
                verification.expires_at = timezone.now() + provider.lifetime
        elif retrying and provider_id is not None:
            verification = provider.verifications.get(provider_id)
            if verification is None and outcome is SendOutcome.RESENT:
                verification = provider.start(provider_id, phone or "")
        elif outcome is SendOutcome.SENT and phone is not None:
            verification = provider.start(new_id, phone)
        if verification is not None and outcome in CODE_SENT_OUTCOMES:
            provider.send(verification, operation)
        found = verification.provider_id if verification else (provider_id or new_id)
        if scripted.provider_id:
            found = scripted.provider_id
        return self.flavour.send_result(
            found, status, verification, retry=retrying, reason=scripted.reason
        )


class PreludeTestBackend(TestBackend):
    """The Prelude Verify v2 test backend (see the module docstring)."""

    flavour: ClassVar[Flavour] = PRELUDE
    create_fields = PRELUDE.create_fields
    phone_keyed: ClassVar[bool] = True

    @classmethod
    def clean_field_values(cls, fields: Mapping[str, Any]) -> dict[str, Any]:
        return PreludeRules.clean_field_values(fields)
