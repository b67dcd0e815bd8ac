"""Hostile provider answers over real loopback sockets, for DingBackend and
PreludeBackend: deeply nested, oversized, endless, compressed, non-UTF-8,
wrong-typed bodies. Each is a ``DingError`` (a 2xx: ``DingInvalidResponseError``),
never another exception, never a crash, and never more than
``MAX_RESPONSE_BYTES`` in memory; through the views it is the usual message."""

from __future__ import annotations

import dataclasses
import gzip
import json
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from django.test import Client

from django_ding import bounded_json
from django_ding.backends.ding import DingBackend
from django_ding.backends.http import MAX_RESPONSE_BYTES, HTTPBackend
from django_ding.backends.prelude import PreludeBackend
from django_ding.exceptions import DingAPIError, DingInvalidResponseError
from django_ding.models import Authentication, RetryRecord
from tests.backends import payloads as v1
from tests.backends import prelude_payloads as v2
from tests.backends.http_fake import Reply, ScriptedServer, serve

NESTED = b"[" * 50_000


class FakeDing(ScriptedServer):
    prefix = "/v1"


class FakePreludeServer(ScriptedServer):
    prefix = "/v2"


@dataclasses.dataclass(frozen=True)
class Flavour:
    """One provider: its fake server, its backend, and each operation's path
    on the wire with the call that reaches it."""

    name: str
    server: type[ScriptedServer]
    backend: type[HTTPBackend]
    api_key: str
    operations: dict[str, tuple[str, Callable[[Any], Any]]]
    valid: dict[str, dict[str, Any]]


DING = Flavour(
    "ding",
    FakeDing,
    DingBackend,
    v1.API_KEY,
    {
        "create": ("/v1/authentication", lambda b: b.create_authentication(v1.PHONE)),
        "check": ("/v1/check", lambda b: b.check(v1.AUTH_UUID, v1.CODE)),
        "retry": ("/v1/retry", lambda b: b.retry(v1.AUTH_UUID)),
        "feedback": ("/v1/authentication/feedback", lambda b: b.feedback(v1.PHONE, "onboarded")),
        "status": (
            f"/v1/authentication/{v1.AUTH_UUID}",
            lambda b: b.get_authentication_status(v1.AUTH_UUID),
        ),
        "lookup": (f"/v1/lookup/{v1.PHONE_QUOTED}", lambda b: b.lookup(v1.PHONE)),
    },
    {
        "create": v1.CREATE_RESPONSE,
        "check": v1.CHECK_RESPONSE,
        "retry": v1.RETRY_RESPONSE,
        "feedback": v1.FEEDBACK_RESPONSE,
        "status": v1.STATUS_RESPONSE,
        "lookup": v1.LOOKUP_RESPONSE,
    },
)
PRELUDE = Flavour(
    "prelude",
    FakePreludeServer,
    PreludeBackend,
    v2.API_KEY,
    {
        "create": ("/v2/verification", lambda b: b.create_authentication(v2.PHONE)),
        "check": (
            "/v2/verification/check",
            lambda b: b.check(v2.VRF_ID, v2.CODE, phone_number=v2.PHONE),
        ),
        "retry": ("/v2/verification", lambda b: b.retry(v2.VRF_ID, phone_number=v2.PHONE)),
        "feedback": ("/v2/watch/feedback", lambda b: b.feedback(v2.PHONE, "onboarded")),
        "status": (
            f"/v2/verification/phone/history/{v2.VRF_ID}",
            lambda b: b.get_authentication_status(v2.VRF_ID),
        ),
        "lookup": ("/v2/lookup/%2B33612345678", lambda b: b.lookup(v2.PHONE)),
    },
    {
        "create": v2.CREATE_RESPONSE,
        "check": v2.CHECK_RESPONSE,
        "retry": {**v2.CREATE_RESPONSE, "status": "retry"},
        "feedback": v2.FEEDBACK_RESPONSE,
        "status": v2.HISTORY_RESPONSE,
        "lookup": v2.LOOKUP_RESPONSE,
    },
)
FLAVOURS = {"ding": DING, "prelude": PRELUDE}
OPERATIONS = sorted(DING.operations)


