"""Canned Ding v1 payloads shared by the backend and contract tests.

Every response here is valid against the spec (the contract tests check it),
unless its name says otherwise.
"""

from __future__ import annotations

from typing import Any

BASE_URL = "https://api.ding.test/v1"
# Distinctive values, so a test can assert they never leak into logs/messages.
API_KEY = "ding-secret-KEY-0f9c8b7a"
CUSTOMER_UUID = "c9f826e0-deca-41ec-871f-ecd6e8efeb46"
AUTH_UUID = "e0e7b0e9-739d-424b-922f-1c2cb48ab077"
PHONE = "+33612345678"
PHONE_QUOTED = "%2B33612345678"
CODE = "918273"

#: Every optional field of CreateAuthenticationRequest, with a valid value.
ALL_CREATE_FIELDS: dict[str, Any] = {
    "ip": "192.0.2.10",
    "device_id": "8F0B1A5E-android-id",
    "device_type": "ANDROID",
    "app_version": "3.2.1",
    "sender_id": "DingDemo",
    "callback_url": "https://example.com/ding/webhook",
    "app_realm": "FA+9qCX9VSu",
    "os_version": "14.0",
    "device_model": "Pixel 8",
    "is_returning_user": False,
    "template_id": "a3b1c2d4-template",
    "correlation_id": "signup-42",
    "locale": "fr-FR",
}

CREATE_RESPONSE: dict[str, Any] = {
    "authentication_uuid": AUTH_UUID,
    "status": "pending",
    "created_at": "2024-05-01T12:00:00.123456789Z",
    "expires_at": "2024-05-01T12:10:00Z",
}

CHECK_RESPONSE: dict[str, Any] = {"authentication_uuid": AUTH_UUID, "status": "valid"}

RETRY_RESPONSE: dict[str, Any] = {
    "authentication_uuid": AUTH_UUID,
    "status": "approved",
    "created_at": "2024-05-01T12:01:00.5Z",
    "next_retry_at": "2024-05-01T12:02:00+02:00",
    "remaining_retry": 2,
}

FEEDBACK_RESPONSE: dict[str, Any] = {"uuid": "123e4567-e89b-12d3-a456-4266141740a0"}

STATUS_RESPONSE: dict[str, Any] = {
    "uuid": AUTH_UUID,
    "phone_number": PHONE,
    "template_id": "a3b1c2d4-template",
    "correlation_id": "signup-42",
    "created_at": "2024-05-01T12:00:00.000000001Z",
    "signals": {
        "ip": "192.0.2.10",
        "device_id": "8F0B1A5E-android-id",
        "device_type": "IPADOS",
        "app_version": "3.2.1",
        "app_realm": "FA+9qCX9VSu",
        "os_version": "17.4",
        "device_model": "iPad Pro",
        "is_returning_user": True,
    },
    "events": [
        {
            "type": "attempt",
            "created_at": "2024-05-01T12:00:00.2Z",
            "id": "att_1",
            "content": "Your code is 918273",
            "sender_id": "DingDemo",
            "capability": "text",
            "attempt_number": 1,
            "status": "delivered",
        },
        {
            "type": "delivery_status",
            "created_at": "2024-05-01T12:00:03Z",
            "status": "delivered",
            "attempt_id": "att_1",
            "attempt_number": 1,
            "originated_at": "2024-05-01T12:00:02.987654321Z",
        },
        {
            "type": "check",
            "created_at": "2024-05-01T12:00:30Z",
            "id": "chk_1",
            "code": "918273",
            "status": "valid",
        },
        {
            "type": "balance_update",
            "created_at": "2024-05-01T12:00:31Z",
            "balance_update_type": "authentication_success",
            "amount": -0.042,
        },
    ],
}

LOOKUP_RESPONSE: dict[str, Any] = {
    "phone_number": PHONE,
    "mcc": "208",
    "mnc": "01",
    "caller_name": "JEAN DUPONT",
    "carrier": "Orange",
    "country_code": "FR",
    "number_ported": False,
    "temporary_phone_number": False,
    "line_type": "Mobile",
}

ERROR_BODY: dict[str, Any] = {
    "code": "invalid_phone_number",
    "message": "+0 is not a valid phone number",
    "doc_url": "https://docs.prelude.so/verify/v1/documentation/errors#invalid_phone_number",
}

#: Responses carrying values this client does not know (a provider addition).
#: Not valid against the spec, on purpose.
UNKNOWN_ENUMS: dict[str, dict[str, Any]] = {
    "create": {**CREATE_RESPONSE, "status": "queued_for_review"},
    "check": {**CHECK_RESPONSE, "status": "fraud_suspected"},
    "retry": {**RETRY_RESPONSE, "status": "throttled"},
    "lookup": {**LOOKUP_RESPONSE, "line_type": "Quantum"},
    "status": {
        **STATUS_RESPONSE,
        "signals": {"device_type": "VISIONOS"},
        "events": [
            {"type": "attempt", "capability": "carrier_pigeon", "status": "in_flight"},
            {"type": "delivery_status", "status": "bounced"},
            {"type": "check", "status": "maybe"},
            {"type": "balance_update", "balance_update_type": "refund", "amount": 1},
            {"type": "silent_auth", "created_at": "2024-05-01T12:00:00Z", "extra": [1, 2]},
        ],
    },
}
