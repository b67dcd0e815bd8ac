"""A stateful fake provider over real loopback sockets, with scripted faults.

One :class:`FakeProvider` (a ``ThreadingHTTPServer`` on ``127.0.0.1:0``, in a
thread) speaks enough of both wires to run the real HTTP backends through the
views:

* Ding v1 under ``/v1`` (``POST /authentication``, ``/check``, ``/retry``,
  ``GET /authentication/{uuid}``), as in ``ding-v1.openapi.yaml``;
* Prelude v2 under ``/v2`` (``POST /verification``, ``/verification/check``,
  ``GET /verification/phone/history/{id}``), as in ``prelude-v2.md``.

It keeps real state: each authentication (v1) or window (v2) has its own
random code, its validated flag and its counted wrong attempts, so a right code
verifies once and a wrong one is counted by the "provider". The status GETs
report that truth (v1 ``check`` events, v2 ``converted`` and ``is_valid``), as
the reconciliation of an in-doubt check needs.

Faults are scripted per request: ``fake.script("POST /check", Fault.READ_TIMEOUT)``
makes the next ``POST /check`` (on either prefix) time out; several faults are
used one request each, in order. A fault says whether the provider did the
work before the answer went wrong (:attr:`Fault.processed`): a read timeout, a
dropped connection or a broken 200 lose the answer of a request that was
processed; a 5xx or a 429 is answered before anything happens.

A refused connection cannot be scripted on a listening socket: tests point
``BASE_URL`` at :func:`closed_port_url` instead.

``fake.count("POST /authentication")`` counts the requests per method and
path (any GET under a path for ``"GET /authentication"``), and
``fake.last_code(phone)`` is the code last sent to a number, for the tests to
type.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import enum
import json
import secrets
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = [
    "API_KEY",
    "CUSTOMER_UUID",
    "READ_TIMEOUT",
    "FakeProvider",
    "Fault",
    "closed_port_url",
    "serve",
]

API_KEY = "fault-suite-SECRET-KEY-7f3e9a1c"
CUSTOMER_UUID = "c9f826e0-deca-41ec-871f-ecd6e8efeb46"
#: The (connect, read) timeout the suite gives the backends; the read-timeout
#: fault sleeps past it.
READ_TIMEOUT = 0.5
#: A ``Retry-After`` the 429 fault sends (seconds).
RETRY_AFTER = 40
_CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"


class Fault(enum.Enum):
    """What goes wrong with one scripted request (value: the name in test ids)."""

    READ_TIMEOUT = "read_timeout"  # processed, then no answer before the read timeout
    DROPPED = "dropped"  # processed, then the socket closes without an answer
    SERVER_ERROR = "5xx"  # HTTP 503 with an error body, nothing done
    RATE_LIMITED = "429"  # HTTP 429 with Retry-After: 40, nothing done
    MALFORMED = "malformed"  # processed, HTTP 200 with a truncated JSON body
    OVERSIZED = "oversized"  # processed, HTTP 200 with a valid 12 MB body
    DEEPLY_NESTED = "nested_5xx"  # HTTP 500 with a 50 kB ``[[[[...`` body, nothing done
    UNKNOWN_ENUM = "unknown_enum"  # processed, HTTP 200 with statuses nobody knows
    WRONG_TYPES = "wrong_types"  # processed, HTTP 200 with numbers and lists for strings
    SLOW = "slow"  # processed, the right answer, late but within the timeout

    @property
    def processed(self) -> bool:
        """Whether the provider did the work (sent the SMS, counted the code)."""
        return self not in {Fault.SERVER_ERROR, Fault.RATE_LIMITED, Fault.DEEPLY_NESTED}

    @property
    def reached_provider(self) -> bool:
        """Whether the request may have reached the provider, as a client
        can tell: everything here but a 429 (answered before any work)."""
        return self is not Fault.RATE_LIMITED


@dataclass
class Auth:
    """One v1 authentication or one v2 verification window."""

    id: str
    phone: str
    code: str
    created_at: dt.datetime
    wire: str  # "v1" or "v2"
    validated: bool = False
    closed: bool = False
    wrong: int = 0  # wrong codes the provider counted
    sends: int = 1
    checks: list[tuple[dt.datetime, bool]] = field(default_factory=list)

    @property
    def open(self) -> bool:
        return not (self.validated or self.closed)


@dataclass
class Request:
    method: str
    path: str  # without the /v1 or /v2 prefix, without the query
    wire: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body or b"null")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _stamp(when: dt.datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _matches(key: str, request: Request) -> bool:
    method, _, path = key.partition(" ")
    if method != request.method:
        return False
    if request.path == path:
        return True
    return method == "GET" and request.path.startswith(path.rstrip("/") + "/")


def nested_body(size: int = 50_000) -> bytes:
    """``[[[[...]]]]``, ``size`` bytes, deeper than any recursive parser goes."""
    half = size // 2
    return b"[" * half + b"]" * half


class FakeProvider(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    max_wrong = 5  # wrong codes before a v2 window closes / a v1 check is rate limited

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.faults: list[tuple[str, Fault]] = []
        self.received: list[Request] = []
        self.auths: dict[str, Auth] = {}
        self.outbox: list[tuple[str, str]] = []  # (phone, code), in order

    # -- What tests use ---------------------------------------------------------

    @property
    def root(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def base_url(self, wire: str) -> str:
        """The ``BASE_URL`` of ``wire`` ("v1" or "v2")."""
        return f"{self.root}/{wire}"

    def script(self, key: str, *faults: Fault) -> None:
        """The next requests matching ``key`` ("POST /check") get ``faults``, one each."""
        with self.lock:
            self.faults.extend((key, fault) for fault in faults)

    def count(self, key: str) -> int:
        """Requests received matching ``key`` (``"POST /authentication"``)."""
        with self.lock:
            return sum(_matches(key, request) for request in self.received)

    def posts(self) -> int:
        with self.lock:
            return sum(request.method == "POST" for request in self.received)

    def last_code(self, phone: str) -> str:
        """The code last sent to ``phone`` (E.164)."""
        with self.lock:
            for number, code in reversed(self.outbox):
                if number == phone:
                    return code
        raise LookupError("no code was sent to this number")

    def wrong_code(self, phone: str) -> str:
        """A well-formed code that is not the one sent to ``phone``."""
        right = self.last_code(phone)
        return f"{(int(right) + 1) % 1_000_000:06d}"

    def auth_for(self, phone: str) -> Auth:
        with self.lock:
            return [auth for auth in self.auths.values() if auth.phone == phone][-1]

    def reset(self) -> None:
        with self.lock:
            self.faults.clear()
            self.received.clear()
            self.auths.clear()
            self.outbox.clear()

    # -- Serving ----------------------------------------------------------------

    def take_fault(self, request: Request) -> Fault | None:
        with self.lock:
            self.received.append(request)
            for index, (key, fault) in enumerate(self.faults):
                if _matches(key, request):
                    del self.faults[index]
                    return fault
        return None

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that gave up (the timeout faults) is expected

    def answer(self, request: Request) -> tuple[int, Any]:
        """The true answer (status, JSON) of ``request``, changing the state."""
        with self.lock:
            if request.wire == "v1":
                return self._v1(request)
            return self._v2(request)

    def _send(self, auth: Auth) -> None:
        self.outbox.append((auth.phone, auth.code))

    def _new_code(self) -> str:
        return f"{secrets.randbelow(1_000_000):06d}"

    # v1 ------------------------------------------------------------------------

    def _v1(self, request: Request) -> tuple[int, Any]:
        if request.headers.get("x-api-key") != API_KEY:
            return 401, {"code": "account_invalid", "message": "bad key"}
        body = request.json if request.method == "POST" else {}
        route = (request.method, request.path)
        if route == ("POST", "/authentication"):
            auth = Auth(str(uuid.uuid4()), body["phone_number"], self._new_code(), _now(), "v1")
            self.auths[auth.id] = auth
            self._send(auth)
            expires = auth.created_at + dt.timedelta(minutes=10)
            return 200, {
                "authentication_uuid": auth.id,
                "status": "pending",
                "created_at": _stamp(auth.created_at),
                "expires_at": _stamp(expires),
            }
        if request.method == "GET" and request.path.startswith("/authentication/"):
            found = self.auths.get(request.path.rsplit("/", 1)[-1])
            if found is None:
                return 400, {"code": "invalid_auth_uuid", "message": "unknown"}
            return 200, self._v1_status(found)
        auth = self.auths.get(str(body.get("authentication_uuid"))) if body else None
        if auth is None:
            return 400, {"code": "invalid_auth_uuid", "message": "unknown authentication"}
        if route == ("POST", "/check"):
            return 200, {"authentication_uuid": auth.id, "status": self._v1_check(auth, body)}
        if route == ("POST", "/retry"):
            if auth.validated:
                return 200, {"authentication_uuid": auth.id, "status": "already_validated"}
            auth.sends += 1
            self._send(auth)
            now = _now()
            return 200, {
                "authentication_uuid": auth.id,
                "status": "approved",
                "created_at": _stamp(now),
                "next_retry_at": _stamp(now),
                "remaining_retry": max(0, 5 - auth.sends),
            }
        return 404, {"code": "bad_request", "message": "no route"}

    def _v1_check(self, auth: Auth, body: dict[str, Any]) -> str:
        if auth.validated:
            return "already_validated"
        if auth.wrong >= self.max_wrong:
            return "rate_limited"
        valid = body.get("check_code") == auth.code
        auth.checks.append((_now(), valid))
        if valid:
            auth.validated = True
            return "valid"
        auth.wrong += 1
        return "invalid"

    def _v1_status(self, auth: Auth) -> dict[str, Any]:
        events: list[dict[str, Any]] = [
            {
                "type": "attempt",
                "created_at": _stamp(auth.created_at),
                "id": f"att_{n}",
                "content": f"Your code is {auth.code}",
                "capability": "text",
                "attempt_number": n,
                "status": "delivered",
            }
            for n in range(1, auth.sends + 1)
        ]
        events += [
            {
                "type": "check",
                "created_at": _stamp(when),
                "id": f"chk_{n}",
                "code": auth.code if valid else "000000",
                "status": "valid" if valid else "invalid",
            }
            for n, (when, valid) in enumerate(auth.checks, 1)
        ]
        return {
            "uuid": auth.id,
            "phone_number": auth.phone,
            "created_at": _stamp(auth.created_at),
            "events": events,
        }

    # v2 ------------------------------------------------------------------------

    def _v2(self, request: Request) -> tuple[int, Any]:
        if request.headers.get("authorization") != f"Bearer {API_KEY}":
            return 401, {"code": "invalid_api_key", "message": "bad key"}
        body = request.json if request.method == "POST" else {}
        if (request.method, request.path) == ("POST", "/verification"):
            phone = body["target"]["value"]
            current = [a for a in self.auths.values() if a.phone == phone and a.open]
            if current:
                auth = current[-1]
                auth.sends += 1
                status = "retry"
            else:
                suffix = "".join(secrets.choice(_CROCKFORD) for _ in range(26))
                auth = Auth(f"vrf_{suffix}", phone, self._new_code(), _now(), "v2")
                self.auths[auth.id] = auth
                status = "success"
            self._send(auth)
            return 200, {
                "id": auth.id,
                "status": status,
                "method": "message",
                "channels": ["sms"],
                "request_id": f"req_{secrets.token_hex(4)}",
            }
        if (request.method, request.path) == ("POST", "/verification/check"):
            phone = body["target"]["value"]
            current = [a for a in self.auths.values() if a.phone == phone and a.open]
            if not current:
                return 200, {"status": "expired_or_not_found", "request_id": "req_c"}
            auth = current[-1]
            valid = body.get("code") == auth.code
            auth.checks.append((_now(), valid))
            if valid:
                auth.validated = True
                return 200, {"id": auth.id, "status": "success", "request_id": "req_c"}
            auth.wrong += 1
            if auth.wrong >= self.max_wrong:
                auth.closed = True
            return 200, {"id": auth.id, "status": "failure", "request_id": "req_c"}
        prefix = "/verification/phone/history/"
        if request.method == "GET" and request.path.startswith(prefix):
            found = self.auths.get(request.path[len(prefix) :])
            if found is None:
                return 404, {"code": "not_found", "message": "unknown verification"}
            return 200, self._v2_history(found)
        return 404, {"code": "not_found", "message": "no route"}

    def _v2_history(self, auth: Auth) -> dict[str, Any]:
        events: list[dict[str, Any]] = [
            {"type": "create", "create": {"created_at": _stamp(auth.created_at)}}
        ]
        events += [
            {
                "type": "attempt",
                "attempt": {
                    "id": f"att_{n}",
                    "created_at": _stamp(auth.created_at),
                    "channel": "sms",
                    "status": "succeeded",
                    "trigger": "initial" if n == 1 else "user_retry",
                    "delivery_status": "delivered",
                    "content": "Your code is ******",
                },
            }
            for n in range(1, auth.sends + 1)
        ]
        events += [
            {"type": "check", "check": {"created_at": _stamp(when), "is_valid": valid}}
            for when, valid in auth.checks
        ]
        if auth.validated:
            status = "converted"
        elif auth.closed:
            status = "not_converted"
        else:
            status = "pending_check"
        return {
            "id": auth.id,
            "phone_number": auth.phone,
            "status": status,
            "created_at": _stamp(auth.created_at),
            "expires_at": _stamp(auth.created_at + dt.timedelta(minutes=10)),
            "lifecycle": {"events": events},
        }


def _broken(fault: Fault, payload: Any) -> bytes:
    """The body of a processed-but-broken 200 for ``fault``."""
    if fault is Fault.MALFORMED:
        return json.dumps(payload).encode()[:-7] + b'\x00"{'
    if fault is Fault.OVERSIZED:
        padded = dict(payload) if isinstance(payload, dict) else {"value": payload}
        padded["padding"] = "x" * (12 * 1024 * 1024)
        return json.dumps(padded).encode()
    if fault is Fault.UNKNOWN_ENUM:
        changed = dict(payload)
        changed["status"] = "quantum_superposition"
        return json.dumps(changed).encode()
    # WRONG_TYPES: every string becomes a number, every number a list
    changed = {
        key: (12345 if isinstance(value, str) else [value] if isinstance(value, int) else value)
        for key, value in payload.items()
    }
    return json.dumps(changed).encode()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: FakeProvider

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _reply(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        try:
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            self.close_connection = True

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path = self.path.split("?", 1)[0]
        wire, _, rest = path.lstrip("/").partition("/")
        request = Request(
            self.command,
            "/" + rest,
            wire,
            {k.lower(): v for k, v in self.headers.items()},
            body,
        )
        fault = self.server.take_fault(request)
        if fault is Fault.SERVER_ERROR:
            self._reply(503, b'{"code": "internal_server_error", "message": "down"}')
            return
        if fault is Fault.RATE_LIMITED:
            payload = b'{"code": "rate_limited", "message": "slow down"}'
            self._reply(429, payload, {"Retry-After": str(RETRY_AFTER)})
            return
        if fault is Fault.DEEPLY_NESTED:
            self._reply(500, nested_body())
            return
        status, payload = self.server.answer(request)
        if fault is Fault.READ_TIMEOUT:
            time.sleep(READ_TIMEOUT * 2.5)
        elif fault is Fault.SLOW:
            time.sleep(READ_TIMEOUT * 0.4)
        if fault is Fault.DROPPED:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        if fault is None or fault in {Fault.READ_TIMEOUT, Fault.SLOW} or status != 200:
            self._reply(status, json.dumps(payload).encode())
            return
        self._reply(200, _broken(fault, payload))

    do_GET = _serve
    do_POST = _serve


def serve() -> Iterator[FakeProvider]:
    """Run a :class:`FakeProvider` for the length of a fixture."""
    fake = FakeProvider()
    thread = threading.Thread(target=fake.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield fake
    finally:
        fake.shutdown()
        fake.server_close()
        thread.join(5)


def closed_port_url(wire: str) -> str:
    """A base URL on 127.0.0.1 where nothing listens: every connection is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/{wire}"