def make_backend(flavour: Flavour, base_url: str) -> HTTPBackend:
    return flavour.backend(
        api_key=flavour.api_key,
        customer_uuid=v1.CUSTOMER_UUID,
        base_url=base_url,
        timeout=(1.0, 3.0),
        max_retries=0,
    )


@pytest.fixture(params=sorted(FLAVOURS))
def flavour(request: pytest.FixtureRequest) -> Flavour:
    return FLAVOURS[request.param]


@pytest.fixture
def server(flavour: Flavour) -> Iterator[ScriptedServer]:
    yield from serve(flavour.server())


@pytest.fixture
def backend(flavour: Flavour, server: ScriptedServer) -> Iterator[HTTPBackend]:
    instance = make_backend(flavour, server.base_url)
    yield instance
    instance.close()


def call(flavour: Flavour, server: ScriptedServer, backend: HTTPBackend, op: str, reply: Reply):
    path, operation = flavour.operations[op]
    server.script = {path: [reply]}
    return operation(backend)


def deep_object(depth: int) -> bytes:
    """A valid JSON object whose ``status`` nests ``depth`` arrays."""
    return b'{"status": ' + b"[" * depth + b"]" * depth + b"}"


# -- 2xx bodies that are not the documented JSON ---------------------------------------

UNUSABLE_2XX = {
    "nested": NESTED,
    "nested-object": b'{"a":' * 20_000,
    "deep-valid": deep_object(bounded_json.MAX_JSON_DEPTH),  # + the object: one too deep
    "at-recursion-limit": deep_object(sys.getrecursionlimit()),
    "over-recursion-limit": deep_object(sys.getrecursionlimit() + 50),
    "not-utf8": b'{"status": "\xff\xfe"}',
    "latin1": '{"status": "café"}'.encode("latin-1"),
    "array": b"[]",
    "huge-int": b'{"status": ' + b"9" * 5000 + b"}",
    "oversized": b'{"x": "' + b"a" * MAX_RESPONSE_BYTES + b'"}',
}


@pytest.mark.parametrize("op", OPERATIONS)
@pytest.mark.parametrize("body", UNUSABLE_2XX.values(), ids=UNUSABLE_2XX.keys())
def test_an_unusable_2xx_is_an_invalid_response(
    flavour: Flavour, server: ScriptedServer, backend: HTTPBackend, op: str, body: bytes
):
    with pytest.raises(DingInvalidResponseError) as info:
        call(flavour, server, backend, op, Reply(200, raw=body))
    assert info.value.status_code == 200
    assert len(info.value.body) <= MAX_RESPONSE_BYTES
    assert len(str(info.value)) < 300


def test_nesting_up_to_the_limit_is_read(flavour: Flavour, server: ScriptedServer, backend):
    # The object plus MAX_JSON_DEPTH - 1 arrays: exactly the limit.
    body = deep_object(bounded_json.MAX_JSON_DEPTH - 1)
    result = call(flavour, server, backend, "check", Reply(200, raw=body))
    assert result.status is None  # a list is no status


def test_brackets_inside_strings_are_not_nesting(flavour, server, backend):
    valid = dict(flavour.valid["check"])
    valid["note"] = "[{" * 10_000 + '\\"]'
    result = call(flavour, server, backend, "check", Reply(200, valid))
    assert result.is_valid


@pytest.mark.parametrize("op", OPERATIONS)
def test_an_answer_just_under_the_cap_is_read(flavour, server, backend, op: str):
    body = json.dumps(flavour.valid[op])
    padding = MAX_RESPONSE_BYTES - len(body) - len(', "pad": ""')
    raw = (body[:-1] + ', "pad": "' + "a" * padding + '"}').encode()
    assert len(raw) == MAX_RESPONSE_BYTES
    assert call(flavour, server, backend, op, Reply(200, raw=raw)) is not None


