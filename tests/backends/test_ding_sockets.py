"""DingBackend over real loopback sockets: connection reuse, a real read
timeout, a refused connection, a dropped connection, and a real redirect."""

from __future__ import annotations

import json
import logging
import socket
import time
from collections.abc import Iterator
from typing import Any, ClassVar
from urllib.parse import unquote, urlsplit

import pytest

from django_ding.backends.ding import USER_AGENT, DingBackend, PhoneNumberLogFilter
from django_ding.exceptions import DingAPIError, DingConnectionError, DingTimeoutError
from django_ding.privacy import mask_phone
from tests.backends.conftest import make_backend
from tests.backends.http_fake import Reply, ScriptedServer, serve
from tests.backends.payloads import (
    API_KEY,
    AUTH_UUID,
    CHECK_RESPONSE,
    CODE,
    CREATE_RESPONSE,
    CUSTOMER_UUID,
    LOOKUP_RESPONSE,
    PHONE,
    PHONE_QUOTED,
    STATUS_RESPONSE,
)


class FakeDing(ScriptedServer):
    """A scripted Ding v1 server (see :mod:`tests.backends.http_fake`)."""

    prefix: ClassVar[str] = "/v1"


@pytest.fixture
def server() -> Iterator[FakeDing]:
    yield from serve(FakeDing())


@pytest.fixture
def live(server: FakeDing) -> Iterator[DingBackend]:
    backend = make_backend(base_url=server.base_url, timeout=(1.0, 2.0))
    yield backend
    backend.close()


def _wait_for(predicate: Any, seconds: float = 2.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.01)


def test_keep_alive_reuses_one_connection(server: FakeDing, live: DingBackend):
    server.script = {
        "/v1/authentication": [Reply(body=CREATE_RESPONSE)],
        "/v1/check": [Reply(body=CHECK_RESPONSE)],
        f"/v1/authentication/{AUTH_UUID}": [Reply(body=STATUS_RESPONSE)],
    }

    assert live.create_authentication(PHONE).authentication_uuid == AUTH_UUID
    assert live.check(AUTH_UUID, CODE).is_valid
    assert live.get_authentication_status(AUTH_UUID).uuid == AUTH_UUID
    assert live.check(AUTH_UUID, CODE).is_valid

    assert len(server.received) == 4
    assert server.connections == 1
    first = server.received[0]
    assert first.headers["User-Agent"] == USER_AGENT
    assert first.headers["x-api-key"] == API_KEY
    assert json.loads(first.body) == {"customer_uuid": CUSTOMER_UUID, "phone_number": PHONE}


def test_lookup_path_reaches_the_server_as_plus(server: FakeDing, live: DingBackend):
    server.script = {f"/v1/lookup/{PHONE_QUOTED}": [Reply(body=LOOKUP_RESPONSE)]}

    assert live.lookup(PHONE, cnam=True).carrier == "Orange"

    (request,) = server.received
    parts = urlsplit(request.path)
    assert unquote(parts.path) == f"/v1/lookup/{PHONE}"
    assert parts.query == "type=cnam"
    assert request.headers["customer-uuid"] == CUSTOMER_UUID


def test_real_read_timeout_is_not_retried(server: FakeDing):
    server.script = {"/v1/authentication": [Reply(body=CREATE_RESPONSE, delay=1.0)]}
    backend = make_backend(base_url=server.base_url, timeout=(1.0, 0.2))

    started = time.monotonic()
    with pytest.raises(DingTimeoutError) as info:
        backend.create_authentication(PHONE)
    elapsed = time.monotonic() - started
    time.sleep(0.2)  # a wrong retry would have reached the server by now
    backend.close()

    assert info.value.request_sent is True
    assert "read timeout" in str(info.value)
    assert 0.15 < elapsed < 0.9
    assert [r.method for r in server.received] == ["POST"], "the POST arrived exactly once"
    assert backend.sleeps == []  # type: ignore[attr-defined]


def test_dropped_connection_after_post_is_not_retried(server: FakeDing, live: DingBackend):
    server.script = {"/v1/authentication": [Reply(drop=True), Reply(body=CREATE_RESPONSE)]}

    with pytest.raises(DingConnectionError) as info:
        live.create_authentication(PHONE)

    assert info.value.request_sent is True
    time.sleep(0.1)
    assert len(server.received) == 1


def test_dropped_connection_on_get_is_retried(server: FakeDing, live: DingBackend):
    path = f"/v1/authentication/{AUTH_UUID}"
    server.script = {path: [Reply(drop=True), Reply(status=503), Reply(body=STATUS_RESPONSE)]}

    assert live.get_authentication_status(AUTH_UUID).uuid == AUTH_UUID

    assert len(server.received) == 3
    assert live.sleeps == [0.5, 1.0]  # type: ignore[attr-defined]


def test_connection_refused_on_a_closed_port():
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens there any more
    backend = make_backend(base_url=f"http://127.0.0.1:{port}/v1", timeout=(1.0, 1.0))

    with pytest.raises(DingConnectionError) as info:
        backend.create_authentication(PHONE)
    backend.close()

    assert info.value.request_sent is False
    assert "Connection refused" in str(info.value) or "refused" in str(info.value).lower()
    # Nothing was sent, so even a POST was safely retried.
    assert backend.sleeps == [0.5, 1.0]  # type: ignore[attr-defined]
    assert PHONE not in str(info.value)


def test_real_redirect_is_not_followed(server: FakeDing, live: DingBackend):
    server.script = {
        "/v1/check": [Reply(status=307, headers={"Location": "/v1/elsewhere"})],
        "/v1/elsewhere": [Reply(body=CHECK_RESPONSE)],
    }

    with pytest.raises(DingAPIError, match="redirect") as info:
        live.check(AUTH_UUID, CODE)

    assert info.value.status_code == 307
    assert [r.path for r in server.received] == ["/v1/check"]


def test_urllib3_request_log_masks_the_phone_number(
    server: FakeDing, live: DingBackend, caplog: pytest.LogCaptureFixture
):
    server.script = {f"/v1/lookup/{PHONE_QUOTED}": [Reply(body=LOOKUP_RESPONSE)]}
    with caplog.at_level(logging.DEBUG):
        live.lookup(PHONE, cnam=True)
        # A second backend adds no second filter.
        make_backend(base_url=server.base_url).close()

    urllib3_lines = [r for r in caplog.records if r.name == "urllib3.connectionpool"]
    assert any("/v1/lookup/" in r.getMessage() for r in urllib3_lines)
    for record in caplog.records:
        message = record.getMessage()
        assert PHONE not in message
        assert PHONE_QUOTED not in message
        assert PHONE[1:] not in message
    assert any(mask_phone(PHONE) in r.getMessage() for r in urllib3_lines)
    pool_filters = logging.getLogger("urllib3.connectionpool").filters
    assert sum(isinstance(f, PhoneNumberLogFilter) for f in pool_filters) == 1
