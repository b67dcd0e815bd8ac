"""Canned Prelude v2 payloads (field names as in prelude-python-sdk 0.16.0)."""

from __future__ import annotations

from typing import Any

API_KEY = "sk_prelude-SECRET-9a8b7c6d"
VRF_ID = "vrf_01jc0t6fwwfgfsq1md24mhyztj"
PHONE = "+33612345678"
CODE = "918273"

CREATE_RESPONSE: dict[str, Any] = {
    "id": VRF_ID,
    "status": "success",
    "method": "message",
    "channels": ["sms", "whatsapp"],
    "metadata": {"correlation_id": "signup-42"},
    "request_id": "req_1",
}
CHECK_RESPONSE: dict[str, Any] = {"id": VRF_ID, "status": "success", "request_id": "req_2"}
FEEDBACK_RESPONSE: dict[str, Any] = {"status": "success", "request_id": "req_3"}
LOOKUP_RESPONSE: dict[str, Any] = {
    "phone_number": PHONE,
    "country_code": "FR",
    "line_type": "mobile",
    "flags": ["ported"],
    "network_info": {"carrier_name": "Orange", "mcc": "208", "mnc": "01"},
    "original_network_info": {"carrier_name": "SFR", "mcc": "208", "mnc": "10"},
    "caller_name": "JEAN DUPONT",
}
HISTORY_RESPONSE: dict[str, Any] = {
    "id": VRF_ID,
    "phone_number": PHONE,
    "status": "converted",
    "created_at": "2025-05-01T12:00:00.123Z",
    "expires_at": "2025-05-01T12:10:00Z",
    "correlation_id": "signup-42",
    "carrier": {"mccmnc": "20801", "name": "Orange"},
    "device_platform": "android",
    "block_reasons": [],
    "signals": {"is_trusted_user": False, "device_id": "dev-1"},
    "lifecycle": {
        "events": [
            {"type": "create", "create": {"created_at": "2025-05-01T12:00:00Z"}},
            {
                "type": "attempt",
                "attempt": {
                    "id": "att_1",
                    "created_at": "2025-05-01T12:00:01Z",
                    "channel": "sms",
                    "status": "succeeded",
                    "trigger": "initial",
                    "delivery_status": "delivered",
                    "content": "Your code is ******",
                },
            },
            {
                "type": "check",
                "check": {"created_at": "2025-05-01T12:01:00Z", "is_valid": True, "value": CODE},
            },
        ],
        "total_cost": {"amount": "0.05", "currency": "EUR"},
        "undeliverable_route_count": 0,
    },
}

#: Every v1 create field plus the v2-only ones, with the body they must give.
ALL_FIELDS: dict[str, Any] = {
    "ip": "2001:db8::1",
    "device_id": "8F0B1A5E-android-id",
    "device_type": "ANDROID",
    "app_version": "3.2.1",
    "sender_id": "DingDemo",
    "callback_url": "https://example.com/prelude/webhook",
    "app_realm": "FA+9qCX9VSu",
    "os_version": "14.0",
    "device_model": "Pixel 8",
    "is_returning_user": True,
    "template_id": "prelude:psd2",
    "correlation_id": "signup-42",
    "locale": "fr-FR",
    "user_agent": "Mozilla/5.0",
    "method": "auto",
    "preferred_channel": "whatsapp",
}
ALL_FIELDS_BODY: dict[str, Any] = {
    "target": {"type": "phone_number", "value": PHONE},
    "metadata": {"correlation_id": "signup-42"},
    "signals": {
        "ip": "2001:db8::1",
        "device_id": "8F0B1A5E-android-id",
        "device_platform": "android",
        "app_version": "3.2.1",
        "os_version": "14.0",
        "device_model": "Pixel 8",
        "existing_user": True,
        "user_agent": "Mozilla/5.0",
    },
    "options": {
        "sender_id": "DingDemo",
        "callback_url": "https://example.com/prelude/webhook",
        "app_realm": {"platform": "android", "value": "FA+9qCX9VSu"},
        "template_id": "prelude:psd2",
        "locale": "fr-FR",
        "method": "auto",
        "preferred_channel": "whatsapp",
    },
}
