"""A seeded fuzz of every wire view of the sandbox, v1 and v2: random methods,
paths, bodies (deep nesting, huge numbers, wrong types, unicode, NUL, bytes
that are not UTF-8) and headers (credentials present, wrong or absent).

Whatever comes in: no unhandled exception, no 500 (but the outage magic
number's, which is the spec's error too), and every error body is the spec's
error shape (v1 ``ErrorResponse`` ``{code, message, doc_url}``, v2
``{code, message, param?}``)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from django_ding.backends.enums import ErrorCode
from django_ding.sandbox import api_v2_views, api_views, magic
from django_ding.sandbox.errors import DOC_URL
from tests.sandbox.conftest import API_KEY, CUSTOMER_UUID, PHONE

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=400,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

V1_ROUTES = {
    "v1/authentication": "POST",
    "v1/authentication/feedback": "POST",
    "v1/authentication/{id}": "GET",
    "v1/check": "POST",
    "v1/retry": "POST",
    "v1/lookup/{phone}": "GET",
}
V2_ROUTES = {
    "v2/verification": "POST",
    "v2/verification/check": "POST",
    "v2/verification/phone/history": "GET",
    "v2/verification/phone/history/{id}": "GET",
    "v2/lookup/{phone}": "GET",
    "v2/watch/feedback": "POST",
}
UNKNOWN_ROUTES = ["v1/nothing", "v1/authentication/a/b", "v2/nothing", "v1/", "v2/"]

NUMBERS = st.sampled_from([PHONE, "+33612345679", *magic.MAGIC_NUMBERS]) | st.text(max_size=20)
IDS = (
    st.uuids().map(str)
    | st.sampled_from(["vrf_01jc0t6fwwfgfsq1md24mhyztj", "", "\x00", "é" * 5])
    | st.text(max_size=40)
)
NASTY_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=30
) | st.sampled_from(["\x00", "\u202e", "\ufeff", "💥" * 10, "a" * 5000])
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=2**63, max_value=2**200)
    | st.floats()
    | NASTY_TEXT
    | NUMBERS
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(NASTY_TEXT, inner, max_size=4),
    max_leaves=15,
)
FIELDS = st.sampled_from(
    [
        "customer_uuid",
        "phone_number",
        "authentication_uuid",
        "check_code",
        "status",
        "target",
        "code",
        "feedbacks",
        "options",
        "signals",
        "metadata",
        "ip",
        "device_type",
        "locale",
    ]
)
OBJECTS = st.dictionaries(FIELDS, JSON, max_size=6).map(
    lambda body: {"customer_uuid": CUSTOMER_UUID, **body}
)


def _deep(depth: int, field: str | None) -> str:
    inner = "[" * depth + "]" * depth
    return inner if field is None else json.dumps({field: "x"})[:-1] + f', "z": {inner}}}'


DEEP = st.builds(
    _deep,
    st.sampled_from([31, 32, 33, 100, 999, 1000, 1001, 5000, 50_000]),
    st.none() | FIELDS,
)
RAW_BODIES = (
    OBJECTS.map(json.dumps)
    | JSON.map(json.dumps)
    | DEEP
    | st.sampled_from(
        [
            "",
            "{",
            '{"phone_number": ' + "9" * 5000 + "}",
            '{"phone_number": 1e999}',
            '{"phone_number": NaN}',
            '{"a": "\\ud800"}',
            '{"a":1,"a":2}',
            "[" * 200_000,
            '{"a": "' + "x" * 200_000 + '"}',
        ]
    )
).map(str.encode) | st.binary(max_size=100)
METHODS = st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE"])
HEADER_VALUES = st.sampled_from(
    [API_KEY, f"Bearer {API_KEY}", "Bearer ", "bearer x", "wrong", "", "application/json"]
) | st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=30)
HEADERS = st.dictionaries(
    st.sampled_from(["x-api-key", "Authorization", "customer-uuid", "Content-Type", "X-Other"]),
    HEADER_VALUES,
    max_size=4,
)


def _path(template: str, value: str) -> str:
    return "/ding-sandbox/" + template.format(
        id=quote(value, safe=""), phone=quote(value, safe="+")
    )


@pytest.fixture(autouse=True)
def _no_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(api_views, "sleep", lambda _: None)
    monkeypatch.setattr(api_v2_views, "sleep", lambda _: None)


def _auth(template: str, present: bool) -> dict[str, str]:
    if not present:
        return {}
    if template.startswith("v1/"):
        return {"x-api-key": API_KEY, "customer-uuid": CUSTOMER_UUID}
    return {"Authorization": f"Bearer {API_KEY}"}


def assert_wire_answer(response: Any, template: str, sent: bytes | str) -> None:
    """No 500 but the outage's; JSON always; errors in the face's shape."""
    sent_text = sent if isinstance(sent, str) else sent.decode("utf-8", "replace")
    status = response.status_code
    if status == 500:
        assert magic.OUTAGE in sent_text, response.content[:500]
    assert response["Content-Type"] == "application/json", (status, response.content[:300])
    body = json.loads(response.content)
    assert isinstance(body, dict)
    if status < 400:
        return
    if template.startswith("v1/"):
        assert set(body) == {"code", "message", "doc_url"}, body
        assert body["code"] in {code.value for code in ErrorCode}, body
        assert isinstance(body["message"], str)
        assert body["doc_url"] == f"{DOC_URL}#{body['code']}"
    else:
        assert {"code", "message"} <= set(body) <= {"code", "message", "param"}, body
        assert all(isinstance(value, str) for value in body.values()), body


@FUZZ
@given(
    template=st.sampled_from(sorted({**V1_ROUTES, **V2_ROUTES})),
    value=NUMBERS | IDS,
    body=RAW_BODIES,
    authenticated=st.booleans(),
)
def test_bodies_on_every_wire_view(
    client: Client, template: str, value: str, body: bytes, authenticated: bool
) -> None:
    method = {**V1_ROUTES, **V2_ROUTES}[template]
    response = client.generic(
        method,
        _path(template, value),
        body,
        content_type="application/json",
        headers=_auth(template, authenticated),
    )
    assert_wire_answer(response, template, body + value.encode())
    if authenticated and method == "POST" and response.status_code != 500:
        assert response.status_code < 500


@FUZZ
@given(
    template=st.sampled_from(sorted({**V1_ROUTES, **V2_ROUTES}) + UNKNOWN_ROUTES),
    value=NUMBERS | IDS,
    method=METHODS,
    headers=HEADERS,
    body=RAW_BODIES,
    query=st.dictionaries(st.sampled_from(["type", "limit", "phone_number", "x"]), NASTY_TEXT),
)
def test_methods_headers_and_queries(
    client: Client,
    template: str,
    value: str,
    method: str,
    headers: dict[str, str],
    body: bytes,
    query: dict[str, str],
) -> None:
    path = _path(template, value)
    query = {key: text.replace("\x00", "") for key, text in query.items()}
    if query:
        path += "?" + "&".join(f"{quote(k)}={quote(v)}" for k, v in query.items())
    response = client.generic(method, path, body, content_type="application/json", headers=headers)
    assert_wire_answer(response, template, body + value.encode() + str(query).encode())


@pytest.mark.parametrize(
    "template", [t for t, m in {**V1_ROUTES, **V2_ROUTES}.items() if m == "POST"]
)
@pytest.mark.parametrize(
    "raw",
    [
        b"[" * 50_000,
        b'{"a":' * 20_000,
        b'{"phone_number": ' + b"[" * 999 + b"]" * 999 + b"}",
        b'{"phone_number": ' + b"[" * 1000 + b"]" * 1000 + b"}",
        b'{"phone_number": ' + b"[" * 1001 + b"]" * 1001 + b"}",
        b"\xff\xfe{}",
        b'"just a string"',
        b"[1, 2]",
        b'{"phone_number": ' + b"9" * 5000 + b"}",
    ],
    ids=[
        "nested",
        "nested-objects",
        "999",
        "1000",
        "1001",
        "not-utf8",
        "string",
        "array",
        "bigint",
    ],
)
def test_hostile_bodies_are_400_with_the_error_body(client: Client, template: str, raw: bytes):
    response = client.post(
        _path(template, PHONE),
        raw,
        content_type="application/json",
        headers=_auth(template, True),
    )
    assert response.status_code == 400, response.content[:300]
    assert_wire_answer(response, template, raw)


_SMALL_STACK_SCRIPT = """
import sys, threading
import django
django.setup()
from django.test import Client
from tests.sandbox.test_wire_fuzz import _auth, _path

sys.setrecursionlimit(1_000_000)  # the decoder's RecursionError never comes
threading.stack_size(512 * 1024)  # and the C stack is small
out = []

def run():
    client = Client()
    for template in ("v1/authentication", "v2/verification"):
        response = client.post(
            _path(template, ""), b"[" * 200_000, content_type="application/json",
            headers=_auth(template, True),
        )
        out.append(f"{template} {response.status_code}")

thread = threading.Thread(target=run)
thread.start()
thread.join()
print("|".join(out))
"""


def test_a_nested_body_cannot_overflow_a_small_stack() -> None:
    """With a raised recursion limit, ``json`` recursing 200,000 levels in C
    kills the server process (SIGSEGV): the nesting is refused before decoding."""
    import os
    import subprocess
    import sys
    from pathlib import Path

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
    assert done.stdout.strip() == "v1/authentication 400|v2/verification 400"
