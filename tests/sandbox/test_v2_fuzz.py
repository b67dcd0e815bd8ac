"""A seeded fuzz of the v2 wire views: whatever the body, path or headers,
no unhandled exception and no 500 (only the outage magic number is a 500)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from django_ding.sandbox import api_v2_views, magic
from tests.sandbox.conftest import API_KEY, PHONE

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=150,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
AUTH = {"Authorization": f"Bearer {API_KEY}"}
NUMBERS = st.sampled_from([PHONE, "+33612345679", *magic.MAGIC_NUMBERS]) | st.text(max_size=20)
SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30) | NUMBERS
JSON = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=20,
)
TARGETS = (
    st.fixed_dictionaries(
        {"type": st.sampled_from(["phone_number", "email_address", "x"]) | JSON, "value": NUMBERS}
    )
    | JSON
)
FIELD_VALUES = {
    "target": TARGETS,
    "code": st.text(max_size=10) | JSON,
    "metadata": st.fixed_dictionaries({"correlation_id": JSON}) | JSON,
    "signals": st.dictionaries(
        st.sampled_from(["ip", "device_platform", "device_id", "existing_user", "bad"]), JSON
    )
    | JSON,
    "options": st.dictionaries(
        st.sampled_from(
            ["locale", "sender_id", "app_realm", "code_size", "channels", "method", "callback_url"]
        ),
        JSON,
    )
    | JSON,
    "feedbacks": st.lists(
        st.fixed_dictionaries({"target": TARGETS, "type": st.text(max_size=25) | JSON}), max_size=3
    )
    | JSON,
    "psd2": JSON,
    "dispatch_id": JSON,
}
BODIES = (
    st.dictionaries(st.sampled_from(sorted(FIELD_VALUES)), JSON, max_size=5)
    | st.builds(dict, **dict(FIELD_VALUES.items()))
    | JSON
)
POSTS = st.sampled_from(["v2/verification", "v2/verification/check", "v2/watch/feedback"])
HEADERS = st.dictionaries(
    st.sampled_from(["Authorization", "Content-Type", "X-Whatever"]),
    st.sampled_from(
        [f"Bearer {API_KEY}", "Bearer ", "bearer x", "Basic abc", "", "application/json"]
    )
    | st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=30),
)


@pytest.fixture(autouse=True)
def _no_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(api_v2_views, "sleep", lambda _: None)


def _no_500(response: Any, sent: str) -> None:
    if magic.OUTAGE in sent:
        assert response.status_code in (200, 400, 401, 404, 405, 500)
    else:
        assert response.status_code != 500, response.content
    assert set(response.json()) >= ({"code", "message"} if response.status_code >= 400 else set())


@FUZZ
@given(path=POSTS, body=BODIES)
def test_post_bodies(client: Client, path: str, body: Any) -> None:
    raw = json.dumps(body)
    response = client.post(
        f"/ding-sandbox/{path}", raw, content_type="application/json", headers=AUTH
    )
    _no_500(response, raw)


@FUZZ
@given(path=POSTS, raw=st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_post_raw_bytes(client: Client, path: str, raw: bytes) -> None:
    response = client.post(
        f"/ding-sandbox/{path}", raw, content_type="application/json", headers=AUTH
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_request" or raw.strip().startswith(b"{")


@FUZZ
@given(
    segment=NUMBERS
    | st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), max_size=40),
    query=st.dictionaries(
        st.sampled_from(["type", "limit", "phone_number", "x"]), st.text(max_size=15)
    ),
    kind=st.sampled_from(
        ["lookup/", "verification/phone/history/", "verification/phone/history", ""]
    ),
)
def test_get_paths(client: Client, segment: str, query: dict[str, str], kind: str) -> None:
    from urllib.parse import quote

    path = f"/ding-sandbox/v2/{kind}{quote(segment, safe='+') if kind.endswith('/') else ''}"
    response = client.get(path, query, headers=AUTH)
    _no_500(response, segment)


@FUZZ
@given(
    path=POSTS,
    headers=HEADERS,
    body=BODIES,
    method=st.sampled_from(["get", "post", "put", "delete"]),
)
def test_headers_and_methods(
    client: Client, path: str, headers: dict[str, str], body: Any, method: str
) -> None:
    raw = json.dumps(body)
    response = client.generic(
        method.upper(),
        f"/ding-sandbox/{path}",
        raw,
        content_type="application/json",
        headers=headers,
    )
    _no_500(response, raw)


def test_deep_and_big_bodies_are_400(client: Client) -> None:
    for raw in ("[" * 100_000, '{"a":' * 40 + "1" + "}" * 40, json.dumps({"target": "x" * 70_000})):
        response = client.post(
            "/ding-sandbox/v2/verification", raw, content_type="application/json", headers=AUTH
        )
        assert response.status_code == 400
        assert response.json()["code"] == "invalid_request"
