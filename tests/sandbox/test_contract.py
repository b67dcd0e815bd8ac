"""Every response of the sandbox's HTTP face validates against the Ding v1 spec.

Real requests go to a live server; each response is checked with the strict
validator of :mod:`tests.contract.openapi` (unknown fields fail). The spec
documents only 200 and 400 answers: a 401 (no API key), 405 (wrong method)
or 500 (the outage magic number) is checked against ``ErrorResponse``, the
body every Ding error has.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from jsonschema import Draft202012Validator
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse

from django_ding.sandbox import magic
from django_ding.sandbox.models import SandboxAuthentication
from django_ding.sandbox.pytest_plugin import DingOutbox
from tests.contract.openapi import get_openapi, strict_spec_dict
from tests.sandbox.conftest import API_KEY, CUSTOMER_UUID, PHONE, age, sandbox_url

pytestmark = pytest.mark.django_db(transaction=True)

DOCUMENTED = {200, 400}


class ContractClient:
    """Sends real requests and validates every response (and, unless told
    otherwise, every request) against the spec."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.openapi = get_openapi(base_url)
        self.session = requests.Session()
        spec = strict_spec_dict(base_url)
        schema = {**spec["components"]["schemas"]["ErrorResponse"], "$defs": {}}
        self.error_validator = Draft202012Validator(schema)
        self.checked: list[tuple[str, str, int]] = []

    def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        data: bytes | None = None,
        headers: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
        api_key: str | None = API_KEY,
        valid_request: bool = True,
        expect: int = 200,
    ) -> dict[str, Any]:
        all_headers = {"x-api-key": api_key} if api_key is not None else {}
        all_headers.update(headers or {})
        response = self.session.request(
            method,
            self.base_url + path,
            json=json,
            data=data,
            headers=all_headers,
            params=params,
            timeout=(2, 10),
        )
        assert response.status_code == expect, response.text
        assert response.headers["Content-Type"] == "application/json"
        openapi_request = RequestsOpenAPIRequest(response.request)
        if valid_request:
            self.openapi.validate_request(openapi_request)
        if response.status_code in DOCUMENTED:
            self.openapi.validate_response(openapi_request, RequestsOpenAPIResponse(response))
        else:
            self.error_validator.validate(response.json())
        body: dict[str, Any] = response.json()
        if response.status_code != 200:
            assert set(body) == {"code", "message", "doc_url"}
            assert body["doc_url"].endswith("#" + body["code"])
        self.checked.append((method, path, response.status_code))
        return body

    def create(self, phone: str = PHONE, expect: int = 200, **fields: Any) -> dict[str, Any]:
        body = {"customer_uuid": CUSTOMER_UUID, "phone_number": phone, **fields}
        return self.call("POST", "/authentication", json=body, expect=expect)


@pytest.fixture
def client(live_server: Any) -> Iterator[ContractClient]:
    contract_client = ContractClient(sandbox_url(live_server))
    yield contract_client
    # Close keep-alive connections while the live server still shares the DB.
    contract_client.session.close()


def test_create_authentication(client: ContractClient) -> None:
    assert client.create()["status"] == "pending"
    full = client.create(
        "+33612345679",
        ip="192.0.2.1",
        device_id="d",
        device_type="ANDROID",
        app_version="1.0",
        sender_id="Example",
        callback_url="https://example.com/hook",
        app_realm="FA+9qCX9VSu",
        os_version="14",
        device_model="Pixel",
        is_returning_user=False,
        template_id="t",
        correlation_id="c",
        locale="fr-FR",
    )
    assert full["status"] == "pending"
    assert client.create(magic.RATE_LIMITED)["status"] == "rate_limited"
    assert client.create(magic.SPAM_DETECTED)["status"] == "spam_detected"
    assert client.create(magic.NEVER_DELIVERED)["status"] == "pending"
    for number, code in [
        (magic.INVALID_PHONE_NUMBER, "invalid_phone_number"),
        ("+1234567890", "invalid_phone_number"),
        (magic.BLOCKED_NUMBER, "blocked_number"),
        (magic.UNSUPPORTED_REGION, "unsupported_region"),
    ]:
        assert client.create(number, expect=400)["code"] == code
    assert client.create(magic.OUTAGE, expect=500)["code"] == "internal_server_error"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"phone_number": PHONE}, "bad_request"),
        ({"customer_uuid": "nope", "phone_number": PHONE}, "bad_request"),
        ({"customer_uuid": CUSTOMER_UUID}, "bad_request"),
        ({"customer_uuid": CUSTOMER_UUID, "phone_number": 33612345678}, "bad_request"),
        ({"customer_uuid": CUSTOMER_UUID, "phone_number": "0612345678"}, "invalid_phone_number"),
        ({"customer_uuid": CUSTOMER_UUID, "phone_number": PHONE, "colour": "x"}, "bad_request"),
        ({"customer_uuid": CUSTOMER_UUID, "phone_number": PHONE, "ip": "::1"}, "bad_request"),
        (
            {"customer_uuid": CUSTOMER_UUID, "phone_number": PHONE, "device_type": "PS5"},
            "bad_request",
        ),
        (
            {"customer_uuid": CUSTOMER_UUID, "phone_number": PHONE, "app_realm": "FA+9qCX9VSu"},
            "app_realm_require_device_type",
        ),
        (
            {
                "customer_uuid": CUSTOMER_UUID,
                "phone_number": PHONE,
                "app_realm": "FA+9qCX9VSu",
                "device_type": "IOS",
            },
            "unsupported_app_realm_device_type",
        ),
        (
            {"customer_uuid": CUSTOMER_UUID, "phone_number": PHONE, "app_realm": "short"},
            "invalid_app_realm",
        ),
        (
            {"customer_uuid": CUSTOMER_UUID, "phone_number": PHONE, "sender_id": "x" * 16},
            "invalid_sender_id",
        ),
        (
            {"customer_uuid": CUSTOMER_UUID, "phone_number": PHONE, "device_id": ""},
            "invalid_device_id",
        ),
        (
            {"customer_uuid": CUSTOMER_UUID, "phone_number": PHONE, "callback_url": "ftp://x"},
            "bad_request",
        ),
        (
            {"customer_uuid": CUSTOMER_UUID, "phone_number": PHONE, "is_returning_user": "yes"},
            "bad_request",
        ),
        (
            {"customer_uuid": CUSTOMER_UUID, "phone_number": PHONE, "locale": "not a locale"},
            "bad_request",
        ),
    ],
)
def test_create_bad_requests(client: ContractClient, body: dict[str, Any], code: str) -> None:
    answer = client.call("POST", "/authentication", json=body, valid_request=False, expect=400)
    assert answer["code"] == code
    assert PHONE not in answer["message"]


