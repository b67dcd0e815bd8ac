"""A scripted Prelude v2 server on a real loopback socket, for the
PreludeBackend and SDK comparison tests (see :mod:`tests.backends.http_fake`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

import pytest

from tests.backends.http_fake import Received, Reply, ScriptedServer, serve

__all__ = ["FakePrelude", "Received", "Reply", "prelude_server"]


class FakePrelude(ScriptedServer):
    prefix: ClassVar[str] = "/v2"
    not_found: ClassVar[Any] = {"code": "not_found", "message": "?"}


@pytest.fixture
def prelude_server() -> Iterator[FakePrelude]:
    yield from serve(FakePrelude())
