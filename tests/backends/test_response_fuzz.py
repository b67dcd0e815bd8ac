"""A seeded fuzz of the backends' response parsing, over real loopback HTTP:
random JSON-ish bodies (the operation's own fields with values of any type,
unknown enums, nesting, huge numbers) and raw bytes, served with any status
for each operation of DingBackend and PreludeBackend. Each call returns a
result whose neutral view (what the services read) works, or raises a
``DingError``: never anything else."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from django_ding.backends.http import HTTPBackend
from django_ding.exceptions import DingError, DingInvalidResponseError
from tests.backends.http_fake import Reply, ScriptedServer, serve
from tests.backends.test_hostile_bodies import FLAVOURS, OPERATIONS, Flavour, make_backend

FUZZ = settings(
    max_examples=60,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# The properties the services and the admin read on a result.
NEUTRAL = (
    "provider_id",
    "outcome",
    "retry_outcome",
    "code_sent",
    "refusal_reason",
    "expires_at",
    "remaining_retry",
    "next_retry_at",
    "is_valid",
    "sent",
    "timeline",
    "closed_as",
    "events",
)

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=2**31 - 2, max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=20)
    | st.sampled_from(
        [
            "pending",
            "valid",
            "approved",
            "success",
            "retry",
            "blocked",
            "attempt",
            "check",
            "expired_auth",
            "rate_limited",
            "2024-05-01T12:00:00Z",
            "9999-12-31T23:59:59-05:00",
            "0001-01-01T00:00:00+01:00",
            "vrf_01jc0t6fwwfgfsq1md24mhyztj",
            "e0e7b0e9-739d-424b-922f-1c2cb48ab077",
            "\x00",
            "x" * 300,
        ]
    )
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=20,
)


def _field_names(flavour: Flavour, op: str) -> list[str]:
    """The operation's top-level fields, and the nested ones of its sample."""
    names: set[str] = set()
    stack: list[Any] = [flavour.valid[op]]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            names.update(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return sorted(names)


def _bodies(flavour: Flavour, op: str) -> st.SearchStrategy[bytes]:
    names = st.sampled_from(_field_names(flavour, op))
    valid = flavour.valid[op]
    mutated = st.dictionaries(names, JSON, max_size=6).map(lambda extra: {**valid, **extra})
    nested_events = st.lists(st.dictionaries(names, JSON, max_size=6), max_size=4).map(
        lambda events: {**valid, "events": events, "lifecycle": {"events": events}}
    )
    objects = mutated | nested_events | st.dictionaries(names, JSON, max_size=6) | JSON
    return objects.map(lambda value: json.dumps(value).encode()) | st.binary(max_size=80)


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


def _read_everything(result: Any) -> None:
    for name in NEUTRAL:
        value = getattr(result, name, None)
        if name == "timeline" and value is not None:
            for event in value:
                str(event.kind), str(event.status), dict(event.details)
    repr(result)


@pytest.mark.parametrize("op", OPERATIONS)
@FUZZ
@given(data=st.data())
def test_any_2xx_body_is_a_result_or_a_ding_error(
    flavour: Flavour, server: ScriptedServer, backend: HTTPBackend, op: str, data: st.DataObject
) -> None:
    body = data.draw(_bodies(flavour, op), label="body")
    path, operation = flavour.operations[op]
    server.script = {path: [Reply(200, raw=body)]}
    try:
        result = operation(backend)
    except DingInvalidResponseError:
        return
    _read_everything(result)


@pytest.mark.parametrize("op", ["create", "status"])
@FUZZ
@given(
    status=st.sampled_from([301, 400, 401, 404, 422, 429, 500, 502, 503]),
    body=JSON.map(lambda value: json.dumps(value).encode()) | st.binary(max_size=80),
    headers=st.dictionaries(
        st.sampled_from(["Retry-After", "retry-after-ms", "Content-Type"]),
        st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), max_size=20),
        max_size=2,
    ),
)
def test_any_error_answer_is_a_ding_error(
    flavour: Flavour,
    server: ScriptedServer,
    backend: HTTPBackend,
    op: str,
    status: int,
    body: bytes,
    headers: dict[str, str],
) -> None:
    path, operation = flavour.operations[op]
    server.script = {path: [Reply(status, raw=body, headers=headers)]}
    with pytest.raises(DingError) as info:
        operation(backend)
    str(info.value), repr(info.value)