def test_an_endless_answer_is_cut_at_the_cap(flavour, server, backend):
    sent: list[int] = []

    def endless() -> Iterator[bytes]:
        chunk = b'{"a": "' + b"x" * 65_536
        while sum(sent) < 500 * 1024 * 1024:  # 500 MB, never reached
            sent.append(len(chunk))
            yield chunk

    started = time.monotonic()
    with pytest.raises(DingInvalidResponseError, match="over 1048576 bytes"):
        call(flavour, server, backend, "status", Reply(200, stream=endless))
    assert time.monotonic() - started < 5
    time.sleep(0.2)  # the server notices the hang-up
    assert sum(sent) < 16 * 1024 * 1024
    # The cut connection is not reused: the next call opens a new one and works.
    assert call(flavour, server, backend, "check", Reply(200, flavour.valid["check"])).is_valid
    assert server.connections == 2


def test_a_compressed_answer_is_capped_once_decompressed(flavour, server, backend):
    bomb = gzip.compress(b'{"a": "' + b"0" * (100 * 1024 * 1024), compresslevel=9)
    assert len(bomb) < 200 * 1024
    reply = Reply(200, raw=bomb, headers={"Content-Encoding": "gzip"})
    with pytest.raises(DingInvalidResponseError, match="over 1048576 bytes"):
        call(flavour, server, backend, "check", reply)


def test_a_compressed_answer_under_the_cap_is_read(flavour, server, backend):
    raw = gzip.compress(json.dumps(flavour.valid["check"]).encode())
    reply = Reply(200, raw=raw, headers={"Content-Encoding": "gzip"})
    assert call(flavour, server, backend, "check", reply).is_valid


def test_answers_under_the_cap_keep_the_connection(flavour, server, backend):
    for _ in range(3):
        assert call(flavour, server, backend, "check", Reply(200, flavour.valid["check"])).is_valid
    assert server.connections == 1


# -- Error statuses with hostile bodies -------------------------------------------------


@pytest.mark.parametrize("op", OPERATIONS)
@pytest.mark.parametrize("status", [400, 429, 500, 503])
def test_a_nested_error_body_is_a_clean_api_error(flavour, server, backend, op: str, status: int):
    with pytest.raises(DingAPIError) as info:
        call(flavour, server, backend, op, Reply(status, raw=NESTED))
    error = info.value
    assert not isinstance(error, DingInvalidResponseError)
    assert (error.status_code, error.code) == (status, None)
    assert len(str(error)) < 400


def test_an_oversized_error_body_is_truncated(flavour, server, backend):
    body = {"code": "internal_error", "message": "boom", "pad": "x" * (5 * 1024 * 1024)}
    with pytest.raises(DingAPIError) as info:
        call(flavour, server, backend, "create", Reply(502, body))
    error = info.value
    assert error.status_code == 502
    assert len(error.body) == MAX_RESPONSE_BYTES
    assert error.code is None  # a truncated body is no JSON: the message is an excerpt
    assert len(str(error)) < 400


def test_an_endless_error_body_is_truncated(flavour, server, backend):
    def endless() -> Iterator[bytes]:
        for _ in range(10_000):  # 640 MB if read to the end
            yield b"e" * 65_536

    with pytest.raises(DingAPIError) as info:
        call(flavour, server, backend, "create", Reply(503, stream=endless))
    assert len(info.value.body) == MAX_RESPONSE_BYTES


# -- Wrong types and unknown enums: safe defaults, never another exception ---------------


@pytest.mark.parametrize("op", OPERATIONS)
@pytest.mark.parametrize(
    "value",
    [10**30, -(10**30), 2**31, [[[]]], {"a": {"b": {}}}, True, 1e308, "\x00", "zz-unknown"],
    ids=["huge", "-huge", "int32+1", "list", "dict", "bool", "float", "nul", "enum"],
)
def test_wrong_typed_fields_are_defaults(flavour, server, backend, op: str, value: Any):
    body = dict.fromkeys(flavour.valid[op], value)
    if op in ("create", "retry"):  # an id is required: keep it
        key = "authentication_uuid" if flavour is DING else "id"
        body[key] = flavour.valid[op][key]
    try:
        result = call(flavour, server, backend, op, Reply(200, body))
    except DingInvalidResponseError:
        return  # a required id of a wrong type
    for field in dataclasses.fields(result):
        field_value = getattr(result, field.name)
        if isinstance(field_value, int) and not isinstance(field_value, bool):
            assert -(2**31) <= field_value < 2**31


