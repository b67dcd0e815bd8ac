"""Fixtures of the sandbox tests: the two faces of the sandbox.

``face`` runs a test twice: with ``SandboxBackend`` in-process, and with
``DingBackend`` talking to the sandbox's HTTP face on a live server (real
sockets). Both share the test database, so helpers that read the outbox or
move the clock work the same for both.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone, translation

from django_ding.backends.base import BaseBackend
from django_ding.backends.ding import DingBackend
from django_ding.sandbox.backend import SandboxBackend
from django_ding.sandbox.models import SandboxAuthentication
from django_ding.sandbox.pytest_plugin import ding_outbox  # noqa: F401  (the fixture under test)

CUSTOMER_UUID = settings.DING["CUSTOMER_UUID"]
API_KEY = settings.DING["API_KEY"]
#: A normal French mobile number.
PHONE = "+33612345678"
#: Read timeout of the backends (seconds) unless a test asks for another.
READ_TIMEOUT = 5.0


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Start every test in English: a request made by an earlier test leaves
    its language active in the thread, and the SMS text follows it."""
    with translation.override("en"):
        yield


def sandbox_url(live_server: Any) -> str:
    return f"{live_server.url}/ding-sandbox/v1"


@dataclasses.dataclass
class Face:
    """One way to reach the sandbox: ``make()`` builds a backend."""

    name: str
    make: Callable[..., BaseBackend]

    @property
    def http(self) -> bool:
        return self.name == "http"


def in_process_face() -> Face:
    def make_in_process(timeout: Any = (2.0, READ_TIMEOUT)) -> BaseBackend:
        return SandboxBackend(customer_uuid=CUSTOMER_UUID, timeout=timeout)

    return Face("in_process", make_in_process)


@contextlib.contextmanager
def http_face(live_server: Any) -> Iterator[Face]:
    """DingBackend against the live server; its connections are closed at
    the end, while the live server still shares the test database."""
    made: list[DingBackend] = []

    def make_http(timeout: Any = (2.0, READ_TIMEOUT)) -> BaseBackend:
        backend = DingBackend(
            base_url=sandbox_url(live_server),
            api_key=API_KEY,
            customer_uuid=CUSTOMER_UUID,
            timeout=timeout,
            retry_backoff=0.0,
        )
        made.append(backend)
        return backend

    try:
        yield Face("http", make_http)
    finally:
        for backend in made:
            backend.close()


@pytest.fixture(params=["in_process", "http"])
def face(request: pytest.FixtureRequest) -> Iterator[Face]:
    if request.param == "in_process":
        yield in_process_face()
        return
    with http_face(request.getfixturevalue("live_server")) as http:
        yield http


def age(authentication_uuid: str, *, expire: bool = False, retry_ready: bool = False) -> None:
    """Move an authentication's clock: past its expiry, or past its retry wait."""
    past = timezone.now() - dt.timedelta(seconds=1)
    changes: dict[str, Any] = {}
    if expire:
        changes["expires_at"] = past
    if retry_ready:
        changes["next_retry_at"] = past
    SandboxAuthentication.objects.filter(uuid=authentication_uuid).update(**changes)
