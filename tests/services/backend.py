"""A scripted provider for the service tests: no HTTP, no sandbox.

Tests queue answers per operation on :data:`SCRIPT`: a result object, an
exception instance (raised), or a callable taking the call's arguments and
returning either. With nothing queued each operation gives a plausible
default answer; ``check`` accepts :attr:`Script.valid_code`. ``delay`` makes
every call sleep, to widen races in the concurrency tests.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from collections import defaultdict, deque
from typing import Any

from django.utils import timezone

from django_ding.backends.base import BaseBackend
from django_ding.backends.enums import (
    AttemptStatus,
    AuthenticationStatus,
    CheckStatus,
    DeliveryStatus,
    RetryStatus,
)
from django_ding.backends.results import (
    AttemptEvent,
    AuthenticationStatusResponse,
    CheckEvent,
    CreateAuthenticationResponse,
    CreateCheckResponse,
    DeliveryStatusEvent,
    FeedbackResponse,
    LookupResponse,
    RetryAuthenticationResponse,
)

PATH = "tests.services.backend.ScriptedBackend"
VALID_CODE = "123456"
# Provider events keep their timestamps from one status read to the next.
EVENT_TIME = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)


class Script:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with getattr(self, "lock", threading.Lock()):
            self.answers: dict[str, deque[Any]] = defaultdict(deque)
            self.calls: list[tuple[str, dict[str, Any]]] = []
            self.delay = 0.0
            self.valid_code = VALID_CODE

    def queue(self, operation: str, *answers: Any) -> None:
        with self.lock:
            self.answers[operation].extend(answers)

    def count(self, operation: str) -> int:
        with self.lock:
            return sum(1 for name, _ in self.calls if name == operation)

    def answer(self, operation: str, default: Any, **call: Any) -> Any:
        with self.lock:
            self.calls.append((operation, call))
            queued = self.answers[operation]
            answer = queued.popleft() if queued else default
            delay = self.delay
        if delay:
            time.sleep(delay)
        if callable(answer) and not isinstance(answer, type):
            answer = answer(**call)
        if isinstance(answer, BaseException):
            raise answer
        return answer


SCRIPT = Script()


class ScriptedBackend(BaseBackend):
    def create_authentication(
        self, phone_number: str, **fields: Any
    ) -> CreateAuthenticationResponse:
        self.validate_fields(fields)
        now = timezone.now()
        default = CreateAuthenticationResponse(
            authentication_uuid=str(uuid.uuid4()),
            status=AuthenticationStatus.PENDING,
            created_at=now,
            expires_at=now + dt.timedelta(minutes=10),
        )
        return SCRIPT.answer("create_authentication", default, phone_number=phone_number, **fields)

    def check(
        self, authentication_uuid: str, check_code: str, *, phone_number: str | None = None
    ) -> CreateCheckResponse:
        status = CheckStatus.VALID if check_code == SCRIPT.valid_code else CheckStatus.INVALID
        default = CreateCheckResponse(authentication_uuid=authentication_uuid, status=status)
        return SCRIPT.answer(
            "check",
            default,
            authentication_uuid=authentication_uuid,
            check_code=check_code,
            phone_number=phone_number,
        )

    def retry(
        self, authentication_uuid: str, *, phone_number: str | None = None
    ) -> RetryAuthenticationResponse:
        now = timezone.now()
        default = RetryAuthenticationResponse(
            authentication_uuid=authentication_uuid,
            status=RetryStatus.APPROVED,
            created_at=now,
            next_retry_at=now + dt.timedelta(seconds=30),
            remaining_retry=2,
        )
        return SCRIPT.answer(
            "retry", default, authentication_uuid=authentication_uuid, phone_number=phone_number
        )

    def feedback(self, phone_number: str, status: str) -> FeedbackResponse:
        default = FeedbackResponse(uuid=str(uuid.uuid4()))
        return SCRIPT.answer("feedback", default, phone_number=phone_number, status=status)

    def get_authentication_status(self, auth_uuid: str) -> AuthenticationStatusResponse:
        now = EVENT_TIME
        default = AuthenticationStatusResponse(
            uuid=auth_uuid,
            phone_number="+33612345678",
            correlation_id="corr-from-provider",
            created_at=now,
            events=(
                AttemptEvent(
                    created_at=now,
                    id="attempt-1",
                    content=f"Your code is {SCRIPT.valid_code}",
                    capability="text",
                    attempt_number=1,
                    status=AttemptStatus.DELIVERED,
                ),
                DeliveryStatusEvent(
                    created_at=now,
                    status=DeliveryStatus.DELIVERED,
                    attempt_id="attempt-1",
                    attempt_number=1,
                ),
                CheckEvent(
                    created_at=now, id="check-1", code=SCRIPT.valid_code, status=CheckStatus.VALID
                ),
            ),
        )
        return SCRIPT.answer("get_authentication_status", default, auth_uuid=auth_uuid)

    def lookup(self, phone_number: str, *, cnam: bool = False) -> LookupResponse:
        default = LookupResponse(phone_number=phone_number, carrier="Test", line_type="Mobile")
        return SCRIPT.answer("lookup", default, phone_number=phone_number, cnam=cnam)
