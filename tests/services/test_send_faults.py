"""Send and retry faults: only a failure that certainly never reached the
provider leaves the send limits untouched.

Over real loopback HTTP with the real DingBackend (v1) and PreludeBackend
(v2): a refused connection or an HTTP 429 records a ``failed`` row (a retry
record) with ``counts_as_send=False``, so resubmitting at once sends, and the
raised error keeps the provider's ``Retry-After``; a read timeout, a
connection dropped after the request, a 5xx or an unreadable answer may hide
a message that went out, so they keep counting (the cooldown applies). The
classification of every error kind, and every send limit, is checked with the
in-memory test backend.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import socket
import uuid
from collections.abc import Iterator
from typing import Any, ClassVar

import pytest
from django.utils import timezone

from django_ding import services
from django_ding.exceptions import (
    DingAPIError,
    DingCircuitOpenError,
    DingConnectionError,
    DingError,
    DingInvalidResponseError,
    DingTimeoutError,
    VerificationRefused,
)
from django_ding.models import Authentication, RetryRecord
from django_ding.reasons import Reason
from tests.backends import payloads, prelude_payloads
from tests.backends.fake_prelude import FakePrelude
from tests.backends.http_fake import Reply, ScriptedServer, serve
from tests.services.backend import Script
from tests.services.conftest import PHONE, age

pytestmark = pytest.mark.django_db(transaction=True)

# The client's read timeout in these tests, and a reply slower than it.
READ_TIMEOUT = 0.3
TOO_SLOW = 1.0


class FakeDing(ScriptedServer):
    prefix: ClassVar[str] = "/v1"
    not_found: ClassVar[Any] = {"code": "not_found", "message": "?"}


def _iso(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


@dataclasses.dataclass
class Wire:
    """One provider over loopback: its server, its settings and its replies."""

    name: str
    server: ScriptedServer
    settings: Any
    backend: str
    api_key: str
    create_path: str
    retry_path: str
    provider_id: str = ""

    def use(self, base_url: str | None = None) -> None:
        """Point DING at the server (or at ``base_url``)."""
        self.settings.DING = {
            **self.settings.DING,
            "BACKEND": self.backend,
            "API_KEY": self.api_key,
            "CUSTOMER_UUID": payloads.CUSTOMER_UUID,
            "BASE_URL": base_url or self.server.base_url,
            "TIMEOUT": (1.0, READ_TIMEOUT),
            "MAX_RETRIES": 0,
        }

    def refuse(self) -> None:
        """Point DING at a loopback port nobody listens on."""
        self.use(f"http://127.0.0.1:{closed_port()}{self.server.prefix}")

    def created(self) -> Reply:
        """A code-sent answer to a create, with a new id."""
        now = timezone.now()
        if self.name == "ding":
            self.provider_id = str(uuid.uuid4())
            body: dict[str, Any] = {
                "authentication_uuid": self.provider_id,
                "status": "pending",
                "created_at": _iso(now),
                "expires_at": _iso(now + dt.timedelta(minutes=10)),
            }
        else:
            self.provider_id = f"vrf_{uuid.uuid4().hex[:26]}"
            body = {**prelude_payloads.CREATE_RESPONSE, "id": self.provider_id}
        return Reply(body=body)

    def resent(self) -> Reply:
        """A code-sent answer to a retry of the last created id."""
        if self.name == "ding":
            return Reply(
                body={
                    "authentication_uuid": self.provider_id,
                    "status": "approved",
                    "created_at": _iso(timezone.now()),
                    "remaining_retry": 2,
                }
            )
        return Reply(body={"id": self.provider_id, "status": "retry", "method": "message"})

    def posts(self) -> list[str]:
        return [r.path for r in self.server.received if r.method == "POST"]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture(params=["ding", "prelude"])
def wire(request: Any, settings: Any) -> Iterator[Wire]:
    if request.param == "ding":
        server: ScriptedServer = FakeDing()
        found = Wire(
            "ding",
            server,
            settings,
            "django_ding.backends.ding.DingBackend",
            payloads.API_KEY,
            "/v1/authentication",
            "/v1/retry",
        )
    else:
        server = FakePrelude()
        found = Wire(
            "prelude",
            server,
            settings,
            "django_ding.backends.prelude.PreludeBackend",
            prelude_payloads.API_KEY,
            "/v2/verification",
            "/v2/verification",
        )
    running = serve(server)
    next(running)
    found.use()
    yield found
    next(running, None)


def rate_limited(seconds: int) -> Reply:
    return Reply(
        429,
        body={"code": "too_many_requests", "message": "Slow down."},
        headers={"Retry-After": str(seconds)},
    )


# -- send_code over loopback ---------------------------------------------------------


def test_a_refused_connection_then_an_immediate_resend_sends(wire: Wire) -> None:
    wire.refuse()
    with pytest.raises(DingConnectionError) as caught:
        services.send_code(PHONE)
    assert caught.value.request_sent is False
    failed = Authentication.objects.get()
    assert (failed.status, failed.error_code, failed.counts_as_send) == (
        Authentication.Status.FAILED,
        "connection_error",
        False,
    )

    wire.use()
    wire.server.script = {wire.create_path: [wire.created()]}
    sent = services.send_code(PHONE)  # no cooldown: nothing was sent

    assert sent.status == Authentication.Status.PENDING
    assert sent.provider_id == wire.provider_id
    assert wire.posts() == [wire.create_path]


def test_a_429_then_an_immediate_resend_sends_and_the_error_carries_the_wait(
    wire: Wire,
) -> None:
    wire.server.script = {wire.create_path: [rate_limited(40), wire.created()]}
    with pytest.raises(DingAPIError) as caught:
        services.send_code(PHONE)
    assert caught.value.status_code == 429
    assert caught.value.retry_after == 40
    failed = Authentication.objects.get()
    assert (failed.status, failed.counts_as_send) == (Authentication.Status.FAILED, False)

    sent = services.send_code(PHONE)

    assert sent.status == Authentication.Status.PENDING
    assert wire.posts() == [wire.create_path, wire.create_path]


@pytest.mark.parametrize(
    ("reply", "error", "code"),
    [
        (Reply(body={}, delay=TOO_SLOW), DingTimeoutError, "timeout"),
        (Reply(drop=True), DingConnectionError, "connection_error"),
        (Reply(503, body={"message": "down"}, headers={"Retry-After": "5"}), DingAPIError, None),
        (Reply(raw=b"<html>not json"), DingInvalidResponseError, "invalid_response"),
    ],
    ids=["read-timeout", "dropped-after-sending", "5xx", "unreadable"],
)
def test_a_send_that_may_have_reached_the_provider_keeps_the_cooldown(
    wire: Wire, reply: Reply, error: type[DingError], code: str | None
) -> None:
    wire.server.script = {wire.create_path: [reply, wire.created()]}
    with pytest.raises(error):
        services.send_code(PHONE)
    failed = Authentication.objects.get()
    assert failed.status == Authentication.Status.FAILED
    assert failed.counts_as_send is True
    if code:
        assert failed.error_code == code

    with pytest.raises(VerificationRefused) as caught:
        services.send_code(PHONE)

    assert caught.value.reason == Reason.COOLDOWN
    assert wire.posts() == [wire.create_path], "the second send never reached the provider"


# -- retry over loopback -------------------------------------------------------------


@pytest.fixture
def sent(wire: Wire) -> Authentication:
    wire.server.script = {wire.create_path: [wire.created()]}
    authentication = services.send_code(PHONE)
    age(Authentication, 31)  # past the send cooldown
    wire.server.received.clear()
    return authentication


def test_a_refused_retry_then_an_immediate_retry_sends(wire: Wire, sent: Authentication) -> None:
    wire.refuse()
    with pytest.raises(DingConnectionError):
        services.retry(sent)
    record = RetryRecord.objects.get()
    assert (record.reason, record.error_code, record.counts_as_send) == (
        Reason.PROVIDER_ERROR,
        "connection_error",
        False,
    )

    wire.use()
    wire.server.script = {wire.retry_path: [wire.resent()]}
    services.retry(sent)

    assert wire.posts() == [wire.retry_path]
    assert RetryRecord.objects.filter(reason="").count() == 1


def test_a_429_on_retry_then_an_immediate_retry_sends(wire: Wire, sent: Authentication) -> None:
    wire.server.script = {wire.retry_path: [rate_limited(25), wire.resent()]}
    with pytest.raises(DingAPIError) as caught:
        services.retry(sent)
    assert caught.value.retry_after == 25
    assert RetryRecord.objects.get().counts_as_send is False

    services.retry(sent)

    assert wire.posts() == [wire.retry_path, wire.retry_path]


def test_a_read_timeout_on_retry_keeps_the_cooldown(wire: Wire, sent: Authentication) -> None:
    wire.server.script = {wire.retry_path: [Reply(body={}, delay=TOO_SLOW), wire.resent()]}
    with pytest.raises(DingTimeoutError):
        services.retry(sent)
    assert RetryRecord.objects.get().counts_as_send is True

    with pytest.raises(VerificationRefused) as caught:
        services.retry(sent)

    assert caught.value.reason == Reason.RETRY_NOT_YET
    assert wire.posts() == [wire.retry_path]


# -- Every error kind, every limit (test backend) -------------------------------------

NOT_REACHED = [
    DingConnectionError("refused", request_sent=False),
    DingTimeoutError("connect timeout", request_sent=False),
    DingConnectionError("Name or service not known", request_sent=False),
    DingCircuitOpenError("breaker open", retry_after=12),
    DingAPIError("slow down", status_code=429, retry_after=7.0),
]
MAY_HAVE_REACHED = [
    DingTimeoutError("read timeout", request_sent=True),
    DingConnectionError("reset", request_sent=True),
    DingAPIError("boom", status_code=500),
    DingAPIError("bad", status_code=400, code="invalid_phone_number"),
    DingInvalidResponseError("junk", status_code=200),
    DingInvalidResponseError("junk", status_code=429),
    KeyError("a bug in the backend"),
]
_IDS = ["refused", "connect-timeout", "dns", "breaker", "429"]
_REACHED_IDS = ["read-timeout", "reset", "5xx", "4xx", "unreadable", "unreadable-429", "bug"]


@pytest.fixture
def strict_limits(settings: Any, script: Script) -> None:
    """Every send limit at one send."""
    settings.DING = {
        **settings.DING,
        "SEND_COOLDOWN": 600,
        "SEND_LIMIT_PER_PHONE": (1, 3600),
        "SEND_LIMIT_PER_IP": (1, 3600),
        "SEND_LIMIT_GLOBAL_PER_HOUR": 1,
    }


@pytest.mark.parametrize("error", NOT_REACHED, ids=_IDS)
def test_a_send_that_never_reached_the_provider_uses_up_no_limit(
    script: Script, strict_limits: None, error: Exception
) -> None:
    script.queue("create_authentication", error)
    with pytest.raises(type(error)) as caught:
        services.send_code(PHONE, ip="192.0.2.1")
    assert caught.value is error  # raised as is: the views read its retry_after
    assert Authentication.objects.get().counts_as_send is False

    # Cooldown, per phone, per address and the global cap: all still free.
    services.send_code(PHONE, ip="192.0.2.1")
    assert script.count("create_authentication") == 2
    with pytest.raises(VerificationRefused):
        services.send_code(PHONE, ip="192.0.2.1")


@pytest.mark.parametrize("error", MAY_HAVE_REACHED, ids=_REACHED_IDS)
def test_a_send_that_may_have_reached_the_provider_uses_up_every_limit(
    script: Script, strict_limits: None, settings: Any, error: Exception
) -> None:
    script.queue("create_authentication", error)
    with pytest.raises(type(error)):
        services.send_code(PHONE, ip="192.0.2.1")
    assert Authentication.objects.get().counts_as_send is True
    for limit, reason in [
        ("SEND_COOLDOWN", Reason.COOLDOWN),
        ("SEND_LIMIT_PER_PHONE", Reason.PHONE_RATE_LIMITED),
        ("SEND_LIMIT_PER_IP", Reason.IP_RATE_LIMITED),
        ("SEND_LIMIT_GLOBAL_PER_HOUR", Reason.GLOBAL_RATE_LIMITED),
    ]:
        with pytest.raises(VerificationRefused) as caught:
            services.send_code(PHONE, ip="192.0.2.1")
        assert caught.value.reason == reason
        settings.DING = {**settings.DING, limit: None}
    assert script.count("create_authentication") == 1


@pytest.mark.parametrize("error", NOT_REACHED, ids=_IDS)
def test_a_retry_that_never_reached_the_provider_uses_up_no_limit(
    script: Script, error: Exception
) -> None:
    authentication = services.send_code(PHONE)
    age(Authentication, 31)
    script.queue("retry", error)
    with pytest.raises(type(error)) as caught:
        services.retry(authentication)
    assert caught.value is error
    record = RetryRecord.objects.get()
    assert (record.provider_called, record.counts_as_send) == (True, False)

    services.retry(authentication)  # the cooldown did not start again

    assert script.count("retry") == 2


@pytest.mark.parametrize("error", MAY_HAVE_REACHED, ids=_REACHED_IDS)
def test_a_retry_that_may_have_reached_the_provider_keeps_counting(
    script: Script, error: Exception
) -> None:
    authentication = services.send_code(PHONE)
    age(Authentication, 31)
    script.queue("retry", error)
    with pytest.raises(type(error)):
        services.retry(authentication)
    assert RetryRecord.objects.get().counts_as_send is True

    with pytest.raises(VerificationRefused) as caught:
        services.retry(authentication)

    assert caught.value.reason == Reason.RETRY_NOT_YET
    assert script.count("retry") == 1