def test_a_counter_too_large_for_the_database_is_ignored(server, backend, flavour):
    if flavour is not DING:
        pytest.skip("v2 retries carry no counter")
    reply = Reply(200, {**v1.RETRY_RESPONSE, "remaining_retry": 10**30})
    assert call(flavour, server, backend, "retry", reply).remaining_retry is None


# -- Through the services and the views ----------------------------------------------------


def _settings(flavour: Flavour, server: ScriptedServer) -> dict[str, Any]:
    return {
        "BACKEND": f"{flavour.backend.__module__}.{flavour.backend.__name__}",
        "API_KEY": flavour.api_key,
        "CUSTOMER_UUID": v1.CUSTOMER_UUID,
        "BASE_URL": server.base_url,
        "MAX_RETRIES": 0,
        "SEND_COOLDOWN": 0,
        "SEND_ONBOARDED_FEEDBACK": False,
    }


def _created(flavour: Flavour) -> Reply:
    if flavour is DING:
        return Reply(200, {**v1.CREATE_RESPONSE, "expires_at": "2099-01-01T00:00:00Z"})
    return Reply(200, v2.CREATE_RESPONSE)


HOSTILE_ANSWERS = {
    "nested-500": Reply(500, raw=NESTED),
    "nested-502-html": Reply(502, raw=b"<html>" + NESTED),
    "nested-200": Reply(200, raw=NESTED),
    "oversized-200": Reply(200, raw=b'{"a": "' + b"a" * (2 * MAX_RESPONSE_BYTES) + b'"}'),
}


@pytest.mark.django_db
@pytest.mark.parametrize("answer", HOSTILE_ANSWERS.values(), ids=HOSTILE_ANSWERS.keys())
def test_the_send_view_shows_the_message_and_records_a_failed_row(
    settings: Any, flavour: Flavour, server: ScriptedServer, answer: Reply
):
    settings.DING = _settings(flavour, server)
    server.script = {flavour.operations["create"][0]: [answer]}
    response = Client().post("/verify/", {"phone_number": v1.PHONE})
    assert response.status_code == 200
    assert "could not send" in response.content.decode().lower()
    row = Authentication.objects.get()
    assert row.status == Authentication.Status.FAILED
    assert row.error_code in ("http_500", "http_502", "invalid_response")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "answer",
    [*HOSTILE_ANSWERS.values(), Reply(200, {**v1.RETRY_RESPONSE, "remaining_retry": 10**30})],
    ids=[*HOSTILE_ANSWERS.keys(), "huge-counter"],
)
def test_the_retry_view_shows_a_message(
    settings: Any, flavour: Flavour, server: ScriptedServer, answer: Reply
):
    settings.DING = _settings(flavour, server)
    create_path, retry_path = flavour.operations["create"][0], flavour.operations["retry"][0]
    client = Client()
    if create_path == retry_path:
        server.script = {create_path: [_created(flavour), answer]}
    else:
        server.script = {create_path: [_created(flavour)], retry_path: [answer]}
    assert client.post("/verify/", {"phone_number": v1.PHONE}).status_code == 302
    response = client.post("/verify/retry/", follow=True)
    assert response.status_code == 200
    record = RetryRecord.objects.get()
    assert record.remaining_retry is None
    assert Authentication.objects.get().status == Authentication.Status.PENDING


# -- No recursion, whatever the recursion limit and the stack ---------------------------

_SMALL_STACK_SCRIPT = textwrap.dedent(
    """
    import sys, threading
    import django
    django.setup()
    from tests.backends.http_fake import Reply, ScriptedServer, serve
    from tests.backends.test_hostile_bodies import FLAVOURS, make_backend

    sys.setrecursionlimit(1_000_000)  # the decoder's RecursionError never comes
    threading.stack_size(512 * 1024)  # and the C stack is small
    out = []

    def run():
        for flavour in FLAVOURS.values():
            fake = flavour.server()
            server = serve(fake)
            next(server)
            backend = make_backend(flavour, fake.base_url)
            path, check = flavour.operations["check"]
            for status in (200, 500):
                fake.script = {path: [Reply(status, raw=b"[" * 200_000)]}
                try:
                    check(backend)
                except Exception as err:
                    out.append(f"{flavour.name} {status} {type(err).__name__}")
            backend.close()
            next(server, None)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    print("|".join(out))
    """
)


