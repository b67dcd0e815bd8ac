"""The provider-neutral view of both providers' results, the create fields
each backend accepts, the checks for Prelude, and v2 parsing robustness."""

from __future__ import annotations

import json
import sys
from typing import Any

import pytest
import responses
from django.test import RequestFactory, override_settings
from django.views.debug import ExceptionReporter
from hypothesis import given, settings
from hypothesis import strategies as st

from django_ding.backends.base import CREATE_AUTHENTICATION_FIELDS, BaseBackend
from django_ding.backends.ding import DingBackend
from django_ding.backends.outcomes import CheckOutcome, RetryOutcome, SendOutcome
from django_ding.backends.prelude import PreludeBackend
from django_ding.backends.prelude_results import (
    PhoneLookupResponse,
    VerificationCheckResponse,
    VerificationHistoryResponse,
    VerificationResponse,
    VerificationRetryResponse,
    WatchFeedbackResponse,
)
from django_ding.backends.results import (
    CreateAuthenticationResponse,
    CreateCheckResponse,
    RetryAuthenticationResponse,
)
from django_ding.checks import check_ding_settings
from django_ding.exceptions import DingConfigurationError
from tests.backends.conftest import make_backend
from tests.backends.payloads import AUTH_UUID, BASE_URL, CREATE_RESPONSE, PHONE
from tests.backends.prelude_payloads import API_KEY, CODE, VRF_ID

PRELUDE = "django_ding.backends.prelude.PreludeBackend"

# -- Neutral outcomes --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "outcome", "sent", "reason"),
    [
        ("pending", SendOutcome.SENT, True, None),
        ("rate_limited", SendOutcome.BLOCKED, False, "rate_limited"),
        ("spam_detected", SendOutcome.BLOCKED, False, "spam_detected"),
        ("brand_new", SendOutcome.UNKNOWN, False, "brand_new"),
        (None, SendOutcome.UNKNOWN, False, None),
    ],
)
def test_v1_create_outcomes(status: Any, outcome: SendOutcome, sent: bool, reason: Any):
    result = CreateAuthenticationResponse.from_wire({**CREATE_RESPONSE, "status": status})
    assert (result.outcome, result.code_sent, result.refusal_reason) == (outcome, sent, reason)
    assert result.provider_id == AUTH_UUID
    assert result.expires_at is not None


@pytest.mark.parametrize(
    ("status", "outcome", "sent"),
    [
        ("success", SendOutcome.SENT, True),
        ("retry", SendOutcome.RESENT, True),
        ("challenged", SendOutcome.CHALLENGED, True),
        ("shadow_blocked", SendOutcome.SHADOW_BLOCKED, True),
        ("blocked", SendOutcome.BLOCKED, False),
        ("brand_new", SendOutcome.UNKNOWN, False),
        (None, SendOutcome.UNKNOWN, False),
    ],
)
def test_v2_create_outcomes(status: Any, outcome: SendOutcome, sent: bool):
    result = VerificationResponse.from_wire(
        {"id": VRF_ID, "status": status, "reason": "suspicious"}
    )
    assert (result.outcome, result.code_sent) == (outcome, sent)
    assert result.provider_id == VRF_ID
    assert result.refusal_reason == "suspicious"
    assert result.expires_at is None


@pytest.mark.parametrize(
    ("status", "retry_outcome", "outcome"),
    [
        ("approved", RetryOutcome.RESENT, SendOutcome.RESENT),
        ("denied", RetryOutcome.DENIED, SendOutcome.BLOCKED),
        ("no_attempt", RetryOutcome.NO_ATTEMPT, SendOutcome.BLOCKED),
        ("rate_limited", RetryOutcome.RATE_LIMITED, SendOutcome.BLOCKED),
        ("expired_auth", RetryOutcome.EXPIRED, SendOutcome.BLOCKED),
        ("already_validated", RetryOutcome.ALREADY_VALIDATED, SendOutcome.BLOCKED),
        ("brand_new", RetryOutcome.UNKNOWN, SendOutcome.UNKNOWN),
    ],
)
def test_v1_retry_outcomes(status: str, retry_outcome: RetryOutcome, outcome: SendOutcome):
    result = RetryAuthenticationResponse.from_wire(
        {"authentication_uuid": AUTH_UUID, "status": status, "remaining_retry": 1}
    )
    assert (result.retry_outcome, result.outcome) == (retry_outcome, outcome)
    assert result.code_sent is (status == "approved")
    assert result.refusal_reason == (None if status == "approved" else status)
    assert (result.provider_id, result.remaining_retry, result.expires_at) == (AUTH_UUID, 1, None)


