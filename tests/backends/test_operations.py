"""django_ding.backends.operations: typed requests, checked once where built.

The services build each request once and hand it to ``backend.send``; no
backend checks a request again. A spy on the argument checks of
:mod:`django_ding.backends.arguments` counts every call, wherever it is
imported.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import responses

from django_ding import services
from django_ding.backends import arguments
from django_ding.backends.base import BaseBackend
from django_ding.backends.ding import DingBackend
from django_ding.backends.operations import (
    CheckRequest,
    CreateRequest,
    FeedbackRequest,
    LookupRequest,
    RetryRequest,
    StatusRequest,
)
from django_ding.backends.outcomes import CheckOutcome, SendOutcome
from django_ding.backends.prelude import PreludeBackend
from django_ding.backends.test import BACKENDS, PreludeTestBackend, TestBackend, provider
from django_ding.sandbox.backend import PreludeSandboxBackend, SandboxBackend
from tests.backends import payloads as v1
from tests.backends import prelude_payloads as v2
from tests.backends.conftest import make_backend

PHONE = "+33612345678"
V2_URL = "https://api.prelude.test/v2"
_HELPERS = (
    "cnam_argument",
    "code_argument",
    "create_fields_argument",
    "feedback_status_argument",
    "phone_argument",
    "uuid_argument",
    "verification_id_argument",
)


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Count the calls of every argument check, in every module holding it."""
    calls: Counter[str] = Counter()

    def counting(name: str, check: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            calls[name] += 1
            return check(*args, **kwargs)

        return wrapper

    for name in _HELPERS:
        check = getattr(arguments, name)
        wrapper = counting(name, check)
        for module in list(sys.modules.values()):
            if getattr(module, "__name__", "").startswith("django_ding") and (
                getattr(module, name, None) is check
            ):
                monkeypatch.setattr(module, name, wrapper)
    return calls


@pytest.fixture(autouse=True)
def fresh() -> Iterator[None]:
    provider.reset()
    yield
    provider.reset()


# -- The requests ------------------------------------------------------------------


def test_requests_are_immutable_and_hide_the_number_and_the_code() -> None:
    check = CheckRequest.build(DingBackend, v1.AUTH_UUID, v1.CODE, phone_number=PHONE)
    create = CreateRequest.build(DingBackend, PHONE, {"template_id": "t"})
    for request in (check, create, FeedbackRequest.build(PHONE, "onboarded")):
        assert PHONE not in repr(request)
    assert v1.CODE not in repr(check)
    with pytest.raises(dataclasses.FrozenInstanceError):
        check.code = "1"  # type: ignore[misc]
    with pytest.raises(TypeError):
        create.wire_fields["template_id"] = "u"  # type: ignore[index]


def test_a_create_request_is_built_for_a_backend_class() -> None:
    fields = {"ip": "2001:db8::1", "device_type": "ios", "locale": None, "method": "voice"}
    with pytest.raises(TypeError, match=r"unexpected field.*method"):
        CreateRequest.build(DingBackend, PHONE, fields)
    v2_request = CreateRequest.build(PreludeBackend, PHONE, fields)
    assert v2_request.fields == fields  # as given
    assert v2_request.wire_fields == {"ip": "2001:db8::1", "device_type": "IOS", "method": "voice"}
    del fields["method"]
    v1_request = CreateRequest.build(DingBackend, PHONE, fields)
    assert v1_request.wire_fields == {"device_type": "IOS"}  # v1: no IPv6 ip


def test_ids_and_phone_numbers_follow_the_backend_class() -> None:
    assert CheckRequest.build(DingBackend, v1.AUTH_UUID.upper(), "1234").provider_id == (
        v1.AUTH_UUID
    )
    with pytest.raises(ValueError, match="authentication_uuid must be a UUID"):
        CheckRequest.build(DingBackend, v2.VRF_ID, "1234")
    with pytest.raises(TypeError, match=r"PreludeBackend\.retry\(\) needs phone_number="):
        RetryRequest.build(PreludeBackend, v2.VRF_ID)
    with pytest.raises(ValueError, match="verification id"):
        StatusRequest.build(PreludeBackend, "not an id!")
    with pytest.raises(TypeError, match="cnam must be True or False"):
        LookupRequest.build(PHONE, cnam=1)


# -- Checked once, through the services ----------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("flavour", sorted(BACKENDS))
def test_the_services_check_each_argument_once(
    flavour: str, settings: Any, spy: Counter[str]
) -> None:
    settings.DING = {"BACKEND": BACKENDS[flavour], "SEND_COOLDOWN": 0}
    authentication = services.send_code(PHONE, template_id="signup", device_type="android")
    assert spy == {"phone_argument": 1, "create_fields_argument": 1}
    assert provider.calls_to("create_authentication")[0]["template_id"] == "signup"

    spy.clear()
    assert services.check_code(authentication, provider.code).verified
    # TestBackend takes any opaque id: a v1 UUID and a v2 "vrf_..." alike.
    assert spy == {"verification_id_argument": 1, "code_argument": 1, "phone_argument": 1}

    spy.clear()
    services.lookup(PHONE)
    assert spy == {"phone_argument": 1, "cnam_argument": 1}


# -- Every backend sends a prebuilt request without checking it again ----------------


@pytest.mark.parametrize("backend_class", [TestBackend, PreludeTestBackend])
def test_the_test_backends_send_prebuilt_requests(
    backend_class: type[BaseBackend], spy: Counter[str]
) -> None:
    backend = backend_class()
    built = [
        CreateRequest.build(backend_class, PHONE, {"template_id": "t"}),
        LookupRequest.build(PHONE, cnam=True),
        FeedbackRequest.build(PHONE, "onboarded"),
    ]
    spy.clear()
    sent = backend.send(built[0])
    assert sent.outcome is SendOutcome.SENT
    for request in built[1:]:
        backend.send(request)
    for request in (
        CheckRequest.build(backend_class, sent.provider_id, provider.code, phone_number=PHONE),
        RetryRequest.build(backend_class, sent.provider_id, phone_number=PHONE),
        StatusRequest.build(backend_class, sent.provider_id),
    ):
        spy.clear()
        backend.send(request)
        assert spy == {}
    assert [call.operation for call in provider.calls] == [
        "create_authentication",
        "lookup",
        "feedback",
        "check",
        "retry",
        "get_authentication_status",
    ]
    assert provider.calls_to("check")[0]["check_code"] == provider.code


def test_ding_backend_sends_prebuilt_requests(spy: Counter[str]) -> None:
    backend = make_backend()
    built = [
        CreateRequest.build(DingBackend, PHONE, {"device_type": "ios"}),
        CheckRequest.build(DingBackend, v1.AUTH_UUID, v1.CODE),
        RetryRequest.build(DingBackend, v1.AUTH_UUID),
        FeedbackRequest.build(PHONE, "onboarded"),
        StatusRequest.build(DingBackend, v1.AUTH_UUID),
        LookupRequest.build(PHONE),
    ]
    spy.clear()
    with responses.RequestsMock() as mock:
        mock.post(f"{v1.BASE_URL}/authentication", json=v1.CREATE_RESPONSE)
        mock.post(f"{v1.BASE_URL}/check", json=v1.CHECK_RESPONSE)
        mock.post(f"{v1.BASE_URL}/retry", json=v1.RETRY_RESPONSE)
        mock.post(f"{v1.BASE_URL}/authentication/feedback", json=v1.FEEDBACK_RESPONSE)
        mock.get(f"{v1.BASE_URL}/authentication/{v1.AUTH_UUID}", json=v1.STATUS_RESPONSE)
        mock.get(f"{v1.BASE_URL}/lookup/{v1.PHONE_QUOTED}", json=v1.LOOKUP_RESPONSE)
        results = [backend.send(request) for request in built]
        bodies = [json.loads(call.request.body or "null") for call in mock.calls]
    assert spy == {}
    assert results[1].outcome is CheckOutcome.VALID
    assert bodies[0] == {
        "customer_uuid": v1.CUSTOMER_UUID,
        "phone_number": PHONE,
        "device_type": "IOS",
    }
    backend.close()


def test_prelude_backend_sends_prebuilt_requests(spy: Counter[str]) -> None:
    backend = PreludeBackend(api_key=v2.API_KEY, base_url=V2_URL)
    create = CreateRequest.build(PreludeBackend, PHONE, {"device_type": "ios"})
    check = CheckRequest.build(PreludeBackend, v2.VRF_ID, v2.CODE, phone_number=PHONE)
    spy.clear()
    with responses.RequestsMock() as mock:
        mock.post(f"{V2_URL}/verification", json=v2.CREATE_RESPONSE)
        mock.post(f"{V2_URL}/verification/check", json=v2.CHECK_RESPONSE)
        assert backend.send(create).id == v2.VRF_ID
        assert backend.send(check).outcome is CheckOutcome.VALID
        bodies = [json.loads(call.request.body or "null") for call in mock.calls]
    assert spy == {}
    assert bodies[0]["signals"] == {"device_platform": "ios"}
    assert bodies[1] == {"target": {"type": "phone_number", "value": PHONE}, "code": v2.CODE}
    backend.close()


def test_a_request_without_its_phone_number_is_refused_by_a_v2_backend() -> None:
    backend = PreludeBackend(api_key=v2.API_KEY, base_url=V2_URL)
    with pytest.raises(TypeError, match="RetryRequest has no phone_number"):
        backend.send(RetryRequest.build(TestBackend, v2.VRF_ID))


@pytest.mark.django_db
@pytest.mark.parametrize("backend_class", [SandboxBackend, PreludeSandboxBackend])
def test_the_sandbox_backends_send_prebuilt_requests(
    backend_class: type[BaseBackend], settings: Any, spy: Counter[str]
) -> None:
    settings.DEBUG = True
    backend = backend_class(sleep=lambda _: None)  # type: ignore[call-arg]
    create = CreateRequest.build(backend_class, PHONE, {"template_id": "t"})
    spy.clear()
    sent = backend.send(create)
    assert sent.outcome is SendOutcome.SENT
    lookup = LookupRequest.build(PHONE)
    spy.clear()
    backend.send(lookup)
    assert spy == {}
