"""Contract: every request DingBackend sends, and every canned response it
parses, validates against the Ding v1 OpenAPI spec (closed: unknown fields
fail). A renamed request field therefore fails here."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
import responses
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse
from openapi_core.templating.paths.exceptions import PathNotFound
from openapi_core.validation.request.exceptions import (
    InvalidRequestBody,
    MissingRequiredParameter,
    SecurityValidationError,
)
from openapi_core.validation.response.exceptions import InvalidData

from django_ding.backends.base import CREATE_AUTHENTICATION_FIELDS
from django_ding.backends.ding import ENDPOINTS, DingBackend
from django_ding.exceptions import DingAPIError
from tests.backends.payloads import (
    ALL_CREATE_FIELDS,
    API_KEY,
    AUTH_UUID,
    BASE_URL,
    CHECK_RESPONSE,
    CODE,
    CREATE_RESPONSE,
    CUSTOMER_UUID,
    ERROR_BODY,
    FEEDBACK_RESPONSE,
    LOOKUP_RESPONSE,
    PHONE,
    PHONE_QUOTED,
    RETRY_RESPONSE,
    STATUS_RESPONSE,
)
from tests.contract.openapi import get_openapi, request_schema_fields, spec_dict

URLS = {
    "create_authentication": f"{BASE_URL}/authentication",
    "check": f"{BASE_URL}/check",
    "retry": f"{BASE_URL}/retry",
    "feedback": f"{BASE_URL}/authentication/feedback",
    "get_authentication_status": f"{BASE_URL}/authentication/{AUTH_UUID}",
    "lookup": f"{BASE_URL}/lookup/{PHONE_QUOTED}",
}

# (operation, call, canned 200 body)
CALLS: list[tuple[str, Callable[[DingBackend], Any], dict[str, Any]]] = [
    ("create_authentication", lambda b: b.create_authentication(PHONE), CREATE_RESPONSE),
    (
        "create_authentication",
        lambda b: b.create_authentication(PHONE, **ALL_CREATE_FIELDS),
        CREATE_RESPONSE,
    ),
    (
        "create_authentication",
        lambda b: b.create_authentication(PHONE, device_type="IOS", is_returning_user=True),
        {"authentication_uuid": AUTH_UUID, "status": "rate_limited"},
    ),
    (
        "create_authentication",
        lambda b: b.create_authentication(PHONE, ip="2001:db8::1", locale="en"),
        CREATE_RESPONSE,
    ),
    ("check", lambda b: b.check(AUTH_UUID, CODE), CHECK_RESPONSE),
    ("retry", lambda b: b.retry(AUTH_UUID), RETRY_RESPONSE),
    ("feedback", lambda b: b.feedback(PHONE, "onboarded"), FEEDBACK_RESPONSE),
    ("feedback", lambda b: b.feedback(PHONE, "not_onboarded"), FEEDBACK_RESPONSE),
    (
        "get_authentication_status",
        lambda b: b.get_authentication_status(AUTH_UUID),
        STATUS_RESPONSE,
    ),
    ("lookup", lambda b: b.lookup(PHONE), LOOKUP_RESPONSE),
    ("lookup", lambda b: b.lookup(PHONE, cnam=True), LOOKUP_RESPONSE),
]
CALL_IDS = [
    "create-minimal",
    "create-all-fields",
    "create-some-fields",
    "create-ipv6-client",
    "check",
    "retry",
    "feedback-onboarded",
    "feedback-not-onboarded",
    "status",
    "lookup",
    "lookup-cnam",
]


@pytest.fixture
def backend() -> Iterator[DingBackend]:
    instance = DingBackend(
        api_key=API_KEY, customer_uuid=CUSTOMER_UUID, base_url=BASE_URL, max_retries=0
    )
    yield instance
    instance.close()


@pytest.fixture
def mocked() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


def _register(mocked: responses.RequestsMock, operation: str, **kwargs: Any) -> None:
    method = ENDPOINTS[operation].method
    mocked.add(method, URLS[operation], **kwargs)


def validate_exchange(call: Any) -> None:
    """Validate one recorded ``responses`` call, request and response."""
    openapi = get_openapi(BASE_URL)
    request = RequestsOpenAPIRequest(call.request)
    openapi.validate_request(request)
    openapi.validate_response(request, RequestsOpenAPIResponse(call.response))


@pytest.mark.parametrize(("operation", "call", "body"), CALLS, ids=CALL_IDS)
def test_requests_and_responses_match_the_spec(
    backend: DingBackend,
    mocked: responses.RequestsMock,
    operation: str,
    call: Callable[[DingBackend], Any],
    body: dict[str, Any],
):
    _register(mocked, operation, json=body)

    result = call(backend)

    assert result is not None
    (recorded,) = mocked.calls
    validate_exchange(recorded)


@pytest.mark.parametrize("operation", sorted(set(ENDPOINTS) - {"feedback"}))
def test_error_responses_match_the_spec(
    backend: DingBackend, mocked: responses.RequestsMock, operation: str
):
    """The 400 ErrorResponse the client parses is the spec's (feedback
    documents no 400 body)."""
    _register(mocked, operation, json=ERROR_BODY, status=400)
    call = next(c for op, c, _ in CALLS if op == operation)

    with pytest.raises(DingAPIError) as info:
        call(backend)

    assert info.value.code == ERROR_BODY["code"]
    validate_exchange(mocked.calls[0])


def test_every_operation_of_the_spec_is_covered():
    paths = spec_dict()["paths"]
    in_spec = {
        (method.upper(), path)
        for path, item in paths.items()
        for method in item
        if method != "parameters"
    }
    assert {(e.method, e.path) for e in ENDPOINTS.values()} == in_spec
    assert {op for op, _, _ in CALLS} == set(ENDPOINTS)


def test_create_fields_equal_the_spec():
    spec_fields = request_schema_fields("CreateAuthenticationRequest")
    assert spec_fields - {"customer_uuid", "phone_number"} == CREATE_AUTHENTICATION_FIELDS
    assert set(ALL_CREATE_FIELDS) == CREATE_AUTHENTICATION_FIELDS


def _captured(backend: DingBackend, mocked: responses.RequestsMock) -> requests.PreparedRequest:
    _register(mocked, "create_authentication", json=CREATE_RESPONSE)
    backend.create_authentication(PHONE, **ALL_CREATE_FIELDS)
    prepared: requests.PreparedRequest = mocked.calls[0].request
    return prepared


@pytest.mark.parametrize(
    "field", sorted(CREATE_AUTHENTICATION_FIELDS | {"customer_uuid", "phone_number"})
)
def test_a_renamed_request_field_fails_validation(
    backend: DingBackend, mocked: responses.RequestsMock, field: str
):
    prepared = _captured(backend, mocked)
    openapi = get_openapi(BASE_URL)
    openapi.validate_request(RequestsOpenAPIRequest(prepared))  # as sent: valid

    renamed = copy.copy(prepared)
    body = json.loads(prepared.body or b"{}")
    body[field.replace("_", "") + "_v2"] = body.pop(field)
    renamed.prepare_body(data=None, files=None, json=body)

    with pytest.raises(InvalidRequestBody) as info:
        openapi.validate_request(RequestsOpenAPIRequest(renamed))
    assert "_v2' was unexpected" in str(info.value.__cause__)


def test_a_renamed_header_or_path_fails_validation(
    backend: DingBackend, mocked: responses.RequestsMock
):
    _register(mocked, "lookup", json=LOOKUP_RESPONSE)
    backend.lookup(PHONE)
    prepared: requests.PreparedRequest = mocked.calls[0].request
    openapi = get_openapi(BASE_URL)

    no_customer = copy.copy(prepared)
    no_customer.headers = copy.copy(prepared.headers)
    no_customer.headers["customer_uuid"] = no_customer.headers.pop("customer-uuid")
    with pytest.raises(MissingRequiredParameter, match="customer-uuid"):
        openapi.validate_request(RequestsOpenAPIRequest(no_customer))

    no_key = copy.copy(prepared)
    no_key.headers = copy.copy(prepared.headers)
    no_key.headers["api-key"] = no_key.headers.pop("x-api-key")
    with pytest.raises(SecurityValidationError):
        openapi.validate_request(RequestsOpenAPIRequest(no_key))

    wrong_path = copy.copy(prepared)
    wrong_path.url = f"{BASE_URL}/lookups/{PHONE_QUOTED}"
    with pytest.raises(PathNotFound):
        openapi.validate_request(RequestsOpenAPIRequest(wrong_path))


def test_a_wrong_enum_in_a_response_fails_validation(
    backend: DingBackend, mocked: responses.RequestsMock
):
    """The spec side of the tolerance test: the client accepts what the
    spec would refuse (a value added by the provider later)."""
    _register(mocked, "check", json={"authentication_uuid": AUTH_UUID, "status": "fraud"})

    assert backend.check(AUTH_UUID, CODE).status == "fraud"
    with pytest.raises(InvalidData):
        validate_exchange(mocked.calls[0])