@pytest.mark.parametrize(
    ("status", "retry_outcome", "outcome"),
    [
        ("retry", RetryOutcome.RESENT, SendOutcome.RESENT),
        ("success", RetryOutcome.RESTARTED, SendOutcome.SENT),
        ("challenged", RetryOutcome.CHALLENGED, SendOutcome.CHALLENGED),
        ("shadow_blocked", RetryOutcome.SHADOW_BLOCKED, SendOutcome.SHADOW_BLOCKED),
        ("blocked", RetryOutcome.BLOCKED, SendOutcome.BLOCKED),
        ("brand_new", RetryOutcome.UNKNOWN, SendOutcome.UNKNOWN),
    ],
)
def test_v2_retry_outcomes(status: str, retry_outcome: RetryOutcome, outcome: SendOutcome):
    result = VerificationRetryResponse.from_wire({"id": VRF_ID, "status": status})
    assert (result.retry_outcome, result.outcome) == (retry_outcome, outcome)
    assert (result.remaining_retry, result.next_retry_at) == (None, None)


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        ("valid", CheckOutcome.VALID),
        ("invalid", CheckOutcome.INVALID),
        ("expired_auth", CheckOutcome.EXPIRED),
        ("rate_limited", CheckOutcome.RATE_LIMITED),
        ("already_validated", CheckOutcome.ALREADY_VALIDATED),
        ("without_attempt", CheckOutcome.WITHOUT_ATTEMPT),
        ("unknown", CheckOutcome.UNKNOWN),
        ("brand_new", CheckOutcome.UNKNOWN),
        (None, CheckOutcome.UNKNOWN),
    ],
)
def test_v1_check_outcomes(status: Any, outcome: CheckOutcome):
    result = CreateCheckResponse.from_wire({"authentication_uuid": AUTH_UUID, "status": status})
    assert result.outcome is outcome
    assert result.is_valid is (outcome is CheckOutcome.VALID)
    assert result.provider_id == AUTH_UUID


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        ("success", CheckOutcome.VALID),
        ("failure", CheckOutcome.INVALID),
        ("expired_or_not_found", CheckOutcome.EXPIRED),
        ("transaction_missing", CheckOutcome.TRANSACTION_ERROR),
        ("transaction_mismatch", CheckOutcome.TRANSACTION_ERROR),
        ("brand_new", CheckOutcome.UNKNOWN),
        (None, CheckOutcome.UNKNOWN),
    ],
)
def test_v2_check_outcomes(status: Any, outcome: CheckOutcome):
    result = VerificationCheckResponse.from_wire({"id": VRF_ID, "status": status})
    assert result.outcome is outcome
    assert result.is_valid is (outcome is CheckOutcome.VALID)
    assert result.provider_id == VRF_ID


# -- Create fields per backend -------------------------------------------------------------


def test_each_backend_declares_its_create_fields():
    assert DingBackend.create_fields == BaseBackend.create_fields == CREATE_AUTHENTICATION_FIELDS
    assert PreludeBackend.create_fields - CREATE_AUTHENTICATION_FIELDS == {
        "user_agent",
        "method",
        "preferred_channel",
    }
    BaseBackend.validate_fields({"ip": "192.0.2.1"})
    PreludeBackend.validate_fields({"user_agent": "x"})
    with pytest.raises(TypeError, match=r"unexpected field.*user_agent"):
        BaseBackend.validate_fields({"user_agent": "x"})


def test_v1_rejects_v2_fields_and_drops_ipv6():
    backend = make_backend()
    with responses.RequestsMock() as mock:
        mock.post(f"{BASE_URL}/authentication", json=CREATE_RESPONSE)
        with pytest.raises(TypeError, match="user_agent"):
            backend.create_authentication(PHONE, user_agent="Mozilla/5.0")
        backend.create_authentication(PHONE, ip="2001:db8::1", device_id="d")
        body = json.loads(mock.calls[0].request.body)
    assert "ip" not in body
    assert body["device_id"] == "d"


# -- Checks ---------------------------------------------------------------------------------


def test_prelude_needs_an_api_key_but_no_customer_uuid():
    with override_settings(DING={"BACKEND": PRELUDE, "API_KEY": API_KEY}):
        assert check_ding_settings() == []
    with override_settings(DING={"BACKEND": PRELUDE}):
        assert [m.id for m in check_ding_settings()] == ["django_ding.E002"]
    with override_settings(DING={"BACKEND": PRELUDE, "API_KEY": "k", "BASE_URL": "ftp://x"}):
        assert [m.id for m in check_ding_settings()] == ["django_ding.E008"]


def test_error_report_hides_the_prelude_key():
    backend = PreludeBackend(api_key=API_KEY + " \n", base_url="https://api.prelude.test/v2")
    request = RequestFactory().get("/")
    try:
        backend.check(VRF_ID, CODE, phone_number=PHONE)
    except DingConfigurationError:
        html = ExceptionReporter(request, *sys.exc_info()).get_traceback_html()
    else:  # pragma: no cover
        raise AssertionError("no error")
    assert API_KEY not in html
    assert PHONE not in html
    assert CODE not in html
    assert "********************" in html


# -- v2 parsing never crashes -----------------------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)
KEYS = st.sampled_from(
    ["id", "status", "channels", "reason", "risk_factors", "metadata", "lifecycle", "events",
     "network_info", "flags", "line_type", "created_at", "expires_at", "signals", "check",
     "attempt", "type", "sent"]
)  # fmt: skip
V2_CLASSES = (
    VerificationResponse,
    VerificationRetryResponse,
    VerificationCheckResponse,
    WatchFeedbackResponse,
    PhoneLookupResponse,
    VerificationHistoryResponse,
)


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        KEYS, JSON | st.dictionaries(KEYS, JSON) | st.lists(st.dictionaries(KEYS, JSON))
    )
)
def test_v2_from_wire_never_crashes(data: dict[str, Any]):
    for cls in V2_CLASSES:
        result = cls.from_wire(data)
        json.dumps(result.to_wire())
        if hasattr(result, "outcome"):
            assert result.outcome is not None
