"""A scripted provider for the view tests: no HTTP, every call recorded.

Select it with ``override_settings(DING={"BACKEND": "tests.views.backend.ScriptedBackend"})``
(the ``ding_backend`` fixture does). Its state is class-level because
``get_backend()`` shares one instance per setting; ``ScriptedBackend.reset()``
clears it between tests.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, ClassVar

from django.utils import timezone

from django_ding.backends.base import BaseBackend
from django_ding.backends.enums import AuthenticationStatus, CheckStatus, RetryStatus
from django_ding.backends.results import (
    AuthenticationStatusResponse,
    CreateAuthenticationResponse,
    CreateCheckResponse,
    FeedbackResponse,
    LookupResponse,
    RetryAuthenticationResponse,
)

GOOD_CODE = "123456"


class ScriptedBackend(BaseBackend):
    """Accepts :data:`GOOD_CODE`; raise or answer otherwise on demand."""

    calls: ClassVar[list[tuple[str, tuple[Any, ...], dict[str, Any]]]] = []
    #: An exception the next create_authentication raises.
    create_error: ClassVar[BaseException | None] = None
    #: The status the next create_authentication answers with.
    create_status: ClassVar[str] = AuthenticationStatus.PENDING
    check_error: ClassVar[BaseException | None] = None
    retry_error: ClassVar[BaseException | None] = None
    retry_status: ClassVar[str] = RetryStatus.APPROVED
    retry_wait: ClassVar[int] = 30
    remaining_retry: ClassVar[int] = 3

    @classmethod
    def reset(cls) -> None:
        cls.calls = []
        cls.create_error = None
        cls.create_status = AuthenticationStatus.PENDING
        cls.check_error = None
        cls.retry_error = None
        cls.retry_status = RetryStatus.APPROVED
        cls.retry_wait = 30
        cls.remaining_retry = 3

    @classmethod
    def calls_to(cls, name: str) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
        return [(args, kwargs) for op, args, kwargs in cls.calls if op == name]

    def _record(self, name: str, *args: Any, **kwargs: Any) -> None:
        type(self).calls.append((name, args, kwargs))

    def create_authentication(
        self, phone_number: str, **fields: Any
    ) -> CreateAuthenticationResponse:
        self.validate_fields(fields)
        self._record("create_authentication", phone_number, **fields)
        if type(self).create_error is not None:
            raise type(self).create_error
        now = timezone.now()
        return CreateAuthenticationResponse(
            authentication_uuid=str(uuid.uuid4()),
            status=type(self).create_status,
            created_at=now,
            expires_at=now + dt.timedelta(minutes=10),
        )

    def check(
        self, authentication_uuid: str, check_code: str, *, phone_number: str | None = None
    ) -> CreateCheckResponse:
        self._record("check", authentication_uuid, check_code, phone_number=phone_number)
        if type(self).check_error is not None:
            raise type(self).check_error
        status = CheckStatus.VALID if check_code == GOOD_CODE else CheckStatus.INVALID
        return CreateCheckResponse(authentication_uuid=authentication_uuid, status=status)

    def retry(
        self, authentication_uuid: str, *, phone_number: str | None = None
    ) -> RetryAuthenticationResponse:
        self._record("retry", authentication_uuid, phone_number=phone_number)
        if type(self).retry_error is not None:
            raise type(self).retry_error
        now = timezone.now()
        return RetryAuthenticationResponse(
            authentication_uuid=authentication_uuid,
            status=type(self).retry_status,
            created_at=now,
            next_retry_at=now + dt.timedelta(seconds=type(self).retry_wait),
            remaining_retry=type(self).remaining_retry,
        )

    def feedback(self, phone_number: str, status: str) -> FeedbackResponse:
        self._record("feedback", phone_number, status)
        return FeedbackResponse(uuid=str(uuid.uuid4()))

    def get_authentication_status(self, auth_uuid: str) -> AuthenticationStatusResponse:
        self._record("get_authentication_status", auth_uuid)
        return AuthenticationStatusResponse(uuid=auth_uuid)

    def lookup(self, phone_number: str, *, cnam: bool = False) -> LookupResponse:
        self._record("lookup", phone_number, cnam=cnam)
        return LookupResponse(phone_number=phone_number)