def test_check_retry_status(client: ContractClient, ding_outbox: DingOutbox) -> None:
    auth = client.create(
        ip="192.0.2.1", device_type="WEB", correlation_id="c", template_id="t", sender_id="S"
    )["authentication_uuid"]
    code = ding_outbox.last_code(PHONE)

    def check(typed: str, auth_uuid: str = auth) -> dict[str, Any]:
        body = {
            "customer_uuid": CUSTOMER_UUID,
            "authentication_uuid": auth_uuid,
            "check_code": typed,
        }
        return client.call("POST", "/check", json=body)

    def retry(auth_uuid: str = auth) -> dict[str, Any]:
        body = {"customer_uuid": CUSTOMER_UUID, "authentication_uuid": auth_uuid}
        return client.call("POST", "/retry", json=body)

    assert retry()["status"] == "denied"
    age(auth, retry_ready=True)
    assert retry()["status"] == "approved"
    assert check("000000" if code != "000000" else "111111")["status"] == "invalid"
    assert check(code)["status"] == "valid"
    assert check(code)["status"] == "already_validated"
    assert retry()["status"] == "already_validated"
    status = client.call("GET", f"/authentication/{auth}")
    assert {e["type"] for e in status["events"]} == {"attempt", "delivery_status", "check"}

    never = client.create(magic.NEVER_DELIVERED)["authentication_uuid"]
    client.call("GET", f"/authentication/{never}")
    rate_limited = client.create(magic.RATE_LIMITED)["authentication_uuid"]
    assert check("123456", rate_limited)["status"] == "rate_limited"
    assert retry(rate_limited)["status"] == "rate_limited"
    spam = client.create(magic.SPAM_DETECTED)["authentication_uuid"]
    assert check("123456", spam)["status"] == "without_attempt"
    assert retry(spam)["status"] == "no_attempt"
    expired = client.create("+33612345670")["authentication_uuid"]
    age(expired, expire=True)
    assert check("123456", expired)["status"] == "expired_auth"
    assert retry(expired)["status"] == "expired_auth"
    client.call("GET", f"/authentication/{expired}")
    exhausted = client.create("+33612345671")["authentication_uuid"]
    SandboxAuthentication.objects.filter(uuid=exhausted).update(remaining_retry=0)
    assert retry(exhausted)["status"] == "rate_limited"

    missing = str(uuid.uuid4())
    for path, body in [
        (
            "/check",
            {"customer_uuid": CUSTOMER_UUID, "authentication_uuid": missing, "check_code": "1"},
        ),
        ("/retry", {"customer_uuid": CUSTOMER_UUID, "authentication_uuid": missing}),
    ]:
        assert client.call("POST", path, json=body, expect=400)["code"] == "invalid_auth_uuid"
    assert (
        client.call("GET", f"/authentication/{missing}", expect=400)["code"] == "invalid_auth_uuid"
    )


C = {"customer_uuid": CUSTOMER_UUID}
AUTH = {"authentication_uuid": str(uuid.uuid4())}


