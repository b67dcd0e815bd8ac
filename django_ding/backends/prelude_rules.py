"""What every backend that plays Prelude Verify v2 shares: :class:`PreludeRules`.

:class:`~django_ding.backends.prelude.PreludeBackend` (HTTP) and the
sandbox's ``PreludeSandboxBackend`` (in-process) both take the same create
fields, the same ``vrf_`` ids, need the phone number on ``check`` and
``retry`` (v2 keys a verification by its target), and answer with the v2
result classes. They say it once, here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from django_ding.backends.arguments import verification_id_argument
from django_ding.backends.base import BaseBackend
from django_ding.backends.prelude_fields import PRELUDE_CREATE_FIELDS, prelude_clean_fields

if TYPE_CHECKING:
    from django_ding.backends.prelude_results import (
        PhoneLookupResponse,
        VerificationCheckResponse,
        VerificationHistoryResponse,
        VerificationResponse,
        VerificationRetryResponse,
        WatchFeedbackResponse,
    )

__all__ = ["PreludeRules"]


class PreludeRules(BaseBackend):
    """A mixin for the v2 backends: put it first among the bases."""

    create_fields: ClassVar[frozenset[str]] = PRELUDE_CREATE_FIELDS
    provider_name: ClassVar[str] = "Prelude"
    phone_keyed: ClassVar[bool] = True

    @classmethod
    def clean_field_values(cls, fields: Mapping[str, Any]) -> dict[str, Any]:
        # IPv6 addresses accepted, v2 platforms, method and preferred_channel
        # choices, correlation_id length.
        return prelude_clean_fields(fields)

    @classmethod
    def provider_id_argument(cls, value: object, name: str) -> str:
        # A v2 verification id ("vrf_..."), not a UUID.
        return verification_id_argument(value, name)

    # BaseBackend's public methods answer with the v2 results here (both
    # results offer the neutral view of backends.outcomes).
    if TYPE_CHECKING:

        def create_authentication(  # type: ignore[override]
            self, phone_number: str, **fields: Any
        ) -> VerificationResponse: ...
        def check(  # type: ignore[override]
            self, authentication_uuid: str, check_code: str, *, phone_number: str | None = None
        ) -> VerificationCheckResponse: ...
        def retry(  # type: ignore[override]
            self, authentication_uuid: str, *, phone_number: str | None = None
        ) -> VerificationRetryResponse: ...
        def feedback(self, phone_number: str, status: str) -> WatchFeedbackResponse: ...  # type: ignore[override]
        def get_authentication_status(self, auth_uuid: str) -> VerificationHistoryResponse: ...  # type: ignore[override]
        def lookup(self, phone_number: str, *, cnam: bool = False) -> PhoneLookupResponse: ...  # type: ignore[override]
