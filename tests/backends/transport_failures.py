"""The exceptions ``requests`` really raises for each transport failure, built
the way its HTTPAdapter builds them, for ``responses`` to raise.

Each URL passed in may contain a phone number: the client must not echo it.
"""

from __future__ import annotations

import http.client
import socket

import requests
from urllib3.connectionpool import HTTPSConnectionPool
from urllib3.exceptions import (
    ConnectTimeoutError,
    MaxRetryError,
    NameResolutionError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
)

_POOL = HTTPSConnectionPool("api.ding.test", 443)


def connection_refused(url: str) -> requests.ConnectionError:
    reason = NewConnectionError(
        None,  # type: ignore[arg-type]
        "Failed to establish a new connection: [Errno 111] Connection refused",
    )
    return requests.ConnectionError(MaxRetryError(_POOL, url, reason))


def dns_failure(url: str) -> requests.ConnectionError:
    reason = NameResolutionError(
        "api.ding.test",
        None,  # type: ignore[arg-type]
        socket.gaierror(-2, "Name or service not known"),
    )
    return requests.ConnectionError(MaxRetryError(_POOL, url, reason))


def connect_timeout(url: str) -> requests.ConnectTimeout:
    reason = ConnectTimeoutError(None, "Connection to api.ding.test timed out. (connect timeout=1)")
    return requests.ConnectTimeout(MaxRetryError(_POOL, url, reason))


def read_timeout(url: str) -> requests.ReadTimeout:
    return requests.ReadTimeout(ReadTimeoutError(_POOL, url, "Read timed out. (read timeout=4)"))


def connection_reset(url: str) -> requests.ConnectionError:
    """The server closed the connection after getting the request."""
    return requests.ConnectionError(
        ProtocolError(
            "Connection aborted.",
            http.client.RemoteDisconnected("Remote end closed connection without response"),
        )
    )