@pytest.mark.parametrize(
    ("path", "body", "code"),
    [
        ("/check", {**C, "authentication_uuid": "x", "check_code": "1"}, "invalid_auth_uuid"),
        ("/check", {**C, **AUTH}, "bad_request"),
        ("/check", {**C, **AUTH, "check_code": 123456}, "bad_request"),
        ("/check", {**AUTH, "check_code": "1"}, "bad_request"),
        ("/check", {**C, **AUTH, "check_code": "1", "x": 1}, "bad_request"),
        ("/retry", C, "bad_request"),
        ("/retry", {**C, "authentication_uuid": ["x"]}, "invalid_auth_uuid"),
        ("/retry", {**C, **AUTH, "x": 1}, "bad_request"),
        (
            "/authentication/feedback",
            {**C, "phone_number": PHONE, "status": "happy"},
            "invalid_feedback_status",
        ),
        ("/authentication/feedback", {**C, "phone_number": PHONE}, "invalid_feedback_status"),
        ("/authentication/feedback", {**C, "status": "onboarded"}, "bad_request"),
        (
            "/authentication/feedback",
            {**C, "phone_number": PHONE, "status": "onboarded", "x": 1},
            "bad_request",
        ),
    ],
)
def test_other_bad_requests(
    client: ContractClient, path: str, body: dict[str, Any], code: str
) -> None:
    answer = client.call("POST", path, json=body, valid_request=False, expect=400)
    assert answer["code"] == code


def test_bad_uuid_in_status_path(client: ContractClient) -> None:
    answer = client.call("GET", "/authentication/not-a-uuid", valid_request=False, expect=400)
    assert answer["code"] == "invalid_auth_uuid"


def test_feedback(client: ContractClient) -> None:
    client.create()

    def feedback(status: str, phone: str = PHONE, expect: int = 200) -> dict[str, Any]:
        body = {"customer_uuid": CUSTOMER_UUID, "phone_number": phone, "status": status}
        return client.call("POST", "/authentication/feedback", json=body, expect=expect)

    assert uuid.UUID(feedback("onboarded")["uuid"])
    assert feedback("onboarded", expect=400)["code"] == "duplicated_feedback_status"
    assert uuid.UUID(feedback("not_onboarded")["uuid"])
    assert feedback("onboarded", "+33612345600", 400)["code"] == "no_associated_auth_found"
    assert feedback("onboarded", magic.INVALID_PHONE_NUMBER, 400)["code"] == "invalid_phone_number"
    assert feedback("onboarded", magic.OUTAGE, 500)["code"] == "internal_server_error"


def test_lookup(client: ContractClient) -> None:
    headers = {"customer-uuid": CUSTOMER_UUID}
    plain = client.call("GET", f"/lookup/{PHONE}", headers=headers)
    assert plain == {
        "phone_number": PHONE,
        "carrier": "SFR",
        "country_code": "FR",
        "line_type": "Mobile",
    }
    encoded = client.call("GET", "/lookup/%2B33612345678", headers=headers, params={"type": "cnam"})
    assert encoded["caller_name"] == "SANDBOX CALLER"
    for number in ("+12025550100", "+33199000001", "+18005550100", "+447700900123"):
        client.call(
            "GET",
            f"/lookup/{number}",
            headers=headers,
            expect=200 if number != "+447700900123" else 400,
        )
    assert client.call("GET", f"/lookup/{magic.OUTAGE}", headers=headers, expect=500)["code"] == (
        "internal_server_error"
    )
    missing = client.call("GET", f"/lookup/{PHONE}", valid_request=False, expect=400)
    assert missing["code"] == "bad_request"
    assert "customer-uuid" in missing["message"]
    wrong_type = client.call(
        "GET",
        f"/lookup/{PHONE}",
        headers=headers,
        params={"type": "fraud"},
        valid_request=False,
        expect=400,
    )
    assert wrong_type["code"] == "bad_request"
    assert client.call("GET", "/lookup/0612345678", headers=headers, expect=400)["code"] == (
        "invalid_phone_number"
    )  # fmt: skip


def test_api_key_is_required(client: ContractClient) -> None:
    body = {"customer_uuid": CUSTOMER_UUID, "phone_number": PHONE}
    for key in (None, ""):
        answer = client.call(
            "POST", "/authentication", json=body, api_key=key, valid_request=False, expect=401
        )
        assert answer["code"] == "account_invalid"
    wrong = client.call("POST", "/authentication", json=body, api_key="wrong", expect=401)
    assert wrong["message"] == "Invalid API key."
    client.call(
        "GET", f"/authentication/{uuid.uuid4()}", api_key=None, valid_request=False, expect=401
    )


def test_malformed_bodies(client: ContractClient) -> None:
    for data in (b"", b"{", b"[]", b'"x"', b"\xff\xfe", b"null"):
        answer = client.call(
            "POST",
            "/check",
            data=data,
            headers={"Content-Type": "application/json"},
            valid_request=False,
            expect=400,
        )
        assert answer["code"] == "bad_request"


def test_wrong_method(client: ContractClient) -> None:
    answer = client.call("GET", "/check", valid_request=False, expect=405)
    assert answer["code"] == "bad_request"
    client.call("POST", f"/lookup/{PHONE}", valid_request=False, expect=405)