def test_a_nested_body_cannot_overflow_a_small_stack():
    """With a raised recursion limit, ``json`` recursing 200,000 levels in C
    kills the process (SIGSEGV); the nesting is refused before decoding."""
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "PYTHONPATH": str(root)}
    done = subprocess.run(
        [sys.executable, "-c", _SMALL_STACK_SCRIPT],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, (done.returncode, done.stderr[-2000:])
    assert done.stdout.strip().split("|") == [
        "ding 200 DingInvalidResponseError",
        "ding 500 DingAPIError",
        "prelude 200 DingInvalidResponseError",
        "prelude 500 DingAPIError",
    ]


_LOW_LIMIT_SCRIPT = textwrap.dedent(
    """
    import sys, threading
    import django
    django.setup()
    from django_ding.exceptions import DingAPIError
    from tests.backends.http_fake import Reply, serve
    from tests.backends.test_hostile_bodies import FLAVOURS, deep_object, make_backend

    out = []

    def run():
        flavour = FLAVOURS[sys.argv[1]]
        fake = flavour.server()
        server = serve(fake)
        next(server)
        backend = make_backend(flavour, fake.base_url)
        path, check = flavour.operations["check"]
        fake.script = {path: [Reply(200, flavour.valid["check"])]}
        check(backend)  # warm up: imports done, connection open
        limit = sys.getrecursionlimit()
        # Just enough stack for a normal answer, around the nesting tried.
        sys.setrecursionlimit(100 + len(__import__("inspect").stack()))
        try:
            for depth in (10, 60, 63, 64, 65, 99, 100, 101, 150, 1000, 50_000):
                fake.script = {path: [Reply(200, raw=deep_object(depth))]}
                try:
                    check(backend)
                    out.append(f"{depth}:ok")
                except DingAPIError as err:
                    out.append(f"{depth}:{type(err).__name__}")
        finally:
            sys.setrecursionlimit(limit)
        backend.close()
        next(server, None)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    print(" ".join(out))
    """
)


@pytest.mark.parametrize("name", sorted(FLAVOURS))
def test_nesting_around_a_low_recursion_limit_in_a_thread(name: str):
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "PYTHONPATH": str(root)}
    done = subprocess.run(
        [sys.executable, "-c", _LOW_LIMIT_SCRIPT, name],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    results = dict(item.split(":") for item in done.stdout.split())
    limit = bounded_json.MAX_JSON_DEPTH
    for depth, outcome in results.items():
        # The object adds one level.
        expected = "ok" if int(depth) + 1 <= limit else "DingInvalidResponseError"
        assert outcome == expected, (depth, outcome)


class _CannedSession(requests.Session):
    """A session that ignores ``stream=`` and hands back a read response."""

    def __init__(self, body: bytes) -> None:
        super().__init__()
        self.body = body

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        canned = requests.Response()
        canned.status_code = 200
        canned._content = self.body
        return canned


def test_an_injected_session_that_reads_the_body_is_capped_too():
    ok = DingBackend(
        api_key=v1.API_KEY,
        customer_uuid=v1.CUSTOMER_UUID,
        session=_CannedSession(json.dumps(v1.CHECK_RESPONSE).encode()),
    )
    assert ok.check(v1.AUTH_UUID, v1.CODE).is_valid
    big = b'{"status": "valid", "x": "' + b"a" * MAX_RESPONSE_BYTES + b'"}'
    oversized = DingBackend(
        api_key=v1.API_KEY, customer_uuid=v1.CUSTOMER_UUID, session=_CannedSession(big)
    )
    with pytest.raises(DingInvalidResponseError, match="over 1048576 bytes"):
        oversized.check(v1.AUTH_UUID, v1.CODE)
